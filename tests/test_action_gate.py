"""The action's ``command: gate`` over a release's life, against the local GitHub.

One timeline, with a clock the test controls (``FLUX_SEMVER_NOW`` for the action, the
server's stamp for statuses and reviews): a major release opens its pull requests; pre-prod's
merges; Flux posts on the merge commit as notification-controller does (context
``<kind>/<name>/<provider uid prefix>``, description from the event's reason); the soak runs;
reviews arrive; a Flux failure resets the soak; a freeze window opens and closes. After each
step the ``flux-semver/gate`` status on the prod pull request's head says what it should.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.action_runner import OWNER, REPO, START, TOKEN, Result, Runner, git
from tests.support.github_server import github_server

CONFIG = """\
stages:
  - name: dev
    aliases: [dev]
    on: {patch: auto, minor: follow, major: follow}
  - name: pre-prod
    aliases: [pre-prod, preprod]
    on: {patch: auto, minor: follow, major: follow}
    verify: {status: kustomization/apps, soak: 24h}
  - name: prod
    aliases: [prod]
    exact: true
    after: pre-prod
    on: {patch: follow, minor: hold, major: follow}
    approval: {major: required}
    freeze: [{days: [fri], from: "15:00", to: "24:00", tz: Europe/Berlin}]
"""
T0 = "2026-03-02T09:00:00Z"  # a Monday; pre-prod's pull request merges then
PROVIDER_UID = "0c9c2e41-7f2e-4a4b-9a3c-2f1d7c1e9b10"  # the Flux Provider's metadata.uid


def at(hours: float, minutes: int = 0) -> str:
    """T0 plus some time, as GitHub writes timestamps."""
    moment = datetime.fromisoformat(T0) + timedelta(hours=hours, minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def flux_posts(
    runner: Runner,
    sha: str,
    reason: str,
    severity: str,
    kind: str = "Kustomization",
    name: str = "apps",
) -> None:
    """What notification-controller's github notifier sends for one event: state from the
    severity, context lower-case ``<Kind>/<name>/<first segment of the Provider UID>``,
    description the reason split at case changes, lower-cased; no target URL."""
    words, word = [], ""
    for char in reason:
        if char.isupper() and word:
            words.append(word)
            word = ""
        word += char
    words.append(word)
    body = {
        "state": {"info": "success", "error": "failure"}[severity],
        "context": f"{kind}/{name}/{PROVIDER_UID.split('-')[0]}".lower(),
        "description": " ".join(words).lower(),
    }
    post_status(runner, sha, body)


def post_status(runner: Runner, sha: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{runner.server.url}/repos/{OWNER}/{REPO}/statuses/{sha}",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        runner = Runner(tmp_path, server)
        runner.env["GITHUB_RUN_ID"] = "4242"
        (runner.author / ".flux-semver.yaml").write_text(CONFIG)
        runner.write_ranges(START, "Verify pre-prod before prod")
        yield runner


def gate(
    runner: Runner, now: str, event: str = "schedule", payload: dict[str, Any] | None = None
) -> Result:
    runner.env["FLUX_SEMVER_NOW"] = now
    result = runner.run(
        event=event,
        ref="refs/heads/main",
        command="gate",
        auto_merge="true",
        payload=payload
        or {
            "schedule": "*/15 * * * *",
            "repository": {"full_name": f"{OWNER}/{REPO}", "default_branch": "main"},
        },
    )
    assert result.code == 0, result.stdout + result.stderr
    return result


def gate_status(runner: Runner, number: int) -> dict[str, Any]:
    """The latest flux-semver/gate status on a pull request's head, read back over HTTP
    through the combined-status endpoint, as branch protection reads it."""
    sha = runner.server.pull(number)["head"]
    head = runner.tip(sha)
    request = urllib.request.Request(
        f"{runner.server.url}/repos/{OWNER}/{REPO}/commits/{head}/status",
        headers={"Authorization": f"token {TOKEN}"},
    )
    with urllib.request.urlopen(request) as answer:
        combined = json.load(answer)
    found = [s for s in combined["statuses"] if s["context"] == "flux-semver/gate"]
    assert len(found) == 1, combined
    return dict(found[0])


def merge(runner: Runner, branch: str, when: str) -> str:
    """Merge a branch into main the way GitHub's merge button does, at ``when``."""
    env = {**runner.env, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when}
    git(runner.author, "fetch", "--quiet", str(runner.origin), f"refs/heads/{branch}", env=env)
    git(
        runner.author, "merge", "--quiet", "--no-ff", "-m", f"Merge {branch}", "FETCH_HEAD", env=env
    )
    git(runner.author, "push", "--quiet", str(runner.origin), "HEAD:refs/heads/main", env=env)
    return git(runner.author, "rev-parse", "HEAD", env=env).strip()


