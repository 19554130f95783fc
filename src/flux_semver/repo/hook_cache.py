"""What a pre-commit hook remembers between runs: which contents it need not read again.

A hook scans the whole repository on every commit, and reading every YAML file again is most
of its run. The cache names files by git's index records, ``H <mode> <blob id> 0\t<path>``:
path and content at once. A file counts as one of them only when git vouches that its bytes
are that blob (:mod:`~flux_semver.repo.git_files`: tracked, unchanged in the work tree), so an
edit, however small and however quick, is always read from disk. For each record the cache
keeps one of two things:

- that it is quiet: it mentions no kind a scan reads (perhaps a ConfigMap, which a scan reads
  only when a substitution asks), so the file is passed over unread — almost every file of a
  large GitOps repository (Deployments, values files);
- its bytes, for a file that mentions a kind (a policy, a kustomization) and is small: the
  scan takes them from the cache instead of opening the file.

The quiet records are matched against git's listing as sets, so ten thousand known files
cost a set intersection, not a loop. The cache lives in the repository's git directory
(nothing in the work tree), as ``.git/flux-semver-hook-cache``. It is only a cache: when it
cannot be read or written, or was written for other markers or other exclude globs (a file
it passes over is counted as scanned), every file is read.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path

NAME = "flux-semver-hook-cache"
_FORMER_NAMES = ("flux-semver-quiet-files",)  # removed when the cache is written
_VERSION = 4
MAX_FILE = 64 << 10  # a larger file is read from disk every time
MAX_BYTES = 16 << 20  # the bytes kept in all

# the quiet records, those of them that mention a ConfigMap, and the bytes kept by record
_Known = tuple[set[str], set[str], dict[str, bytes]]
_Header = tuple[int, bytes, tuple[str, ...]]  # the version, markers and exclude globs


class HookCache:
    """What the last scan of one repository learnt, by index record."""

    def __init__(self, path: Path | None, header: _Header, known: _Known) -> None:
        self._path = path
        self._header = header
        self._known = known
        self._now: _Known = (set(), set(), {})
        self._kept = 0

    @classmethod
    def of(
        cls, root: Path, markers: bytes, exclude: tuple[str, ...], *, wanted: bool = True
    ) -> HookCache:
        """The cache of the repository at ``root`` for a scan that looks for ``markers`` and
        leaves out ``exclude``; one that knows nothing and keeps nothing when it is not
        ``wanted`` or ``root`` has no git directory of its own."""
        header: _Header = (_VERSION, markers, exclude)
        git_dir = root / ".git"
        if not wanted or not git_dir.is_dir():
            return cls(None, header, (set(), set(), {}))
        path = git_dir / NAME
        known: _Known = (set(), set(), {})
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            data = marshal.loads(path.read_bytes())  # noqa: S302 - the repository's own file
            if (
                isinstance(data, tuple)
                and len(data) == 4
                and data[0] == header
                and isinstance(data[1], set)
                and isinstance(data[2], set)
                and isinstance(data[3], dict)
            ):
                known = (data[1], data[2], data[3])
        return cls(path, header, known)

    @property
    def active(self) -> bool:
        """Whether this cache is kept at all (a hook's scan in a git repository)."""
        return self._path is not None

    def sift(self, records: list[str]) -> tuple[list[str], list[str], list[str]]:
        """Of the index records git vouches for: (those still to look at, the quiet ones,
        the quiet ones that mention a ConfigMap)."""
        quiet = self._known[0].intersection(records)
        configmaps = self._known[1].intersection(records)
        self._now[0].update(quiet)
        self._now[1].update(configmaps)
        if not quiet and not configmaps:
            return records, [], []
        rest = [r for r in records if r not in quiet and r not in configmaps]
        return rest, list(quiet), list(configmaps)

    def content(self, record: str | None) -> bytes | None:
        """The bytes of the file of ``record`` when kept (kept again for the next run)."""
        if record is None:
            return None
        raw = self._known[2].get(record)
        if isinstance(raw, bytes):
            self.keep(record, raw)
            return raw
        return None

    def remember_quiet(self, record: str | None, *, configmap: bool) -> None:
        """The file of ``record`` (None: not vouched for by git) mentions no kind a scan
        reads (``configmap``: but a ConfigMap)."""
        if record is not None and self._path is not None:
            (self._now[1] if configmap else self._now[0]).add(record)

    def keep(self, record: str | None, raw: bytes) -> None:
        """Keep the bytes of the file of ``record`` (one that mentions a kind) for the next
        run, while it is small and the cache has room."""
        if (
            record is None
            or self._path is None
            or len(raw) > MAX_FILE
            or self._kept + len(raw) > MAX_BYTES
            or record in self._now[2]
        ):
            return
        self._now[2][record] = raw
        self._kept += len(raw)

    def save(self) -> None:
        """Write the cache when it changed; a failure leaves the old one (or none)."""
        known, now = self._known, self._now
        if self._path is None or (
            now[0] == known[0] and now[1] == known[1] and now[2].keys() == known[2].keys()
        ):
            return
        data = marshal.dumps((self._header, *now))
        path = self._path
        # a name of this process's own, created exclusively, then renamed over the cache
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
                return
        for former in _FORMER_NAMES:
            with contextlib.suppress(OSError):
                path.with_name(former).unlink()
