"""Where the GitOps repository is when no ``-C`` says so: the enclosing git top level.

Git finds its repository by walking up from the working directory to the first directory
holding ``.git`` (a directory, or a file in a worktree or submodule), stopping at the
directories named in ``GIT_CEILING_DIRECTORIES``; so does :func:`find_top_level`, without
starting a ``git`` process (the hooks run it on every commit).
"""

from __future__ import annotations

import os
from pathlib import Path


def _ceilings() -> set[Path]:
    value = os.environ.get("GIT_CEILING_DIRECTORIES", "")
    return {Path(item).resolve() for item in value.split(os.pathsep) if item}


def find_top_level(start: Path) -> Path | None:
    """The top level of the git work tree that holds ``start``, or None outside of one."""
    here = start.resolve()
    ceilings = _ceilings()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
        if directory.parent in ceilings:
            return None
    return None