def test_the_gate_over_a_release_timeline(runner: Runner) -> None:
    before_merge = git(runner.author, "rev-parse", "HEAD", env=runner.env).strip()
    opened = runner.run()  # the major release 2.0.0: one pull request per stage
    assert opened.code == 0, opened.stdout + opened.stderr
    numbers = {p["stage"]: p["number"] for p in opened.pulls}
    prod, dev = numbers["prod"], numbers["dev"]

    # Pre-prod has not taken 2.0.0: prod waits; dev has no gate and passes at once.
    gate(runner, at(-1))
    status = gate_status(runner, prod)
    assert status["state"] == "pending"
    assert "pre-prod does not admit 2.0.0" in status["description"]
    assert status["target_url"] == f"https://github.test/{OWNER}/{REPO}/actions/runs/4242"
    assert gate_status(runner, dev)["state"] == "success"

    # Pre-prod merges. A success on the commit before the merge, and a forged status whose
    # context is not Flux's kustomization/apps, count for nothing.
    merged = merge(runner, "flux-semver/myapp/pre-prod", T0)
    runner.server.merge(numbers["pre-prod"])
    runner.server.set_clock(at(0, 1))
    flux_posts(runner, before_merge, "ReconciliationSucceeded", "info")
    post_status(
        runner,
        merged,
        {
            "state": "success",
            "context": "kustomization/apps-canary/1",
            "description": "reconciliation succeeded",
        },
    )
    post_status(
        runner, merged, {"state": "success", "context": "ci/fake-flux", "description": "all good"}
    )
    gate(runner, at(0, 2))
    status = gate_status(runner, prod)
    assert status["state"] == "pending"
    assert status["description"].startswith("waiting for Flux to report pre-prod healthy")

    # A pending status (Flux's github provider never sends one: progressing events are
    # skipped; another system might) does not count either.
    runner.server.set_clock(at(0, 5))
    post_status(
        runner,
        merged,
        {
            "state": "pending",
            "context": "kustomization/apps/0c9c2e41",
            "description": "progressing",
        },
    )
    gate(runner, at(0, 6))
    assert gate_status(runner, prod)["description"].startswith("waiting for Flux")

    # Flux reports pre-prod healthy: the soak of 24h starts from its status. GitHub fires the
    # `status` event for it, and the workflow runs at once.
    runner.server.set_clock(at(0, 10))
    flux_posts(runner, merged, "ReconciliationSucceeded", "info")
    gate(
        runner,
        at(1),
        event="status",
        payload=status_event(
            merged, "kustomization/apps/0c9c2e41", "success", "reconciliation succeeded", at(0, 10)
        ),
    )
    status = gate_status(runner, prod)
    assert status["state"] == "pending"
    assert "soak in pre-prod until 2026-03-03 09:10 UTC (23h10m left)" in status["description"]

    # The soak has passed; a major release in prod needs one approval. The bot's own
    # approval does not count.
    runner.server.set_clock(at(24, 30))
    runner.server.review(prod, "github-actions[bot]", "APPROVED", user_type="Bot")
    gate(runner, at(25))
    status = gate_status(runner, prod)
    assert status["state"] == "pending"
    assert status["description"] == "0 of 1 required approval(s)"

    # A person approves: the gate passes. Majors need approval, so no auto-merge.
    runner.server.set_clock(at(26))
    runner.server.review(prod, "alice", "APPROVED")
    result = gate(runner, at(26, 5))
    status = gate_status(runner, prod)
    assert status["state"] == "success"
    assert status["description"] == "2.0.0 verified in pre-prod"
    assert "### Verified in pre-prod" in result.summary
    assert "reconciliation succeeded" in result.summary
    assert f"([link](https://github.test/{OWNER}/{REPO}/commit/{merged}))" in result.summary
    assert "approved by alice" in result.summary
    comments = [
        c["body"]
        for c in runner.server.comments_on(prod)
        if "flux-semver:gate stage=prod" in c["body"]
    ]
    assert len(comments) == 1  # one comment, edited as the verdict changes
    assert "### Verified in pre-prod" in comments[0]
    assert "**✅ passed**" in comments[0]
    assert "Soak: 1d1h55m elapsed, 0m left of 1d." in comments[0]
    posts = len(runner.server.statuses_of(status_sha(runner, prod)))
    gate(runner, at(26, 10))  # nothing changed: the same status is not posted again
    assert len(runner.server.statuses_of(status_sha(runner, prod))) == posts
    # The gate's own status fires a `status` event too (with a token other than
    # GITHUB_TOKEN): that run reads and writes nothing.
    writes = len(runner.server.requests)
    own = gate(
        runner,
        at(26, 11),
        event="status",
        payload=status_event(
            status_sha(runner, prod),
            "flux-semver/gate",
            "success",
            "2.0.0 verified in pre-prod",
            at(26, 5),
        ),
    )
    assert "nothing to re-evaluate" in own.stdout
    assert len(runner.server.requests) == writes
    # A CI status on a pull request's branch cannot change a verdict: that run asks GitHub
    # nothing (the event names the default branch and the status's branches).
    ci = status_event(status_sha(runner, prod), "ci/build", "success", "build passed", at(26, 12))
    ci["branches"] = [
        {
            "name": "flux-semver/myapp/prod",
            "protected": False,
            "commit": {"sha": ci["sha"], "url": ci["commit"]["url"]},
        }
    ]
    elsewhere = gate(runner, at(26, 12), event="status", payload=ci)
    assert "not on main" in elsewhere.stdout
    assert [r.method for r in runner.server.requests[writes:]] == []

    # Flux reports a failed health check: the gate fails; the next success restarts the soak.
    runner.server.set_clock(at(30))
    flux_posts(runner, merged, "HealthCheckFailed", "error")
    gate(runner, at(30, 1))
    status = gate_status(runner, prod)
    assert status["state"] == "failure"
    assert "health check failed" in status["description"]
    runner.server.set_clock(at(31))
    flux_posts(runner, merged, "ReconciliationSucceeded", "info")
    gate(runner, at(31, 1))
    status = gate_status(runner, prod)
    assert status["state"] == "pending"
    assert "soak in pre-prod until 2026-03-04 16:00 UTC" in status["description"]

    # Friday 16:00 in Berlin: the freeze window is open until midnight there.
    gate(runner, "2026-03-06T15:00:00Z")
    status = gate_status(runner, prod)
    assert status["state"] == "pending"
    assert status["description"].startswith("prod is frozen until 2026-03-07 00:00 CET")
    # The window closes: the gate passes again.
    gate(runner, "2026-03-06T23:30:00Z")
    assert gate_status(runner, prod)["state"] == "success"
    # A major release needs approval in prod, and dev is not gated: no auto-merge anywhere.
    assert runner.server.state.auto_merge == []


