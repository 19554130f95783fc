"""Small helpers around the ``git`` command: run it, read its log, read a file at a revision.

Every failure becomes a :class:`~flux_semver.errors.GitError` carrying git's own message,
so the faces can print one line. Paths given here are relative to the directory the
command runs in (the GitOps repository root, which may sit below the git top level).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import msgspec

from flux_semver.errors import GitError

_FIELD = "\x1f"
_RECORD = "\x1e"


class Commit(msgspec.Struct, frozen=True):
    """One commit as ``git log`` reports it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: str  # ISO 8601 with offset, the author date
    message: str

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


def run(
    root: Path,
    *args: str,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    secret: str = "",
) -> bytes:
    """Run ``git ARGS`` in ``root`` and return its standard output.

    ``env`` replaces the environment (the action passes its credentials there, never on the
    command line); ``secret`` is masked in any message. Raises GitError with git's message
    (its ``fatal:``/``error:`` line, and what the server said on ``remote:`` lines) when git
    is missing or exits non-zero; the error keeps git's whole stderr as ``stderr``.
    """
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            input=stdin,
            capture_output=True,
            check=False,
            env=None if env is None else dict(env),
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH; install git and retry") from exc
    except NotADirectoryError as exc:
        raise GitError(f"{root} is not a directory") from exc
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        if secret:
            stderr = stderr.replace(secret, "***")
        error = GitError(f"git {args[0]} failed in {root}: {_complaint(stderr, done.returncode)}")
        error.stderr = stderr
        raise error
    return done.stdout


def _complaint(stderr: str, code: int) -> str:
    """git's own words: its fatal or error line, after what the server said, if anything."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    remote = [line[len("remote:") :].strip() for line in lines if line.startswith("remote:")]
    remote = [line for line in remote if line][:6]
    first = next(
        (line for line in lines if line.startswith(("fatal", "error"))),
        lines[0] if lines else f"exit code {code}",
    )
    return " | ".join([*(f"remote: {line}" for line in remote), first]) if remote else first


def text(root: Path, *args: str) -> str:
    """``run`` decoded as UTF-8."""
    return run(root, *args).decode("utf-8", "replace")


def is_repository(root: Path) -> bool:
    """Whether ``root`` lies inside a git work tree."""
    try:
        return text(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def prefix(root: Path) -> str:
    """``root`` relative to the git top level, with a trailing ``/`` (empty at the top)."""
    return text(root, "rev-parse", "--show-prefix").strip()


def log(root: Path, paths: Sequence[str] = (), revision: str = "HEAD") -> list[Commit]:
    """Commits reachable from ``revision`` that touch ``paths`` (all when empty), newest first.

    A repository without any commit yet has an empty log.
    """
    try:
        run(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except GitError:
        return []
    fmt = _FIELD.join(["%H", "%P", "%an", "%ae", "%aI", "%B"]) + _RECORD
    out = text(root, "log", f"--format={fmt}", revision, "--", *paths)
    commits: list[Commit] = []
    for record in out.split(_RECORD):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, author, email, date, message = record.split(_FIELD, 5)
        commits.append(
            Commit(sha, tuple(parents.split()), author, email, date, message.strip("\n"))
        )
    return commits


def show_files(
    root: Path, specs: Iterable[tuple[str, str]], *, commits: Sequence[str] = ()
) -> dict[tuple[str, str], bytes | None]:
    """The bytes of each ``(revision, path)``, or None where the path does not exist there.

    ``path`` is relative to ``root``. Each of ``commits`` must name a commit, or a GitError
    says which does not (a revision that is no commit would otherwise read as a tree without
    the files). All objects come from one ``git cat-file --batch`` process.
    """
    wanted = list(dict.fromkeys(specs))
    names = [f"{rev}^{{commit}}" for rev in commits]
    # "REV:./PATH" is PATH relative to the directory git runs in: root
    names += [f"{rev}:./{path}" for rev, path in wanted]
    if not names:
        return {}
    found = _objects(root, names)
    for rev, got in zip(commits, found, strict=False):
        if got is None:
            raise GitError(f"{rev} names no commit in {root}")
    return {
        spec: got[1] if got is not None and got[0] == "blob" else None
        for spec, got in zip(wanted, found[len(commits) :], strict=True)
    }


def _objects(root: Path, names: list[str]) -> list[tuple[str, bytes] | None]:
    """(type, contents) of each object ``names`` name, None where there is none."""
    out = run(root, "cat-file", "--batch", stdin="".join(f"{n}\n" for n in names).encode())
    found: list[tuple[str, bytes] | None] = []
    pos = 0
    for _ in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode("utf-8", "replace")
        pos = end + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            found.append(None)
            continue
        _, kind, size = header.rsplit(" ", 2)
        found.append((kind, out[pos : pos + int(size)]))
        pos += int(size) + 1  # the newline after the contents
    return found


def show_file(root: Path, revision: str, path: str) -> bytes | None:
    """The bytes of ``path`` (relative to ``root``) at ``revision``, or None if absent there."""
    return show_files(root, [(revision, path)])[(revision, path)]
