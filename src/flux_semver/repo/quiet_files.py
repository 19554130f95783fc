"""The files a scan may pass over unread: their content was read before and mentions no kind
a scan reads (perhaps a ConfigMap, which it reads only when a substitution asks).

A pre-commit hook scans the whole repository on every commit, and in a large GitOps
repository almost every YAML file is a Deployment or a values file that mentions no policy
kind. Reading them all again is most of a hook's run. The record names contents, not files:
the git blob ids of the quiet files the last scan saw. A file counts as one of them only
when git vouches that its bytes are that blob (:mod:`~flux_semver.repo.git_files`: tracked,
unchanged in the work tree), so an edit, however small and however quick, is always read.

The record lives in the repository's git directory (nothing in the work tree); it is a cache:
when it cannot be read or written, or was written for other markers, every file is read.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path

NAME = "flux-semver-quiet-files"
_VERSION = 2  # 1 named files by their stat data


class QuietFiles:
    """The blob ids of the contents the last scan of one repository found quiet."""

    def __init__(self, path: Path | None, markers: bytes, known: dict[str, bool]) -> None:
        self._path = path
        self._markers = markers
        self._known = known  # blob id → whether it mentions a ConfigMap
        self._now: dict[str, bool] = {}

    @classmethod
    def of(cls, root: Path, markers: bytes, *, wanted: bool = True) -> QuietFiles:
        """The record of the repository at ``root`` (``markers`` says what "quiet" was
        measured against); one that knows nothing and keeps nothing when it is not
        ``wanted`` or ``root`` has no git directory of its own."""
        git_dir = root / ".git"
        if not wanted or not git_dir.is_dir():
            return cls(None, markers, {})
        path = git_dir / NAME
        known: dict[str, bool] = {}
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            data = marshal.loads(path.read_bytes())  # noqa: S302 - the repository's own file
            if (
                isinstance(data, tuple)
                and len(data) == 3
                and data[:2] == (_VERSION, markers)
                and isinstance(data[2], dict)
            ):
                known = data[2]
        return cls(path, markers, known)

    @property
    def active(self) -> bool:
        """Whether this record is kept at all (a hook's scan in a git repository)."""
        return self._path is not None

    def unchanged(self, rel: str, blob: str | None, configmaps: list[str]) -> bool:
        """Whether the file ``rel``, whose bytes git says are ``blob``, was found quiet; if
        it mentions a ConfigMap, ``rel`` is added to ``configmaps``."""
        if blob is None:
            return False
        configmap = self._known.get(blob)
        if configmap is None:
            return False
        self._now[blob] = configmap
        if configmap is True:
            configmaps.append(rel)
        return True

    def remember(self, blob: str | None, *, configmap: bool) -> None:
        """A file whose bytes are ``blob`` (None: not vouched for by git) mentions no kind a
        scan reads (``configmap``: but a ConfigMap)."""
        if blob is not None and self._path is not None:
            self._now[blob] = configmap

    def save(self) -> None:
        """Write the record when it changed; a failure leaves the old one (or none)."""
        if self._path is None or self._now == self._known:
            return
        data = marshal.dumps((_VERSION, self._markers, self._now))
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
