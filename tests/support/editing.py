"""One range edit at a time, as the editing tests exercise it (the library edits in batches)."""

from __future__ import annotations

from pathlib import Path

from flux_semver.model import Policy
from flux_semver.repo.editing import set_ranges


def set_range(root: Path, policy: Policy, new_range: str) -> bool:
    """Write ``new_range`` as the policy's range; return whether the file changed."""
    return bool(set_ranges(root, [(policy, new_range)]))
