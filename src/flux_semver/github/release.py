"""The action's ``promote`` and ``rollback``: plan against the base branch, decide what each
pull request needs (:mod:`.pull_plan`, pure), then do it.

The plan is made from the base branch's tip: the checkout itself when it holds exactly that
(the tree, and no YAML changed, untracked or ignored), else its YAML written out from the
object store — never from a checkout that differs (a tag, work in progress). Each branch is
the base plus one commit carrying the trailers ``history`` reads, built without a checkout and
pushed with a lease on the commit this run saw there; an identical commit is not pushed
again. A lost lease (another run, a person) is read again and decided again. What each pull
request carries — title, body, ``release:*`` and ``stage:*`` labels, auto-merge, the sticky
evidence comment — is made to match the release it now carries.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path

import msgspec
from msgspec.structs import replace

from flux_semver.evidence.junit import load_junit
from flux_semver.evidence.metrics import load_metrics
from flux_semver.evidence.model import Evidence, Link, evidence_fails
from flux_semver.evidence.sticky import sticky_marker
from flux_semver.github import registry_check
from flux_semver.github.api import (
    GitHubClient,
    Operation,
    PullRequest,
    ReadOnlyTokenError,
    fit_body,
)
from flux_semver.github.change import Change, Release, Rollback
from flux_semver.github.gitops import (
    CONFIG_SUFFIXES,
    Identity,
    LeaseLostError,
    PushRefusedError,
    Tip,
    Workspace,
)
from flux_semver.github.inputs import ActionInputs, InputError, check_image
from flux_semver.github.pull_plan import BranchState, PullState, Request, Target, decide
from flux_semver.github.report import PullRecord, Report
from flux_semver.github.rollback import rollback_plan
from flux_semver.github.runner import Runner
from flux_semver.github.runner_env import RunnerEnv
from flux_semver.github.wording import in_input_terms
from flux_semver.github_limits import PR_BODY, STEP_SUMMARY
from flux_semver.model import WRITES, Config, Plan
from flux_semver.registry.review import Review
from flux_semver.release import trailers
from flux_semver.release.plan import in_separate_changes, make_plan
from flux_semver.release.promote import edits
from flux_semver.repo import manifests
from flux_semver.repo.config import FILE_NAME as CONFIG_NAME
from flux_semver.repo.editing import edited_files

LABEL = "flux-semver"
_LEASE_ATTEMPTS = 3


class _Job(msgspec.Struct):
    """Where one promote or rollback run reads and writes."""

    inputs: ActionInputs
    runner: Runner
    workspace: Workspace
    base: str
    base_commit: str
    relative_root: Path  # the GitOps root inside the git top level
    client: GitHubClient | None
    fork_pull_request: bool


def release(inputs: ActionInputs, where: RunnerEnv, runner: Runner, report: Report) -> None:
    """``promote`` or ``rollback``: plan, then the branches and pull requests it calls for."""
    command = _COMMANDS[inputs.command]
    command.check(inputs)
    job = _job(inputs, where, runner, command.history)
    with _base_tree(job, command.history) as tree:
        root = tree / job.relative_root
        repo = manifests.load(root, inputs.config_path(root))
        config = repo.config
        change, checked = command.propose(inputs, repo)
        plan = change.plan
        _check_app(plan)
        report.plan = plan
        report.release_type = plan.release_type
        report.changed_files = sorted({inputs.workspace_path(c.file) for c in plan.updates})
        evidence = _evidence(inputs, where, plan)
        if checked is not None and registry_check.report(checked, report, runner):
            # A pin to a tag that does not exist: no branch, no pull request.
            report.summary.append(change.summary(evidence, {}, STEP_SUMMARY))
            return
        writer = _Writer(job, change, evidence, report, repo, config)
        try:
            writer.run(_request(job, change, evidence, report))
        finally:  # the summary is written even when GitHub refuses half-way
            report.summary.append(change.summary(evidence, writer.links(), STEP_SUMMARY))
    if plan.blocked:
        blocked = {c.stage: c.reason for c in plan.changes if c.action == "blocked"}
        for stage, reason in blocked.items():
            runner.annotate(
                "error",
                f"{stage}: {change.refusal()}: {in_input_terms(reason)}",
                title=f"flux-semver: {stage} blocked",
            )
        report.exit_code = 1


class _Promote:
    """``command: promote``: a new version through the stages, from the base tip's files."""

    history = False

    @staticmethod
    def check(inputs: ActionInputs) -> None:
        if inputs.version is None:
            raise InputError(
                "no version to promote: set the `version` input, or run on a release event, a "
                "repository_dispatch event with client_payload.version, or a pushed tag"
            )

    @staticmethod
    def propose(inputs: ActionInputs, repo: manifests.Repository) -> tuple[Change, Review | None]:
        plan = make_plan(
            repo,
            inputs.version or "",
            app=inputs.image,
            stages=inputs.stages or None,
            release_type=inputs.release_type,
        )
        if inputs.pull_requests == "per-stage":  # each stage its own PR, merged in order
            plan = in_separate_changes(plan)
        checked = registry_check.check(inputs, repo, plan) if inputs.registry_check else None
        return Release(plan, inputs.evidence_url), checked


