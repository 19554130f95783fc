"""Range changes read back from git, and the rollback that restores an earlier range.

``history`` walks ``git log`` of each policy's file and compares the policy's range at each
commit with the range at its first parent: every difference is a change (when, who, from,
to). A commit written with flux-semver's trailers adds the release, its type and evidence.

``rollback_target`` finds the range a stage had before its last change: the committed range
when the work tree holds an uncommitted change, else the ``from`` of the newest change in
history. Like FS003, it lets a stage lag behind its gate stage (prod rolled back on its own
is an emergency rollback) and refuses a range that admits a release above everything
its gate admits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flux_semver.errors import GitError, PlanError
from flux_semver.model import Policy
from flux_semver.release import trailers
from flux_semver.release.plan import resolve_app, semver_policies
from flux_semver.repo import git, locate, renames
from flux_semver.repo.editing import set_ranges
from flux_semver.repo.manifests import Repository, read
from flux_semver.repo.stages import StageResolver
from flux_semver.repo.yaml_positions import YamlError
from flux_semver.semver.ranges import InvalidRange, Range, clip, lookalike

Source = Literal["trailers", "diff"]


@dataclass(frozen=True)
class RangeChange:
    """One commit that changed one policy's range."""

    commit: str
    date: str
    author: str
    email: str
    subject: str
    app: str
    stage: str
    policy: str
    file: str
    from_range: str | None  # None when the policy first appeared in this commit
    to_range: str
    version: str | None
    release_type: str | None
    evidence: tuple[str, ...]
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "date": self.date,
            "author": self.author,
            "email": self.email,
            "subject": self.subject,
            "app": self.app,
            "stage": self.stage,
            "policy": self.policy,
            "file": self.file,
            "from": self.from_range,
            "to": self.to_range,
            "version": self.version,
            "release_type": self.release_type,
            "evidence": list(self.evidence),
            "source": self.source,
        }


class _Reader:
    """Reads the policies in a file's bytes, once per distinct content."""

    def __init__(self, resolver: StageResolver) -> None:
        self._resolver = resolver
        self._seen: dict[tuple[str, bytes], list[Policy]] = {}

    def range_of(self, raw: bytes | None, file: str, policy: Policy) -> str | None:
        """The range of the policy named like ``policy`` in a file's bytes, if it is there."""
        if raw is None:
            return None
        if policy.value_path:  # written in an overlay's patch or a variable: read it there
            return locate.value_of(raw, policy)
        key = (file, raw)
        if key not in self._seen:
            try:
                self._seen[key] = read(raw, file, self._resolver)
            except YamlError:
                self._seen[key] = []
        return _find(self._seen[key], policy)


def _range_in(raw: bytes | None, file: str, policy: Policy, resolver: StageResolver) -> str | None:
    """The range of the policy named like ``policy`` in a file's bytes, if it is there."""
    return _Reader(resolver).range_of(raw, file, policy)


def _find(found: list[Policy], policy: Policy) -> str | None:
    for other in found:
        if other.ref == policy.ref and other.kind == "semver" and not other.patch:
            return other.range_text
    return None


def _need_git(repo: Repository) -> None:
    if not git.is_repository(repo.root):
        raise GitError(
            f"{repo.root} is not inside a git repository, so it has no history to read; "
            "run this in a clone of the GitOps repository"
        )


def _policies(repo: Repository, app: str | None, stage: str | None) -> list[Policy]:
    apps = [app] if app is not None else repo.apps()
    chosen = [p for a in apps for p in semver_policies(repo, a)]
    if stage is not None:
        if stage not in repo.config.stage_names:
            names = ", ".join(repo.config.stage_names)
            raise PlanError(f"unknown stage {stage!r}; the stages are {names}")
        chosen = [p for p in chosen if p.stage == stage]
    return chosen


