"""Rollback: put a stage back on an earlier range, never forward (README: Emergency rollback).

``rollback_target`` chooses, per policy of the stage, the range to restore: the committed
range when the work tree holds an uncommitted change, else the newest ``from`` range in git
history that goes back — one that admits no version above what the stage admits now and is
not what it has now. So a second rollback steps further back instead of undoing the first,
and one with no earlier range left says the stage is already rolled back. In an ``exact``
stage every restored range pins one version: a range from history or ``--to`` that admits
more is refused, so a rollback never lets Flux roll prod *forward* to the newest matching tag.

The gate (:mod:`flux_semver.release.gate`) judges the result as ``check`` does: a stage may
lag behind its gate stage (prod rolled back on its own is the emergency rollback), never
lead it.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from flux_semver.errors import PlanError
from flux_semver.model import Policy
from flux_semver.release import gate as gates
from flux_semver.release.history import changes_of, need_git, range_in, stage_policies
from flux_semver.release.plan import choose_app
from flux_semver.repo import git
from flux_semver.repo.editing import set_ranges
from flux_semver.repo.manifests import Repository, semver_policies
from flux_semver.repo.stages import StageResolver
from flux_semver.semver.ranges import Range, clip, lookalike, range_or_none


class Restore(msgspec.Struct, frozen=True):
    """One policy a rollback rewrites: from its current range to the restored one."""

    policy: Policy
    to_range: str
    origin: str  # in words: where the restored range comes from


class Rollback(msgspec.Struct, frozen=True):
    """What ``rollback`` would write, and why it refuses, if it does."""

    app: str
    stage: str
    restores: tuple[Restore, ...]
    refused: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def edits(self) -> list[tuple[Policy, str]]:
        return [(r.policy, r.to_range) for r in self.restores if r.to_range != r.policy.range_text]


def goes_back(new: Range, current: Range | None, exact: bool) -> str | None:
    """Why ``new`` may not replace ``current`` in a rollback, or None when it goes back."""
    if exact and new.exact is None:
        return "pins one version, and this range admits more"
    if current is not None and new.admits_above(current):
        return f"would admit versions above {current.text}: a rollback never goes forward"
    return None


def _previous(repo: Repository, policy: Policy, exact: bool, resolver: StageResolver) -> Restore:
    """The range ``policy`` had before it reached its current one, going back."""
    current = range_or_none(policy.range_text)
    head = git.show_file(repo.root, "HEAD", policy.file)  # None before the first commit
    committed = range_in(head, policy.file, policy, resolver)
    if committed is not None and committed != policy.range_text:
        return Restore(policy, committed, "the last commit (the work tree change is undone)")
    skipped: list[str] = []
    for change in changes_of(repo, [policy]):
        text = change.from_range
        candidate = range_or_none(text)
        if text is None or candidate is None or candidate == current:
            continue
        why = goes_back(candidate, current, exact)
        if why is not None:
            if exact and candidate.exact is None:
                skipped.append(text)
            continue
        when = change.date.split("T", 1)[0]
        return Restore(
            policy,
            text,
            f"before commit {change.commit[:12]} ({when}, {change.author}: {change.subject})",
        )
    if skipped:
        raise PlanError(
            f"{policy.file}: {policy.stage} pins one version, and git history holds only ranges "
            f"below {policy.range_text} ({', '.join(dict.fromkeys(skipped))}) for {policy.ref}; "
            "pass the version to restore with --to VERSION"
        )
    raise PlanError(
        f"{policy.file}: {policy.ref} is already rolled back: git history holds no range "
        f"below {policy.range_text} to go back to; pass one with --to RANGE"
    )


def _gate_check(
    repo: Repository, app: str, stage: str, restores: Sequence[Restore]
) -> tuple[str | None, tuple[str, ...]]:
    """Why the rollback must not happen (it would lead its gate), and warnings about stages
    gated by this one that would then lead it (FS003: roll them back next)."""
    mine = semver_policies(repo, app)
    new_ranges: list[tuple[Restore, Range]] = []
    for restore in restores:
        new = range_or_none(restore.to_range)
        if new is None:
            return f"{restore.to_range!r} does not parse in Flux", ()
        new_ranges.append((restore, new))
    return (
        _refusal(repo, app, stage, mine, new_ranges),
        _warnings(repo, app, stage, mine, new_ranges),
    )


def _refusal(
    repo: Repository,
    app: str,
    stage: str,
    mine: Sequence[Policy],
    new_ranges: Sequence[tuple[Restore, Range]],
) -> str | None:
    """Why the restored ranges would lead the stage's gate, or None."""
    gate = repo.config.stage(stage).after
    if gate is None:
        return None
    if not any(p.stage == gate for p in mine):
        return (
            f"{app} has no policy in {gate}, the stage {stage} comes after (FS007); "
            "add one there first"
        )
    gate_ranges = [
        r for p in mine if p.stage == gate if (r := range_or_none(p.range_text)) is not None
    ]
    for restore, new in new_ranges:
        if gates.leads(new, gate_ranges):
            return (
                f"{stage} would admit {restore.to_range}, above everything its gate {gate} "
                f"admits: give --to a range {gate} admits"
            )
    return None