class _RollBack:
    """``command: rollback``: stages put back as they were, read from the base's history."""

    history = True

    @staticmethod
    def check(inputs: ActionInputs) -> None:
        if inputs.image is None or not inputs.stages:
            raise InputError(
                "command rollback needs the `image` and `stages` inputs: the app "
                "and the stages whose previous range to restore"
            )

    @staticmethod
    def propose(inputs: ActionInputs, repo: manifests.Repository) -> tuple[Change, Review | None]:
        return Rollback(rollback_plan(repo, inputs.image or "", inputs.stages)), None


_COMMANDS: dict[str, type[_Promote] | type[_RollBack]] = {
    "promote": _Promote,
    "rollback": _RollBack,
}


def _job(inputs: ActionInputs, where: RunnerEnv, runner: Runner, history: bool) -> _Job:
    root = inputs.root(where.workspace)
    ws = Workspace(root, inputs.token, where.server_url)  # the repository that holds `path`
    slug = ws.repository_slug() or where.repository
    client: GitHubClient | None = None
    if not inputs.dry_run and inputs.pull_requests != "none":
        if not inputs.token:
            raise InputError(
                "input `token` is empty: pass ${{ github.token }} (the default), "
                "a personal access token or a GitHub App token"
            )
        client = GitHubClient(where.api_url, inputs.token, slug, where.graphql_url)
    base = (
        inputs.base
        or ws.current_branch()
        or (where.event_default_branch if slug == where.repository else None)
        or (client.default_branch() if client is not None else None)
        or "main"
    )
    commit = ws.fetch_base(base, history=history)
    relative = root.resolve().relative_to(ws.top.resolve())
    return _Job(inputs, runner, ws, base, commit, relative, client, where.fork_pull_request)


def _base_tree(job: _Job, history: bool) -> AbstractContextManager[Path]:
    """A directory holding the base's files as a scan reads them (the git top level's).

    A rollback reads the stages' history, so it needs a (sparse) worktree. A release reads the
    checkout in place when it is the base, as committed where a scan looks (so a large
    repository costs what the CLI's ``plan`` costs); otherwise the files are written out from
    the object store, nothing else of the repository.
    """
    ws = job.workspace
    if history:
        return ws.sparse_tree(job.base_commit, _wanted_files(job))
    under = job.relative_root.as_posix()
    if ws.holds(job.base_commit, under, CONFIG_SUFFIXES, [_config_file(job)]):
        return nullcontext(ws.top)
    return ws.files_tree(job.base_commit, _wanted_files(job))


def _config_file(job: _Job) -> str:
    config = job.inputs.config or CONFIG_NAME
    return (job.relative_root / config).as_posix().removeprefix("./")


