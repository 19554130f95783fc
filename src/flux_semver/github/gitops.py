"""The git side of the action: fetch the base and the app's branches, lay out the YAML of the
base in one sparse worktree, build each branch's commit without a checkout, and push it with a
lease on the commit the action saw there.

The container runs as root on a workspace another user owns, with no git identity and maybe
no credentials (``persist-credentials: false``). So every git command here gets, through
``GIT_CONFIG_*`` environment variables (never the command line, never printed):
``safe.directory=*``, and for the server's URL the token as an HTTP ``Authorization`` header,
after resetting the header actions/checkout may have stored (two such headers make GitHub
refuse the push). Commits carry the identity of the ``commit-author`` input. The checkout
itself is never modified. Git runs through :func:`flux_semver.repo.git.run`, which masks the
token in every message.

A commit is built from the trees on the changed files' paths alone (``ls-tree`` and ``mktree``
of each directory from the top down to the file, then ``commit-tree``), so a 50,000-file
repository costs what a small one does: no index, no checkout per pull request.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import msgspec

from flux_semver.errors import GitError
from flux_semver.github.api import GitHubError, backoff_base
from flux_semver.repo import git as git_module

_GITHUB_REMOTE = re.compile(r"(?:[:/])(?P<owner>[^/:]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")
# What git says when the server answers 5xx or hangs up: worth trying again. Whole numbers
# only, so a port or a size that holds "502" is not taken for one.
_TRANSIENT_PUSH = re.compile(
    r"returned error: 5\d\d|\b50[234]\b|early eof|remote end hung up unexpectedly|"
    r"connection reset",
    re.IGNORECASE,
)
_PUSH_ATTEMPTS = 3
# ... and when it does not answer at all.
_UNREACHABLE = re.compile(
    rf"{_TRANSIENT_PUSH.pattern}|failed to connect|couldn't connect|connection refused|"
    r"(?:connection|operation) timed out",
    re.IGNORECASE,
)
# What a scan may read: manifests, overlays and the patches they name (YAML or JSON).
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
_SPARSE_SPECIAL = re.compile(r"[*?\[\]\\!#]")
_GLOB_SPECIAL = re.compile(r"[*?\[\]\\]")


def _glob_escape(path: str) -> str:
    """``path`` as a literal inside a ``:(glob)`` pathspec."""
    return _GLOB_SPECIAL.sub(r"\\\g<0>", path)


class Identity(msgspec.Struct, frozen=True):
    name: str
    email: str


class Tip(msgspec.Struct, frozen=True):
    """The commit at the tip of one remote branch."""

    commit: str
    parents: tuple[str, ...]
    tree: str
    message: str


class LeaseLostError(GitError):
    """The branch moved on origin after the action read it (another run, or a person)."""


class PushRefusedError(GitHubError):
    """GitHub refused the push: a ruleset, a pre-receive hook or a missing permission."""


class GitServerError(GitHubError):
    """GitHub's git server refused a fetch (the token) or did not answer it (refused, reset,
    5xx, even when tried again)."""


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
    if any(
        env.get(f"GIT_CONFIG_KEY_{i}") == "safe.directory"
        and env.get(f"GIT_CONFIG_VALUE_{i}") == "*"
        for i in range(int(env.get("GIT_CONFIG_COUNT", "0") or "0"))
    ):
        return dict(env)
    return with_config(env, [("safe.directory", "*")])


def _auth_config(token: str, server_url: str) -> list[tuple[str, str]]:
    if not token or not server_url:
        return []
    key = f"http.{server_url.rstrip('/')}/.extraheader"
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return [(key, ""), (key, f"AUTHORIZATION: basic {basic}")]


_PUSH_DENIED = re.compile(r"\b403\b|permission to|denied|not allowed to push")
_TOKEN_REFUSED = re.compile(
    r"authentication failed|could not read username|invalid username or password|"
    r"returned error: 40[13]\b|\b40[13] (?:unauthorized|forbidden)"
)
_REFUSED_HELP = (
    "GitHub refused the token: give the `token` input a token with contents: read "
    "(contents: write to push) on this repository"
)


def _fetch_advice(stderr: str, what: str, ssh: bool = False) -> str:
    """What to do about a failed fetch, by what git said (``ssh``: origin is an SSH URL)."""
    text = stderr.lower()
    if "couldn't find remote ref" in text:
        return (
            f"origin has no branch {what}: set the `base` input to the branch the pull "
            "requests target"
        )
    if ssh or "permission denied (publickey)" in text or "host key verification failed" in text:
        return (
            "origin is an SSH URL and the container has no SSH key: check the repository "
            "out with actions/checkout over HTTPS (its default)"
        )
    if _TOKEN_REFUSED.search(text):
        return _REFUSED_HELP
    if "not found" in text or "does not appear to be a git repository" in text:
        return (
            "origin's repository was not found: check the `repository` of actions/checkout "
            "and that the token can read it"
        )
    return "check that origin is reachable and the token can read it, then re-run"


class Workspace:
    """The git repository that holds the GitOps tree (``path``), as the action uses it."""

    def __init__(
        self,
        path: Path,
        token: str = "",
        server_url: str = "",
        env: Mapping[str, str] | None = None,
        sleep: float | None = None,
    ) -> None:
        self.path = path
        self._secret = token
        self._sleep = backoff_base() if sleep is None else sleep  # the API's backoff
        base = with_config(
            trusted(os.environ if env is None else env), _auth_config(token, server_url)
        )
        base["GIT_TERMINAL_PROMPT"] = "0"
        self._env = base
        try:
            top = self.git("rev-parse", "--show-toplevel").strip()
        except GitError as exc:
            raise GitError(
                f"{path} is not a git checkout ({exc}); add an actions/checkout "
                "step for the GitOps repository before this one"
            ) from None
        self.top = Path(top)

    def git(
        self,
        *args: str,
        cwd: Path | None = None,
        stdin: str | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> str:
        """Run git with the action's credentials; a failure is one GitError line."""
        env = dict(self._env, **(extra_env or {}))
        out = git_module.run(
            cwd or self.path,
            *args,
            env=env,
            secret=self._secret,
            stdin=None if stdin is None else stdin.encode("utf-8"),
        )
        return out.decode("utf-8", "replace")

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

    def _ssh_origin(self) -> bool:
        """Whether origin is an SSH URL (``ssh://``, or scp-like ``git@host:owner/name``)."""
        try:
            url = self.git("remote", "get-url", "origin").strip()
        except GitError:
            return False
        return url.startswith("ssh://") or re.match(r"^[^/:]+@[^/:]+:", url) is not None

    def current_branch(self) -> str | None:
        try:
            return self.git("symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
        except GitError:
            return None  # detached HEAD, e.g. a tag checked out by a release workflow

    def is_shallow(self) -> bool:
        return self.git("rev-parse", "--is-shallow-repository").strip() == "true"

    def _fetch(self, what: str, advice: str, *args: str) -> None:
        """``git fetch ARGS``; a server that does not answer (refused, reset, 5xx) is tried
        again, then one GitHubError line; any other failure one GitError line with what to
        do, by what git said (``advice`` names what was fetched)."""
        for attempt in range(_PUSH_ATTEMPTS):
            try:
                self.git("fetch", "--quiet", "--no-tags", *args)
                return
            except GitError as exc:
                said, ssh = exc.stderr.lower(), self._ssh_origin()
                if not ssh and _UNREACHABLE.search(said):
                    if attempt < _PUSH_ATTEMPTS - 1:
                        time.sleep(self._sleep * 2**attempt)
                        continue
                    detail = str(exc).split(": ", 1)[-1]
                    raise GitServerError(
                        f"cannot fetch {what} from origin: GitHub's git server did not answer "
                        f"in {_PUSH_ATTEMPTS} attempts ({detail}); check that GitHub is up, "
                        "then re-run the workflow"
                    ) from None
                said_advice = _fetch_advice(exc.stderr, advice, ssh)
                # A token GitHub refuses is a permission to grant (exit 1, as the API's 401
                # and a refused push); anything else is an input to fix.
                kind = GitServerError if said_advice == _REFUSED_HELP else GitError
                raise kind(f"cannot fetch {what} from origin: {said_advice} ({exc})") from None

    def fetch_base(self, base: str, history: bool = False) -> str:
        """Fetch ``base`` from origin (its whole history with ``history``); its commit."""
        ref = f"refs/flux-semver/base/{base}"
        deepen = ["--unshallow"] if history and self.is_shallow() else []
        self._fetch(
            f"the base branch {base!r}",
            repr(base),
            *deepen,
            "origin",
            f"+refs/heads/{base}:{ref}",
        )
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()

    def fetch_branches(self, prefix: str) -> dict[str, Tip]:
        """Every origin branch under ``prefix`` (``flux-semver/<app>/``) and its tip commit."""
        local = f"refs/flux-semver/remote/{prefix}"
        self._fetch(
            f"the branches {prefix}*",
            prefix,
            "--prune",
            "origin",
            f"+refs/heads/{prefix}*:{local}*",
        )
        return self._tips(local, prefix)

    def fetch_branch(self, branch: str) -> Tip | None:
        """The tip of one origin branch now (None when it does not exist)."""
        local = f"refs/flux-semver/remote/{branch}"
        listed = self.git("ls-remote", "--heads", "origin", f"refs/heads/{branch}").split()
        if not listed:
            with suppress(GitError):
                self.git("update-ref", "-d", local)
            return None
        self.git("fetch", "--quiet", "--no-tags", "origin", f"+refs/heads/{branch}:{local}")
        return self._tips(local, branch).get(branch)

    def _tips(self, local: str, prefix: str) -> dict[str, Tip]:
        fmt = "%(refname)%1f%(objectname)%1f%(parent)%1f%(tree)%1f%(contents)%1e"
        out = self.git("for-each-ref", f"--format={fmt}", local)
        tips: dict[str, Tip] = {}
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            refname, commit, parents, tree, message = record.split("\x1f", 4)
            name = prefix + refname[len(local) :] if refname != local else prefix
            tips[name] = Tip(commit, tuple(parents.split()), tree, message)
        return tips

    def files_under(self, commit: str, under: str, suffixes: Sequence[str]) -> list[str]:
        """The files of ``commit`` below ``under`` (from the top level) whose names end in one
        of ``suffixes``, listed from the object store: nothing is checked out to find them."""
        prefix = under.strip("/") if under.strip("/.") else ""
        out = self.git(
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            "--full-tree",
            commit,
            *(["--", prefix] if prefix else []),
            cwd=self.top,
        )
        return [name for name in out.split("\0") if name.endswith(tuple(suffixes))]

    @contextmanager
    def worktree(self, commit: str) -> Iterator[Path]:
        """A detached worktree at ``commit`` with every file, removed afterwards."""
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

    def holds(self, commit: str, under: str, suffixes: Sequence[str], extra: Sequence[str]) -> bool:
        """Whether the checkout's files are ``commit``'s where a scan reads them: its HEAD has
        ``commit``'s tree, and no file below ``under`` ending in one of ``suffixes`` (nor
        any of ``extra``, paths from the top level) is changed, untracked or ignored there.
        Then the checkout can be read in place instead of writing those files out again.
        ``GIT_OPTIONAL_LOCKS=0``: the status never rewrites the checkout's index."""
        try:
            head = self.git("rev-parse", "--verify", "--quiet", "HEAD^{tree}").strip()
            wanted = self.git("rev-parse", "--verify", "--quiet", f"{commit}^{{tree}}").strip()
        except GitError:
            return False
        if not head or head != wanted:
            return False
        prefix = under.strip("/") if under.strip("/.") else ""
        below = f"{_glob_escape(prefix)}/" if prefix else ""
        specs = [f":(top,glob){below}**/*{suffix}" for suffix in suffixes]
        specs += [f":(top,literal){path}" for path in extra]
        try:
            out = self.git(
                "status",
                "--porcelain",
                "-z",
                "--untracked-files=all",
                "--ignored=matching",
                "--",
                *specs,
                extra_env={"GIT_OPTIONAL_LOCKS": "0"},
            )
            # Skip-worktree (a sparse checkout) or assume-unchanged files are not on disk as
            # committed, and status does not say so: each entry must be a plain "H".
            flags = self.git("ls-files", "-v", "-z", "--", *specs)
        except GitError:
            return False
        return out == "" and all(
            entry.startswith("H ") for entry in filter(None, flags.split("\0"))
        )

    @contextmanager
    def files_tree(self, commit: str, paths: Sequence[str]) -> Iterator[Path]:
        """A temporary directory holding ``paths`` (from the top level) as ``commit`` has
        them, read in one ``git cat-file --batch``: no worktree, no index."""
        holder = Path(tempfile.mkdtemp(prefix="flux-semver-"))
        tree = holder / "tree"
        tree.mkdir()
        try:
            wanted = list(dict.fromkeys(p for p in paths if "\n" not in p))
            for odd in dict.fromkeys(p for p in paths if "\n" in p):  # --batch reads lines
                try:
                    data = git_module.run(
                        self.path,
                        "cat-file",
                        "blob",
                        f"{commit}:{odd}",
                        env=self._env,
                        secret=self._secret,
                    )
                except GitError:
                    continue
                (tree / odd).parent.mkdir(parents=True, exist_ok=True)
                (tree / odd).write_bytes(data)
            request = "".join(f"{commit}:{path}\n" for path in wanted).encode("utf-8")
            out = (
                git_module.run(
                    self.path,
                    "cat-file",
                    "--batch",
                    stdin=request,
                    env=self._env,
                    secret=self._secret,
                )
                if wanted
                else b""
            )
            position = 0
            for path in wanted:
                end = out.index(b"\n", position)
                header = out[position:end].split()
                position = end + 1
                if len(header) != 3 or header[1] != b"blob":
                    continue  # missing, or a submodule or tree by that name
                size = int(header[2])
                target = tree / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(out[position : position + size])
                position += size + 1
            yield tree
        finally:
            shutil.rmtree(holder, ignore_errors=True)

    @contextmanager
    def sparse_tree(self, commit: str, paths: Sequence[str]) -> Iterator[Path]:
        """A detached worktree at ``commit`` holding only ``paths`` (from the top level).

        The sparse patterns live in the worktree's own git directory, so the checkout's
        configuration is never touched; the other files of a large repository are never
        written.
        """
        holder = Path(tempfile.mkdtemp(prefix="flux-semver-"))
        tree = holder / "tree"
        self.git("worktree", "add", "--quiet", "--no-checkout", "--detach", str(tree), commit)
        try:
            sparse = Path(
                self.git("rev-parse", "--git-path", "info/sparse-checkout", cwd=tree).strip()
            )
            if not sparse.is_absolute():
                sparse = tree / sparse
            sparse.parent.mkdir(parents=True, exist_ok=True)
            patterns = ["/" + _SPARSE_SPECIAL.sub(r"\\\g<0>", p.lstrip("/")) for p in paths]
            # An empty list would check out everything: name a path that cannot exist.
            sparse.write_text(
                "\n".join(patterns or ["/.flux-semver-nothing"]) + "\n", encoding="utf-8"
            )
            self.git("-c", "core.sparseCheckout=true", "read-tree", "-mu", "HEAD", cwd=tree)
            yield tree
        finally:
            try:
                self.git("worktree", "remove", "--force", str(tree))
            except GitError:
                shutil.rmtree(holder, ignore_errors=True)
                self.git("worktree", "prune")
            shutil.rmtree(holder, ignore_errors=True)

    def build_commit(
        self, parent: str, files: Mapping[str, bytes], message: str, who: Identity
    ) -> tuple[str, str]:
        """A commit on ``parent`` whose tree differs in ``files`` (paths from the top level):
        ``(commit, tree)``. Only the trees on the paths of ``files`` are read and written
        (``ls-tree``, ``mktree``): the cost does not grow with the repository's file count,
        and no file is checked out."""
        blobs = {path: self._hash(data) for path, data in files.items()}
        tree = self._tree_with(self.git("rev-parse", f"{parent}^{{tree}}").strip(), blobs)
        identity = {
            "GIT_AUTHOR_NAME": who.name,
            "GIT_AUTHOR_EMAIL": who.email,
            "GIT_COMMITTER_NAME": who.name,
            "GIT_COMMITTER_EMAIL": who.email,
        }
        commit = self.git(
            "-c",
            "commit.gpgsign=false",
            "commit-tree",
            tree,
            "-p",
            parent,
            "-F",
            "-",
            stdin=message,
            extra_env=identity,
        ).strip()
        return commit, tree

    def _tree_with(self, tree: str | None, blobs: Mapping[str, str]) -> str:
        """``tree`` (None: an empty one) with each ``path: blob`` of ``blobs`` set; a file
        keeps its mode (an executable stays one), a new one is 100644."""
        if tree is not None and not blobs:
            return tree
        entries: dict[str, tuple[str, str, str]] = {}  # name -> (mode, type, object)
        if tree is not None:
            listing = self.git("ls-tree", "-z", "--full-tree", tree)
            for entry in filter(None, listing.split("\0")):
                meta, _, name = entry.partition("\t")
                mode, kind, sha = meta.split()
                entries[name] = (mode, kind, sha)
        below: dict[str, dict[str, str]] = {}
        for path, blob in blobs.items():
            name, slash, rest = path.partition("/")
            if slash:
                below.setdefault(name, {})[rest] = blob
            else:
                old = entries.get(name)
                mode = old[0] if old is not None and old[1] == "blob" else "100644"
                entries[name] = (mode, "blob", blob)
        for name, inside in below.items():
            old = entries.get(name)
            child = old[2] if old is not None and old[1] == "tree" else None
            entries[name] = ("040000", "tree", self._tree_with(child, inside))
        made = "".join(f"{m} {k} {sha}\t{name}\0" for name, (m, k, sha) in entries.items())
        # --missing: the entries come from trees that exist; a partial clone need not fetch
        # their blobs to have them checked.
        return self.git("mktree", "-z", "--missing", stdin=made).strip()

    def _hash(self, data: bytes) -> str:
        out = git_module.run(
            self.path,
            "hash-object",
            "-w",
            "--stdin",
            stdin=data,
            env=self._env,
            secret=self._secret,
        )
        return out.decode().strip()

    def push(self, commit: str, branch: str, expect: str | None) -> None:
        """Push ``commit`` to ``branch``, only if origin still has ``expect`` there (None:
        only if the branch does not exist). Transient server errors are retried."""
        if self.push_many([(commit, branch, expect)]):
            raise LeaseLostError(f"{branch} moved on origin while this run worked on it")

    def push_many(self, pushes: Sequence[tuple[str, str, str | None]]) -> set[str]:
        """Push each ``(commit, branch, expect)`` in one ``git push``, each with its own lease;
        the branches whose lease was lost (pushed to since). Other refusals raise."""
        if not pushes:
            return set()
        leases = [f"--force-with-lease=refs/heads/{b}:{e or ''}" for _, b, e in pushes]
        refspecs = [f"{c}:refs/heads/{b}" for c, b, _ in pushes]
        return self._push(", ".join(b for _, b, _ in pushes), leases, refspecs)

    def delete_branch(self, branch: str, expect: str) -> None:
        """Delete ``branch`` on origin, only if it still points at ``expect``."""
        if self._push(
            branch, [f"--force-with-lease=refs/heads/{branch}:{expect}"], [f":refs/heads/{branch}"]
        ):
            raise LeaseLostError(f"{branch} moved on origin while this run worked on it")

    def _push(self, what: str, leases: Sequence[str], refspecs: Sequence[str]) -> set[str]:
        for attempt in range(_PUSH_ATTEMPTS):
            try:
                self.git("push", "--quiet", "--no-verify", *leases, "origin", *refspecs)
                return set()
            except GitError as exc:
                lost = _lost_leases(exc.stderr)
                others = [
                    line
                    for line in exc.stderr.splitlines()
                    if "rejected]" in line and not _LEASE_LOST.search(line)
                ]
                if lost and not others:
                    return lost
                said = exc.stderr.lower()
                if _UNREACHABLE.search(said) and attempt < _PUSH_ATTEMPTS - 1:
                    time.sleep(self._sleep * 2**attempt)
                    continue
                raise _push_error(what, exc) from None
        raise AssertionError("unreachable")  # pragma: no cover


_LEASE_LOST = re.compile(
    r"rejected\].*?->\s*(?P<branch>\S+)\s+\((?:stale info|fetch first|"
    r"cannot lock ref|reference already exists|failed to update ref)"
)


def _lost_leases(stderr: str) -> set[str]:
    """The branches git reports as pushed to by someone else (their lease lost)."""
    return {m["branch"] for m in _LEASE_LOST.finditer(stderr)}


def _push_error(branch: str, exc: GitError) -> Exception:
    said = exc.stderr.lower()
    detail = str(exc).split(": ", 1)[-1]
    if any(
        s in said
        for s in (
            "gh013",
            "pre-receive hook declined",
            "protected branch",
            "rule violations",
            "hook declined",
        )
    ):
        return PushRefusedError(
            f"GitHub refused the push of {branch}: {detail}; allow the token to push "
            "flux-semver/* branches (a ruleset bypass or a narrower rule), then re-run"
        )
    if _PUSH_DENIED.search(said):
        return PushRefusedError(
            f"could not push {branch}: the token may not push ({detail}); give it "
            "`contents: write` (permissions: contents: write in the workflow)"
        )
    if _UNREACHABLE.search(said):
        return PushRefusedError(
            f"could not push {branch}: GitHub kept failing ({detail}); re-run the workflow"
        )
    return GitError(f"could not push {branch}: {detail}")
