"""The PyGithub client against the test GitHub on 127.0.0.1: finding, creating and updating
pull requests, retries with backoff, the 403s people can fix, the sticky comment, auto-merge."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_semver.github.api import (
    ATTEMPTS,
    BODY_LIMIT,
    GitHubClient,
    GitHubError,
    PullRequestsNotPermittedError,
    ReadOnlyTokenError,
    fit_body,
)
from tests.support.github_server import ACTIONS_NOT_PERMITTED, GitHubServer, github_server

TOKEN = "ghs_apitoken"
MARKER = "<!-- flux-semver:evidence app=myapp -->"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GitHubServer]:
    bare = tmp_path / "origin.git"
    subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "init", "--quiet", "--bare", str(bare)], check=True
    )
    blob = (
        subprocess.run(
            ["git", "--git-dir", str(bare), "hash-object", "-w", "--stdin"],
            input=b"x",
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    tree = (
        subprocess.run(
            ["git", "--git-dir", str(bare), "mktree"],
            input=f"100644 blob {blob}\tf\n".encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    env = {
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    commit = (
        subprocess.run(
            ["git", "--git-dir", str(bare), "commit-tree", tree, "-m", "c"],
            capture_output=True,
            check=True,
            env=env,
        )
        .stdout.decode()
        .strip()
    )
    for branch in ("main", "flux-semver/myapp/dev", "flux-semver/myapp/prod"):
        subprocess.run(
            ["git", "--git-dir", str(bare), "update-ref", f"refs/heads/{branch}", commit],
            check=True,
        )
    with github_server("acme", "gitops", TOKEN, bare_repo=bare) as running:
        yield running


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(
    server: GitHubServer, sleeps: Sleeps | None = None, token: str = TOKEN, graphql: bool = False
) -> GitHubClient:
    return GitHubClient(
        server.url,
        token,
        "acme/gitops",
        server.graphql_url if graphql else None,
        sleep=sleeps or Sleeps(),
    )


@pytest.fixture(autouse=True)
def _backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLUX_SEMVER_GITHUB_BACKOFF", "0.01")


def test_create_then_update_the_same_pull_request(server: GitHubServer) -> None:
    gh = client(server)
    first, op1 = gh.upsert_pull("flux-semver/myapp/dev", "main", "one", "body one")
    second, op2 = gh.upsert_pull("flux-semver/myapp/dev", "main", "two", "body two")
    assert (op1, op2) == ("created", "updated")
    assert first.number == second.number
    assert server.pull(first.number)["title"] == "two"
    assert len(server.state.pulls) == 1


def test_the_head_filter_names_the_owner(server: GitHubServer) -> None:
    gh = client(server)
    dev, _ = gh.upsert_pull("flux-semver/myapp/dev", "main", "dev", "")
    prod, _ = gh.upsert_pull("flux-semver/myapp/prod", "main", "prod", "")
    found = gh.find_open_pull("flux-semver/myapp/dev")
    assert found is not None and found.number == dev.number != prod.number
    lists = [r for r in server.requests if r.method == "GET" and r.path.endswith("/pulls")]
    assert lists  # and the server ignores a head filter without "owner:", like GitHub


def test_a_pull_request_that_already_exists_is_found_and_updated(server: GitHubServer) -> None:
    server.fail("502-applied", method="POST", path=r"/pulls$")
    pull, operation = client(server).upsert_pull("flux-semver/myapp/dev", "main", "t", "b")
    assert operation == "updated"
    assert list(server.state.pulls) == [pull.number]


def test_server_errors_are_retried_with_exponential_backoff(server: GitHubServer) -> None:
    sleeps = Sleeps()
    server.fail("502", method="POST", path=r"/pulls$", times=2)
    _, operation = client(server, sleeps).upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    assert operation == "created"
    assert sleeps.waits == [0.01, 0.02]


def test_retries_run_out_with_one_clear_error(server: GitHubServer) -> None:
    sleeps = Sleeps()
    server.fail("502", times=ATTEMPTS)
    with pytest.raises(GitHubError, match="GitHub answered 502"):
        client(server, sleeps).upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    assert len(sleeps.waits) == ATTEMPTS - 1
    assert server.state.pulls == {}


def test_a_dropped_connection_is_retried(server: GitHubServer) -> None:
    server.fail("drop", method="POST", path=r"/pulls$")
    _, operation = client(server).upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    assert operation == "created"
    assert len(server.state.pulls) == 1


def test_secondary_rate_limit_waits_as_long_as_github_asks(server: GitHubServer) -> None:
    sleeps = Sleeps()
    server.fail("rate-limit", method="POST", path=r"/pulls$", retry_after="7")
    client(server, sleeps).upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    assert sleeps.waits == [7.0]


def test_a_retry_after_of_zero_is_retried_at_once(server: GitHubServer) -> None:
    sleeps = Sleeps()
    server.fail("rate-limit", method="POST", path=r"/pulls$", retry_after="0")
    client(server, sleeps).upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    assert sleeps.waits == [0.01]  # the backoff's own first step, not a minute


def test_a_rate_limit_that_names_no_wait_is_retried_after_a_minute(server: GitHubServer) -> None:
    sleeps = Sleeps()  # a minute is 60 backoff bases (FLUX_SEMVER_GITHUB_BACKOFF=0.01 here)
    server.fail("too-many", method="POST", path=r"/pulls$", times=2)
    client(server, sleeps).upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    assert sleeps.waits == pytest.approx([0.6, 0.6])
    assert len(server.state.pulls) == 1


def test_actions_not_permitted_names_the_setting(server: GitHubServer) -> None:
    server.fail("actions-not-permitted", method="POST", path=r"/pulls$")
    with pytest.raises(PullRequestsNotPermittedError) as caught:
        client(server).upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    message = str(caught.value)
    assert ACTIONS_NOT_PERMITTED not in message
    assert "Allow GitHub Actions to create and approve pull requests" in message
    assert "token" in message and "\n" not in message


def test_a_read_only_token_is_its_own_error(server: GitHubServer) -> None:
    server.fail("read-only", method="POST")
    with pytest.raises(ReadOnlyTokenError, match="read-only"):
        client(server).upsert_pull("flux-semver/myapp/dev", "main", "t", "")


def test_a_wrong_token_says_so(server: GitHubServer) -> None:
    with pytest.raises(GitHubError, match="rejected the token"):
        client(server, token="wrong").find_open_pull("flux-semver/myapp/dev")


def test_sticky_comment_is_created_once_then_edited(server: GitHubServer) -> None:
    gh = client(server)
    pull, _ = gh.upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    number = pull.number
    server.state.comments[1] = {"id": 1, "issue": number, "body": "a human comment"}
    other = "<!-- flux-semver:evidence app=myapp-api -->\nanother app"
    server.state.comments[2] = {"id": 2, "issue": number, "body": other}
    assert gh.upsert_sticky_comment(number, MARKER, f"{MARKER}\nfirst") == "created"
    assert gh.upsert_sticky_comment(number, MARKER, f"{MARKER}\nfirst") == "none"
    assert gh.upsert_sticky_comment(number, MARKER, f"{MARKER}\nsecond") == "updated"
    bodies = [c["body"] for c in server.comments_on(number)]
    assert bodies == ["a human comment", other, f"{MARKER}\nsecond"]


def test_sticky_comment_survives_a_bad_gateway_after_posting(server: GitHubServer) -> None:
    gh = client(server)
    pull, _ = gh.upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    server.fail("502-applied", method="POST", path=r"/comments$")
    assert gh.upsert_sticky_comment(pull.number, MARKER, f"{MARKER}\nbody") == "none"
    assert len(server.comments_on(pull.number)) == 1


def test_auto_merge_through_graphql_derived_from_the_api_url(server: GitHubServer) -> None:
    gh = client(server)
    pull, _ = gh.upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    assert gh.enable_auto_merge(pull) is None
    assert server.state.auto_merge == [pull.number]
    assert any(r.path == "/api/graphql" for r in server.requests)


def test_auto_merge_refused_is_a_warning_not_an_error(server: GitHubServer) -> None:
    server.state.auto_merge_allowed = False
    gh = client(server, graphql=True)
    pull, _ = gh.upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    warning = gh.enable_auto_merge(pull)
    assert warning is not None and "Allow auto-merge" in warning
    assert server.state.auto_merge == []


def test_close_says_why(server: GitHubServer) -> None:
    gh = client(server)
    pull, _ = gh.upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    gh.close_pull(pull.number, "nothing left to change")
    assert server.pull(pull.number)["state"] == "closed"
    assert [c["body"] for c in server.comments_on(pull.number)] == ["nothing left to change"]
    assert gh.find_open_pull("flux-semver/myapp/dev") is None


def test_labels_are_added_once(server: GitHubServer) -> None:
    gh = client(server)
    pull, _ = gh.upsert_pull("flux-semver/myapp/dev", "main", "t", "")
    gh.add_labels(pull.number, ["flux-semver", "stage:dev", "flux-semver", ""])
    gh.add_labels(pull.number, ["flux-semver", "release:major"])
    assert server.pull(pull.number)["labels"] == ["flux-semver", "stage:dev", "release:major"]


def test_long_bodies_are_cut_to_githubs_limit_with_a_note() -> None:
    assert fit_body("short") == "short"
    cut = fit_body("x" * (BODY_LIMIT + 10))
    assert len(cut) <= BODY_LIMIT
    assert "cut here" in cut


def test_a_bad_backoff_setting_is_one_line(
    monkeypatch: pytest.MonkeyPatch, server: GitHubServer
) -> None:
    monkeypatch.setenv("FLUX_SEMVER_GITHUB_BACKOFF", "soon")
    with pytest.raises(GitHubError, match="FLUX_SEMVER_GITHUB_BACKOFF"):
        client(server)