def changes_of(repo: Repository, policies: Iterable[Policy],
               since: str | None = None) -> list[RangeChange]:
    """Every committed change of the given policies' ranges, newest first, following each
    file across renames (after ``since``, any date git understands, when given)."""
    reader = _Reader(StageResolver(repo.config))
    by_file: dict[str, list[Policy]] = {}
    for policy in policies:
        by_file.setdefault(policy.file, []).append(policy)
    found: list[tuple[int, RangeChange]] = []
    paths: set[str] = set()  # every path the files had
    for file, mine in by_file.items():
        steps = renames.file_history(repo.root, file, since)
        paths.update(s.path for s in steps)
        specs = [(s.commit.sha, s.path) for s in steps] + [
            (s.commit.parents[0], s.parent_path) for s in steps
            if s.commit.parents and s.parent_path is not None
        ]
        blobs = git.show_files(repo.root, specs)
        for index, step in enumerate(steps):
            commit = step.commit
            parent = (blobs.get((commit.parents[0], step.parent_path))
                      if commit.parents and step.parent_path is not None else None)
            said = trailers.parse(commit.message)
            for policy in mine:
                after = reader.range_of(blobs[(commit.sha, step.path)], file, policy)
                before = reader.range_of(parent, file, policy)
                if after is None or after == before:
                    continue
                ours = said.present and (said.app in (None, policy.app))
                found.append((index, RangeChange(
                    commit=commit.sha,
                    date=commit.date,
                    author=commit.author,
                    email=commit.email,
                    subject=commit.subject,
                    app=policy.app or "",
                    stage=policy.stage or "",
                    policy=policy.ref,
                    file=step.path,
                    from_range=before,
                    to_range=after,
                    version=said.version if ours else None,
                    release_type=said.release_type if ours else None,
                    evidence=said.evidence if ours else (),
                    source="trailers" if ours else "diff",
                )))
    if len(by_file) > 1:  # one log gives the order across files (dates can tie or lie)
        order = {c.sha: i for i, c in enumerate(git.log(repo.root, sorted(paths)))}
        found = [(order.get(change.commit, index), change) for index, change in found]
    found.sort(key=lambda pair: pair[0])
    return [change for _, change in found]


def history(
    repo: Repository, app: str | None = None, stage: str | None = None, *,
    since: str | None = None, limit: int | None = None,
) -> list[RangeChange]:
    """Range changes of the app's (or every app's) semver policies, newest first: those
    committed after ``since`` (any date git understands), the newest ``limit`` of them."""
    _need_git(repo)
    if app is not None:
        app = resolve_app(repo, app)
    changes = changes_of(repo, _policies(repo, app, stage), since)
    return changes if limit is None else changes[:limit]


@dataclass(frozen=True)
class Restore:
    """One policy a rollback rewrites: from its current range to the restored one."""

    policy: Policy
    to_range: str
    origin: str  # in words: where the restored range comes from


@dataclass(frozen=True)
class Rollback:
    """What ``rollback`` would write, and why it refuses, if it does."""

    app: str
    stage: str
    restores: tuple[Restore, ...]
    refused: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def edits(self) -> list[tuple[Policy, str]]:
        return [(r.policy, r.to_range) for r in self.restores if r.to_range != r.policy.range_text]


def _parse(text: str) -> Range | None:
    try:
        return Range(text)
    except InvalidRange:
        return None


def _previous(repo: Repository, policy: Policy, resolver: StageResolver) -> Restore:
    """The range ``policy`` had before its last change."""
    head = git.show_file(repo.root, "HEAD", policy.file)  # None before the first commit
    committed = _range_in(head, policy.file, policy, resolver)
    if committed is not None and committed != policy.range_text:
        return Restore(policy, committed, "the last commit (the work tree change is undone)")
    for change in changes_of(repo, [policy]):
        if change.from_range is not None:
            when = change.date.split("T", 1)[0]
            return Restore(
                policy,
                change.from_range,
                f"before commit {change.commit[:12]} ({when}, {change.author}: {change.subject})",
            )
    raise PlanError(
        f"{policy.file}: git history holds no earlier range for {policy.ref}; "
        "pass the range to restore with --to RANGE"
    )


