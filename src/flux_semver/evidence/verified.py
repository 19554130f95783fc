"""The evidence summary's "Verified in pre-prod" section: what the gate rests on.

The commit Flux reported on, Flux's status and its link, when the gate stage turned green,
the soak elapsed and left, the approvals and the freeze state — one row per condition of
:func:`flux_semver.release.verify.evaluate`, each with its time and link.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flux_semver.evidence import escape
from flux_semver.release.verify import Condition, GateResult
from flux_semver.repo.windows import format_duration

_NAMES = {
    "admitted": "Admitted",
    "healthy": "Flux status",
    "soak": "Soak",
    "approvals": "Approvals",
    "freeze": "Freeze",
}
_STATE = {"success": "✅ passed", "pending": "⏳ pending", "failure": "❌ failed"}


def _time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cell(condition: Condition) -> str:
    mark = "✅" if condition.met else ("❌" if condition.failed else "⏳")
    detail = escape.inline(condition.detail)
    if condition.link:
        detail += f" ([link]({escape.url(condition.link)}))"
    when = _time(condition.until if condition.until and not condition.met else condition.at)
    return f"| {mark} {_NAMES[condition.check]} | {detail} | {when} |"


def render(result: GateResult, pull_request: str | None = None) -> str:
    """The section as Markdown (escaped: names and descriptions come from users and GitHub)."""
    title = (
        f"### Verified in {escape.inline(result.gate)}"
        if result.gate
        else f"### Gate of {escape.inline(result.stage)}"
    )
    lines = [title, ""]
    where = f" ({escape.inline(pull_request)})" if pull_request else ""
    lines.append(
        f"`{escape.inline(result.stage)}` takes {escape.inline(result.version)} "
        f"({escape.inline(result.release_type)}){where}: "
        f"**{_STATE[result.state]}** at {_time(result.now)}."
    )
    if result.soak is not None and result.soak_elapsed is not None:
        left = max(result.soak - result.soak_elapsed, result.soak * 0)
        lines.append(
            f"Soak: {format_duration(result.soak_elapsed)} elapsed, "
            f"{format_duration(left)} left of {format_duration(result.soak)}."
        )
    lines += ["", "| Condition | State | When |", "| --- | --- | --- |"]
    lines += [_cell(c) for c in result.conditions]
    return "\n".join(lines) + "\n"
