"""The action's ``promote`` and ``rollback``: plan against the base branch, then build, push
and open (or update, or close) one pull request per stage, or one for all.

The plan is made from a worktree of the base branch's tip, never from the checkout (which may
be a tag). Each branch ``flux-semver/<app>/<stage>`` is the base plus one commit carrying the
trailers ``history`` reads; it is force-pushed, and its open pull request is updated in place
or one is opened. A stage left with nothing to change gets its open pull request closed. The
prod pull request of a gated stage names the pull request that must merge first; failing
evidence under ``evidence-policy: block`` keeps the last stage's pull request from opening.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from flux_semver.errors import GitError
from flux_semver.evidence import escape
from flux_semver.evidence.junit import load_junit
from flux_semver.evidence.limits import PR_BODY, STEP_SUMMARY, Limit
from flux_semver.evidence.markdown import render
from flux_semver.evidence.metrics import load_metrics
from flux_semver.evidence.model import Evidence, Link, evidence_fails
from flux_semver.evidence.sticky import sticky_marker
from flux_semver.github import registry_check
from flux_semver.github.api import GitHubClient, ReadOnlyTokenError
from flux_semver.github.gitops import Identity, Workspace
from flux_semver.github.inputs import ActionInputs, InputError, check_image
from flux_semver.github.outcome import PullRecord, Report, load, workspace_path
from flux_semver.github.rollback import rollback_message, rollback_plan
from flux_semver.github.runner import Runner
from flux_semver.github.where import RunnerEnv
from flux_semver.model import WRITES, Config, Plan
from flux_semver.release.plan import in_separate_changes, make_plan
from flux_semver.release.promote import apply_plan
from flux_semver.release.trailers import commit_message
from flux_semver.reporters import plan_markdown

LABEL = "flux-semver"


@dataclass
class _Job:
    """Everything one promote or rollback run shares."""

    inputs: ActionInputs
    where: RunnerEnv
    runner: Runner
    workspace: Workspace
    slug: str
    base: str
    base_commit: str
    relative_root: Path  # the GitOps root inside the git top level
    client: GitHubClient | None
    writes_allowed: bool
    config: Config | None = None
    known_urls: dict[str, str] = field(default_factory=dict)  # stage -> open PR, before we write
    sent: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # PR -> branch, title, body

    @contextmanager
    def tree(self) -> Iterator[Path]:
        """A fresh worktree of the base commit; yields the GitOps root inside it."""
        with self.workspace.worktree(self.base_commit) as tree:
            yield tree / self.relative_root


def release(inputs: ActionInputs, where: RunnerEnv, runner: Runner, report: Report) -> None:
    """``promote`` or ``rollback``: plan, then the branches and pull requests it calls for."""
    if inputs.command == "promote" and inputs.version is None:
        raise InputError(
            "no version to promote: set the `version` input, or run on a release event, a "
            "repository_dispatch event with client_payload.version, or a pushed tag")
    if inputs.command == "rollback" and (inputs.image is None or not inputs.stages):
        raise InputError("command rollback needs the `image` and `stages` inputs: the app "
                         "and the stages whose previous range to restore")
    job = _job(inputs, where, runner)
    checked = None
    if inputs.command == "rollback":
        with job.tree() as root:
            job.config, repo = load(root, inputs)
            plan = rollback_plan(repo, inputs.image or "", inputs.stages)
    else:
        with job.tree() as root:
            job.config, repo = load(root, inputs)
            plan = make_plan(repo, inputs.version or "", app=inputs.image,
                             stages=inputs.stages or None, release_type=inputs.release_type)
            if inputs.pull_requests == "per-stage":  # each stage its own PR, merged in order
                plan = in_separate_changes(plan)
            checked = registry_check.check(inputs, repo, plan) \
                if inputs.registry_check else None
    _check_app(plan)
    report.plan = plan
    report.release_type = plan.release_type
    report.changed_files = sorted({workspace_path(inputs, c.file) for c in plan.updates})
    evidence = _evidence(inputs, where, plan)
    if inputs.command == "promote" and checked is not None and \
            registry_check.report(checked, report, runner):
        # A pin to a tag that does not exist: no branch, no pull request.
        report.summary.append(_render_for(job, evidence, report, STEP_SUMMARY))
        return
    try:
        _pull_requests(job, plan, evidence, report)
    finally:  # the summary is written even when GitHub refuses half-way
        report.summary.append(_render_for(job, evidence, report, STEP_SUMMARY))
    if plan.blocked:
        blocked = {c.stage: c.reason for c in plan.changes if c.action == "blocked"}
        what = ("rollback refused" if inputs.command == "rollback"
                else f"{plan.app} {plan.version} cannot reach it yet")
        for stage, reason in blocked.items():
            runner.annotate("error", f"{stage}: {what}: {reason}",
                            title=f"flux-semver: {stage} blocked")
        report.exit_code = 1


def _job(inputs: ActionInputs, where: RunnerEnv, runner: Runner) -> _Job:
    workspace_dir = where.workspace
    root = inputs.root(workspace_dir)
    if not root.is_dir():
        raise InputError(f"input `path`: {inputs.path} is not a directory of the workspace")
    ws = Workspace(workspace_dir, inputs.token, where.server_url)
    slug = ws.repository_slug() or where.repository
    writes = not inputs.dry_run and inputs.pull_requests != "none"
    client: GitHubClient | None = None
    if writes:
        if not inputs.token:
            raise InputError("input `token` is empty: pass ${{ github.token }} (the default), "
                             "a personal access token or a GitHub App token")
        client = GitHubClient(where.api_url, inputs.token, slug, where.graphql_url)
    base = (inputs.base or ws.current_branch()
            or (where.event_default_branch if slug == where.repository else None)
            or (client.default_branch() if client is not None else None) or "main")
    commit = ws.fetch_base(base)
    relative = root.resolve().relative_to(ws.top.resolve())
    return _Job(inputs, where, runner, ws, slug, base, commit, relative, client, writes)


def _evidence(inputs: ActionInputs, where: RunnerEnv, plan: Plan) -> Evidence:
    workspace = where.workspace
    junit = load_junit(list(inputs.evidence_junit), workspace) if inputs.evidence_junit else ()
    metrics = (load_metrics(workspace / inputs.evidence_metrics, inputs.evidence_metrics)
               if inputs.evidence_metrics else ())
    links = [Link(name, url) for name, url in inputs.evidence_links]
    if inputs.evidence_url:
        links.insert(0, Link("Evidence", inputs.evidence_url))
    return Evidence(plan=plan, junit=tuple(junit), metrics=tuple(metrics), links=tuple(links),
                    notes=inputs.evidence_notes)


def _links_of(job: _Job, report: Report) -> dict[str, str]:
    """Stage -> pull request URL: what this run opened, else what was already open."""
    links = dict(job.known_urls)
    links.update({p.stage: p.url for p in report.pulls if p.url and p.operation != "closed"})
    return links


# C901: to become a pure decision table, then I/O, when the release code is reshaped.
def _pull_requests(job: _Job, plan: Plan, evidence: Evidence, report: Report) -> None:  # noqa: C901
    """Build, push and open (or update, or close) the pull requests the plan calls for."""
    inputs, runner = job.inputs, job.runner
    stage_order = list(dict.fromkeys(c.stage for c in plan.changes))
    held_back: set[str] = set()
    if inputs.evidence_policy == "block" and evidence_fails(evidence):
        prod = _final_stage(plan)
        if prod is not None:
            held_back.add(prod)
            runner.annotate("error", f"failing evidence: no pull request for {prod} "
                            "(evidence-policy: block); fix the failing tests or metrics and "
                            "re-run", title="flux-semver: evidence blocks " + prod)
            report.exit_code = 1
    moving = [s for s in stage_order
              if any(c.stage == s for c in plan.updates) and s not in held_back]
    # (branch name, its stages): what to build and push, and what to close if open
    groups: list[tuple[str, list[str]]] = []
    idle: list[tuple[str, list[str]]] = []
    if inputs.pull_requests == "single":
        if moving:
            groups = [("release", moving)]
        elif all(_nothing_left(plan, s) for s in stage_order):
            idle = [("release", stage_order)]
    elif inputs.pull_requests == "per-stage":
        groups = [(s, [s]) for s in moving]
        idle = [(s, [s]) for s in stage_order if _nothing_left(plan, s)]
    try:
        if job.client is not None:  # so every body can link every stage's PR from the start
            for name, stages in groups:
                found = job.client.find_open_pull(_branch(job, plan, name))
                if found is not None:
                    job.known_urls.update({stage: found.url for stage in stages})
        for name, stages in groups:
            _one_pull(job, plan, evidence, report, name, stages)
        for name, stages in idle:
            _close_if_open(job, plan, report, name, stages)
        if job.client is not None:
            _relink(job, plan, evidence, report)
            _sticky(job, plan, evidence, report)
    except ReadOnlyTokenError as exc:
        runner.annotate("warning", f"{exc}; the plan is in the job summary only",
                        title="flux-semver: read-only token")
        job.writes_allowed = False
    records = {p.stage for p in report.pulls}
    for stage in stage_order:
        if stage not in records:
            report.pulls.append(PullRecord(stage))
    order = {s: i for i, s in enumerate(stage_order)}
    report.pulls.sort(key=lambda p: order.get(p.stage, len(order)))


def _final_stage(plan: Plan) -> str | None:
    """The stage evidence-policy protects: the last one in promotion order that moves."""
    moving = [c.stage for c in plan.updates]
    return moving[-1] if moving else None


def _nothing_left(plan: Plan, stage: str) -> bool:
    changes = [c for c in plan.changes if c.stage == stage]
    return bool(changes) and all(c.action in ("unchanged", "auto") for c in changes)


def _check_app(plan: Plan) -> None:
    """The app names branches (flux-semver/<app>/<stage>): one read from the repository must
    be a name git and GitHub accept, as the `image` input must, before anything is done."""
    try:
        check_image(plan.app, "app")
    except InputError:
        where = next((f"{c.file}:{c.line}: " for c in plan.changes), "")
        raise InputError(
            f"{where}app {json.dumps(plan.app)} cannot name a branch (flux-semver/<app>/<stage>)"
            "; fix spec.imageRepositoryRef.name, or set the label flux-semver/app to a name "
            "such as myapp") from None


def _branch(job: _Job, plan: Plan, name: str) -> str:
    if job.inputs.command == "rollback":
        name = f"rollback-{name}"
    return f"flux-semver/{plan.app}/{name}"


def _title(plan: Plan, stages: list[str], rollback: bool) -> str:
    verb = "Roll back" if rollback else "Release"
    what = f"{plan.app} to {plan.version}" if not rollback else plan.app
    return f"{verb} {what} in {', '.join(stages)} ({plan.release_type})"


def _header(plan: Plan, stages: list[str], report: Report, job: _Job) -> str:
    lines = [f"This pull request sets the ImagePolicy ranges of **{escape.inline(plan.app)}** "
             f"in {', '.join(f'`{s}`' for s in stages)} for "
             f"{escape.inline(plan.version)} ({escape.inline(plan.release_type)})."]
    gates = _gates(job, plan, stages)
    for stage, gate in gates:
        first = next((p for p in report.pulls if p.stage == gate and p.number), None)
        which = f"#{first.number}" if first is not None else f"the `{gate}` pull request"
        lines += ["", f"> [!IMPORTANT]\n> Merge {which} ({escape.inline(gate)}) first: "
                  f"`{escape.inline(stage)}` may admit no version `{escape.inline(gate)}` does "
                  "not, and `flux-semver check` fails on this branch (FS003) until it has."]
    return "\n".join(lines)


def _gates(job: _Job, plan: Plan, stages: list[str]) -> list[tuple[str, str]]:
    """(stage, gate) pairs where the gate moves in this plan but is not in this branch."""
    config = job.config
    if config is None:
        return []
    moving = {c.stage for c in plan.updates}
    pairs = []
    for stage in stages:
        try:
            gate = config.stage(stage).after
        except KeyError:
            continue
        if gate and gate in moving and gate not in stages:
            pairs.append((stage, gate))
    return pairs


def _one_pull(job: _Job, plan: Plan, evidence: Evidence, report: Report, name: str,
              stages: list[str]) -> None:
    inputs, runner = job.inputs, job.runner
    branch = _branch(job, plan, name)
    part = replace(plan, changes=tuple(c for c in plan.changes
                                       if c.stage in stages and c.action in WRITES))
    rollback = inputs.command == "rollback"
    with job.tree() as root:
        _, repo = load(root, inputs)
        files = apply_plan(repo, part)
        top = _top_of(root, job.relative_root)
        message = (rollback_message(plan, stages) if rollback
                   else commit_message(plan, stages, inputs.evidence_url))
        job.workspace.commit(top, [str(job.relative_root / f) for f in files] or ["."],
                             message, Identity(inputs.author_name, inputs.author_email))
        if not job.writes_allowed:
            runner.info(f"{branch}: committed locally, not pushed "
                        f"({'dry-run' if inputs.dry_run else 'pull-requests: none'})")
            return
        try:
            job.workspace.push(top, branch)
        except GitError as exc:
            if "403" in str(exc) or "denied" in str(exc).lower():
                raise ReadOnlyTokenError(f"could not push {branch}: {exc}") from None
            raise
    assert job.client is not None
    body = _header(plan, stages, report, job) + "\n\n" + _render_for(job, evidence, report)
    title = _title(plan, stages, rollback)
    pull, operation = job.client.upsert_pull(branch, job.base, title, body)
    job.sent[pull.number] = (branch, title, body)
    labels = [LABEL, f"release:{plan.release_type}", *(f"stage:{s}" for s in stages),
              *inputs.labels]
    job.client.add_labels(pull.number, labels)
    if inputs.auto_merge and plan.release_type == "patch":
        warning = job.client.enable_auto_merge(pull)
        if warning:
            runner.annotate("warning", warning, title="flux-semver: auto-merge")
    runner.info(f"{branch}: pull request #{pull.number} {operation}: {pull.url}")
    for stage in stages:
        report.pulls.append(PullRecord(stage, pull.number, pull.url, operation))


def _top_of(root: Path, relative_root: Path) -> Path:
    top = root
    for _ in relative_root.parts:
        top = top.parent
    return top


def _render_for(job: _Job, evidence: Evidence, report: Report, limit: Limit = PR_BODY) -> str:
    """The evidence summary (a rollback's is its plan), with the pull requests linked."""
    if job.inputs.command == "rollback":
        return sticky_marker(evidence.plan.app) + "\n" + plan_markdown.render(evidence.plan)
    return render(replace(evidence, pull_requests=_links_of(job, report)), limit)


def _close_if_open(job: _Job, plan: Plan, report: Report, name: str,
                   stages: list[str]) -> None:
    if job.client is None:
        return
    branch = _branch(job, plan, name)
    existing = job.client.find_open_pull(branch)
    if existing is None:
        return
    job.client.close_pull(existing.number, (
        f"Closed by flux-semver: for {plan.app} {plan.version} nothing is left to change in "
        f"`{name}` (its range already admits it)."))
    job.runner.info(f"{branch}: pull request #{existing.number} closed, nothing left to change")
    for stage in stages:
        report.pulls.append(PullRecord(stage, existing.number, existing.url, "closed"))


def _relink(job: _Job, plan: Plan, evidence: Evidence, report: Report) -> None:
    """Bodies written before a later stage's PR existed: rewrite them with every link."""
    assert job.client is not None
    for number, (branch, title, body) in job.sent.items():
        stages = [p.stage for p in report.pulls if p.number == number]
        fresh = _header(plan, stages, report, job) + "\n\n" + _render_for(job, evidence, report)
        if fresh != body:
            job.client.upsert_pull(branch, job.base, title, fresh)


def _sticky(job: _Job, plan: Plan, evidence: Evidence, report: Report) -> None:
    """One evidence comment per app on each open pull request, edited in place."""
    assert job.client is not None
    body = _render_for(job, evidence, report)
    marker = sticky_marker(plan.app)
    seen: set[int] = set()
    for record in report.pulls:
        if record.number is None or record.operation == "closed" or record.number in seen:
            continue
        seen.add(record.number)
        job.client.upsert_sticky_comment(record.number, marker, body)
