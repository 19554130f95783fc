"""A plan as a plain-text table for the terminal: one row per policy, its reason below it."""

from __future__ import annotations

from flux_semver.model import SHOWS_TARGET, Plan, PlanChange, release_words
from flux_semver.printable import printable

_HEADERS = ("STAGE", "ACTION", "RANGE", "POLICY", "FILE")


def unmapped_note(plan: Plan) -> str:
    """The line that says how many of the app's policies no plan can see (FS006, FS011)."""
    count = plan.unmapped
    return (
        f"{count} {'policy' if count == 1 else 'policies'} of {plan.app} "
        f"{'belongs' if count == 1 else 'belong'} to no stage and "
        f"{'was' if count == 1 else 'were'} left out (see flux-semver policies)"
    )


def _range(change: PlanChange) -> str:
    if change.to_range is not None and change.action in SHOWS_TARGET:
        return f"{change.from_range} -> {change.to_range}"
    return change.from_range


def _row(change: PlanChange) -> tuple[str, ...]:
    cells = (
        change.stage,
        change.action,
        _range(change),
        change.policy,
        f"{change.file}:{change.line}",
    )
    return tuple(printable(cell) for cell in cells)


def render(plan: Plan) -> str:
    """The plan as text: a heading, the table, and what to do when it is blocked."""
    lines = [printable(f"{plan.app} {plan.version}: {release_words(plan.release_type)}")]
    if plan.approval_required:
        lines[0] += " (approval required)"
    if not plan.changes:
        lines.append("no policy of this app in the selected stages")
        if plan.unmapped:
            lines.append(printable(unmapped_note(plan)))
        return "\n".join(lines) + "\n"
    rows = [_HEADERS, *(_row(c) for c in plan.changes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]

    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    lines.append(fmt(_HEADERS).rstrip())
    for change in plan.changes:
        lines.append(fmt(_row(change)).rstrip())
        lines.append(" " * (widths[0] + 2) + printable(change.reason))
    updates, blocked = len(plan.updates), sum(c.action == "blocked" for c in plan.changes)
    summary = f"{updates} update{'s' if updates != 1 else ''}"
    if blocked:
        summary += (
            f", {blocked} blocked: nothing can be written until the gate admits it"
            if all(
                c.reason.find(" other stages share ") < 0
                for c in plan.changes
                if c.action == "blocked"
            )
            else f", {blocked} blocked: nothing can be written; see each reason"
        )
    waits = sum(c.action == "waits" for c in plan.changes)
    if waits:
        summary += f", {waits} waiting for a change of their gate stage"
    lines.append(summary)
    if plan.unmapped:
        lines.append(printable(unmapped_note(plan)))
    return "\n".join(lines) + "\n"
