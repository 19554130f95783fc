"""The action's ``command: gate``: the ``flux-semver/gate`` commit status on every open
flux-semver pull request (README: Verified promotion).

For each open pull request whose head is ``flux-semver/<app>/<stage>`` and whose base is the
base branch, the release comes from its head commit's trailers; the stage's gate is evaluated
against the base branch's history, Flux's commit statuses and the pull request's reviews, and
the verdict is posted on the head commit — unless the latest ``flux-semver/gate`` status there
already says the same. Auto-merge is enabled on a gated stage's pull request where the
``auto-merge`` input is on and the stage needs no approval for the release type; the required
status check holds the merge until the gate passes. A stage without a gate gets ``success`` at
once, so making the check required never holds its pull requests.

The clock is the runner's, or ``FLUX_SEMVER_NOW`` (ISO 8601) to evaluate as at another time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from flux_semver.errors import FluxSemverError, GitError
from flux_semver.evidence import escape, verified
from flux_semver.github.api import GitHubClient, pull_request_from_json
from flux_semver.github.gitops import Workspace
from flux_semver.github.inputs import ActionInputs, InputError
from flux_semver.github.report import PullRecord, Report
from flux_semver.github.runner import Runner
from flux_semver.github.runner_env import RunnerEnv
from flux_semver.model import Config, iso_moment
from flux_semver.release import trailers
from flux_semver.release.admission import base_history, gate_policies
from flux_semver.release.github_reads import with_github
from flux_semver.release.verify import (
    STATUS_CONTEXT,
    UNGATED,
    GateFacts,
    GateResult,
    admission,
    evaluate,
)
from flux_semver.repo import manifests
from flux_semver.repo.manifests import Repository
from flux_semver.semver.version import InvalidVersion, Version

NOW_ENV = "FLUX_SEMVER_NOW"
_BRANCH = re.compile(r"flux-semver/(?P<app>[^/]+)/(?P<name>[^/]+)")
_TITLE = re.compile(r"\bto (?P<version>\S+) in .*\((?P<type>[a-z]+)\)$")
_RANK = {"success": 0, "pending": 1, "failure": 2}
_EVENT_BRANCHES_MAX = 10  # a `status` event's `branches` lists at most this many


def clock(env: Mapping[str, str]) -> Callable[[], datetime]:
    """Now, or the moment ``FLUX_SEMVER_NOW`` names."""
    raw = env.get(NOW_ENV, "").strip()
    if not raw:
        return lambda: datetime.now(UTC)
    try:
        moment = iso_moment(raw)
    except ValueError:
        raise InputError(
            f"{NOW_ENV}={raw!r} is not a time; write ISO 8601 such as "
            "2026-12-01T15:00:00Z, or unset it"
        ) from None
    return lambda: moment


class _Release(msgspec.Struct, frozen=True):
    """What a flux-semver pull request carries, read from its head commit."""

    app: str
    stages: tuple[str, ...]
    version: str
    release_type: str
    rollback: bool


def run_url(env: Mapping[str, str]) -> str | None:
    """The page of this workflow run: where the gate status links to."""
    server, repo, run = (
        env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run}" if server and repo and run else None


def gate(
    inputs: ActionInputs,
    where: RunnerEnv,
    runner: Runner,
    report: Report,
    event: Mapping[str, Any],
    env: Mapping[str, str],
) -> None:
    """Set ``flux-semver/gate`` on every open flux-semver pull request of the base branch."""
    now = clock(env)
    link = run_url(env)
    if where.event_name == "status" and event.get("context") == STATUS_CONTEXT:
        runner.info(f"a {STATUS_CONTEXT} status triggered this run: nothing to re-evaluate")
        return
    if not inputs.token:
        raise InputError(
            "command gate needs the `token` input: it reads pull requests, "
            "statuses and reviews, and writes the gate status"
        )
    workspace = Workspace(where.workspace, inputs.token, where.server_url)
    slug = workspace.repository_slug() or where.repository
    client = GitHubClient(where.api_url, inputs.token, slug, where.graphql_url)
    base = inputs.base or where.event_default_branch or client.default_branch()
    branches = [b.get("name") for b in event.get("branches") or [] if isinstance(b, dict)]
    # GitHub lists at most _EVENT_BRANCHES_MAX branches holding the commit: a full list
    # may leave the base out though the commit is on it.
    listed_all = 0 < len(branches) < _EVENT_BRANCHES_MAX
    if where.event_name == "status" and listed_all and base not in branches:
        runner.info(
            f"the status is on a commit that is not on {base} (CI on a branch): only "
            f"Flux's statuses on {base} can change a verdict; nothing to re-evaluate"
        )
        return
    base_commit = workspace.fetch_base(base, history=True)  # the gate reads base's history
    root = inputs.root(where.workspace).resolve()
    relative = root.relative_to(workspace.top.resolve())
    pulls = [p for p in client.open_pulls() if _ours(p, base, slug)]
    if not pulls:
        runner.info(f"no open flux-semver pull request targets {base}: nothing to gate")
        report.summary.append(
            f"### flux-semver gate\n\nNo open flux-semver pull request targets {escape.code(base)}."
        )
        return
    moment = now()
    sections = [f"### flux-semver gate at {moment.astimezone(UTC):%Y-%m-%d %H:%M UTC}"]
    with workspace.worktree(base_commit) as tree:
        root_here = tree / relative
        repo = manifests.load(root_here, root_here / inputs.config if inputs.config else None)
        config = repo.config
        for pull in pulls:
            result = _one(
                workspace,
                client,
                config,
                repo,
                pull,
                base_commit,
                moment,
                runner,
                f"{where.server_url.rstrip('/')}/{slug}/commit",
            )
            if result is None:
                continue
            if inputs.dry_run:
                runner.info(
                    f"#{pull['number']} {result.stage}: would set {STATUS_CONTEXT} "
                    f"{result.state}: {result.description} (dry-run)"
                )
            else:
                _post(client, pull, result, link, runner, inputs, config)
            number = int(pull["number"])
            sections.append(verified.render(result, f"#{number}"))
            report.pulls.append(PullRecord(result.stage, number, pull.get("html_url"), "updated"))
    report.summary.append("\n\n".join(sections))


def _ours(pull: Mapping[str, Any], base: str, slug: str) -> bool:
    """A flux-semver pull request into ``base``, from a branch of this repository (a fork's
    branch may carry the same name)."""
    head: Mapping[str, Any] = pull.get("head") or {}
    target: Mapping[str, Any] = pull.get("base") or {}
    repo = head.get("repo")
    if isinstance(repo, dict) and repo.get("full_name") not in (None, slug):
        return False
    return bool(_BRANCH.fullmatch(str(head.get("ref", "")))) and target.get("ref") == base


def _release(workspace: Workspace, pull: Mapping[str, Any]) -> _Release | None:
    head = pull["head"]
    ref, sha = str(head.get("ref", "")), str(head.get("sha", ""))
    match = _BRANCH.fullmatch(ref)
    if match is None:
        return None
    name = match["name"]
    rollback = name.startswith("rollback-")
    said = trailers.Trailers()
    try:
        workspace.git(
            "fetch",
            "--quiet",
            "--no-tags",
            "origin",
            f"+refs/heads/{ref}:refs/flux-semver/gate/{pull['number']}",
        )
        said = trailers.parse(workspace.git("log", "-1", "--format=%B", sha))
    except GitError:
        pass  # the branch moved or vanished: fall back to the title
    version, kind = said.version, said.release_type
    if version is None:
        found = _TITLE.search(str(pull.get("title", "")))
        if found is not None:
            version, kind = found["version"], found["type"]
    stages = said.stages or ((name.removeprefix("rollback-"),) if name != "release" else ())
    if version is None and not rollback:
        return None
    return _Release(
        app=said.app or match["app"],
        stages=tuple(stages),
        version=version or "",
        release_type="rollback" if rollback else (kind or "patch"),
        rollback=rollback,
    )


def _one(
    workspace: Workspace,
    client: GitHubClient,
    config: Config,
    repo: Repository,
    pull: Mapping[str, Any],
    base_commit: str,
    moment: datetime,
    runner: Runner,
    commit_page: str,
) -> GateResult | None:
    """The verdict for one pull request: its strictest stage's."""
    number = int(pull["number"])
    release = _release(workspace, pull)
    if release is None:
        runner.annotate(
            "warning",
            f"pull request #{number}: cannot tell which release it "
            "carries (no Flux-Semver-Release trailer, no release title); not gated",
            title="flux-semver: gate",
        )
        return None
    results = []
    for stage_name in release.stages or ():
        if stage_name not in config.stage_names:
            continue
        stage = config.stage(stage_name)
        gate_stage = (
            config.stage(stage.after)
            if stage.after and release.release_type not in UNGATED
            else None
        )
        history = []
        if gate_stage is not None:
            try:
                version = Version.parse(release.version)
            except InvalidVersion:
                raise FluxSemverError(
                    f"pull request #{number} names release "
                    f"{release.version!r}, which is not a version"
                ) from None
            history = base_history(
                repo, gate_policies(repo, release.app, gate_stage.name), version, base_commit
            )
        pages = {c.sha: f"{commit_page}/{c.sha}" for c in admission(history)}
        facts = GateFacts(
            stage=stage,
            gate=gate_stage,
            version=release.version,
            release_type=release.release_type,
            history=history,
            commit_url=pages,
            same_change=stage.after in release.stages,
        )
        author = pull.get("user", {}).get("login") if isinstance(pull.get("user"), dict) else None
        facts = with_github(facts, client, number, author)
        results.append(evaluate(facts, moment))
    if not results:
        return None
    return max(results, key=lambda r: _RANK[r.state])