def _warnings(
    repo: Repository,
    app: str,
    stage: str,
    mine: Sequence[Policy],
    new_ranges: Sequence[tuple[Restore, Range]],
) -> tuple[str, ...]:
    """The stages gated by ``stage`` that would lead it after the rollback."""
    restored = [new for _, new in new_ranges]
    shown = " or ".join(dict.fromkeys(r.to_range for r, _ in new_ranges))
    warnings = []
    for later in (s for s in repo.config.stages if s.after == stage):
        for policy in (p for p in mine if p.stage == later.name):
            rng = range_or_none(policy.range_text)
            if rng is not None and gates.leads(rng, restored):
                warnings.append(
                    f"{later.name} ({policy.ref}) admits {policy.range_text}, above everything "
                    f"{stage} admits after this rollback ({shown}), which flux-semver check "
                    f"reports as FS003: roll {later.name} back next "
                    f"(flux-semver rollback --image {app} --stage {later.name})"
                )
    return tuple(warnings)


def rollback_target(
    repo: Repository, app: str | None, stage: str, to: str | None = None
) -> Rollback:
    """The rollback of ``stage`` for ``app``: each policy's restored range, or a refusal.

    ``to`` restores that range to every policy of the stage; without it each policy goes
    back to the newest earlier range in git history that is lower. Raises PlanError or
    GitError when there is nothing to restore, or ``to`` is no range the stage may take.
    """
    chosen_app = choose_app(repo, app)
    policies = stage_policies(repo, chosen_app, stage)
    if not policies:
        raise PlanError(f"{chosen_app} has no semver policy in stage {stage}")
    exact = repo.config.stage(stage).exact
    refused: str | None = None
    if to is not None:
        wanted = range_or_none(to)
        if wanted is None:
            hint = lookalike(to) or "give one like 1.2.x"
            raise PlanError(f"--to {clip(to)!r} is not a range Flux accepts; {hint}")
        if exact and wanted.exact is None:
            raise PlanError(
                f"--to {clip(to)!r}: {stage} pins one version, so a rollback restores one; "
                "give the exact version to go back to, e.g. --to 1.2.3"
            )
        restores = [Restore(p, to, "--to") for p in policies]
        for policy in policies:
            why = goes_back(wanted, range_or_none(policy.range_text), exact)
            if why is not None and refused is None:
                refused = (
                    f"--to {to} {why} ({policy.ref} has {policy.range_text}); to move "
                    f"forward, run flux-semver promote VERSION --stage {stage}"
                )
    else:
        need_git(repo)
        resolver = StageResolver(repo.config)
        restores = [_previous(repo, p, exact, resolver) for p in policies]
    gate_refused, warnings = _gate_check(repo, chosen_app, stage, restores)
    return Rollback(chosen_app, stage, tuple(restores), refused or gate_refused, warnings)


def apply_rollback(repo: Repository, rollback: Rollback) -> list[str]:
    """Write a rollback; the changed files. Raises PlanError, writing nothing, when refused."""
    if rollback.refused:
        raise PlanError(f"rollback of {rollback.stage} refused: {rollback.refused}")
    edits = rollback.edits
    return list(set_ranges(repo.root, edits)) if edits else []
