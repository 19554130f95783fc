"""The ranges policies had at a base revision: what FS015 compares a change with.

``Baseline.at(root, rev, policies)`` reads every file of ``policies`` at ``rev`` (with
:func:`~flux_semver.repo.at_revision.policies_at`: one git process) and keeps each semver
range there by file and ``namespace/name``. The hooks use ``HEAD`` (the
staged change) or pre-commit's ``PRE_COMMIT_FROM_REF``; ``check --base REV`` names one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import msgspec

from flux_semver.errors import GitError
from flux_semver.model import Config, Policy
from flux_semver.repo.at_revision import PolicyReader, policies_at
from flux_semver.repo.stages import StageResolver


class Baseline(msgspec.Struct, frozen=True):
    """Semver ranges at ``rev`` by (file, policy ref); a policy absent there has none."""

    rev: str
    ranges: dict[tuple[str, str], str] = msgspec.field(default_factory=dict)

    @classmethod
    def at(cls, root: Path, rev: str, config: Config, policies: Iterable[Policy]) -> Baseline:
        """The ranges of ``policies`` at ``rev``. Raises GitError when ``rev`` names no commit
        of the repository at ``root``."""
        files = sorted({p.file for p in policies if not p.patch})
        reader = PolicyReader(StageResolver(config))
        ranges: dict[tuple[str, str], str] = {}
        try:
            found = policies_at(root, [(rev, f) for f in files], reader, commits=[rev])
        except GitError:
            raise GitError(
                f"--base {rev}: no such commit in {root} — name a branch, tag or commit "
                "(e.g. origin/main, HEAD~1)"
            ) from None
        for (_, file), policies_then in found.items():
            for policy in policies_then:
                if not policy.patch and policy.range_text is not None:
                    ranges.setdefault((file, policy.ref), policy.range_text)
        return cls(rev, ranges)

    def range_of(self, policy: Policy) -> str | None:
        """The range ``policy`` had at the base, or None when it was not there."""
        return self.ranges.get((policy.file, policy.ref))
