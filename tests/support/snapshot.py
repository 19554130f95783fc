"""What a tree holds, to show that a command left it as it was (or changed only what it should).

Symbolic links are followed; ``test_bad_input`` keeps a snapshot of its own that records links
as links.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def snapshot(
    root: Path, pattern: str = "*.yaml", skip: Iterable[str] = (".git",)
) -> dict[str, bytes]:
    """The content of every file under ``root`` whose name matches ``pattern``, by its path
    relative to ``root`` (POSIX), leaving out any path with a folder named in ``skip``."""
    skipped = set(skip)
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob(pattern))
        if path.is_file() and skipped.isdisjoint(path.relative_to(root).parts)
    }
