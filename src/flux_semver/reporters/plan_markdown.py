"""A plan as GitHub-flavoured Markdown: a heading line and one table row per policy."""

from __future__ import annotations

from flux_semver.evidence.escape import inline as escape
from flux_semver.model import SHOWS_TARGET, Plan, PlanChange, release_words
from flux_semver.reporters.plan_text import unmapped_note


def _code(text: str | None) -> str:
    if not text:
        return ""
    return f"<code>{escape(text)}</code>"


def _row(change: PlanChange) -> str:
    cells = [
        escape(change.stage),
        _code(change.policy),
        f"{_code(change.file)}:{change.line}",
        _code(change.from_range),
        _code(change.to_range) if change.action in SHOWS_TARGET else "",
        f"**{change.action}**" if change.action in SHOWS_TARGET else change.action,
        escape(change.reason),
    ]
    return "| " + " | ".join(cells) + " |"


def render(plan: Plan) -> str:
    """The plan as Markdown."""
    kind = escape(release_words(plan.release_type))
    lines = [f"### {escape(plan.app)} {escape(plan.version)}: {kind}", ""]
    if plan.approval_required:
        lines += ["> **Approval required** before this release reaches its gated stages.", ""]
    if plan.blocked:
        lines += ["> **Blocked:** a stage would admit a version its gate does not admit.", ""]
    lines += [
        "| Stage | Policy | File | From | To | Action | Reason |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(_row(c) for c in plan.changes),
    ]
    if plan.unmapped:
        lines += ["", escape(unmapped_note(plan))]
    return "\n".join(lines) + "\n"
