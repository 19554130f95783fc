"""Policies as an earlier revision had them, read back from git.

What today's policies are compared with: FS015's baseline (``--base``), the gate's admission
history (which base-branch commits admitted a version) and ``history``/rollback (a range at
each commit). ``policies_at`` reads any number of ``(revision, file)`` pairs with one git
process; ``PolicyReader`` parses a file's bytes once per distinct content; ``named_like``
finds a policy again there by its ``namespace/name`` (a file is the same file by its path).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from flux_semver.model import Policy
from flux_semver.repo import git
from flux_semver.repo.manifests import read
from flux_semver.repo.stages import StageResolver
from flux_semver.repo.yaml_positions import YamlError


class PolicyReader:
    """The semver policies in a file's bytes, parsed once per distinct content."""

    def __init__(self, resolver: StageResolver) -> None:
        self._resolver = resolver
        self._seen: dict[tuple[str, bytes], list[Policy]] = {}

    def policies(self, raw: bytes | None, file: str) -> list[Policy]:
        """None (the file was not there) and bytes that are not YAML hold no policy."""
        if raw is None:
            return []
        key = (file, raw)
        if key not in self._seen:
            try:
                found = read(raw, file, self._resolver)
            except YamlError:
                found = []
            self._seen[key] = [p for p in found if p.kind == "semver"]
        return self._seen[key]


def policies_at(
    root: Path,
    places: Iterable[tuple[str, str]],
    reader: PolicyReader,
    *,
    commits: Sequence[str] = (),
) -> dict[tuple[str, str], list[Policy]]:
    """The semver policies of each ``(revision, file)`` (``file`` relative to ``root``), all
    read with one git process; a file a revision does not have holds none. Each of
    ``commits`` must name a commit (a GitError says which does not)."""
    blobs = git.show_files(root, places, commits=commits)
    return {(rev, file): reader.policies(raw, file) for (rev, file), raw in blobs.items()}


def named_like(found: Iterable[Policy], policy: Policy) -> list[Policy]:
    """The policies of ``found`` (one file at one revision) that are ``policy`` then."""
    return [other for other in found if other.ref == policy.ref]
