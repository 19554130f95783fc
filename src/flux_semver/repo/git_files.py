"""The work tree's files as git's index knows them, asked for in the background.

A pre-commit hook scans the whole repository on every commit. Walking 10,000 files and
stat-ing each is a large part of a hook's run in Python, while git keeps every tracked file's
stat data in its index and compares them in C. One git command, started (:func:`prefetch`)
while the hook imports the rest of flux-semver, ``git ls-files -v -s -m -o``, lists every
tracked path with its mode, blob id, stage and flags, again each whose work-tree copy differs
from the index (git re-reads a racily clean file rather than trust its timestamp), and the
untracked files, ignored ones included (a scan reads those too).

A tracked regular file that git finds unchanged, and that is neither assume-unchanged nor
skip-worktree nor in conflict, holds exactly its blob's bytes: its blob id names its content.
Everything else is for the scan to look at on disk as its walk would: a changed, missing or
untracked path, a symbolic link, and the directories git lists as one entry (a submodule, a
nested repository). When git fails, or warns (an unreadable directory), there is no listing
and the scan walks the tree itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import msgspec

# one listing of the index (-s: mode, blob id, stage; -v: lower-case tags for assume-unchanged),
# with the modified entries again under tag C (-m) and the untracked files under tag ? (-o)
_COMMAND = ("git", "ls-files", "-v", "-s", "-m", "-o", "-z")
# the head of a plain cached entry (tag H) of a regular file; stage 0 is no conflict
_PLAIN = ("H 100644 ", "H 100755 ")
_GITLINK = " 160000 "
_ENCODING = sys.getfilesystemencoding()

_started: dict[str, _Run] = {}


class Listing(msgspec.Struct, frozen=True):
    """What git says of the work tree below its top level (paths relative, with ``/``)."""

    # the index records of the tracked regular files git vouches for (their bytes are their
    # blob): "H <mode> <blob id> 0\t<path>", one string that names both path and content
    vouched: list[str]
    on_disk: list[str]  # paths to look at on disk: changed, untracked, links, flagged
    subtrees: list[str]  # directories git lists as one entry (submodules, nested repos)
    head: int = 0  # the length of a record's head: its path starts after the tab that ends it

    def path(self, record: str) -> str:
        """The path of one of :attr:`vouched`."""
        return record[self.head + 1 :]


class _Run:
    """The git command under way. Where the system has anonymous in-memory files (Linux), its
    output goes to them rather than to pipes: a pipe holds 64 KiB, and git would stop
    half-way through listing a large index until someone read it."""

    def __init__(self, root: Path) -> None:
        self._files = _memory_files()
        out, err = self._files or (subprocess.PIPE, subprocess.PIPE)
        try:
            self.process = subprocess.Popen(
                _COMMAND, cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
        except OSError:
            self._close()
            raise

    def output(self) -> bytes | None:
        """What the command printed, or None when it failed or warned."""
        out, err = self.process.communicate()
        if self._files is not None:
            out, err = (_read_back(fd) for fd in self._files)
            self._close()
        return out if self.process.returncode == 0 and not err.strip() else None

    def _close(self) -> None:
        for fd in self._files or ():
            os.close(fd)
        self._files = None


def _memory_files() -> tuple[int, int] | None:
    """Two anonymous in-memory files, or None where the system has none."""
    create = getattr(os, "memfd_create", None)
    if create is None:
        return None
    made: list[int] = []
    try:
        for _ in range(2):
            made.append(create("flux-semver-git", os.MFD_CLOEXEC))
    except OSError:
        for fd in made:
            os.close(fd)
        return None
    return made[0], made[1]


def _read_back(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, size, 0) if size else b""


def prefetch(root: Path) -> None:
    """Start asking git about ``root``'s files, for :func:`listing` to collect later.

    Does nothing unless ``root`` is the top level of a git repository of its own (a
    ``.git`` directory): anywhere else its paths would not be git's."""
    if (root / ".git").is_dir() and str(root) not in _started:
        try:
            _started[str(root)] = _Run(root)
        except OSError:  # no git on PATH: the scan walks
            return


def listing(root: Path) -> Listing | None:
    """What git says of ``root``'s files (started by :func:`prefetch`, or now); None when
    ``root`` is not a git top level with a ``.git`` directory, or git fails or warns."""
    prefetch(root)
    run = _started.pop(str(root), None)
    output = None if run is None else run.output()
    return None if output is None else _parse(output)  # None: git failed or warned


def _parse(output: bytes) -> Listing:
    # "<tag> <mode> <blob id> <stage>\t<path>" per index entry (a conflicted path has one per
    # stage; a changed one a second, tagged C) and "? <path>" per untracked file. Every
    # entry's head has the same length (a one-letter tag, six-digit modes, one hash): the
    # plain ones, tag H at stage 0 (no conflict), are picked out by slicing
    records = _paths(output)
    tab = next((r.index("\t") for r in records if not r.startswith("? ")), 0)
    plain = " 0\t"
    vouched = [r for r in records if r[tab - 2 : tab + 1] == plain and r[:9] in _PLAIN]
    others: list[str] = []  # changed, untracked, flagged, links, submodules: none, mostly
    if len(vouched) != len(records):
        known = set(vouched)
        others = [r for r in records if r not in known]
    on_disk: list[str] = []
    subtrees: list[str] = []
    for record in others:
        if record.startswith("? "):
            if record.endswith("/"):
                subtrees.append(record[2:-1])  # a nested repository: git does not go in
            else:
                on_disk.append(record[2:])
            continue
        path = record[tab + 1 :]
        if record[1:9] == _GITLINK:
            subtrees.append(path)
        else:
            on_disk.append(path)  # C: changed in the work tree since it was added, or flagged
    if on_disk:
        changed = set(on_disk)
        vouched = [r for r in vouched if r[tab + 1 :] not in changed]
    # a submodule checked out at another commit than recorded is listed twice (H and C)
    return Listing(vouched, list(dict.fromkeys(on_disk)), list(dict.fromkeys(subtrees)), tab)


def _paths(output: bytes) -> list[str]:
    """The NUL-terminated records of a ``-z`` output, as ``os.fsdecode`` decodes names."""
    return output.decode(_ENCODING, "surrogateescape").split("\0")[:-1]
