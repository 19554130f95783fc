"""The GitHub Action end to end, one run at a time, through the simulated runner of
``tests/support/action_runner.py`` (hyphenated ``INPUT_*``, an event file, a bare origin and
the local GitHub of ``tests/support/github_server.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.action_runner import OWNER, REPO, TOKEN, Runner, git, range_of
from tests.support.github_server import ACTIONS_NOT_PERMITTED, github_server


def test_major_release_opens_one_pull_request_per_stage(runner: Runner) -> None:
    result = runner.run(commit_author="Release Bot <bot@example.com>")
    assert result.code == 0, result.stdout + result.stderr
    assert runner.branches() == [
        "flux-semver/myapp/dev",
        "flux-semver/myapp/pre-prod",
        "flux-semver/myapp/prod",
        "main",
    ]
    for stage, wanted in {"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}.items():
        text = runner.branch_file(f"flux-semver/myapp/{stage}", stage)
        assert range_of(text) == wanted
        assert "# kept as it is" in text
    opened = runner.server.open_pulls()
    assert len(opened) == 3
    by_head = {p["head"]: p for p in opened}
    assert set(by_head) == {
        "flux-semver/myapp/dev",
        "flux-semver/myapp/pre-prod",
        "flux-semver/myapp/prod",
    }
    assert all(p["base"] == "main" for p in opened)
    prod = by_head["flux-semver/myapp/prod"]
    preprod = by_head["flux-semver/myapp/pre-prod"]
    assert f"Merge #{preprod['number']}" in prod["body"]
    assert {"flux-semver", "release:major", "stage:prod"} <= set(prod["labels"])
    for pull in opened:  # every body links every stage's pull request
        assert all(f"/pull/{other['number']})" in pull["body"] for other in opened)

    assert result.outputs["release-type"] == "major"
    plan = json.loads(result.outputs["plan"])
    assert plan["app"] == "myapp" and plan["version"] == "2.0.0"
    assert {c["stage"]: c["to"] for c in plan["changes"]} == {
        "dev": "2.0.x",
        "pre-prod": "2.0.x",
        "prod": "2.0.0",
    }
    assert result.outputs["changed-files"].splitlines() == [
        "clusters/dev/imagepolicy.yaml",
        "clusters/pre-prod/imagepolicy.yaml",
        "clusters/prod/imagepolicy.yaml",
    ]
    pulls = result.pulls
    assert [p["stage"] for p in pulls] == ["dev", "pre-prod", "prod"]
    assert all(p["operation"] == "created" for p in pulls)
    assert {p["number"] for p in pulls} == {p["number"] for p in opened}
    assert all(p["url"].endswith(f"/pull/{p['number']}") for p in pulls)
    summary_file = runner.workspace / result.outputs["summary-file"]
    assert "myapp" in summary_file.read_text(encoding="utf-8")
    assert "2.0.0" in result.summary
    assert TOKEN not in result.stdout.replace(f"::add-mask::{TOKEN}", "")
    # The checkout itself is left as it was.
    assert git(runner.workspace, "status", "--porcelain", env=runner.env) == ""
    # One commit on top of the base, by the commit-author, with the audit-trail trailers.
    log = git(
        runner.tmp,
        "--git-dir",
        str(runner.origin),
        "log",
        "-1",
        "--format=%an <%ae>%n%B",
        "refs/heads/flux-semver/myapp/prod",
        env=runner.env,
    )
    assert log.startswith("Release Bot <bot@example.com>")
    assert "Flux-Semver-App: myapp" in log
    assert "Flux-Semver-Stage: prod" in log
    assert "Flux-Semver-Previous: prod 1.2.3" in log
    count = git(
        runner.tmp,
        "--git-dir",
        str(runner.origin),
        "rev-list",
        "--count",
        "refs/heads/main..refs/heads/flux-semver/myapp/prod",
        env=runner.env,
    )
    assert count.strip() == "1"


def test_an_identical_re_run_writes_nothing(runner: Runner) -> None:
    first = runner.run()
    assert first.code == 0, first.stderr
    assert sorted(p["head"] for p in runner.server.open_pulls()) == [
        "flux-semver/myapp/dev",
        "flux-semver/myapp/pre-prod",
        "flux-semver/myapp/prod",
    ]
    assert [p["operation"] for p in first.pulls] == ["created"] * 3
    tips = {b: runner.tip(b) for b in runner.branches()}
    before = len(runner.server.requests)
    second = runner.run()
    assert second.code == 0, second.stdout + second.stderr
    assert len(runner.server.open_pulls()) == 3
    assert len(runner.server.state.pulls) == 3
    assert [p["operation"] for p in second.pulls] == ["none"] * 3
    assert [p["number"] for p in second.pulls] == [p["number"] for p in first.pulls]
    # No new commit (CI would restart, approvals be dismissed), no edit, no comment.
    assert {b: runner.tip(b) for b in runner.branches()} == tips
    assert [r for r in runner.server.requests[before:] if r.method != "GET"] == []
    for pull in runner.server.open_pulls():
        assert len(runner.server.comments_on(pull["number"])) == 1


def test_newer_patch_release_updates_the_pull_requests_and_the_sticky_comment(
    runner: Runner,
) -> None:
    first = runner.run()
    prod_number = next(p["number"] for p in first.pulls if p["stage"] == "prod")
    comments = runner.server.comments_on(prod_number)
    assert len(comments) == 1 and "2.0.0" in comments[0]["body"]
    sticky_id = comments[0]["id"]
    payload = {"client_payload": {"version": "2.0.1", "evidence_url": "https://ci.example/1"}}
    second = runner.run(event="repository_dispatch", payload=payload, ref="refs/heads/main")
    assert second.code == 0, second.stdout + second.stderr
    assert [p["number"] for p in second.pulls] == [p["number"] for p in first.pulls]
    assert range_of(runner.branch_file("flux-semver/myapp/prod", "prod")) == "2.0.1"
    prod = next(p for p in runner.server.open_pulls() if p["head"].endswith("/prod"))
    assert "2.0.1" in prod["title"]
    log = runner.message("flux-semver/myapp/prod")
    assert "Evidence: https://ci.example/1" in log
    assert len(runner.server.state.pulls) == 3
    # The sticky evidence comment is edited in place, never posted twice.
    comments = runner.server.comments_on(prod_number)
    assert [c["id"] for c in comments] == [sticky_id]
    assert "2.0.1" in comments[0]["body"]
    assert "https://ci.example/1" in comments[0]["body"]
    edits = [
        r
        for r in runner.server.requests
        if r.method == "PATCH" and r.path.endswith(f"/issues/comments/{sticky_id}")
    ]
    assert len(edits) == 1


def test_nothing_left_to_change_closes_the_pull_requests(runner: Runner) -> None:
    first = runner.run()
    assert first.code == 0, first.stdout + first.stderr
    assert len(runner.server.open_pulls()) == 3
    opened = [p["number"] for p in first.pulls]
    runner.write_ranges({"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}, "Merged by hand")
    result = runner.run()
    assert result.code == 0, result.stdout + result.stderr
    assert runner.server.open_pulls() == []
    assert [p["operation"] for p in result.pulls] == ["closed"] * 3
    assert [p["number"] for p in result.pulls] == opened
    assert result.outputs["changed-files"] == ""
    assert runner.branches() == ["main"]  # each closed pull request's branch is deleted
    for number in opened:
        assert runner.server.comments_on(number)[-1]["body"].startswith("Closed by flux-semver")


def test_actions_not_permitted_is_one_clear_error(runner: Runner) -> None:
    runner.server.fail("actions-not-permitted", method="POST", path=r"/pulls$")
    result = runner.run()
    assert result.code == 1
    assert ACTIONS_NOT_PERMITTED not in result.stderr  # our words, not a traceback
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert "Allow GitHub Actions to create and approve pull requests" in errors[0]
    assert "Settings → Actions → General" in errors[0]
    assert "pull-requests" in result.outputs  # outputs are written even on failure


def test_bad_gateway_then_success_opens_one_pull_request(runner: Runner) -> None:
    runner.server.fail("502", method="POST", path=r"/pulls$")
    result = runner.run(stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    assert len(runner.server.state.pulls) == 1
    assert result.pulls[0]["operation"] == "created"


def test_bad_gateway_after_github_applied_the_create_finds_and_updates(runner: Runner) -> None:
    runner.server.fail("502-applied", method="POST", path=r"/pulls$")
    result = runner.run(stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    assert len(runner.server.state.pulls) == 1
    assert result.pulls[0]["operation"] == "updated"


def test_secondary_rate_limit_is_retried(runner: Runner) -> None:
    runner.server.fail("rate-limit", method="POST", path=r"/comments$", times=2)
    result = runner.run(stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    assert len(runner.server.comments_on(result.pulls[0]["number"])) == 1


def test_dry_run_pushes_nothing_and_writes_nothing(runner: Runner) -> None:
    # A release workflow checks out the tag: HEAD is detached, the base comes from the event.
    git(runner.workspace, "checkout", "--quiet", "--detach", env=runner.env)
    result = runner.run(dry_run="true")
    assert result.code == 0, result.stdout + result.stderr
    assert runner.branches() == ["main"]
    assert runner.server.writes == []
    assert result.outputs["release-type"] == "major"
    assert all(p["operation"] == "none" and p["number"] is None for p in result.pulls)
    assert "2.0.0" in result.summary


def test_single_pull_request_for_all_stages(runner: Runner) -> None:
    result = runner.run(pull_requests="single")
    assert result.code == 0, result.stdout + result.stderr
    assert runner.branches() == ["flux-semver/myapp/release", "main"]
    assert len(runner.server.open_pulls()) == 1
    number = runner.server.open_pulls()[0]["number"]
    # one change may not move pre-prod and prod to 2.0.0 together (FS015): prod waits for a
    # later run, once the release PR has merged
    assert [(p["stage"], p["number"], p["operation"]) for p in result.pulls] == [
        ("dev", number, "created"),
        ("pre-prod", number, "created"),
        ("prod", None, "none"),
    ]
    assert range_of(runner.branch_file("flux-semver/myapp/release", "prod")) == "1.2.3"


def test_a_token_without_pull_request_permission_fails_naming_it(runner: Runner) -> None:
    runner.server.fail("read-only", method="POST", path=r"/pulls$", times=10)
    result = runner.run(stages="dev")
    assert result.code == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "pull-requests: write" in errors[0]
    assert runner.server.open_pulls() == []
    assert result.pulls == [{"stage": "dev", "number": None, "url": None, "operation": "none"}]


def test_a_fork_pull_request_degrades_to_the_job_summary(runner: Runner) -> None:
    runner.server.fail("read-only", method="POST", path=r"/pulls$", times=10)
    fork = {
        "pull_request": {
            "number": 7,
            "head": {"repo": {"full_name": "someone/gitops", "fork": True}},
        },
        "repository": {"full_name": f"{OWNER}/{REPO}", "default_branch": "main"},
    }
    result = runner.run(
        stages="dev",
        event="pull_request",
        payload=fork,
        version="2.0.0",
        ref="refs/pull/7/merge",
        base="main",
    )
    assert result.code == 0, result.stdout + result.stderr
    assert any(
        line.startswith("::warning") and "read-only" in line for line in result.stdout.splitlines()
    )
    assert "2.0.0" in result.summary


def test_version_with_shell_metacharacters_is_refused(runner: Runner) -> None:
    result = runner.run(version="2.0.0; rm -rf /")
    assert result.code == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "input `version`" in errors[0]
    assert runner.server.requests == []
    assert runner.branches() == ["main"]


def test_check_command_annotates_and_fails(runner: Runner) -> None:
    runner.write_ranges({"prod": "2.x"}, "A prod range that admits too much")
    git(runner.workspace, "fetch", "--quiet", "--depth", "1", "origin", "main", env=runner.env)
    git(runner.workspace, "reset", "--quiet", "--hard", "FETCH_HEAD", env=runner.env)
    result = runner.run(command="check", event="pull_request", payload={}, ref="refs/pull/1/merge")
    assert result.code == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert any("file=clusters/prod/imagepolicy.yaml" in e and "FS002" in e for e in errors)
    assert "FS002" in result.summary
    assert runner.server.requests == []
    assert set(result.outputs) == {
        "release-type",
        "plan",
        "changed-files",
        "pull-requests",
        "summary-file",
    }


def _dispatch(version: str) -> dict[str, Any]:
    return {"action": "new-release", "client_payload": {"version": version}}


def test_patch_release_enables_auto_merge_on_the_one_pull_request(runner: Runner) -> None:
    runner.write_ranges({"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}, "Release 2.0.0")
    # No GITHUB_GRAPHQL_URL: the GraphQL endpoint is derived from the Enterprise API URL.
    result = runner.run(
        event="repository_dispatch",
        payload=_dispatch("2.0.1"),
        ref="refs/heads/main",
        auto_merge="true",
        graphql_url=False,
    )
    assert result.code == 0, result.stdout + result.stderr
    assert result.outputs["release-type"] == "patch"
    [opened] = runner.server.open_pulls()
    assert opened["head"] == "flux-semver/myapp/prod"
    assert runner.server.state.auto_merge == [opened["number"]]
    assert "release:patch" in opened["labels"]
    assert [(p["stage"], p["operation"]) for p in result.pulls] == [
        ("dev", "none"),
        ("pre-prod", "none"),
        ("prod", "created"),
    ]


def test_auto_merge_refused_by_the_repository_is_a_warning(runner: Runner) -> None:
    runner.write_ranges({"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}, "Release 2.0.0")
    runner.server.state.auto_merge_allowed = False
    result = runner.run(
        event="repository_dispatch",
        payload=_dispatch("2.0.1"),
        ref="refs/heads/main",
        auto_merge="true",
    )
    assert result.code == 0, result.stdout + result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "Allow auto-merge" in warnings[0]
    assert len(runner.server.open_pulls()) == 1


def test_a_gated_stage_alone_is_blocked_and_opens_nothing(runner: Runner) -> None:
    result = runner.run(stages="prod")
    assert result.code == 1
    assert runner.server.writes == []
    assert [p["operation"] for p in result.pulls] == ["none"]
    assert any(line.startswith("::error") and "prod" in line for line in result.stdout.splitlines())


FAILING_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="smoke" tests="2" failures="1">
<testcase classname="smoke" name="test_login"/>
<testcase classname="smoke" name="test_checkout"><failure message="HTTP 500">boom</failure>
</testcase></testsuite></testsuites>
"""


