"""Temporary files a killed write left behind: ``.<name>.<pid>.<random>.tmp`` beside ``name``.

Writes go to such a file first and then replace the target by a rename. A run killed between
the two (SIGKILL, a power cut) leaves the temporary file; every later run that walks the
repository removes those whose process is gone, so that ``git add -A`` never commits them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>[0-9]{1,10})\.[A-Za-z0-9_]+\.tmp$")


def alive(pid: int) -> bool:
    """Whether a process with this id exists (another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process (or no pid at all): leave its file alone
    return True


def stale(name: str) -> bool:
    """Whether ``name`` is a temporary file of a write whose process no longer exists."""
    match = _NAME.match(name)
    if match is None:
        return False
    pid = int(match["pid"])
    return pid != os.getpid() and not alive(pid)


def remove_if_stale(path: str, name: str) -> None:
    """Remove the file at ``path`` (named ``name``) when it is a killed write's leftover."""
    if stale(name):
        Path(path).unlink(missing_ok=True)