def test_a_patch_for_prod_auto_merges_once_the_gate_lets_it(runner: Runner) -> None:
    opened = runner.run(version="1.2.4")  # pre-prod's 1.2.x admits it already
    assert opened.code == 0, opened.stdout + opened.stderr
    prod = next(p["number"] for p in opened.pulls if p["stage"] == "prod")
    assert [p["stage"] for p in opened.pulls if p["number"]] == ["prod"]
    main = git(runner.author, "rev-parse", "HEAD", env=runner.env).strip()

    # A dry run says what it would set and writes nothing.
    before = len(runner.server.writes)
    runner.env["FLUX_SEMVER_NOW"] = at(0)
    dry = runner.run(
        event="schedule",
        ref="refs/heads/main",
        command="gate",
        dry_run="true",
        auto_merge="true",
        payload={"schedule": "*/15 * * * *"},
    )
    assert dry.code == 0, dry.stdout + dry.stderr
    assert f"#{prod} prod: would set flux-semver/gate pending: waiting for Flux" in dry.stdout
    assert len(runner.server.writes) == before

    # Auto-merge goes on at once: GitHub merges only when the required check passes.
    gate(runner, at(0))
    status = gate_status(runner, prod)
    assert status["state"] == "pending"
    assert status["description"].startswith("waiting for Flux to report pre-prod healthy")
    assert runner.server.state.auto_merge == [prod]
    runner.server.set_clock(at(1))
    flux_posts(runner, main, "ReconciliationSucceeded", "info")
    gate(runner, at(26))
    assert gate_status(runner, prod)["state"] == "success"
    assert runner.server.state.auto_merge == [prod]  # enabled once, not again
    graphql = [r for r in runner.server.requests if r.path == "/api/graphql"]
    assert len(graphql) == 1
    assert "enablePullRequestAutoMerge" in graphql[0].body["query"]


