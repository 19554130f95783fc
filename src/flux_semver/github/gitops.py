"""The git side of the action: fetch the base branch, build one commit per branch in a
throw-away worktree, and force-push it with the token.

The container runs as root on a workspace another user owns, with no git identity and maybe
no credentials (``persist-credentials: false``). So every git command here gets, through
``GIT_CONFIG_*`` environment variables (never the command line, never printed):
``safe.directory=*``, and for the server's URL the token as an HTTP ``Authorization`` header,
after resetting the header actions/checkout may have stored (two such headers make GitHub
refuse the push). Commits carry the identity of the ``commit-author`` input. The checkout
itself is never modified: branches are built in temporary worktrees.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flux_semver.errors import GitError

_GITHUB_REMOTE = re.compile(r"(?:[:/])(?P<owner>[^/:]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


def with_config(env: Mapping[str, str], pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``env`` plus git config ``pairs`` as ``GIT_CONFIG_*`` variables (kept off argv)."""
    result = dict(env)
    try:
        start = int(result.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        start = 0
    for offset, (key, value) in enumerate(pairs):
        result[f"GIT_CONFIG_KEY_{start + offset}"] = key
        result[f"GIT_CONFIG_VALUE_{start + offset}"] = value
    result["GIT_CONFIG_COUNT"] = str(start + len(pairs))
    return result


def trusted(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with ``safe.directory=*``: the container's root may use the runner's workspace.

    The entry point applies this to its own environment, so every git command the library
    runs (history, rollback) works on a workspace another user owns.
    """
    if any(env.get(f"GIT_CONFIG_KEY_{i}") == "safe.directory"
           and env.get(f"GIT_CONFIG_VALUE_{i}") == "*"
           for i in range(int(env.get("GIT_CONFIG_COUNT", "0") or "0"))):
        return dict(env)
    return with_config(env, [("safe.directory", "*")])


def _auth_config(token: str, server_url: str) -> list[tuple[str, str]]:
    if not token or not server_url:
        return []
    key = f"http.{server_url.rstrip('/')}/.extraheader"
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return [(key, ""), (key, f"AUTHORIZATION: basic {basic}")]


class Workspace:
    """A git checkout the action works in (``/github/workspace`` in the container)."""

    def __init__(self, path: Path, token: str = "", server_url: str = "",
                 env: Mapping[str, str] | None = None) -> None:
        self.path = path
        self._secret = token
        base = with_config(trusted(os.environ if env is None else env),
                           _auth_config(token, server_url))
        base["GIT_TERMINAL_PROMPT"] = "0"
        self._env = base
        try:
            top = self.git("rev-parse", "--show-toplevel").strip()
        except GitError as exc:
            raise GitError(f"{path} is not a git checkout ({exc}); add an actions/checkout "
                           "step for the GitOps repository before this one") from None
        self.top = Path(top)

    def git(self, *args: str, cwd: Path | None = None, stdin: str | None = None,
            extra_env: Mapping[str, str] | None = None) -> str:
        """Run git; a failure is a GitError with git's first line of complaint."""
        env = dict(self._env, **(extra_env or {}))
        try:
            done = subprocess.run(["git", *args], cwd=cwd or self.path, env=env, input=stdin,
                                  capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            why = next((line for line in lines if line.startswith(("fatal", "error"))),
                       lines[0] if lines else f"exit code {done.returncode}")
            if self._secret:
                why = why.replace(self._secret, "***")
            raise GitError(f"git {args[0]} failed: {why.strip()}")
        return done.stdout

    def repository_slug(self) -> str | None:
        """``OWNER/NAME`` of the ``origin`` remote when it looks like a GitHub URL."""
        try:
            url = self.git("remote", "get-url", "origin").strip()
        except GitError:
            return None
        if "://" not in url and not url.startswith("git@"):
            return None  # a local path: no GitHub repository behind it
        match = _GITHUB_REMOTE.search(url)
        return f"{match['owner']}/{match['repo']}" if match else None

    def current_branch(self) -> str | None:
        try:
            return self.git("symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
        except GitError:
            return None  # detached HEAD, e.g. a tag checked out by a release workflow

    def fetch_base(self, base: str) -> str:
        """Fetch ``base`` from origin and return its commit."""
        ref = f"refs/flux-semver/base/{base}"
        try:
            self.git("fetch", "--quiet", "--no-tags", "origin", f"+refs/heads/{base}:{ref}")
        except GitError as exc:
            raise GitError(f"cannot fetch the base branch {base!r} from origin ({exc}); set "
                           "the `base` input to the branch the pull requests target") from None
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()

    @contextmanager
    def worktree(self, commit: str) -> Iterator[Path]:
        """A detached worktree at ``commit``, removed afterwards."""
        holder = Path(tempfile.mkdtemp(prefix="flux-semver-"))
        tree = holder / "tree"
        self.git("worktree", "add", "--quiet", "--detach", str(tree), commit)
        try:
            yield tree
        finally:
            try:
                self.git("worktree", "remove", "--force", str(tree))
            except GitError:
                shutil.rmtree(holder, ignore_errors=True)
                self.git("worktree", "prune")
            shutil.rmtree(holder, ignore_errors=True)

    def commit(self, tree: Path, files: Sequence[str], message: str, who: Identity) -> str:
        """One commit of ``files`` (relative to ``tree``) by ``who``; returns its id."""
        identity = {"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
                    "GIT_COMMITTER_NAME": who.name, "GIT_COMMITTER_EMAIL": who.email}
        self.git("add", "--", *files, cwd=tree)
        self.git("-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-F", "-",
                 cwd=tree, stdin=message, extra_env=identity)
        return self.git("rev-parse", "HEAD", cwd=tree).strip()

    def push(self, tree: Path, branch: str) -> None:
        """Force-push the worktree's HEAD to ``branch`` on origin."""
        self.git("push", "--quiet", "--force", "--no-verify", "origin",
                 f"HEAD:refs/heads/{branch}", cwd=tree)
