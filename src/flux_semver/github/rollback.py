"""The action's ``command: rollback``: a plan that puts stages' ranges back as they were.

The restored ranges come from :func:`flux_semver.release.rollback.rollback_target` (git
history of the base branch, which the action fetches). A stage whose last change is a rollback
flux-semver made (its merged pull request) is already rolled back: it is left unchanged rather
than rolled "back" to the version that was just taken out. The result is an ordinary
:class:`~flux_semver.model.Plan` whose ``release_type`` is ``"rollback"``, so the same
branch, commit and pull request machinery carries it.
"""

from __future__ import annotations

from collections.abc import Sequence

from flux_semver.model import Action, Plan, PlanChange
from flux_semver.release import trailers
from flux_semver.release.history import history
from flux_semver.release.rollback import rollback_target
from flux_semver.repo.manifests import Repository

SUBJECT = "flux-semver: roll back"  # how a rollback commit's subject starts


def rollback_plan(repo: Repository, app: str, stages: Sequence[str]) -> Plan:
    """One ``update`` per policy of ``stages`` whose range changes back; refusals are blocked."""
    changes: list[PlanChange] = []
    for stage in stages:
        done = _rolled_back(repo, app, stage)
        if done is not None:
            changes += done
            continue
        target = rollback_target(repo, app, stage)
        for restore in target.restores:
            policy = restore.policy
            current = policy.range_text or ""
            action: Action
            if target.refused:
                action, reason = "blocked", target.refused
            elif restore.to_range == current:
                action, reason = "unchanged", "already at the range before its last change"
            else:
                action, reason = "update", f"restores the range from {restore.origin}"
            changes.append(
                PlanChange(
                    stage=stage,
                    file=policy.file,
                    line=policy.range_line or policy.line,
                    column=policy.range_column or 1,
                    policy=policy.ref,
                    from_range=current,
                    to_range=restore.to_range,
                    action=action,
                    reason=reason,
                )
            )
    return Plan(app=app, version="previous", release_type="rollback", changes=tuple(changes))


def _rolled_back(repo: Repository, app: str, stage: str) -> list[PlanChange] | None:
    """``unchanged`` entries when the stage's newest range change is our own rollback."""
    found = history(repo, app, stage)
    if not found or not found[0].subject.startswith(SUBJECT):
        return None
    last = found[0]
    reason = (
        f"already rolled back by {last.commit[:12]} ({last.subject}); to go further "
        "back, set the range by hand (or with the CLI's flux-semver rollback --to)"
    )
    return [
        PlanChange(
            stage=stage,
            file=p.file,
            line=p.range_line or p.line,
            column=p.range_column or 1,
            policy=p.ref,
            from_range=p.range_text or "",
            to_range=p.range_text or "",
            action="unchanged",
            reason=reason,
        )
        for p in repo.policies
        if p.app == app and p.stage == stage and p.kind == "semver" and not p.patch
    ]


def rollback_message(plan: Plan, stages: Sequence[str]) -> str:
    """The commit message of a rollback, with the trailers ``history`` reads."""
    updates = [c for c in plan.updates if c.stage in stages]
    lines = [f"{SUBJECT} {plan.app} in {', '.join(stages)}", ""]
    lines += [
        f"{c.stage}: {c.policy} {c.from_range} -> {c.to_range} ({c.file}:{c.line})" for c in updates
    ]
    lines += ["", f"{trailers.APP}: {plan.app}"]
    lines += [f"{trailers.STAGE}: {stage}" for stage in stages]
    previous: dict[str, str] = {}
    for change in updates:
        previous.setdefault(change.stage, change.from_range)
    lines += [f"{trailers.PREVIOUS}: {stage} {rng}" for stage, rng in previous.items()]
    return "\n".join(lines) + "\n"
