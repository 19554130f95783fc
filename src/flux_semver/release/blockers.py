"""Which files that cannot be read stop a release of one app.

A policy file that cannot be read might hold one of the app's stages: a release planned
without it would skip that stage, so it stops the release. A file that parses badly but never
names the app (a ``docs/notes.yaml`` that mentions ImagePolicy in a comment, another app's
broken file) cannot hold one of its policies — the app is written in the policy as its
``imageRepositoryRef`` name or ``flux-semver/app`` label — and stops only the releases it
could affect. What cannot be looked into at all (an unreadable file or directory, a link out
of the repository, a file too large to read) stops every release. Helm or Go templates stop
none: their policies are rendered elsewhere, never edited.
"""

from __future__ import annotations

import re
from pathlib import Path

from flux_semver.errors import PlanError
from flux_semver.model import FileError
from flux_semver.repo.manifests import MAX_BYTES, Repository


def could_hold(root: Path, error: FileError, app: str | None) -> bool:
    """Whether the file of ``error`` might hold a policy of ``app`` (None: of any app)."""
    if app is None:
        return True
    path = root / error.file
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            return True
        raw = path.read_bytes()
    except OSError:
        return True
    word = re.escape(app.encode("utf-8"))
    return re.search(rb"(?<![\w.-])" + word + rb"(?![\w.-])", raw) is not None


def require_readable(repo: Repository, app: str | None) -> None:
    """PlanError for the first unreadable policy file that could hold a policy of ``app``
    (of any app when None: the app itself could not be told)."""
    for error in repo.errors:
        if error.mentions_policy and not error.template and could_hold(repo.root, error, app):
            raise PlanError(
                f"{error.file}:{error.line}:{error.column}: no release is planned while this "
                f"ImagePolicy file cannot be read: {error.message}"
            )
