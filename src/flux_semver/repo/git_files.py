"""The work tree's files as git's index knows them, asked for in the background.

A pre-commit hook scans the whole repository on every commit. Walking 10,000 files and
stat-ing each is a large part of a hook's run in Python, while git keeps every tracked file's
stat data in its index and compares them in C. Three git commands, started together
(:func:`prefetch`) while the hook imports the rest of flux-semver, say:

- ``git ls-files -v -s``: every tracked path with its mode, blob id, stage and flags;
- ``git diff-files --name-only``: the tracked paths whose work-tree copy differs from the
  index (git re-reads a racily clean file rather than trust its timestamp);
- ``git ls-files -o``: the untracked files, ignored ones included (a scan reads those too).

A tracked regular file that git finds unchanged, and that is neither assume-unchanged nor
skip-worktree nor in conflict, holds exactly its blob's bytes: its blob id names its content.
Everything else is for the scan to look at on disk as its walk would: a changed, missing or
untracked path, a symbolic link, and the directories git lists as one entry (a submodule, a
nested repository). When git fails, or warns (an unreadable directory), there is no listing
and the scan walks the tree itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

_COMMANDS = (
    ("ls-files", "-v", "-s", "-z"),
    ("diff-files", "--name-only", "-z"),
    ("ls-files", "-o", "-z"),
)
# the head of a plain cached entry (tag H) of a regular file; stage 0 is no conflict
_PLAIN = ("H 100644 ", "H 100755 ")
_GITLINK = " 160000 "
_ENCODING = sys.getfilesystemencoding()

_started: dict[str, _Pending] = {}


class Listing(NamedTuple):
    """What git says of the work tree below its top level (paths relative, with ``/``)."""

    unchanged: dict[str, str]  # tracked regular files whose bytes are their blob: path → id
    on_disk: list[str]  # paths to look at on disk: changed, untracked, links, flagged
    subtrees: list[str]  # directories git lists as one entry (submodules, nested repos)


class _Pending:
    def __init__(self, root: Path) -> None:
        self.processes = [
            subprocess.Popen(
                ["git", *command],
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for command in _COMMANDS
        ]

    def result(self) -> Listing | None:
        outputs: list[bytes] = []
        for process in self.processes:
            out, err = process.communicate()
            if process.returncode != 0 or err.strip():
                return None  # git failed or warned: let the scan walk the tree itself
            outputs.append(out)
        return _parse(*outputs)


def prefetch(root: Path) -> None:
    """Start asking git about ``root``'s files, for :func:`listing` to collect later.

    Does nothing unless ``root`` is the top level of a git repository of its own (a
    ``.git`` directory): anywhere else its paths would not be git's."""
    if (root / ".git").is_dir() and str(root) not in _started:
        try:
            _started[str(root)] = _Pending(root)
        except OSError:  # no git on PATH: the scan walks
            return


def listing(root: Path) -> Listing | None:
    """What git says of ``root``'s files (started by :func:`prefetch`, or now); None when
    ``root`` is not a git top level with a ``.git`` directory, or git fails or warns."""
    prefetch(root)
    pending = _started.pop(str(root), None)
    return None if pending is None else pending.result()


def _parse(tracked: bytes, changed: bytes, untracked: bytes) -> Listing:
    dirty = set(_paths(changed))
    unchanged: dict[str, str] = {}
    on_disk: list[str] = []
    subtrees: list[str] = []
    # one "<tag> <mode> <blob id> <stage>\t<path>" record per entry; a conflicted path has
    # one per stage
    for record in _paths(tracked):
        head, _, path = record.partition("\t")
        if head[:9] in _PLAIN and head[-2:] == " 0" and path not in dirty:
            unchanged[path] = head[9:-2]
        elif head[1:9] == _GITLINK:
            subtrees.append(path)
        elif path not in unchanged:
            on_disk.append(path)
    for path in _paths(untracked):
        if path.endswith("/"):
            subtrees.append(path[:-1])  # a nested repository: git does not go in
        else:
            on_disk.append(path)
    return Listing(unchanged, list(dict.fromkeys(on_disk)), subtrees)


def _paths(output: bytes) -> list[str]:
    """The NUL-terminated records of a ``-z`` output, as ``os.fsdecode`` decodes names."""
    return output.decode(_ENCODING, "surrogateescape").split("\0")[:-1]