def test_a_status_listing_ten_branches_may_be_on_the_base_too(runner: Runner) -> None:
    """GitHub's ``status`` event lists at most 10 of the branches holding the commit: with
    10 others listed, the base branch may be one left out, so the gate still evaluates."""
    opened = runner.run(version="1.2.4")
    assert opened.code == 0, opened.stdout + opened.stderr
    prod = next(p["number"] for p in opened.pulls if p["stage"] == "prod")
    main = git(runner.author, "rev-parse", "HEAD", env=runner.env).strip()
    runner.server.set_clock(at(1))
    flux_posts(runner, main, "ReconciliationSucceeded", "info")
    event = status_event(main, "kustomization/apps/0c9c2e41", "success", "ok", at(1))
    event["branches"] = [
        {"name": f"feature/{n}", "protected": False, "commit": event["branches"][0]["commit"]}
        for n in range(10)
    ]
    result = gate(runner, at(26), event="status", payload=event)
    assert "nothing to re-evaluate" not in result.stdout
    assert gate_status(runner, prod)["state"] == "success"


def status_event(sha: str, context: str, state: str, description: str, when: str) -> dict[str, Any]:
    """A ``status`` webhook payload as GitHub documents it (the fields a workflow sees)."""
    return {
        "id": 6805126730,
        "sha": sha,
        "name": f"{OWNER}/{REPO}",
        "target_url": None,
        "avatar_url": None,
        "context": context,
        "description": description,
        "state": state,
        "commit": {
            "sha": sha,
            "node_id": "C_kwDOAAAAAA",
            "url": f"https://api.github.test/repos/{OWNER}/{REPO}/commits/{sha}",
            "html_url": f"https://github.test/{OWNER}/{REPO}/commit/{sha}",
            "commit": {"message": "Merge flux-semver/myapp/pre-prod"},
            "parents": [],
        },
        "branches": [
            {
                "name": "main",
                "protected": True,
                "commit": {
                    "sha": sha,
                    "url": f"https://api.github.test/repos/{OWNER}/{REPO}/commits/{sha}",
                },
            }
        ],
        "created_at": when,
        "updated_at": when,
        "repository": {"full_name": f"{OWNER}/{REPO}", "default_branch": "main"},
        "sender": {"login": "flux-bot", "id": 3, "type": "User"},
    }


def status_sha(runner: Runner, number: int) -> str:
    tip = runner.tip(runner.server.pull(number)["head"])
    assert tip is not None, "the pull request's branch is gone from origin"
    return tip


def test_one_pull_request_never_carries_a_stage_with_its_gate(runner: Runner) -> None:
    opened = runner.run(pull_requests="single")
    assert opened.code == 0, opened.stdout + opened.stderr
    number = opened.pulls[0]["number"]
    # the single PR carries dev and pre-prod; prod waits for a later run (FS015), so the
    # gate has nothing to hold back in it
    assert [(p["stage"], p["number"]) for p in opened.pulls] == [
        ("dev", number),
        ("pre-prod", number),
        ("prod", None),
    ]
    gate(runner, at(0))
    assert gate_status(runner, number)["state"] == "success"
