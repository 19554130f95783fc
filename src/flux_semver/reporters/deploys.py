"""What Flux deploys per stage (``--registry-check``), as terminal lines or a Markdown table."""

from __future__ import annotations

from collections.abc import Sequence

from flux_semver.evidence.escape import inline as escape
from flux_semver.model import WRITES
from flux_semver.printable import printable
from flux_semver.registry.deploys import Deployment

ARROW = "→"


def _tag(tag: str | None) -> str:
    return tag if tag is not None else "nothing"


def lines(deployments: Sequence[Deployment]) -> list[str]:
    """``stage  Flux deploys X now → Y after this change`` per policy, warnings beneath."""
    if not deployments:
        return []
    width = max(len(printable(d.stage or "-")) for d in deployments)
    out = ["registry:"]
    for d in deployments:
        stage = printable(d.stage or "-").ljust(width)
        change = "after this change" if d.action in WRITES else "(no Git change)"
        out.append(
            f"  {stage}  Flux deploys {printable(_tag(d.now))} now {ARROW} "
            f"{printable(_tag(d.after))} {change}  [{printable(d.policy)}]"
        )
        if d.warning:
            out.append(f"  {' ' * width}  warning: {printable(d.warning)}")
    return out


def markdown(deployments: Sequence[Deployment]) -> str:
    """The same as a Markdown table under a heading; empty without deployments."""
    if not deployments:
        return ""
    rows = [
        "",
        "### What Flux deploys",
        "",
        "| stage | policy | now | after | note |",
        "| --- | --- | --- | --- | --- |",
    ]
    for d in deployments:
        note = f"⚠️ {escape(d.warning)}" if d.warning else ""
        rows.append(
            f"| {escape(d.stage or '-')} | <code>{escape(d.policy)}</code> | "
            f"{escape(_tag(d.now))} | {escape(_tag(d.after))} | {note} |"
        )
    return "\n".join(rows) + "\n"