def test_failing_evidence_with_block_policy_refuses_the_prod_pull_request(runner: Runner) -> None:
    reports = runner.workspace / "reports"
    reports.mkdir()
    (reports / "junit.xml").write_text(FAILING_JUNIT, encoding="utf-8")
    result = runner.run(evidence_junit="reports/*.xml", evidence_policy="block")
    assert result.code == 1
    heads = sorted(p["head"] for p in runner.server.open_pulls())
    assert heads == ["flux-semver/myapp/dev", "flux-semver/myapp/pre-prod"]
    assert [p["operation"] for p in result.pulls] == ["created", "created", "none"]
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert any("evidence-policy: block" in e for e in errors)
    dev = next(p for p in runner.server.open_pulls() if p["head"].endswith("/dev"))
    assert "checkout" in dev["body"] and "HTTP 500" in dev["body"]


def test_failing_evidence_with_report_policy_still_opens_every_pull_request(runner: Runner) -> None:
    reports = runner.workspace / "reports"
    reports.mkdir()
    (reports / "junit.xml").write_text(FAILING_JUNIT, encoding="utf-8")
    (reports / "metrics.json").write_text(
        '{"p95_ms": {"value": 180, "threshold": 250, "better": "lower", "unit": "ms"}}'
    )
    result = runner.run(
        evidence_junit="reports/*.xml",
        evidence_metrics="reports/metrics.json",
        evidence_links="Grafana=https://grafana.example/d/42",
        evidence_notes="Soaked for a day in pre-prod.",
    )
    assert result.code == 0, result.stdout + result.stderr
    assert len(runner.server.open_pulls()) == 3
    for text in (result.summary, runner.server.open_pulls()[0]["body"]):
        assert "checkout" in text and "HTTP 500" in text
        assert "p95" in text and "https://grafana.example/d/42" in text
        assert "Soaked for a day" in text