def _wanted_files(job: _Job) -> list[str]:
    """What the plan reads of the base: the config, and the YAML (and JSON: an overlay's
    patch) below the GitOps root; the rest of a large repository is never written out."""
    under = job.relative_root.as_posix()
    return [_config_file(job), *job.workspace.files_under(job.base_commit, under, CONFIG_SUFFIXES)]


def _evidence(inputs: ActionInputs, where: RunnerEnv, plan: Plan) -> Evidence:
    workspace = where.workspace
    junit = load_junit(list(inputs.evidence_junit), workspace) if inputs.evidence_junit else ()
    metrics = (
        load_metrics(workspace / inputs.evidence_metrics, inputs.evidence_metrics)
        if inputs.evidence_metrics
        else ()
    )
    links = [Link(name, url) for name, url in inputs.evidence_links]
    if inputs.evidence_url:
        links.insert(0, Link("Evidence", inputs.evidence_url))
    return Evidence(
        plan=plan,
        junit=tuple(junit),
        metrics=tuple(metrics),
        links=tuple(links),
        notes=inputs.evidence_notes,
    )


def _request(job: _Job, change: Change, evidence: Evidence, report: Report) -> Request:
    """The stages that move, that are idle, and that failing evidence holds back."""
    plan, inputs = change.plan, job.inputs
    stages = tuple(dict.fromkeys(c.stage for c in plan.changes))
    moving = tuple(dict.fromkeys(c.stage for c in plan.updates))
    held: tuple[str, ...] = ()
    if inputs.evidence_policy == "block" and evidence_fails(evidence) and moving:
        prod = moving[-1]  # the last stage that moves, in promotion order
        held = (prod,)
        job.runner.annotate(
            "error",
            f"failing evidence: no pull request for {prod} "
            "(evidence-policy: block); fix the failing tests or metrics and "
            "re-run",
            title="flux-semver: evidence blocks " + prod,
        )
        report.exit_code = 1
        moving = moving[:-1]
    idle = tuple(s for s in stages if _nothing_left(plan, s))
    return Request(inputs.pull_requests, moving, idle, held, stages)


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
            "such as myapp"
        ) from None


def _pull_state(pull: PullRequest) -> PullState:
    return PullState(pull.number, pull.url, pull.title, pull.body, pull.labels, pull.auto_merge)


class _Built(msgspec.Struct, frozen=True):
    commit: str
    tree: str
    message: str
    same: bool  # origin's branch already holds this tree on this base with this message


class _Written(msgspec.Struct):
    """A pull request this run wrote, to link and comment on once all are known."""

    target: Target
    pull: PullRequest
    title: str
    body: str
    record: list[PullRecord] = msgspec.field(default_factory=list)


