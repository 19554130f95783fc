"""``flux-semver gate VERSION --stage S`` on a real git repository, with and without GitHub."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.github_server import GitHubServer, github_server

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """\
stages:
  - name: dev
  - name: pre-prod
    aliases: [pre-prod, staging]
    verify: {soak: 24h}
  - name: prod
    exact: true
    after: pre-prod
    approval: {minor: required}
"""
ENV = {
    "GIT_AUTHOR_NAME": "A",
    "GIT_AUTHOR_EMAIL": "a@example.com",
    "GIT_COMMITTER_NAME": "A",
    "GIT_COMMITTER_EMAIL": "a@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(repo: Path, *args: str, when: str = "2026-03-01T09:00:00Z") -> str:
    env = {**ENV, "PATH": "/usr/bin:/bin", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example repository, then pre-prod taking 1.3.x in a commit landed at 09:00 on
    2026-03-02 (its author date is a week earlier: the commit time is what counts)."""
    root = tmp_path / "gitops"
    shutil.copytree(ROOT / "examples" / "gitops-repo", root)
    (root / ".flux-semver.yaml").write_text(CONFIG)
    git(root, "init", "--quiet")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "start")
    policy = root / "clusters" / "pre-prod" / "imagepolicy.yaml"
    policy.write_text(policy.read_text().replace('range: "1.2.x"', 'range: "1.3.x"'))
    git(root, "commit", "--quiet", "-am", "pre-prod takes 1.3", when="2026-03-02T09:00:00Z")
    return root