def test_gitops_tree_below_the_repository_root(tmp_path: Path) -> None:
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        runner = Runner(tmp_path, server, subdir="deploy/flux")
        result = runner.run(path="deploy/flux", stages="dev")
        assert result.code == 0, result.stdout + result.stderr
        assert range_of(runner.branch_file("flux-semver/myapp/dev", "dev")) == "2.0.x"
        assert result.outputs["changed-files"] == "deploy/flux/clusters/dev/imagepolicy.yaml"
        assert len(server.open_pulls()) == 1


def test_rollback_opens_a_pull_request_restoring_the_previous_range(runner: Runner) -> None:
    runner.write_ranges({"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}, "Release 2.0.0")
    git(runner.workspace, "fetch", "--quiet", "--unshallow", "origin", env=runner.env)
    result = runner.rollback("dev")
    assert result.code == 0, result.stdout + result.stderr
    assert range_of(runner.branch_file("flux-semver/myapp/rollback-dev", "dev")) == "1.2.x"
    [opened] = runner.server.open_pulls()
    assert opened["head"] == "flux-semver/myapp/rollback-dev"
    assert [(p["stage"], p["operation"]) for p in result.pulls] == [("dev", "created")]
    log = runner.message("flux-semver/myapp/rollback-dev")
    assert "Flux-Semver-Previous: dev 2.0.x" in log
    # The plan output is a plan like any other: `flux-semver evidence` takes it as it is.
    evidence = subprocess.run(
        [sys.executable, "-m", "flux_semver", "evidence", "--plan", "-"],
        input=result.outputs["plan"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert evidence.returncode == 0, evidence.stderr
    # It reads as a rollback: no "Release myapp previous", and its undo is not called a
    # rollback plan (restoring 2.0.x would undo the rollback, not roll anything back).
    assert "## Roll back myapp" in evidence.stdout
    assert "**Ranges restored in:** dev" in evidence.stdout
    assert "previous" not in evidence.stdout.split("\n", 3)[1]
    assert "### How to undo this rollback" in evidence.stdout
    assert "### Rollback plan" not in evidence.stdout
    assert "--stage dev --to '2.0.x'" in evidence.stdout
    assert "| `2.0.x` | `1.2.x` | **update** |" in evidence.stdout


def test_prod_alone_rolls_back_below_its_gate(runner: Runner) -> None:
    # an emergency rollback: prod goes back while pre-prod keeps 2.0.x
    runner.write_ranges({"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}, "Release 2.0.0")
    git(runner.workspace, "fetch", "--quiet", "--unshallow", "origin", env=runner.env)
    result = runner.rollback("prod")
    assert result.code == 0, result.stdout + result.stderr
    assert range_of(runner.branch_file("flux-semver/myapp/rollback-prod", "prod")) == "1.2.3"
    assert [(p["stage"], p["operation"]) for p in result.pulls] == [("prod", "created")]


def test_rollback_above_the_gate_is_refused(runner: Runner) -> None:
    runner.write_ranges({"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "1.3.5"}, "Release 1.3.5")
    runner.write_ranges({"prod": "2.0.0"}, "Release 2.0.0 to prod")
    runner.write_ranges({"pre-prod": "1.2.x"}, "Roll pre-prod back")
    git(runner.workspace, "fetch", "--quiet", "--unshallow", "origin", env=runner.env)
    # prod's previous pin 1.3.5 is above everything pre-prod (1.2.x) admits now
    result = runner.rollback("prod")
    assert result.code == 1
    assert runner.server.writes == []
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error title=flux-semver%3A prod blocked::prod: rollback refused: prod would admit "
        "1.3.5, above everything its gate pre-prod admits: set by hand (the action has no `to` "
        "input) a range pre-prod admits"
    ]


def test_a_second_rollback_never_undoes_the_first(runner: Runner) -> None:
    runner.write_ranges({"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}, "Release 2.0.0")
    runner.write_ranges({"prod": "1.2.3"}, "Roll prod back")
    git(runner.workspace, "fetch", "--quiet", "--unshallow", "origin", env=runner.env)
    result = runner.rollback("prod")
    assert result.code == 2  # not 2.0.0 again: the broken version stays out
    assert runner.server.writes == []
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "is already rolled back" in errors[0]


def test_a_version_is_required_for_promote(runner: Runner) -> None:
    result = runner.run(event="workflow_dispatch", payload={}, ref="refs/heads/main")
    assert result.code == 2
    assert any(
        line.startswith("::error") and "`version`" in line for line in result.stdout.splitlines()
    )


def test_work_in_progress_in_the_checkout_never_reaches_the_branches(runner: Runner) -> None:
    # The plan is the base branch's, read in place only when the checkout holds exactly that.
    prod = runner.workspace / "clusters" / "prod" / "imagepolicy.yaml"
    prod.write_text(prod.read_text().replace('"1.2.3"', '"9.9.9"') + "# work in progress\n")
    extra = runner.workspace / "clusters" / "dev" / "second.yaml"
    extra.write_text(
        (runner.workspace / "clusters" / "dev" / "imagepolicy.yaml")
        .read_text()
        .replace("myapp-dev", "myapp-dev-second")
    )
    result = runner.run()
    assert result.code == 0, result.stdout + result.stderr
    pinned = runner.branch_file("flux-semver/myapp/prod", "prod")
    assert range_of(pinned) == "2.0.0" and "work in progress" not in pinned
    assert result.outputs["changed-files"].splitlines() == [
        "clusters/dev/imagepolicy.yaml",
        "clusters/pre-prod/imagepolicy.yaml",
        "clusters/prod/imagepolicy.yaml",
    ]
    assert len(runner.server.open_pulls()) == 3
    # The checkout is left as it was, work in progress included.
    assert range_of(prod.read_text()) == "9.9.9"
    assert git(runner.workspace, "status", "--porcelain", env=runner.env).split("\n")[:2] == [
        " M clusters/prod/imagepolicy.yaml",
        "?? clusters/dev/second.yaml",
    ]
