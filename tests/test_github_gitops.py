"""Git as the container runs it: a workspace someone else owns, no identity, the token sent
as one HTTP header (never in argv or a message), branches built beside the checkout."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
from pathlib import Path

import pytest

from flux_semver.errors import GitError
from flux_semver.github.gitops import Identity, PushRefusedError, Workspace, trusted
from tests.support.github_server import github_server

TOKEN = "ghs_gitopstoken"
ENV = {
    "PATH": os.environ["PATH"],
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**ENV, "HOME": str(home)}


@pytest.fixture
def checkout(tmp_path: Path, env: dict[str, str]) -> Path:
    origin = tmp_path / "origin.git"
    work = tmp_path / "workspace"
    assert _git(tmp_path, "init", "--quiet", "--bare", str(origin), env=env).returncode == 0
    assert _git(tmp_path, "init", "--quiet", str(work), env=env).returncode == 0
    (work / "policy.yaml").write_text("range: 1.2.x\n", encoding="utf-8")
    _git(work, "add", ".", env=env)
    _git(work, "commit", "--quiet", "-m", "start", env=env)
    _git(work, "remote", "add", "origin", str(origin), env=env)
    assert _git(work, "push", "--quiet", "origin", "HEAD:refs/heads/main", env=env).returncode == 0
    (Path(env["HOME"]) / ".gitconfig").write_text(f"[safe]\n\tdirectory = {origin}\n")
    return work


def test_a_workspace_owned_by_someone_else_works(checkout: Path, env: dict[str, str]) -> None:
    foreign = {**env, "GIT_TEST_ASSUME_DIFFERENT_OWNER": "1"}
    plain = _git(checkout, "status", env=foreign)
    assert plain.returncode != 0 and "dubious ownership" in plain.stderr
    ws = Workspace(checkout, env=foreign)
    assert ws.top == checkout
    assert ws.current_branch() == "main"
    assert _git(checkout, "status", env=trusted(foreign)).returncode == 0


def test_trusted_keeps_other_config_variables(env: dict[str, str]) -> None:
    given = {
        **env,
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.autocrlf",
        "GIT_CONFIG_VALUE_0": "false",
    }
    got = trusted(given)
    assert got["GIT_CONFIG_COUNT"] == "2"
    assert (got["GIT_CONFIG_KEY_0"], got["GIT_CONFIG_VALUE_0"]) == ("core.autocrlf", "false")
    assert (got["GIT_CONFIG_KEY_1"], got["GIT_CONFIG_VALUE_1"]) == ("safe.directory", "*")
    assert trusted(got) == got


def test_one_commit_by_the_given_identity_beside_the_checkout(
    checkout: Path, env: dict[str, str]
) -> None:
    bare_env = {k: v for k, v in env.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    hook = checkout / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    ws = Workspace(checkout, env=bare_env)
    base = ws.fetch_base("main")
    commit, tree = ws.build_commit(
        base,
        {"policy.yaml": b"range: 2.0.x\n"},
        "subject\n\nFlux-Semver-App: myapp\n",
        Identity("Release Bot", "bot@example.com"),
    )
    ws.push(commit, "flux-semver/myapp/dev", None)
    shown = _git(checkout, "show", f"{tree}:policy.yaml", env=env).stdout
    assert shown == "range: 2.0.x\n"
    _git(checkout, "fetch", "--quiet", "origin", env=env)
    show = _git(
        checkout, "log", "-1", "--format=%an <%ae>|%cn|%B", "origin/flux-semver/myapp/dev", env=env
    )
    assert show.stdout.startswith("Release Bot <bot@example.com>|Release Bot|subject")
    assert (checkout / "policy.yaml").read_text() == "range: 1.2.x\n"
    worktrees = _git(checkout, "worktree", "list", env=env).stdout.splitlines()
    assert len(worktrees) == 1


def test_a_missing_base_branch_says_which_input_to_set(checkout: Path, env: dict[str, str]) -> None:
    with pytest.raises(GitError, match="set the `base` input"):
        Workspace(checkout, env=env).fetch_base("release")


def test_not_a_checkout_says_to_add_actions_checkout(tmp_path: Path, env: dict[str, str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(GitError, match="actions/checkout"):
        Workspace(empty, env={**env, "GIT_CEILING_DIRECTORIES": str(tmp_path)})


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://github.com/acme/gitops.git", "acme/gitops"),
        ("https://github.example.com/acme/gitops", "acme/gitops"),
        ("git@github.com:acme/gitops.git", "acme/gitops"),
        ("/srv/git/gitops.git", None),
    ],
)
def test_the_repository_comes_from_origin(
    checkout: Path, env: dict[str, str], url: str, slug: str | None
) -> None:
    _git(checkout, "remote", "set-url", "origin", url, env=env)
    assert Workspace(checkout, env=env).repository_slug() == slug


def test_push_sends_the_token_as_one_header_and_never_prints_it(
    checkout: Path, env: dict[str, str]
) -> None:
    with github_server(token=TOKEN) as server:
        remote = f"{server.base}/acme/gitops.git"
        _git(checkout, "remote", "set-url", "origin", remote, env=env)
        # What actions/checkout leaves behind: a header of its own for the server.
        _git(
            checkout,
            "config",
            f"http.{server.base}/.extraheader",
            "AUTHORIZATION: basic c3RhbGU=",
            env=env,
        )
        ws = Workspace(checkout, TOKEN, server.base, env=env)
        head = _git(checkout, "rev-parse", "HEAD", env=env).stdout.strip()
        with pytest.raises(GitError) as caught:
            ws.push(head, "flux-semver/myapp/dev", None)
        expected = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
        sent = [r.authorization for r in server.requests if "/info/refs" in r.path]
    assert sent and all(headers == [expected] for headers in sent)  # the stale one is gone
    message = str(caught.value)
    assert TOKEN not in message and expected.split()[1] not in message
    config = _git(checkout, "config", "--list", "--show-origin", env=env).stdout
    assert TOKEN not in config and expected.split()[1] not in config


def _holds(work: Path, env: dict[str, str]) -> bool:
    ws = Workspace(work, env=env)
    base = ws.git("rev-parse", "HEAD").strip()
    return ws.holds(base, ".", (".yaml", ".yml", ".json"), [".flux-semver.yaml"])


def test_a_clean_checkout_of_the_base_is_read_in_place(checkout: Path, env: dict[str, str]) -> None:
    (checkout / "notes.txt").write_text("not YAML: a scan never reads it\n")
    assert _holds(checkout, env)
    index = checkout / ".git" / "index"
    before = index.stat().st_mtime_ns
    os.utime(checkout / "policy.yaml")  # a stale stat: status would like to refresh the index
    assert _holds(checkout, env)
    assert index.stat().st_mtime_ns == before  # the checkout's index is not rewritten


@pytest.mark.parametrize(
    "change",
    ["modified", "untracked", "ignored", "staged", "skip-worktree", "assume-unchanged", "config"],
)
def test_a_checkout_that_differs_where_a_scan_reads_is_not_read_in_place(
    checkout: Path, env: dict[str, str], change: str
) -> None:
    if change == "modified":
        (checkout / "policy.yaml").write_text("range: 9.9.9\n")
    elif change == "untracked":
        (checkout / "deploy").mkdir()
        (checkout / "deploy" / "extra.yml").write_text("kind: ImagePolicy\n")
    elif change == "ignored":
        (checkout / ".gitignore").write_text("generated/\n")
        _git(checkout, "add", ".gitignore", env=env)
        _git(checkout, "commit", "--quiet", "-m", "ignore", env=env)
        (checkout / "generated").mkdir()
        (checkout / "generated" / "patch.json").write_text("[]\n")
    elif change == "staged":
        (checkout / "policy.yaml").write_text("range: 9.9.9\n")
        _git(checkout, "add", "policy.yaml", env=env)
        (checkout / "policy.yaml").write_text("range: 1.2.x\n")
    elif change == "skip-worktree":  # a sparse checkout leaves the file out
        _git(checkout, "update-index", "--skip-worktree", "policy.yaml", env=env)
        (checkout / "policy.yaml").unlink()
    elif change == "assume-unchanged":
        _git(checkout, "update-index", "--assume-unchanged", "policy.yaml", env=env)
        (checkout / "policy.yaml").write_text("range: 9.9.9\n")
    else:
        (checkout / ".flux-semver.yaml").write_text("stages: []\n")
    assert not _holds(checkout, env)


def test_a_checkout_of_another_commit_is_not_read_in_place(
    checkout: Path, env: dict[str, str]
) -> None:
    ws = Workspace(checkout, env=env)
    base = ws.git("rev-parse", "HEAD").strip()
    (checkout / "policy.yaml").write_text("range: 2.0.x\n")
    _git(checkout, "commit", "--quiet", "-am", "newer", env=env)
    assert not ws.holds(base, ".", (".yaml",), [])
    assert ws.holds(ws.git("rev-parse", "HEAD").strip(), ".", (".yaml",), [])


def test_a_built_tree_is_the_tree_git_commits_for_the_same_edit(
    tmp_path: Path, checkout: Path, env: dict[str, str]
) -> None:
    files = {
        "clusters/prod/apps/imagepolicy.yaml": "range: 1.2.3\n",
        "clusters/prod/run.sh": "#!/bin/sh\n",
        "clusters/dev/imagepolicy.yaml": "range: 1.2.x\n",
        "odd [name]\tx.yaml": "range: 1.0.x\n",
        "README.md": "# gitops\n",
    }
    for name, text in files.items():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text(text)
    (checkout / "clusters" / "prod" / "run.sh").chmod(0o755)
    _git(checkout, "add", "-A", env=env)
    _git(checkout, "commit", "--quiet", "-m", "layout", env=env)
    edit = {
        "clusters/prod/apps/imagepolicy.yaml": b"range: 2.0.0\n",
        "clusters/prod/run.sh": b"#!/bin/sh\necho new\n",
        "odd [name]\tx.yaml": b"range: 2.0.x\n",
        "clusters/stage/new/imagepolicy.yaml": b"range: 2.0.x\n",  # a new directory
        "top.yaml": b"a: 1\n",  # a new file at the top
    }
    ws = Workspace(checkout, env=env)
    base = ws.git("rev-parse", "HEAD").strip()
    _, tree = ws.build_commit(base, edit, "release\n", Identity("Bot", "bot@example.com"))
    # The same edit committed by git itself, in a clone: the very same tree.
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "--quiet", str(checkout), str(clone), env=env)
    for name, data in edit.items():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_bytes(data)
    _git(clone, "add", "-A", env=env)
    _git(clone, "commit", "--quiet", "-m", "release", env=env)
    assert _git(clone, "rev-parse", "HEAD^{tree}", env=env).stdout.strip() == tree
    mode = _git(checkout, "ls-tree", tree, "clusters/prod/run.sh", env=env).stdout.split()[0]
    assert mode == "100755"
    assert ws.build_commit(base, {}, "same\n", Identity("Bot", "b@example.com"))[1] == (
        ws.git("rev-parse", f"{base}^{{tree}}").strip()
    )


def _free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise AssertionError(f"no free port in {ports}")


def test_a_push_to_a_server_that_is_down_is_tried_again_then_one_line(
    checkout: Path, env: dict[str, str]
) -> None:
    port = _free_port(range(40300, 40400))  # "port 403xx" in git's words is no 403
    ws = Workspace(checkout, env=env, sleep=0)
    base = ws.git("rev-parse", "HEAD").strip()
    who = Identity("Bot", "bot@example.com")
    commit, _ = ws.build_commit(base, {"policy.yaml": b"range: 2.0.x\n"}, "x\n", who)
    url = f"http://127.0.0.1:{port}/acme/gitops.git"
    _git(checkout, "remote", "set-url", "origin", url, env=env)
    with pytest.raises(PushRefusedError) as caught:
        ws.push(commit, "flux-semver/myapp/dev", None)
    message = str(caught.value)
    assert message.startswith("could not push flux-semver/myapp/dev: GitHub kept failing (")
    assert f"port {port}" in message and "may not push" not in message
    assert message.endswith("); re-run the workflow")
