"""Apply a plan: write each ``update`` through the lossless editor, all or nothing.

A blocked plan writes nothing. Only the range scalars change (README: flux-semver promote); which
files changed comes back so the faces can print them or commit them.
"""

from __future__ import annotations

from flux_semver.errors import PlanError
from flux_semver.model import Plan, PlanChange, Policy
from flux_semver.repo.editing import set_ranges
from flux_semver.repo.manifests import Repository
from flux_semver.repo.worktree import uncommitted


def _policy_of(repo: Repository, change: PlanChange) -> Policy:
    for policy in repo.policies:
        if (
            policy.file == change.file
            and policy.ref == change.policy
            and (policy.range_line or policy.line) == change.line
        ):
            return policy
    raise PlanError(
        f"{change.file}:{change.line}: policy {change.policy} is no longer there; "
        "the repository changed since the plan was made: plan again"
    )


def edits(repo: Repository, plan: Plan) -> list[tuple[Policy, str]]:
    """The (policy, new range) pairs a plan writes; PlanError when the plan is blocked."""
    if plan.blocked:
        stages = ", ".join(c.stage for c in plan.changes if c.action == "blocked")
        raise PlanError(f"the plan is blocked ({stages}); nothing was written")
    pairs = []
    for change in plan.updates:
        policy = _policy_of(repo, change)
        if policy.range_text != change.from_range:
            raise PlanError(
                f"{change.file}:{change.line}: {change.policy} now has range "
                f"{policy.range_text!r}, not {change.from_range!r}: plan again"
            )
        pairs.append((policy, change.to_range or ""))
    return pairs


def apply_plan(repo: Repository, plan: Plan) -> list[str]:
    """Write the plan's updates; the changed files (relative to the root), in order.

    Raises PlanError, writing nothing, when the plan is blocked or out of date.
    """
    pairs = edits(repo, plan)
    if not pairs:
        return []
    return list(set_ranges(repo.root, pairs))


def require_clean(repo: Repository, plan: Plan) -> None:
    """PlanError when a file the plan writes has uncommitted changes: the release would mix
    with work in progress (``promote --allow-dirty`` skips this check)."""
    files = list(dict.fromkeys(change.file for change in plan.updates))
    dirty = uncommitted(repo.root, files)
    if dirty:
        raise PlanError(
            f"{', '.join(dirty)}: uncommitted changes in a file this release would write — "
            "commit or stash them first, or pass --allow-dirty to write the release into them"
        )
