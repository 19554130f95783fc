"""What a pre-commit hook remembers between runs: which contents it need not read again.

A hook scans the whole repository on every commit, and reading every YAML file again is most
of its run. The cache names contents, not files: git blob ids. A file counts as one of them
only when git vouches that its bytes are that blob (:mod:`~flux_semver.repo.git_files`:
tracked, unchanged in the work tree), so an edit, however small and however quick, is always
read from disk. For each blob the cache keeps one of two things:

- that it is quiet: it mentions no kind a scan reads (perhaps a ConfigMap, which a scan reads
  only when a substitution asks), so the file is passed over unread — almost every file of a
  large GitOps repository (Deployments, values files);
- its bytes, for a file that mentions a kind (a policy, a kustomization) and is small: the
  scan takes them from the cache instead of opening the file.

The cache lives in the repository's git directory (nothing in the work tree), as
``.git/flux-semver-hook-cache``. It is only a cache: when it cannot be read or written, or
was written for other markers, every file is read.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path

NAME = "flux-semver-hook-cache"
_FORMER_NAMES = ("flux-semver-quiet-files",)  # removed when the cache is written
_VERSION = 3
MAX_FILE = 64 << 10  # a larger file is read from disk every time
MAX_BYTES = 16 << 20  # the bytes kept in all


class HookCache:
    """What the last scan of one repository learnt, by blob id."""

    def __init__(
        self,
        path: Path | None,
        markers: bytes,
        quiet: dict[str, bool],
        contents: dict[str, bytes],
    ) -> None:
        self._path = path
        self._markers = markers
        self._quiet = quiet  # blob id → whether it mentions a ConfigMap
        self._contents = contents  # blob id → bytes
        self._quiet_now: dict[str, bool] = {}
        self._contents_now: dict[str, bytes] = {}
        self._kept = 0

    @classmethod
    def of(cls, root: Path, markers: bytes, *, wanted: bool = True) -> HookCache:
        """The cache of the repository at ``root`` (``markers`` says what "quiet" was
        measured against); one that knows nothing and keeps nothing when it is not
        ``wanted`` or ``root`` has no git directory of its own."""
        git_dir = root / ".git"
        if not wanted or not git_dir.is_dir():
            return cls(None, markers, {}, {})
        path = git_dir / NAME
        quiet: dict[str, bool] = {}
        contents: dict[str, bytes] = {}
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            data = marshal.loads(path.read_bytes())  # noqa: S302 - the repository's own file
            if (
                isinstance(data, tuple)
                and len(data) == 4
                and data[:2] == (_VERSION, markers)
                and isinstance(data[2], dict)
                and isinstance(data[3], dict)
            ):
                quiet, contents = data[2], data[3]
        return cls(path, markers, quiet, contents)

    @property
    def active(self) -> bool:
        """Whether this cache is kept at all (a hook's scan in a git repository)."""
        return self._path is not None

    def quiet(self, rel: str, blob: str | None, configmaps: list[str]) -> bool:
        """Whether the file ``rel``, whose bytes git says are ``blob``, was found quiet; if
        it mentions a ConfigMap, ``rel`` is added to ``configmaps``."""
        if blob is None:
            return False
        configmap = self._quiet.get(blob)
        if configmap is None:
            return False
        self._quiet_now[blob] = configmap
        if configmap is True:
            configmaps.append(rel)
        return True

    def content(self, blob: str | None) -> bytes | None:
        """The bytes of ``blob`` when kept (kept again for the next run), else None."""
        if blob is None:
            return None
        raw = self._contents.get(blob)
        if raw is not None and isinstance(raw, bytes):
            self.keep(blob, raw)
            return raw
        return None

    def remember_quiet(self, blob: str | None, *, configmap: bool) -> None:
        """A file whose bytes are ``blob`` (None: not vouched for by git) mentions no kind a
        scan reads (``configmap``: but a ConfigMap)."""
        if blob is not None and self._path is not None:
            self._quiet_now[blob] = configmap

    def keep(self, blob: str | None, raw: bytes) -> None:
        """Keep the bytes of ``blob`` (a file that mentions a kind) for the next run, while
        it is small and the cache has room."""
        if (
            blob is None
            or self._path is None
            or len(raw) > MAX_FILE
            or self._kept + len(raw) > MAX_BYTES
            or blob in self._contents_now
        ):
            return
        self._contents_now[blob] = raw
        self._kept += len(raw)

    def save(self) -> None:
        """Write the cache when it changed; a failure leaves the old one (or none)."""
        if self._path is None or (
            self._quiet_now == self._quiet and self._contents_now.keys() == self._contents.keys()
        ):
            return
        data = marshal.dumps((_VERSION, self._markers, self._quiet_now, self._contents_now))
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