class _Writer:
    """Carries out the targets :func:`decide` returns, one pull request at a time."""

    def __init__(
        self,
        job: _Job,
        change: Change,
        evidence: Evidence,
        report: Report,
        repo: manifests.Repository,
        config: Config,
    ) -> None:
        self.job = job
        self.change = change
        self.evidence = evidence
        self.report = report
        self.repo = repo
        self.config = config
        self.tips: dict[str, Tip] = {}
        self.open: dict[str, PullRequest] = {}  # branch -> its open pull request, as read
        self.known: dict[str, str] = {}  # stage -> URL of the pull request carrying this release
        self.written: list[_Written] = []
        self.writes = job.client is not None
        self.held: set[str] = set()
        self.built: dict[str, _Built] = {}  # branch -> its commit, built before any push
        self.pushed: set[str] = set()
        self.lost: set[str] = set()  # branches whose batched push lost its lease

    # -- reading --------------------------------------------------------------------------
    def _state(self, branch: str, tip: Tip | None) -> BranchState:
        if tip is None:
            self.tips.pop(branch, None)
            return BranchState()
        self.tips[branch] = tip
        said = trailers.parse(tip.message)
        ours = len(tip.parents) == 1 and said.present and said.app == self.change.app
        client = self.job.client
        pull = client.find_open_pull(branch) if client is not None else None
        if pull is not None:
            self.open[branch] = pull
        closed = None
        if pull is None and ours and client is not None:
            closed = client.find_closed_pull(branch, tip.commit)
        return BranchState(
            tip.commit,
            ours,
            said.version,
            None if pull is None else _pull_state(pull),
            None if closed is None else _pull_state(closed),
            said.stages if ours else (),
        )

    def _states(self) -> dict[str, BranchState]:
        tips = self.job.workspace.fetch_branches(self.change.branch(""))
        return {branch: self._state(branch, tip) for branch, tip in tips.items()}

    def links(self) -> dict[str, str]:
        return dict(self.known)

    # -- the run --------------------------------------------------------------------------
    def run(self, request: Request) -> None:
        self.held = set(request.held)
        try:  # the output names every stage, even when a read or the push fails
            states = self._states()
            targets = decide(self.change, request, states)
            self.lost = self._push_all(targets)
            for target in targets:
                if target.action == "write" and target.state.open_pull is not None:
                    self.known.update({s: target.state.open_pull.url for s in target.stages})
            try:
                for target in targets:
                    self._carry_out(target, request, states)
                if self.writes:
                    self._relink()
                    self._sticky()
            except ReadOnlyTokenError as exc:
                if not self.job.fork_pull_request:
                    raise
                self.job.runner.annotate(
                    "warning",
                    f"{exc}; the plan is in the job summary only",
                    title="flux-semver: read-only token",
                )
        finally:
            self._complete(request)

    def _complete(self, request: Request) -> None:
        """One line per stage of the plan in the output, in promotion order."""
        recorded = {p.stage for p in self.report.pulls}
        for stage in request.stages:
            if stage not in recorded:
                self.report.pulls.append(PullRecord(stage))
        order = {s: i for i, s in enumerate(request.stages)}
        self.report.pulls.sort(key=lambda p: order.get(p.stage, len(order)))

    def _push_all(self, targets: tuple[Target, ...]) -> set[str]:
        """Build every branch's commit and push them all in one ``git push``; the branches
        whose lease was lost (they go the slow way, read and decided again)."""
        pushes = []
        for target in targets:
            if target.action != "write":
                continue
            built = self._build(target)
            self.built[target.branch] = built
            if not built.same and self.writes:
                pushes.append((built.commit, target.branch, target.state.tip))
        lost = self.job.workspace.push_many(pushes) if pushes else set()
        for commit, branch, _ in pushes:
            if branch not in lost:
                self.pushed.add(branch)
                built = self.built[branch]
                self.tips[branch] = Tip(commit, (self.job.base_commit,), built.tree, built.message)
        return lost

    def _decide_again(
        self, target: Target, request: Request, states: dict[str, BranchState]
    ) -> Target | None:
        """Someone pushed since we read: read the branch again and decide again."""
        fresh = self.job.workspace.fetch_branch(target.branch)
        states[target.branch] = self._state(target.branch, fresh)
        again = [
            t
            for t in decide(self.change, request, states)
            if t.stages == target.stages and t.action != "close"
        ]
        return again[0] if again else None

    def _carry_out(self, target: Target, request: Request, states: dict[str, BranchState]) -> None:
        current: Target | None = target
        if target.action == "write" and target.branch in self.lost:
            # The batched push lost its lease: what was read is stale, so read it first
            # rather than spend an attempt on a push bound to lose again.
            current = self._decide_again(target, request, states)
        for _ in range(_LEASE_ATTEMPTS):
            if current is None:
                return
            if current.action != "write":
                self._settle(current)
                return
            try:
                self._write(current)
                return
            except LeaseLostError:
                if not self.writes:
                    raise
                current = self._decide_again(current, request, states)
        if current is not None:
            raise PushRefusedError(
                f"{current.branch} kept moving on origin while this run wrote "
                f"it ({_LEASE_ATTEMPTS} attempts): re-run the workflow"
            )

    def _settle(self, target: Target) -> None:
        """A target that writes nothing: close its pull request, or say why it is kept."""
        pull = target.state.open_pull
        if target.action == "close" and pull is not None:
            self._close(target, pull)
        elif target.action in ("keep", "leave"):
            if target.action == "leave":
                self.job.runner.annotate("warning", target.reason, title="flux-semver: left alone")
            else:
                self.job.runner.info(target.reason)
            self.report.record(
                target.stages,
                None if pull is None else pull.number,
                None if pull is None else pull.url,
                "none",
            )

    def _edits(self, stages: tuple[str, ...]) -> dict[str, bytes]:
        """The changed files of ``stages`` (paths from the git top level), edited in memory:
        the tree the plan was read from (maybe the checkout itself) is never written."""
        plan = self.change.plan
        part = replace(
            plan, changes=tuple(c for c in plan.changes if c.stage in stages and c.action in WRITES)
        )
        changed = edited_files(self.repo.root, edits(self.repo, part))
        return {
            str(self.job.relative_root / f).removeprefix("./"): raw for f, raw in changed.items()
        }

    def _build(self, target: Target) -> _Built:
        """The branch's commit, and whether origin already has exactly that."""
        job, branch, state = self.job, target.branch, target.state
        message = self.change.message(target.stages)
        who = Identity(job.inputs.author_name, job.inputs.author_email)
        commit, tree = job.workspace.build_commit(
            job.base_commit, self._edits(target.stages), message, who
        )
        tip = self.tips.get(branch)
        same = (
            tip is not None
            and state.ours
            and tip.parents == (job.base_commit,)
            and tip.tree == tree
            and tip.message.strip() == message.strip()
        )
        return _Built(commit, tree, message, same)

    def _write(self, target: Target) -> None:
        job, change, runner = self.job, self.change, self.job.runner
        stages, branch, state = target.stages, target.branch, target.state
        if target.reason:
            runner.info(target.reason)
        built = self.built.get(branch)
        if built is None or branch in self.lost:
            built = self._build(target)
            if not built.same and self.writes:
                job.workspace.push(built.commit, branch, state.tip)
                self.tips[branch] = Tip(built.commit, (job.base_commit,), built.tree, built.message)
            self.lost.discard(branch)
        same = built.same
        if not self.writes:
            runner.info(
                f"{branch}: committed locally, not pushed "
                f"({'dry-run' if job.inputs.dry_run else 'pull-requests: none'})"
            )
            return
        client = job.client
        assert client is not None
        title, body = change.title(stages), self._body(target)
        pull = self.open.get(branch) if state.open_pull is not None else None
        operation: Operation
        if pull is None or pull.title != title or pull.body != fit_body(body):
            opened, operation = client.upsert_pull(
                branch,
                job.base,
                title,
                body,
                None if pull is None else pull.number,
                absent=state.open_pull is None,
            )
            if pull is not None:  # labels and auto-merge as they were before the edit
                opened = replace(opened, labels=pull.labels, auto_merge=pull.auto_merge)
        else:
            opened, operation = pull, ("none" if same else "updated")
        before = len(self.report.pulls)
        self.report.record(stages, opened.number, opened.url, operation)
        records = self.report.pulls[before:]
        self.known.update({s: opened.url for s in stages})
        changed = self._labels(opened, stages) | self._auto_merge(opened)
        if changed and operation == "none":
            for record in records:
                record.operation = "updated"
        self.written.append(_Written(target, opened, title, body, records))
        runner.info(f"{branch}: pull request #{opened.number} {records[0].operation}: {opened.url}")

    def _labels(self, pull: PullRequest, stages: tuple[str, ...]) -> bool:
        """The labels say this release and these stages, and no other; True if changed."""
        client = self.job.client
        assert client is not None
        wanted = [
            LABEL,
            f"release:{self.change.plan.release_type}",
            *(f"stage:{s}" for s in stages),
            *self.job.inputs.labels,
        ]
        stale = [
            name
            for name in pull.labels
            if name.startswith(("release:", "stage:")) and name not in wanted
        ]
        missing = [name for name in dict.fromkeys(wanted) if name not in pull.labels]
        if stale:
            client.remove_labels(pull.number, stale)
        if missing:
            client.add_labels(pull.number, missing)
        return bool(stale or missing)

    def _auto_merge(self, pull: PullRequest) -> bool:
        """Auto-merge on for a patch release when asked, off otherwise; True if changed."""
        client, inputs, plan = self.job.client, self.job.inputs, self.change.plan
        assert client is not None
        wanted = (
            inputs.auto_merge
            and self.change.kind == "release"
            and plan.release_type == "patch"
            and not plan.approval_required
        )
        if wanted == pull.auto_merge:
            return False
        if not wanted:
            client.disable_auto_merge(pull)
            return True
        warning = client.enable_auto_merge(pull)
        if warning:
            self.job.runner.annotate("warning", warning, title="flux-semver: auto-merge")
            return False
        return True

    def _close(self, target: Target, pull: PullState) -> None:
        job = self.job
        if not self.writes or job.client is None:
            job.runner.info(f"{target.branch}: would close #{pull.number}: {target.reason}")
            return
        comment = f"Closed by flux-semver: {target.reason}."
        if self.held & set(target.stages):  # show the failing evidence that closed it
            comment += "\n\n" + self.change.summary(self.evidence, self.known, PR_BODY)
        job.client.close_pull(pull.number, comment)
        self.report.record(target.stages, pull.number, pull.url, "closed")
        if target.state.tip is not None:
            with suppress(LeaseLostError):  # pushed to since: not ours to delete any more
                job.workspace.delete_branch(target.branch, target.state.tip)
        job.runner.info(f"{target.branch}: pull request #{pull.number} closed: {target.reason}")

    # -- bodies and comments ----------------------------------------------------------------
    def _body(self, target: Target) -> str:
        lines = [self.change.headline(target.stages)]
        for stage, gate in self._gates(target.stages):
            number = self.known.get(gate, "").rsplit("/", 1)[-1]
            which = f"#{number}" if number.isdigit() else f"the `{gate}` pull request"
            lines += [
                "",
                f"> [!IMPORTANT]\n> Merge {which} ({gate}) first: `{stage}` may "
                f"admit no version `{gate}` does not, and `flux-semver check` fails on "
                "this branch (FS003) until it has.",
            ]
        return "\n".join(lines) + "\n\n" + self.change.summary(self.evidence, self.known, PR_BODY)

    def _gates(self, stages: tuple[str, ...]) -> list[tuple[str, str]]:
        """(stage, gate) pairs where the gate moves in this plan but is not in this branch."""
        moving = {c.stage for c in self.change.plan.updates}
        pairs = []
        for stage in stages:
            try:
                gate = self.config.stage(stage).after
            except KeyError:
                continue
            if gate and gate in moving and gate not in stages:
                pairs.append((stage, gate))
        return pairs

    def _relink(self) -> None:
        """Bodies written before a later stage's PR existed: rewrite them with every link."""
        client = self.job.client
        assert client is not None
        for done in self.written:
            fresh = self._body(done.target)
            if fit_body(fresh) != fit_body(done.body):
                client.upsert_pull(
                    done.target.branch, self.job.base, done.title, fresh, done.pull.number
                )
                for record in done.record:
                    if record.operation == "none":
                        record.operation = "updated"

    def _sticky(self) -> None:
        """One evidence comment per app on each pull request of this release, edited in place."""
        client = self.job.client
        assert client is not None
        body = self.change.summary(self.evidence, self.known, PR_BODY)
        marker = sticky_marker(self.change.app)
        seen: set[int] = set()
        for done in self.written:
            if done.pull.number in seen:
                continue
            seen.add(done.pull.number)
            client.upsert_sticky_comment(done.pull.number, marker, body)
