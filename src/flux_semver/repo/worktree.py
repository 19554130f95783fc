"""The state of the files a command is about to write: uncommitted changes, and one writer at
a time.

``uncommitted`` names the files that differ from HEAD (staged or not): a release written into
one of them would mix with work in progress. ``exclusive`` holds a lock on the repository root
while a command scans, plans and writes, so two promotes at once run one after the other and
the second plans on what the first wrote — never a lost update. The lock is an ``flock`` on the
root directory itself: nothing is created in the tree, and it goes with the process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from flux_semver.errors import GitError
from flux_semver.repo import git

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no advisory locks to take
    fcntl = None  # type: ignore[assignment]


def uncommitted(root: Path, files: Sequence[str]) -> list[str]:
    """Those of ``files`` (relative to ``root``) with changes git has not committed; none
    outside a git repository (there is nothing to mix a release with)."""
    if not files:
        return []
    try:
        out = git.run(
            root,
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=no",
            "--no-renames",
            "--",
            *files,
        )
    except GitError:
        return []
    top = git.prefix(root)
    listed = {entry[3:] for entry in out.decode("utf-8", "surrogateescape").split("\0") if entry}
    return [file for file in files if top + file in listed]


@contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """Hold the repository's write lock (waiting for another holder to finish)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    handle = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock
