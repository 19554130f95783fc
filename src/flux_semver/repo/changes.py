"""What a commit changes, as ``git diff --name-status`` says: the files added, modified and
deleted (a rename is the old path deleted and the new one added).

The pre-commit hooks need this: pre-commit passes the files a commit adds or modifies, never
the ones it deletes, and a deleted policy file or an edited config changes what every other
file's findings are.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import msgspec

from flux_semver.repo import git

POLICY_MARKER = b"ImagePolicy"


class Change(msgspec.Struct, frozen=True):
    """One changed path, relative to the git top level; status ``A``, ``M``, ``D`` or ``T``."""

    status: str
    path: str


def _parse(out: bytes) -> list[Change]:
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    return [
        Change(status[:1], path)
        for status, path in zip(fields[::2], fields[1::2], strict=False)
        if status
    ]


def staged(root: Path) -> list[Change]:
    """The changes in the index against HEAD (all files added, before the first commit)."""
    return _parse(
        git.run(root, "diff", "--cached", "--name-status", "--no-renames", "--no-ext-diff", "-z")
    )


def between(root: Path, base: str, head: str) -> list[Change]:
    """The changes from the merge base of ``base`` and ``head`` to ``head``."""
    return _parse(
        git.run(
            root, "diff", "--name-status", "--no-renames", "--no-ext-diff", "-z", f"{base}...{head}"
        )
    )


def deleted_policy_files(
    root: Path,
    changes: Iterable[Change],
    revision: str,
    extensions: tuple[str, ...] = (".yaml", ".yml"),
) -> list[str]:
    """The deleted YAML files among ``changes`` that held an ImagePolicy at ``revision``."""
    gone = [c.path for c in changes if c.status == "D" and c.path.endswith(extensions)]
    if not gone:
        return []
    blobs = git.show_files(root, [(revision, path) for path in gone])
    return [path for path in gone if POLICY_MARKER in (blobs[(revision, path)] or b"")]
