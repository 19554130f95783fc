"""The files a scan may pass over unread: read before, found to mention no kind a scan reads
(perhaps a ConfigMap, which it reads only when a substitution asks), and unchanged since.

A pre-commit hook scans the whole repository on every commit, and in a large GitOps
repository almost every YAML file is a Deployment or a values file that mentions no policy
kind. Reading them all again is most of a hook's run. As git's index does for its own
files, a file's size, modification and change times and inode say it is unchanged: a file
whose stat data are the ones it had when a scan found it quiet is quiet still.

Only files whose modification and change times were at least :data:`SETTLED` seconds old
when they were read are remembered, so that an edit in the same clock tick as the read
cannot hide behind an unchanged timestamp (git calls such entries "racily clean"). The
record lives in the repository's git directory (nothing in the work tree); it is a cache:
when it cannot be read or written, or was written for other markers, every file is read.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from pathlib import Path

SETTLED = 2.0  # seconds a file's times must lie in the past before it is remembered
NAME = "flux-semver-quiet-files"

Key = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Entry = tuple[int, int, int, int, bool]  # the key, and whether the file mentions ConfigMap


def _key(stat: os.stat_result) -> Key:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class QuietFiles:
    """What the last scan of one repository found quiet, by relative path."""

    def __init__(self, path: Path | None, markers: bytes, known: dict[str, Entry]) -> None:
        self._path = path
        self._markers = markers
        self._known = known
        self._now: dict[str, Entry] = {}
        self._last: tuple[str, Key] | None = None
        self._before = time.time_ns() - int(SETTLED * 1e9)

    @classmethod
    def of(cls, root: Path, markers: bytes, *, wanted: bool = True) -> QuietFiles:
        """The record of the repository at ``root`` (``markers`` says what "quiet" was
        measured against); one that knows nothing and keeps nothing when it is not
        ``wanted`` or ``root`` has no git directory of its own."""
        git_dir = root / ".git"
        if not wanted or not git_dir.is_dir():
            return cls(None, markers, {})
        path = git_dir / NAME
        known: dict[str, Entry] = {}
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            data = marshal.loads(path.read_bytes())  # noqa: S302 - the repository's own file
            if isinstance(data, tuple) and len(data) == 2 and data[0] == markers:
                known = {
                    rel: key
                    for rel, key in data[1].items()
                    if isinstance(rel, str) and isinstance(key, tuple) and len(key) == 5
                }
        return cls(path, markers, known)

    def unchanged(self, path: str, rel: str, configmaps: list[str]) -> bool:
        """Whether ``rel`` (at ``path``) was quiet when last read and has the same stat data
        now; if it mentioned a ConfigMap, ``rel`` is added to ``configmaps``. Its stat data
        are kept for :meth:`remember`, taken before the file is read."""
        if self._path is None:
            return False
        try:
            # os.stat, not Path.stat: building a Path per file cost more than the stat
            key = _key(os.stat(path))  # noqa: PTH116
        except OSError:
            self._last = None
            return False
        self._last = (rel, key)
        entry = self._known.get(rel)
        if entry is None or entry[:4] != key:
            return False
        self._now[rel] = entry
        if entry[4]:
            configmaps.append(rel)
        return True

    def remember(self, rel: str, *, configmap: bool) -> None:
        """``rel``, just asked about and read, mentions no kind a scan reads (``configmap``:
        but a ConfigMap)."""
        if self._last is None or self._last[0] != rel:
            return
        key = self._last[1]
        if key[1] < self._before and key[2] < self._before:
            self._now[rel] = (*key, configmap)

    def save(self) -> None:
        """Write the record when it changed; a failure leaves the old one (or none)."""
        if self._path is None or self._now == self._known:
            return
        data = marshal.dumps((self._markers, self._now))
        path = self._path
        # a name of this process's own, created exclusively, then renamed over the record
        # (tempfile is not imported for this: its imports cost a hook more than the write)
        tmp = path.with_name(f".{NAME}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                tmp.replace(path)
            except OSError:
                with contextlib.suppress(OSError):
                    tmp.unlink()
