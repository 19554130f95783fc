"""A file's history across moves: ``git log --follow``, with the file's path at each commit.

``history`` and ``rollback`` read a policy's range at every commit that touched its file; after
``git mv`` the file had another path before the move, and its history goes on there.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from flux_semver.errors import GitError
from flux_semver.repo import git

_FIELD = "\x1f"
_RECORD = "\x1e"


class Step(msgspec.Struct, frozen=True):
    """One commit that touched the file: its path there, and in the commit's first parent
    (None where the file did not exist yet, or lay outside the repository root)."""

    commit: git.Commit
    path: str
    parent_path: str | None


def file_history(root: Path, file: str, since: str | None = None) -> list[Step]:
    """The commits that touched ``file`` (relative to ``root``), newest first, following
    renames; only those after ``since`` (any date git understands) when it is given."""
    try:
        git.run(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        return []  # no commit yet
    top = git.prefix(root)
    fmt = _RECORD + _FIELD.join(["%H", "%P", "%an", "%ae", "%aI", "%B"]) + _FIELD
    args = [
        "-c",
        "core.quotePath=false",
        "log",
        "--follow",
        "-M",
        "--name-status",
        f"--format={fmt}",
    ]
    if since:
        args.append(f"--since={since}")
    out = git.text(root, *args, "HEAD", "--", file)
    steps: list[Step] = []
    current = top + file
    for record in out.split(_RECORD)[1:]:
        sha, parents, author, email, date, rest = record.split(_FIELD, 5)
        message, _, names = rest.rpartition(_FIELD)
        commit = git.Commit(sha, tuple(parents.split()), author, email, date, message.strip("\n"))
        path, before = current, current
        for line in names.strip("\n").splitlines():
            fields = line.split("\t")
            status = fields[0][:1]
            if status in ("R", "C") and len(fields) == 3:
                path, before = fields[2], fields[1]
            elif status == "A" and len(fields) == 2:
                path, before = fields[1], ""
            elif len(fields) == 2:
                path = before = fields[1]
        steps.append(Step(commit, _inside(top, path) or file, _inside(top, before)))
        if before:
            current = before
    return steps


def _inside(top: str, path: str) -> str | None:
    """``path`` (relative to the git top level) relative to the root, if it lies under it."""
    return path[len(top) :] if path and path.startswith(top) else None
