"""Hand back to the workspace's owner what the container's root created in the workspace.

The Docker runner runs the action as root on a workspace owned by the runner's user; every
object, ref, worktree record and summary file git and the action write there would otherwise
belong to root, and the job's next step (``git add``, the next checkout's clean-up) fails.
Only git directories are walked (the workspace's, and those of repositories checked out up to
two levels below it), so a large checkout costs nothing extra.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def _git_dirs(workspace: Path) -> Iterator[Path]:
    for pattern in (".git", "*/.git", "*/*/.git"):
        for found in workspace.glob(pattern):
            if found.is_dir() and not found.is_symlink():
                yield found


def hand_back(workspace: Path) -> int:
    """Give every root-owned path of the workspace's git directories (and the workspace's
    top-level files) to the workspace's owner; the number of paths changed."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return 0
    try:
        owner = workspace.stat()
    except OSError:
        return 0
    if owner.st_uid == 0:
        return 0
    changed = 0
    paths: list[Path] = [p for p in workspace.glob("*") if not p.is_dir()]
    for top in _git_dirs(workspace):
        paths.append(top)
        for directory, names, files in os.walk(top):
            paths += [Path(directory, name) for name in (*names, *files)]
    for path in paths:
        try:
            if path.lstat().st_uid == 0:
                os.lchown(path, owner.st_uid, owner.st_gid)
                changed += 1
        except OSError:
            continue
    return changed