def _gate_check(
    repo: Repository, app: str, stage: str, restores: Sequence[Restore]
) -> tuple[str | None, tuple[str, ...]]:
    """Why the rollback must not happen (its gate), and warnings about stages after it.

    Judged as FS003 judges: a stage may lag behind its gate (rolling prod back below pre-prod
    is an emergency rollback), but may never admit a release above everything its gate
    admits.
    """
    config = repo.config
    gate = config.stage(stage).after
    mine = semver_policies(repo, app)
    new_ranges: list[tuple[Restore, Range]] = []
    for restore in restores:
        new = _parse(restore.to_range)
        if new is None:
            return f"{restore.to_range!r} does not parse in Flux", ()
        new_ranges.append((restore, new))
    refused = _above_gate(app, stage, gate, mine, new_ranges) if gate is not None else None
    warnings = []
    for later in config.stages:
        if later.after != stage:
            continue
        for policy in (p for p in mine if p.stage == later.name):
            rng = _parse(policy.range_text or "")
            if rng is None or not new_ranges:
                continue
            if all(rng.admits_above(new) for _, new in new_ranges):
                restored = " or ".join(dict.fromkeys(r.to_range for r, _ in new_ranges))
                warnings.append(
                    f"{later.name} ({policy.ref}) admits {policy.range_text}, above everything "
                    f"{stage} admits after this rollback ({restored}), which flux-semver check "
                    f"reports as FS003: roll {later.name} back next "
                    f"(flux-semver rollback --image {app} --stage {later.name})"
                )
    return refused, tuple(warnings)


def _above_gate(
    app: str, stage: str, gate: str, mine: Sequence[Policy],
    new_ranges: Sequence[tuple[Restore, Range]],
) -> str | None:
    """Why a restored range of a gated stage would skip its gate (FS003), or None."""
    gate_policies = [p for p in mine if p.stage == gate]
    if not gate_policies:
        return (
            f"{app} has no policy in {gate}, the stage {stage} comes after (FS007); "
            f"add one there first"
        )
    gate_ranges = [
        (p, r) for p in gate_policies if (r := _parse(p.range_text or "")) is not None
    ]
    if not gate_ranges:
        return None  # an unparsable gate range is FS001, as in the checker
    for restore, new in new_ranges:
        if all(new.admits_above(r) for _, r in gate_ranges):
            other = gate_ranges[0][0]
            floor = new.floor
            version = str(floor) if floor is not None else "VERSION"
            return (
                f"{stage} would admit {restore.to_range}, above everything its gate {gate} "
                f"admits ({other.range_text} in {other.ref}): promote {gate} first "
                f"(flux-semver promote {version} --stage {gate}), or give --to a range "
                f"{gate} admits"
            )
    return None


def rollback_target(
    repo: Repository, app: str | None, stage: str, to: str | None = None
) -> Rollback:
    """The rollback of ``stage`` for ``app``: each policy's restored range, or a refusal.

    ``to`` restores that range to every policy of the stage; without it each policy gets the
    range it had before its last change (from git). Raises PlanError or GitError when there
    is nothing to restore.
    """
    chosen_app = resolve_app(repo, app)
    policies = _policies(repo, chosen_app, stage)
    if not policies:
        raise PlanError(f"{chosen_app} has no semver policy in stage {stage}")
    if to is not None:
        if _parse(to) is None:
            hint = lookalike(to) or "give one like 1.2.x"
            raise PlanError(f"--to {clip(to)!r} is not a range Flux accepts; {hint}")
        restores = [Restore(p, to, "--to") for p in policies]
    else:
        _need_git(repo)
        resolver = StageResolver(repo.config)
        restores = [_previous(repo, p, resolver) for p in policies]
    refused, warnings = _gate_check(repo, chosen_app, stage, restores)
    return Rollback(chosen_app, stage, tuple(restores), refused, warnings)


def apply_rollback(repo: Repository, rollback: Rollback) -> list[str]:
    """Write a rollback; the changed files. Raises PlanError, writing nothing, when refused."""
    if rollback.refused:
        raise PlanError(f"rollback of {rollback.stage} refused: {rollback.refused}")
    edits = rollback.edits
    return list(set_ranges(repo.root, edits)) if edits else []