def gate(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["-C", str(repo), "gate", "1.3.0", "--stage", "prod", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_soak_counts_from_when_the_gate_took_the_version(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = gate(repo, capsys, "--at", "2026-03-03T08:00:00Z", "--release-type", "patch")
    assert code == 1
    assert "NOT YET: prod taking 1.3.0 (patch) (gate: pre-prod)" in out
    assert "[wait] soak: soak in pre-prod until 2026-03-03 09:00 UTC (1h left)" in out
    assert "passes by time alone at 2026-03-03T09:00:00+00:00" in out
    code, out = gate(repo, capsys, "--at", "2026-03-03T09:00:00Z", "--release-type", "patch")
    assert code == 0
    assert out.startswith("PASS: prod taking 1.3.0 (patch)")


def test_a_version_the_gate_never_took_is_not_yet(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "-C",
            str(repo),
            "gate",
            "1.4.0",
            "--stage",
            "prod",
            "--format",
            "json",
            "--at",
            "2026-04-01T00:00:00Z",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert result["state"] == "pending"
    assert result["release_type"] == "minor"
    missing = [c["check"] for c in result["conditions"] if not c["met"]]
    assert missing == ["admitted", "soak", "approvals"]
    assert result["description"].startswith("pre-prod does not admit 1.4.0 on the base branch")


def test_json_says_each_condition_with_its_time(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = gate(repo, capsys, "--at", "2026-03-05T00:00:00Z", "--format", "json")
    assert code == 1  # a minor release in prod needs an approval; no token to read reviews
    result = json.loads(out)
    by_check = {c["check"]: c for c in result["conditions"]}
    assert by_check["admitted"]["at"] == "2026-03-02T09:00:00Z"
    assert by_check["soak"] == {
        "check": "soak",
        "met": True,
        "failed": False,
        "detail": "pre-prod ran 1.3.0 for 2d15h (soak 1d)",
        "at": "2026-03-03T09:00:00Z",
        "until": None,
        "link": None,
    }
    assert by_check["approvals"]["detail"].startswith("1 approval(s) required; cannot read")


@pytest.fixture
def server(repo: Path) -> Iterator[GitHubServer]:  # noqa: ARG001 - the repository first
    with github_server("acme", "gitops", "cli-token") as running:
        yield running


def test_with_a_token_reviews_of_the_open_pull_request_count(
    repo: Path, server: GitHubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with server.state.lock:
        server.state.pulls[7] = {
            "number": 7,
            "state": "open",
            "title": "Release myapp",
            "body": "",
            "head": "flux-semver/myapp/prod",
            "base": "main",
            "labels": [],
        }
    server.set_clock("2026-03-02T10:00:00Z")
    server.review(7, "alice", "CHANGES_REQUESTED")
    args = (
        "--at",
        "2026-03-04T00:00:00Z",
        "--token",
        "cli-token",
        "--repository",
        "acme/gitops",
        "--api-url",
        server.url,
    )
    code, out = gate(repo, capsys, *args)
    assert code == 1
    assert "[wait] approvals: changes requested by alice" in out
    server.review(7, "alice", "APPROVED")
    code, out = gate(repo, capsys, *args)
    assert code == 0, out
    assert "[ok ] approvals: approved by alice" in out
    assert [r.path for r in server.requests] == [
        "/api/v3/repos/acme/gitops/pulls",
        "/api/v3/repos/acme/gitops/pulls/7/reviews",
    ] * 2


def test_bad_input_is_one_line(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(repo), "gate", "1.3.0", "--stage", "qa"]) == 2
    assert capsys.readouterr().err == (
        "flux-semver: error: unknown stage 'qa'; the stages are dev, pre-prod, prod\n"
    )
    assert main(["-C", str(repo), "gate", "1.3.0", "--stage", "prod", "--at", "tomorrow"]) == 2
    assert capsys.readouterr().err == (
        "flux-semver: error: --at 'tomorrow' is not a time; "
        "write ISO 8601 such as 2026-12-01T15:00:00Z\n"
    )
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", repo.as_uri(), str(shallow))
    assert main(["-C", str(shallow), "gate", "1.3.0", "--stage", "prod"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("flux-semver: error: this clone is shallow")
    assert "fetch-depth: 0" in err and err.count("\n") == 1


def test_the_evidence_summary_shows_the_verdict(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = gate(
        repo, capsys, "--at", "2026-03-03T03:00:00Z", "--format", "json", "--release-type", "patch"
    )
    assert code == 1
    (tmp_path / "gate.json").write_text(out)
    assert main(["-C", str(repo), "plan", "1.3.0", "--stage", "prod", "--format", "json"]) == 0
    (tmp_path / "plan.json").write_text(capsys.readouterr().out)
    assert (
        main(
            [
                "evidence",
                "--plan",
                str(tmp_path / "plan.json"),
                "--gate",
                str(tmp_path / "gate.json"),
            ]
        )
        == 0
    )
    page = capsys.readouterr().out
    section = page.split("### Verified in pre-prod\n", 1)[1].split("\n### ", 1)[0]
    assert "`prod` takes 1.3.0 (patch): **⏳ pending** at 2026-03-03 03:00 UTC." in section
    assert "Soak: 18h elapsed, 6h left of 1d." in section
    assert (
        "| ⏳ Soak | soak in pre-prod until 2026-03-03 09:00 UTC (6h left) | 2026-03-03 09:00 UTC |"
    ) in section
    assert page.index("### Verified in pre-prod") < page.index("### Rollback plan")

    (tmp_path / "bad.json").write_text('{"state": "green"}')
    assert (
        main(
            [
                "evidence",
                "--plan",
                str(tmp_path / "plan.json"),
                "--gate",
                str(tmp_path / "bad.json"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(f"flux-semver: error: {tmp_path / 'bad.json'}: not a gate verdict")
    assert err.count("\n") == 1


def test_with_a_token_flux_statuses_on_the_base_branch_count(
    repo: Path, server: GitHubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = repo / ".flux-semver.yaml"
    config.write_text(
        CONFIG.replace("verify: {soak: 24h}", "verify: {status: kustomization/apps, soak: 24h}")
    )
    git(repo, "commit", "--quiet", "-am", "verify pre-prod", when="2026-03-02T09:30:00Z")
    heads = git(repo, "log", "--format=%H", "-3").split()  # verify commit, 1.3.x, start
    with server.state.lock:
        for sha, state, when in (
            (heads[2], "success", "2026-03-02T08:00:00Z"),  # before 1.3
            (heads[1], "success", "2026-03-02T10:00:00Z"),
            (heads[0], "failure", "2026-03-02T12:00:00Z"),
            (heads[0], "success", "2026-03-02T13:00:00Z"),
        ):
            server.state.statuses.append(
                {
                    "id": len(server.state.statuses) + 1,
                    "sha": sha,
                    "state": state,
                    "context": "kustomization/apps/0c9c2e41",
                    "target_url": None,
                    "description": {
                        "success": "reconciliation succeeded",
                        "failure": "health check failed",
                    }[state],
                    "created_at": when,
                    "creator": "flux",
                }
            )
    args = (
        "--release-type",
        "patch",
        "--token",
        "cli-token",
        "--repository",
        "acme/gitops",
        "--api-url",
        server.url,
    )
    code, out = gate(repo, capsys, "--at", "2026-03-02T12:30:00Z", *args)
    assert code == 1
    assert (
        "[FAIL] healthy: Flux reports pre-prod failing (kustomization/apps/0c9c2e41: "
        "health check failed) since 2026-03-02 12:00 UTC"
    ) in out
    code, out = gate(repo, capsys, "--at", "2026-03-03T12:59:00Z", *args)
    assert code == 1  # the soak restarted at 13:00 with the success after the failure
    assert "[wait] soak: soak in pre-prod until 2026-03-03 13:00 UTC (1m left)" in out
    code, out = gate(repo, capsys, "--at", "2026-03-03T13:00:00Z", "--format", "json", *args)
    assert code == 0, out
    healthy = next(c for c in json.loads(out)["conditions"] if c["check"] == "healthy")
    assert healthy["at"] == "2026-03-02T13:00:00Z"
    assert healthy["link"] == f"{server.base}/acme/gitops/commit/{heads[0]}"
    statuses_read = [r.path for r in server.requests if r.path.endswith("/statuses")]
    assert statuses_read[:2] == [
        f"/api/v3/repos/acme/gitops/commits/{heads[1]}/statuses",
        f"/api/v3/repos/acme/gitops/commits/{heads[0]}/statuses",
    ]
    assert all(heads[2] not in path for path in statuses_read)  # never admitted 1.3.0


def test_github_refusing_the_token_is_one_line(
    repo: Path, server: GitHubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = gate(
        repo, capsys, "--token", "wrong", "--repository", "acme/gitops", "--api-url", server.url
    )
    assert code == 2
    assert out == (
        f"flux-semver: error: GitHub answered 401 for {server.url}/repos/acme/gitops"
        "/pulls: the token was refused: check --token\n"
    )