def _post(
    client: GitHubClient,
    pull: Mapping[str, Any],
    result: GateResult,
    link: str | None,
    runner: Runner,
    inputs: ActionInputs,
    config: Config,
) -> None:
    number, sha = int(pull["number"]), str(pull["head"]["sha"])
    latest = next(
        (s for s in client.commit_statuses(sha) if s.get("context") == STATUS_CONTEXT), None
    )
    description = result.description
    if latest is None or (latest.get("state"), latest.get("description")) != (
        result.state,
        description,
    ):
        client.create_status(sha, result.state, STATUS_CONTEXT, description, link)
        runner.info(f"#{number} {result.stage}: {STATUS_CONTEXT} {result.state}: {description}")
        # The evidence of the verdict on the pull request itself, edited when the verdict is.
        marker = f"<!-- flux-semver:gate stage={result.stage} -->"
        client.upsert_sticky_comment(number, marker, verified.render(result))
    else:
        runner.info(f"#{number} {result.stage}: {STATUS_CONTEXT} already {result.state}")
    # Only what the gate holds: a gated stage's pull request whose release needs no approval.
    allowed = (
        result.gate is not None
        and config.stage(result.stage).approvals_for(result.release_type) == 0
    )
    if inputs.auto_merge and allowed and result.state != "failure" and not pull.get("auto_merge"):
        warning = client.enable_auto_merge(pull_request_from_json(pull))
        if warning:
            runner.annotate("warning", warning, title="flux-semver: auto-merge")
