"""The action across many releases, through the simulated runner (hyphenated ``INPUT_*``, an
event file, a bare origin, the local GitHub server): after every run the state GitHub and
origin hold is asserted — never a release moved backwards, never a person's commit dropped,
never a pull request saying something untrue.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.action_runner import OWNER, REPO, TOKEN, Runner, git, range_of
from tests.support.git_http import GitAccess, GitHttpServer, git_http_server
from tests.support.github_server import github_server

PROD, PREPROD, DEV = "flux-semver/myapp/prod", "flux-semver/myapp/pre-prod", "flux-semver/myapp/dev"
AT_2 = {"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}


def _open(runner: Runner) -> dict[str, dict[str, Any]]:
    return {p["head"]: p for p in runner.server.open_pulls()}


def _by_stage(pulls: list[dict[str, Any]]) -> dict[str, tuple[int | None, str]]:
    return {p["stage"]: (p["number"], p["operation"]) for p in pulls}


def _errors(result: Any, level: str = "error") -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(f"::{level}")]


# What GitHub holds after a run: each open pull request by head, as (number, title, labels,
# auto-merge), and origin's branches.
Open = dict[str, tuple[int, str, frozenset[str], bool]]


def _github(runner: Runner) -> Open:
    return {
        p["head"]: (
            p["number"],
            p["title"],
            frozenset(p["labels"]),
            bool(runner.server.pull(p["number"]).get("auto_merge")),
        )
        for p in runner.server.open_pulls()
    }


def _pr(
    number: int, version: str, stage: str, kind: str, auto_merge: bool = False
) -> tuple[int, str, frozenset[str], bool]:
    return (
        number,
        f"Release myapp to {version} in {stage} ({kind})",
        frozenset({"flux-semver", f"release:{kind}", f"stage:{stage}"}),
        auto_merge,
    )


def _numbers(result: Any) -> dict[str, int]:
    """Each stage's pull request in the output: the one carrying the release, else the one
    closed (an entry for the other ``pull-requests`` mode's closed one comes second)."""
    found: dict[str, int] = {}
    for pull in result.pulls:
        if pull["number"] is not None:
            found.setdefault(pull["stage"], pull["number"])
    return found


# -- 1. what a pull request carries matches its current release -----------------------------


def test_a_patch_pull_request_rewritten_to_a_major_loses_auto_merge_and_its_patch_label(
    runner: Runner,
) -> None:
    runner.write_ranges(AT_2, "Release 2.0.0")
    patch = runner.release("2.0.1", auto_merge="true")
    assert patch.code == 0, patch.stdout + patch.stderr
    prod = _open(runner)[PROD]
    assert _github(runner) == {PROD: _pr(prod["number"], "2.0.1", "prod", "patch", True)}
    assert runner.branches() == [PROD, "main"]
    assert _by_stage(patch.pulls) == {
        "dev": (None, "none"),
        "pre-prod": (None, "none"),
        "prod": (prod["number"], "created"),
    }
    [sticky] = runner.server.comments_on(prod["number"])
    assert "2.0.1" in sticky["body"]

    major = runner.release("3.0.0", auto_merge="true")
    assert major.code == 0, major.stdout + major.stderr
    after = runner.server.pull(prod["number"])
    assert after["state"] == "open"
    assert after["auto_merge"] is False  # a major prod pin waits for its approval
    assert "release:major" in after["labels"] and "release:patch" not in after["labels"]
    assert "3.0.0" in after["title"] and "2.0.1" not in after["title"]
    assert range_of(runner.branch_file(PROD, "prod")) == "3.0.0"
    [sticky] = runner.server.comments_on(prod["number"])
    assert "3.0.0" in sticky["body"] and "2.0.1" not in sticky["body"]
    assert _by_stage(major.pulls)["prod"] == (prod["number"], "updated")
    numbers = _numbers(major)
    assert _github(runner) == {
        DEV: _pr(numbers["dev"], "3.0.0", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "3.0.0", "pre-prod", "major"),
        PROD: _pr(prod["number"], "3.0.0", "prod", "major"),
    }
    assert runner.branches() == [DEV, PREPROD, PROD, "main"]


# -- 2. failing evidence under block closes the open prod pull request and says why ---------

FAILING_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="smoke" tests="1" failures="1">
<testcase classname="smoke" name="test_checkout"><failure message="HTTP 500">boom</failure>
</testcase></testsuite></testsuites>
"""


def test_failing_evidence_on_a_re_run_closes_the_open_prod_pull_request(runner: Runner) -> None:
    first = runner.release("2.0.0", auto_merge="true")
    assert first.code == 0, first.stdout + first.stderr
    prod = _open(runner)[PROD]
    numbers = _numbers(first)
    opened = {
        DEV: _pr(numbers["dev"], "2.0.0", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "2.0.0", "pre-prod", "major"),
        PROD: _pr(prod["number"], "2.0.0", "prod", "major"),
    }
    assert _github(runner) == opened
    reports = runner.workspace / "reports"
    reports.mkdir()
    (reports / "junit.xml").write_text(FAILING_JUNIT, encoding="utf-8")

    blocked = runner.release("2.0.0", evidence_junit="reports/*.xml", evidence_policy="block")
    assert blocked.code == 1
    assert runner.server.pull(prod["number"])["state"] == "closed"
    assert PROD not in runner.branches()
    assert set(_open(runner)) == {DEV, PREPROD}
    closing = runner.server.comments_on(prod["number"])[-1]["body"]
    assert "evidence-policy: block" in closing and "HTTP 500" in closing
    assert _by_stage(blocked.pulls)["prod"] == (prod["number"], "closed")
    assert any("evidence-policy: block" in e for e in _errors(blocked))
    assert _github(runner) == {DEV: opened[DEV], PREPROD: opened[PREPROD]}
    assert runner.branches() == [DEV, PREPROD, "main"]

    passing = runner.release("2.0.0")
    assert passing.code == 0, passing.stdout + passing.stderr
    reopened = _open(runner)[PROD]
    assert reopened["number"] != prod["number"]
    assert _by_stage(passing.pulls)["prod"] == (reopened["number"], "created")
    assert _github(runner) == {
        **opened,
        PROD: _pr(reopened["number"], "2.0.0", "prod", "major"),
    }
    assert runner.branches() == [DEV, PREPROD, PROD, "main"]


def test_failing_evidence_turns_a_patch_pull_requests_auto_merge_off_by_closing_it(
    runner: Runner,
) -> None:
    runner.write_ranges(AT_2, "Release 2.0.0")
    first = runner.release("2.0.1", auto_merge="true")
    assert first.code == 0, first.stdout + first.stderr
    number = _numbers(first)["prod"]
    assert _github(runner) == {PROD: _pr(number, "2.0.1", "prod", "patch", True)}
    body = runner.server.pull(number)["body"]
    reports = runner.workspace / "reports"
    reports.mkdir()
    (reports / "junit.xml").write_text(FAILING_JUNIT, encoding="utf-8")

    blocked = runner.release(
        "2.0.1", auto_merge="true", evidence_junit="reports/*.xml", evidence_policy="block"
    )
    assert blocked.code == 1, blocked.stdout + blocked.stderr
    closed = runner.server.pull(number)
    assert closed["state"] == "closed" and not closed.get("auto_merge")  # it cannot merge
    assert closed["body"] == body  # what it said was true of what it carried
    closing = runner.server.comments_on(number)[-1]["body"]
    assert "evidence-policy: block" in closing and "HTTP 500" in closing
    assert _github(runner) == {} and runner.branches() == ["main"]
    assert _by_stage(blocked.pulls)["prod"] == (number, "closed")
    [error] = _errors(blocked)
    assert "failing evidence: no pull request for prod (evidence-policy: block)" in error

    (reports / "junit.xml").unlink()
    passing = runner.release("2.0.1", auto_merge="true")
    assert passing.code == 0, passing.stdout + passing.stderr
    again = _numbers(passing)["prod"]
    assert again != number
    assert _github(runner) == {PROD: _pr(again, "2.0.1", "prod", "patch", True)}
    assert _by_stage(passing.pulls)["prod"] == (again, "created")


# -- 3. a reviewer's commit on the bot's branch is never erased ------------------------------


def test_a_reviewers_commit_on_the_branch_is_left_alone(runner: Runner) -> None:
    first = runner.release("2.0.0")
    assert first.code == 0
    prod = _open(runner)[PROD]
    numbers = _numbers(first)
    assert _github(runner) == {
        DEV: _pr(numbers["dev"], "2.0.0", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "2.0.0", "pre-prod", "major"),
        PROD: _pr(prod["number"], "2.0.0", "prod", "major"),
    }
    theirs = runner.person_commits(PROD, "prod", "# reviewed: ok for the window on Tuesday\n")

    again = runner.release("2.0.1")
    assert again.code == 0, again.stdout + again.stderr
    assert runner.tip(PROD) == theirs
    assert "# reviewed" in runner.branch_file(PROD, "prod")
    warnings = _errors(again, "warning")
    assert any(PROD in w and "did not make" in w for w in warnings)
    assert _by_stage(again.pulls)["prod"] == (prod["number"], "none")
    assert range_of(runner.branch_file(DEV, "dev")) == "2.0.x"  # the others move on
    assert "2.0.1" in _open(runner)[DEV]["title"]
    # The prod pull request still says what its branch carries: 2.0.0 and the reviewer's note.
    assert _github(runner) == {
        DEV: _pr(numbers["dev"], "2.0.1", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "2.0.1", "pre-prod", "major"),
        PROD: _pr(prod["number"], "2.0.0", "prod", "major"),
    }
    assert range_of(runner.branch_file(PROD, "prod")) == "2.0.0"


# -- 4. never backwards; a hotfix line gets its own branch; races are settled ----------------


def test_a_hotfix_below_an_open_major_gets_its_own_branch(runner: Runner) -> None:
    major = runner.release("2.0.0")
    assert major.code == 0
    before = {head: (p["number"], p["title"]) for head, p in _open(runner).items()}
    numbers = _numbers(major)
    at_2 = {
        DEV: _pr(numbers["dev"], "2.0.0", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "2.0.0", "pre-prod", "major"),
        PROD: _pr(numbers["prod"], "2.0.0", "prod", "major"),
    }
    assert _github(runner) == at_2

    hotfix = runner.release("1.2.4")
    assert hotfix.code == 0, hotfix.stdout + hotfix.stderr
    now = _open(runner)
    for head, (number, title) in before.items():  # the 2.0.0 pull requests stay as they were
        assert (now[head]["number"], now[head]["title"]) == (number, title)
    assert range_of(runner.branch_file(PROD, "prod")) == "2.0.0"
    line = "flux-semver/myapp/prod-1.2.x"
    assert range_of(runner.branch_file(line, "prod")) == "1.2.4"
    assert "1.2.4" in now[line]["title"]
    stages = _by_stage(hotfix.pulls)
    assert stages["prod"] == (now[line]["number"], "created")
    assert stages["dev"] == (before[DEV][0], "none")
    assert stages["pre-prod"] == (before[PREPROD][0], "none")
    assert _github(runner) == {**at_2, line: _pr(now[line]["number"], "1.2.4", "prod", "patch")}
    assert runner.branches() == [DEV, PREPROD, PROD, line, "main"]


def test_a_patch_below_an_open_minor_leaves_its_pull_requests_open(runner: Runner) -> None:
    minor = runner.release("1.3.0")
    assert minor.code == 0, minor.stdout + minor.stderr
    numbers = _numbers(minor)
    at_13 = {  # prod holds minor releases: it waits for a later run
        DEV: _pr(numbers["dev"], "1.3.0", "dev", "minor"),
        PREPROD: _pr(numbers["pre-prod"], "1.3.0", "pre-prod", "minor"),
    }
    assert _github(runner) == at_13
    tips = {b: runner.tip(b) for b in (DEV, PREPROD)}

    patch = runner.release("1.2.4")
    assert patch.code == 0, patch.stdout + patch.stderr
    hotfix = _numbers(patch)["prod"]
    assert _github(runner) == {**at_13, PROD: _pr(hotfix, "1.2.4", "prod", "patch")}
    assert {b: runner.tip(b) for b in (DEV, PREPROD)} == tips  # 1.3.x stays on its way
    assert range_of(runner.branch_file(PREPROD, "pre-prod")) == "1.3.x"
    assert range_of(runner.branch_file(PROD, "prod")) == "1.2.4"
    assert _by_stage(patch.pulls) == {
        "dev": (numbers["dev"], "none"),
        "pre-prod": (numbers["pre-prod"], "none"),
        "prod": (hotfix, "created"),
    }


def test_re_running_an_older_release_leaves_the_newer_pull_requests(runner: Runner) -> None:
    newer = runner.release("2.0.1")
    assert newer.code == 0
    numbers = _numbers(newer)
    at_201 = {
        DEV: _pr(numbers["dev"], "2.0.1", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "2.0.1", "pre-prod", "major"),
        PROD: _pr(numbers["prod"], "2.0.1", "prod", "major"),
    }
    assert _github(runner) == at_201
    tips = {b: runner.tip(b) for b in (DEV, PREPROD, PROD)}
    older = runner.release("2.0.0")
    assert older.code == 0, older.stdout + older.stderr
    assert {b: runner.tip(b) for b in (DEV, PREPROD, PROD)} == tips
    assert all("2.0.1" in p["title"] for p in runner.server.open_pulls())
    assert all(p["operation"] == "none" for p in older.pulls)
    assert "newer than 2.0.0" in older.stdout
    assert _github(runner) == at_201
    assert runner.branches() == [DEV, PREPROD, PROD, "main"]


@pytest.mark.parametrize("first", ["2.0.0", "2.0.1"])
def test_two_releases_at_once_end_with_the_newer_one(runner: Runner, first: str) -> None:
    second = "2.0.1" if first == "2.0.0" else "2.0.0"
    started = [
        runner.start("release", {"release": {"tag_name": v}}, f"refs/tags/{v}")
        for v in (first, second)
    ]
    results = [runner.finish(s) for s in started]
    for result in results:
        assert result.code == 0, result.stdout + result.stderr
    for branch, stage, wanted in ((DEV, "dev", "2.0.x"), (PROD, "prod", "2.0.1")):
        assert range_of(runner.branch_file(branch, stage)) == wanted
        assert "2.0.1" in runner.message(branch)
    assert len(runner.server.open_pulls()) == 3
    assert all("2.0.1" in p["title"] for p in runner.server.open_pulls())
    numbers = {p["head"]: p["number"] for p in runner.server.open_pulls()}
    assert _github(runner) == {
        DEV: _pr(numbers[DEV], "2.0.1", "dev", "major"),
        PREPROD: _pr(numbers[PREPROD], "2.0.1", "pre-prod", "major"),
        PROD: _pr(numbers[PROD], "2.0.1", "prod", "major"),
    }
    assert len(runner.server.state.pulls) == 3  # none opened twice, none closed
    for number in numbers.values():
        assert len(runner.server.comments_on(number)) == 1  # one sticky comment each


# Run by git in the action's workspace whenever a ref changes there: each time the run reads
# prod's branch from origin, someone else pushes it again (a copy of its tip, a second later),
# MOVES times in all. The run's read is stale at once, every time but the last.
MOVING_BRANCH_HOOK = """\
#!/bin/sh
[ "$1" = committed ] || exit 0
grep -q ' refs/flux-semver/remote/{branch}$' || exit 0
count={count}
moved=$(cat "$count" 2>/dev/null || echo 0)
[ "$moved" -lt {moves} ] || exit 0
echo $((moved + 1)) > "$count"
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE
origin="--git-dir={origin}"
tip=$(git $origin rev-parse refs/heads/{branch})
export GIT_COMMITTER_DATE="@$((1700000000 + moved)) +0000" GIT_AUTHOR_DATE="@1700000000 +0000"
copy=$(git $origin log -1 --format=%B "$tip" | git $origin commit-tree "$tip^{{tree}}" -p "$tip^")
git $origin update-ref refs/heads/{branch} "$copy" "$tip"
"""


def test_a_lost_lease_is_read_again_before_the_next_push(runner: Runner) -> None:
    """After a lost lease the run reads the branch again before pushing: each of its three
    attempts pushes over what origin held when it read, none over a tip it knows is gone."""
    first = runner.release("2.0.0")
    assert first.code == 0, first.stdout + first.stderr
    hook = runner.workspace / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        MOVING_BRANCH_HOOK.format(
            branch=PROD, count=runner.tmp / "moved", moves=3, origin=runner.origin
        )
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    second = runner.release("2.0.1")
    assert second.code == 0, second.stdout + second.stderr
    assert (runner.tmp / "moved").read_text().strip() == "3"
    assert range_of(runner.branch_file(PROD, "prod")) == "2.0.1"
    assert "2.0.1" in runner.message(PROD)


# -- 5. a rollback knows its own rollback --------------------------------------------------------


def test_re_running_a_rollback_after_its_merge_opens_nothing(runner: Runner) -> None:
    runner.write_ranges(AT_2, "Release 2.0.0")
    first = runner.rollback("dev")
    assert first.code == 0, first.stdout + first.stderr
    [opened] = runner.server.open_pulls()
    assert opened["head"] == "flux-semver/myapp/rollback-dev"
    assert _by_stage(first.pulls)["dev"] == (opened["number"], "created")
    assert "rollback" in opened["labels"] or "release:rollback" in opened["labels"]
    runner.merge("flux-semver/myapp/rollback-dev")
    git(runner.workspace, "pull", "--quiet", "origin", "main", env=runner.env)
    writes, branches = len(runner.server.writes), runner.branches()

    again = runner.rollback("dev")
    assert again.code == 0, again.stdout + again.stderr
    assert runner.server.open_pulls() == []
    assert len(runner.server.state.pulls) == 1
    assert _by_stage(again.pulls)["dev"] == (None, "none")
    plan = json.loads(again.outputs["plan"])
    assert [c["action"] for c in plan["changes"]] == ["unchanged"]
    assert "already rolled back" in plan["changes"][0]["reason"]
    assert runner.server.writes[writes:] == []  # nothing opened, closed or commented
    assert runner.branches() == branches  # no new rollback branch


def test_rollback_on_a_depth_one_checkout_fetches_the_history_it_needs(runner: Runner) -> None:
    runner.write_ranges(AT_2, "Release 2.0.0")
    git(runner.workspace, "fetch", "--quiet", "--depth", "1", "origin", "main", env=runner.env)
    git(runner.workspace, "reset", "--quiet", "--hard", "FETCH_HEAD", env=runner.env)
    shallow = git(runner.workspace, "rev-parse", "--is-shallow-repository", env=runner.env)
    assert shallow.strip() == "true"
    result = runner.rollback("dev")
    assert result.code == 0, result.stdout + result.stderr
    assert range_of(runner.branch_file("flux-semver/myapp/rollback-dev", "dev")) == "1.2.x"


def test_a_rollback_with_nothing_to_go_back_to_says_what_to_do_in_the_action(
    runner: Runner,
) -> None:
    # dev has only ever had 1.2.x, and the checkout is depth 1
    result = runner.rollback("dev")
    assert result.code == 2, result.stdout + result.stderr
    assert _errors(result) == [
        "::error title=flux-semver%3A input error::clusters/dev/imagepolicy.yaml: "
        "flux-system/myapp-dev is already rolled back: git history holds no range below 1.2.x "
        "to go back to; set one by hand in a pull request (the action has no `to` input; the "
        "CLI's `flux-semver rollback --to RANGE` writes it)"
    ]
    assert runner.server.writes == [] and runner.branches() == ["main"]


# -- 7. nothing root-owned is left in the workspace ------------------------------------------


def _everything(top: Path) -> list[Path]:
    return [top, *top.rglob("*")]


def test_nothing_in_the_workspace_is_left_to_root(runner: Runner) -> None:
    # The tests run as root, as the action's container does; the runner's user owns the
    # workspace.
    runner_uid = 1001
    for path in _everything(runner.workspace):
        os.lchown(path, runner_uid, runner_uid)
    result = runner.release("2.0.0")
    assert result.code == 0, result.stdout + result.stderr
    owned_by_root = [p for p in _everything(runner.workspace) if p.lstat().st_uid == 0]
    assert owned_by_root == []
    assert (runner.workspace / result.outputs["summary-file"]).stat().st_uid == runner_uid


# -- 8. the repository that holds `path`; no symlink out of the workspace -------------------


def test_a_gitops_checkout_in_a_subfolder_of_an_app_checkout(tmp_path: Path) -> None:
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        runner = Runner(tmp_path, server)
        # actions/checkout of the app at the root, then of the GitOps repo with path: gitops
        gitops = runner.workspace.with_name("gitops-clone")
        runner.workspace.rename(gitops)
        runner.workspace.mkdir()
        (runner.workspace / "app.py").write_text("print('app')\n")
        git(runner.workspace, "init", "--quiet", env=runner.env)
        git(runner.workspace, "add", "-A", env=runner.env)
        git(runner.workspace, "commit", "--quiet", "-m", "the app", env=runner.env)
        gitops.rename(runner.workspace / "gitops")
        result = runner.release("2.0.0", path="gitops", stages="dev")
        assert result.code == 0, result.stdout + result.stderr
        assert range_of(runner.branch_file(DEV, "dev")) == "2.0.x"
        assert result.outputs["changed-files"] == "gitops/clusters/dev/imagepolicy.yaml"
        assert len(server.open_pulls()) == 1


@pytest.mark.parametrize("command", ["check", "promote"])
def test_a_path_that_links_out_of_the_workspace_is_refused(runner: Runner, command: str) -> None:
    outside = runner.tmp / "outside"
    (outside / "clusters").mkdir(parents=True)
    (outside / "clusters" / "secret.yaml").write_text("kind: ImagePolicy # SECRET-CONTENT\n")
    (runner.workspace / "gitops").symlink_to(outside)
    result = runner.release("2.0.0", command=command, path="gitops")
    assert result.code == 2, result.stdout + result.stderr
    [error] = _errors(result)
    assert "input `path`" in error and "out of the workspace" in error
    assert "SECRET-CONTENT" not in result.summary + result.stdout
    assert runner.server.writes == []


# -- 9. every output, always, true to what happened ---------------------------------------------


def test_an_input_error_still_writes_every_output(runner: Runner) -> None:
    result = runner.release("2.0.0", pull_requests="sometimes")
    assert result.code == 2
    assert set(result.outputs) == {
        "release-type",
        "plan",
        "changed-files",
        "pull-requests",
        "summary-file",
    }
    assert result.outputs["pull-requests"] == "[]"
    assert "pull-requests" in result.summary


def test_a_refusal_part_way_still_reports_the_pull_request_it_opened(runner: Runner) -> None:
    runner.server.fail("actions-not-permitted", method="POST", path=r"/labels$", times=10)
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 1
    [opened] = runner.server.open_pulls()
    assert _by_stage(result.pulls)["dev"] == (opened["number"], "created")


# -- 10. what GitHub and git say reaches the user, with the right exit code --------------------


def _pre_receive(runner: Runner, script: str) -> None:
    hook = runner.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\n" + script)
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def test_a_push_refused_by_a_ruleset_says_what_github_said(runner: Runner) -> None:
    _pre_receive(
        runner,
        "echo 'GH013: Repository rule violations found for refs/heads/x.' >&2\n"
        "echo '- Cannot create ref due to creations being restricted.' >&2\n"
        "exit 1\n",
    )
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 1, result.stdout + result.stderr
    assert _errors(result) == [
        "::error title=flux-semver%3A GitHub refused::GitHub refused the push of "
        "flux-semver/myapp/dev: remote: GH013: Repository rule violations found for "
        "refs/heads/x. | remote: - Cannot create ref due to creations being restricted. | "
        f"error: failed to push some refs to '{runner.origin}'; allow the token to push "
        "flux-semver/* branches (a ruleset bypass or a narrower rule), then re-run"
    ]
    assert runner.server.writes == []
    assert runner.branches() == ["main"]
    assert _by_stage(result.pulls) == {"dev": (None, "none")}


def test_a_bad_gateway_on_push_is_retried(runner: Runner) -> None:
    marker = runner.tmp / "refused-once"
    _pre_receive(
        runner,
        f"if [ ! -e {marker} ]; then touch {marker}; "
        "echo 'error: RPC failed; HTTP 502 curl 22' >&2; exit 1; fi\nexit 0\n",
    )
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    assert range_of(runner.branch_file(DEV, "dev")) == "2.0.x"


def test_a_missing_origin_repository_is_not_blamed_on_the_base_input(runner: Runner) -> None:
    git(
        runner.workspace,
        "remote",
        "set-url",
        "origin",
        str(runner.tmp / "gone.git"),
        env=runner.env,
    )
    result = runner.release("2.0.0")
    assert result.code == 2
    [error] = _errors(result)
    assert "`base`" not in error and "not found" in error


def _over_http(runner: Runner, server: GitHttpServer) -> None:
    """origin on the git HTTP server, as actions/checkout leaves it (an https-like URL)."""
    git(runner.workspace, "remote", "set-url", "origin", server.url, env=runner.env)
    runner.server_url = server.base


def _port_holding_502() -> int:
    """A free port whose number holds "502" (50200-50299), as a random one may."""
    for port in range(50200, 50300):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise AssertionError("no free port in 50200-50299")


def test_a_wrong_token_on_fetch_names_the_token_input_not_base(runner: Runner) -> None:
    # On a port holding "502": git's message names it, and it is no bad gateway to retry.
    access = GitAccess(token="another-token")
    with git_http_server(runner.origin, access, port=_port_holding_502()) as server:
        _over_http(runner, server)
        result = runner.release("2.0.0", stages="dev")
        assert result.code == 1, result.stdout + result.stderr  # as the API's 401
        assert _errors(result) == [
            "::error title=flux-semver%3A GitHub refused::cannot fetch the base branch 'main' "
            "from origin: GitHub refused the token: give the `token` input a token with contents: "
            "read (contents: write to push) on this repository (git fetch failed in "
            f"{runner.workspace}: fatal: could not read Username for '{server.base}': "
            "terminal prompts disabled)"
        ]
    assert runner.branches() == ["main"] and runner.server.requests == []
    assert _by_stage(result.pulls) == {}


def test_a_token_that_may_not_push_fails_naming_contents_write(runner: Runner) -> None:
    with git_http_server(runner.origin, GitAccess(token=TOKEN, writable=False)) as server:
        _over_http(runner, server)
        result = runner.release("2.0.0", stages="dev")
        assert result.code == 1, result.stdout + result.stderr
        assert _errors(result) == [
            "::error title=flux-semver%3A GitHub refused::could not push flux-semver/myapp/dev: "
            "the token may not push (remote: Permission to acme/gitops.git denied to "
            "github-actions[bot]. | fatal: unable to access "
            f"'{server.url}/': The requested URL returned error: 403); give it `contents: "
            "write` (permissions: contents: write in the workflow)"
        ]
    assert runner.branches() == ["main"] and runner.server.writes == []
    assert _by_stage(result.pulls)["dev"] == (None, "none")


def test_a_token_that_may_push_opens_the_pull_request_over_http(runner: Runner) -> None:
    with git_http_server(runner.origin, GitAccess(token=TOKEN)) as server:
        _over_http(runner, server)
        result = runner.release("2.0.0", stages="dev")
        assert result.code == 0, result.stdout + result.stderr
    assert range_of(runner.branch_file(DEV, "dev")) == "2.0.x"
    [opened] = runner.server.open_pulls()
    assert opened["head"] == DEV and _by_stage(result.pulls)["dev"] == (opened["number"], "created")


def test_githubs_git_server_down_is_one_line_after_three_attempts(runner: Runner) -> None:
    with git_http_server(runner.origin, GitAccess(token=TOKEN)) as server:
        _over_http(runner, server)
    result = runner.release("2.0.0", stages="dev")  # the server is gone: connection refused
    assert result.code == 1, result.stdout + result.stderr
    [error] = _errors(result)
    assert error.startswith(
        "::error title=flux-semver%3A GitHub refused::cannot fetch the base branch 'main' from "
        "origin: GitHub's git server did not answer in 3 attempts (fatal: unable to access "
        f"'{server.url}/': Failed to connect to 127.0.0.1 port "
    )
    assert error.endswith("); check that GitHub is up, then re-run the workflow")
    assert runner.branches() == ["main"] and runner.server.requests == []
    assert set(result.outputs) >= {"pull-requests", "plan"}


def test_an_ssh_origin_says_to_check_out_over_https(runner: Runner) -> None:
    url = "ssh://git@127.0.0.1:9/acme/gitops.git"  # nothing listens: as good as no SSH key
    git(runner.workspace, "remote", "set-url", "origin", url, env=runner.env)
    runner.env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=5"
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 2, result.stdout + result.stderr
    [error] = _errors(result)
    assert error.startswith(
        "::error title=flux-semver%3A input error::cannot fetch the base branch 'main' from "
        "origin: origin is an SSH URL and the container has no SSH key: check the repository "
        "out with actions/checkout over HTTPS (its default) ("
    )
    assert "`base`" not in error
    assert runner.branches() == ["main"] and runner.server.writes == []


def test_a_push_that_keeps_failing_with_502_says_to_re_run(runner: Runner) -> None:
    with git_http_server(runner.origin, GitAccess(token=TOKEN, bad_gateway=3)) as server:
        _over_http(runner, server)
        result = runner.release("2.0.0", stages="dev")
        assert result.code == 1, result.stdout + result.stderr
        assert _errors(result) == [
            "::error title=flux-semver%3A GitHub refused::could not push flux-semver/myapp/dev: "
            "GitHub kept failing (fatal: unable to access "
            f"'{server.url}/': The requested URL returned error: 502); re-run the workflow"
        ]
        assert server.access.bad_gateway == 0  # tried three times
    assert runner.branches() == ["main"] and runner.server.writes == []
    assert _by_stage(result.pulls)["dev"] == (None, "none")


def test_a_push_answered_502_once_is_retried(runner: Runner) -> None:
    with git_http_server(runner.origin, GitAccess(token=TOKEN, bad_gateway=1)) as server:
        _over_http(runner, server)
        result = runner.release("2.0.0", stages="dev")
        assert result.code == 0, result.stdout + result.stderr
    assert range_of(runner.branch_file(DEV, "dev")) == "2.0.x"
    [opened] = runner.server.open_pulls()
    assert _by_stage(result.pulls)["dev"] == (opened["number"], "created")


def test_a_long_retry_after_is_not_waited_for(runner: Runner) -> None:
    runner.server.fail("rate-limit", method="POST", path=r"/pulls$", times=10, retry_after="3600")
    before = time.time()
    result = runner.release("2.0.0", stages="dev")
    after = time.time()
    assert result.code == 1
    [error] = _errors(result)
    said = re.fullmatch(
        r"::error title=flux-semver%3A GitHub refused::could not open or update the pull "
        r"request for flux-semver/myapp/dev: GitHub asks to wait 3600 s \(a secondary rate "
        r"limit\), until (\d\d:\d\d:\d\d) UTC, 60 min from now; re-run the workflow after "
        r"that, or use a token of its own \(a GitHub App token\) for a separate limit",
        error,
    )
    assert said is not None, error
    until = {
        time.strftime("%H:%M:%S", time.gmtime(t + 3600)) for t in range(int(before), int(after) + 1)
    }
    assert said[1] in until
    assert len(_pull_posts(runner)) == 1
    assert runner.server.open_pulls() == []


def test_a_missing_base_branch_names_the_base_input(runner: Runner) -> None:
    result = runner.release("2.0.0", stages="dev", base="no-such-base")
    assert result.code == 2
    assert _errors(result) == [
        "::error title=flux-semver%3A input error::cannot fetch the base branch 'no-such-base' "
        "from origin: origin has no branch 'no-such-base': set the `base` input to the branch "
        f"the pull requests target (git fetch failed in {runner.workspace}: fatal: couldn't "
        "find remote ref refs/heads/no-such-base)"
    ]
    assert runner.branches() == ["main"] and runner.server.writes == []


def test_a_validation_failure_keeps_githubs_detail(runner: Runner) -> None:
    runner.server.fail("validation", method="POST", path=r"/pulls$")
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 1
    assert _errors(result) == [
        "::error title=flux-semver%3A GitHub refused::could not open or update the pull request "
        "for flux-semver/myapp/dev: GitHub answered 422 Validation Failed (PullRequest base "
        "invalid)"
    ]
    assert len(_pull_posts(runner)) == 1  # a 422 is not retried
    assert runner.server.open_pulls() == []


def test_a_rate_limit_without_retry_after_is_retried(runner: Runner) -> None:
    runner.server.fail("too-many", method="POST", path=r"/pulls$", times=2)
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    [opened] = runner.server.open_pulls()
    assert len(_pull_posts(runner)) == 3
    assert _by_stage(result.pulls)["dev"] == (opened["number"], "created")


def test_a_rate_limit_that_never_lifts_says_to_re_run_later(runner: Runner) -> None:
    runner.server.fail("too-many", method="POST", path=r"/pulls$", times=10)
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 1, result.stdout + result.stderr
    assert _errors(result) == [
        "::error title=flux-semver%3A GitHub refused::could not open or update the pull request "
        "for flux-semver/myapp/dev: GitHub's secondary rate limit still refused after 6 "
        "attempts (429 Too Many Requests); re-run the workflow in a few minutes, or pass a "
        "token with a limit of its own (a GitHub App token) as the `token` input"
    ]
    assert len(_pull_posts(runner)) == 6
    assert runner.server.open_pulls() == []


def _pull_posts(runner: Runner) -> list[Any]:
    return [r for r in runner.server.requests if r.method == "POST" and r.path.endswith("/pulls")]


def _resets(at: int, span: str) -> str:
    return f"{time.strftime('%H:%M:%S UTC', time.gmtime(at))}, {span} from now"


RATE_LIMITED = (
    "::error title=flux-semver%3A GitHub refused::could not open or update the pull request "
    "for flux-semver/myapp/dev: GitHub's API rate limit for this token is used up ({status} "
    "API rate limit exceeded for installation ID 4242.); it resets at {when}: re-run the "
    "workflow after that, or pass a token with a limit of its own (a GitHub App token) as the "
    "`token` input"
)


def test_a_primary_rate_limit_for_an_hour_fails_at_once_saying_when_it_resets(
    runner: Runner,
) -> None:
    reset = int(time.time()) + 3600
    runner.server.fail(
        "primary-rate-limit", method="POST", path=r"/pulls$", times=10, reset_at=reset
    )
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 1, result.stdout + result.stderr
    assert _errors(result) == [RATE_LIMITED.format(status=403, when=_resets(reset, "60 min"))]
    assert len(_pull_posts(runner)) == 1  # not retried: an hour is past the bound
    assert runner.server.open_pulls() == []
    assert runner.tip(DEV) is not None  # pushed before GitHub refused: the next run opens it
    assert _by_stage(result.pulls)["dev"] == (None, "none")


@pytest.mark.parametrize("status", [403, 429])
def test_a_primary_rate_limit_still_in_force_after_the_retries_says_when_it_resets(
    runner: Runner, status: int
) -> None:
    reset = int(time.time())  # GitHub says "now", and keeps refusing
    kind = "primary-rate-limit" if status == 403 else "primary-rate-limit-429"
    runner.server.fail(kind, method="POST", path=r"/pulls$", times=10, reset_at=reset)
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 1, result.stdout + result.stderr
    assert _errors(result) == [RATE_LIMITED.format(status=status, when=_resets(reset, "0 s"))]
    assert len(_pull_posts(runner)) == 6  # retried within the bound, then given up
    assert runner.server.open_pulls() == []


def test_a_primary_rate_limit_that_resets_within_the_bound_is_waited_for(runner: Runner) -> None:
    reset = int(time.time()) + 2
    runner.server.fail("primary-rate-limit", method="POST", path=r"/pulls$", reset_at=reset)
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    _refused, created = _pull_posts(runner)
    assert created.at >= reset  # asked again only once the limit had reset
    [opened] = runner.server.open_pulls()
    assert opened["head"] == DEV and "2.0.0" in opened["title"]
    assert _by_stage(result.pulls)["dev"] == (opened["number"], "created")


def _no_answer(runner: Runner, why: str) -> str:
    return (
        "::error title=flux-semver%3A GitHub refused::could not open or update the pull "
        f"request for flux-semver/myapp/dev: no answer from GitHub's API at {runner.server.url} "
        f"({why}) in 6 attempts; check that GITHUB_API_URL is right and GitHub is up, then "
        "re-run the workflow"
    )


def _no_urllib3(result: Any) -> None:
    said = result.stdout + result.stderr
    for repr_piece in ("HTTPConnectionPool", "urllib3", "object at 0x", "Traceback", "Error("):
        assert repr_piece not in said


def test_github_down_is_one_line_and_the_re_run_finishes_the_job(tmp_path: Path) -> None:
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        runner = Runner(tmp_path, server)
        server.down()  # connection refused
        result = runner.release("2.0.0", stages="dev")
        assert result.code == 1, result.stdout + result.stderr
        assert _errors(result) == [_no_answer(runner, "connection refused")]
        _no_urllib3(result)
        assert runner.tip(DEV) is not None and server.state.pulls == {}
        assert _by_stage(result.pulls)["dev"] == (None, "none")
        pushed = runner.tip(DEV)
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as back:
        runner.server = back
        again = runner.release("2.0.0", stages="dev")
        assert again.code == 0, again.stdout + again.stderr
        [opened] = back.open_pulls()
        assert opened["head"] == DEV and "2.0.0" in opened["title"]
        assert runner.tip(DEV) == pushed  # the same commit: nothing pushed twice
        assert _by_stage(again.pulls)["dev"] == (opened["number"], "created")


@pytest.mark.parametrize(
    ("kind", "why"), [("reset", "connection reset"), ("cut", "the answer was cut off")]
)
def test_a_connection_that_keeps_failing_is_one_line(runner: Runner, kind: str, why: str) -> None:
    runner.server.fail(kind, method="POST", path=r"/pulls$", times=6)
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 1, result.stdout + result.stderr
    assert _errors(result) == [_no_answer(runner, why)]
    _no_urllib3(result)
    assert len(_pull_posts(runner)) == 6
    assert runner.server.open_pulls() == []


@pytest.mark.parametrize("kind", ["reset", "cut", "drop"])
def test_a_connection_failing_now_and_then_is_retried(runner: Runner, kind: str) -> None:
    runner.server.fail(kind, method="POST", path=r"/pulls$", times=2)
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    [opened] = runner.server.open_pulls()
    assert len(runner.server.state.pulls) == 1
    assert _by_stage(result.pulls)["dev"] == (opened["number"], "created")


def test_an_unknown_app_names_the_image_input_not_a_cli_option(runner: Runner) -> None:
    result = runner.release("2.0.0", image="other")
    assert result.code == 2
    assert _errors(result) == [
        "::error title=flux-semver%3A input error::no semver ImagePolicy belongs to app "
        "'other' (apps in this repository: myapp); pass one of them to the `image` input"
    ]
    assert runner.branches() == ["main"] and runner.server.writes == []


# -- 11. no restarting CI, no double comments, no forged lines, no leftover PRs ---------------


def test_a_close_comment_answered_502_is_posted_once(runner: Runner) -> None:
    assert runner.release("2.0.0", stages="dev").code == 0
    [pull] = runner.server.open_pulls()
    assert _github(runner) == {DEV: _pr(pull["number"], "2.0.0", "dev", "major")}
    runner.write_ranges({"dev": "2.0.x"}, "Merged by hand")
    runner.server.fail("502-applied", method="POST", path=r"/comments$")
    result = runner.release("2.0.0", stages="dev")
    assert result.code == 0, result.stdout + result.stderr
    closing = [
        c
        for c in runner.server.comments_on(pull["number"])
        if c["body"].startswith("Closed by flux-semver")
    ]
    assert len(closing) == 1
    assert runner.server.pull(pull["number"])["state"] == "closed"
    assert _github(runner) == {} and runner.branches() == ["main"]
    assert _by_stage(result.pulls)["dev"] == (pull["number"], "closed")


def test_a_file_name_with_a_line_break_cannot_forge_a_changed_files_line(runner: Runner) -> None:
    weird = runner.author / "clusters" / "dev" / "x\nclusters" / "imagepolicy.yaml"
    weird.parent.mkdir(parents=True)
    (runner.author / "clusters" / "dev" / "imagepolicy.yaml").rename(weird)
    git(runner.author, "add", "-A", env=runner.env)
    git(runner.author, "commit", "--quiet", "-m", "odd name", env=runner.env)
    git(
        runner.author, "push", "--quiet", str(runner.origin), "HEAD:refs/heads/main", env=runner.env
    )
    result = runner.release("2.0.0", dry_run="true")
    assert result.code == 0, result.stdout + result.stderr
    lines = result.outputs["changed-files"].splitlines()
    assert json.dumps("clusters/dev/x\nclusters/imagepolicy.yaml") in lines
    assert "clusters/imagepolicy.yaml" not in lines


def test_switching_to_a_single_pull_request_closes_the_per_stage_ones(runner: Runner) -> None:
    first = runner.release("2.0.0")
    assert first.code == 0, first.stdout + first.stderr
    per_stage = {p["number"] for p in first.pulls}
    numbers = _numbers(first)
    assert _github(runner) == {
        DEV: _pr(numbers["dev"], "2.0.0", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "2.0.0", "pre-prod", "major"),
        PROD: _pr(numbers["prod"], "2.0.0", "prod", "major"),
    }
    single = runner.release("2.0.0", pull_requests="single")
    assert single.code == 0, single.stdout + single.stderr
    [left] = runner.server.open_pulls()
    assert left["head"] == "flux-semver/myapp/release"
    assert all(runner.server.pull(n)["state"] == "closed" for n in per_stage)
    release = "flux-semver/myapp/release"
    assert _github(runner) == {
        release: (
            left["number"],
            "Release myapp to 2.0.0 in dev, pre-prod (major)",
            frozenset({"flux-semver", "release:major", "stage:dev", "stage:pre-prod"}),
            False,
        )
    }
    assert runner.branches() == [release, "main"]
    one = left["number"]
    assert [(p["stage"], p["number"], p["operation"]) for p in single.pulls] == [
        ("dev", one, "created"),
        ("dev", numbers["dev"], "closed"),
        ("pre-prod", one, "created"),
        ("pre-prod", numbers["pre-prod"], "closed"),
        ("prod", numbers["prod"], "closed"),
    ]
    back = runner.release("2.0.0")
    assert back.code == 0, back.stdout + back.stderr
    assert {p["head"] for p in runner.server.open_pulls()} == {DEV, PREPROD, PROD}
    assert runner.server.pull(left["number"])["state"] == "closed"
    numbers = _numbers(back)
    assert _github(runner) == {
        DEV: _pr(numbers["dev"], "2.0.0", "dev", "major"),
        PREPROD: _pr(numbers["pre-prod"], "2.0.0", "pre-prod", "major"),
        PROD: _pr(numbers["prod"], "2.0.0", "prod", "major"),
    }
    assert runner.branches() == [DEV, PREPROD, PROD, "main"]
    # The single pull request carried dev and pre-prod, not prod: the output says so.
    assert [(p["stage"], p["number"], p["operation"]) for p in back.pulls] == [
        ("dev", numbers["dev"], "created"),
        ("dev", one, "closed"),
        ("pre-prod", numbers["pre-prod"], "created"),
        ("pre-prod", one, "closed"),
        ("prod", numbers["prod"], "created"),
    ]


def test_a_pull_request_a_person_closed_stays_closed_for_its_release(runner: Runner) -> None:
    assert runner.release("2.0.0", stages="dev").code == 0
    [pull] = runner.server.open_pulls()
    tip = runner.tip(DEV)
    with runner.server.state.lock:  # a person closes it without merging
        runner.server.state.pulls[pull["number"]].update(state="closed", head_sha=tip)
    writes = len(runner.server.writes)
    again = runner.release("2.0.0", stages="dev")
    assert again.code == 0, again.stdout + again.stderr
    assert runner.server.open_pulls() == []
    assert any(f"#{pull['number']}" in w and "closed" in w for w in _errors(again, "warning"))
    assert runner.server.writes[writes:] == [] and runner.tip(DEV) == tip  # respected
    assert _by_stage(again.pulls)["dev"] == (None, "none")
    newer = runner.release("2.0.1", stages="dev")
    assert newer.code == 0, newer.stdout + newer.stderr
    [opened] = runner.server.open_pulls()
    assert opened["number"] != pull["number"] and "2.0.1" in opened["title"]
    assert _github(runner) == {DEV: _pr(opened["number"], "2.0.1", "dev", "major")}
    assert runner.server.pull(pull["number"])["state"] == "closed"
    assert _by_stage(newer.pulls)["dev"] == (opened["number"], "created")
