"""Evidence summaries: what a release changes and the proof it is safe, as one Markdown page.

Used three ways with the same rendering (README: Evidence summaries): the job summary, each pull
request's body, and one sticky comment per app::

    from flux_semver.evidence import gather, render, PR_BODY, STEP_SUMMARY
    evidence = gather(plan, junit=["reports/**/*.xml"], metrics=Path("metrics.json"))
    body = render(evidence, PR_BODY)
    if evidence_fails(evidence): ...          # evidence-policy: block
    comment_id = find_sticky(comments, plan.app)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from flux_semver.evidence.inputs import (
    load_plan_text,
    parse_links,
    parse_pull_requests,
    plan_from_json,
)
from flux_semver.evidence.junit import load_junit, read_junit
from flux_semver.evidence.markdown import render
from flux_semver.evidence.metrics import load_metrics
from flux_semver.evidence.model import (
    Evidence,
    JUnitReport,
    Link,
    Metric,
    RollbackStep,
    SuiteTotals,
    TestResult,
    evidence_fails,
    rollback_command,
    rollback_steps,
)
from flux_semver.evidence.sticky import find_sticky, sticky_marker
from flux_semver.github_limits import PR_BODY, STEP_SUMMARY, Limit
from flux_semver.model import Plan


def gather(
    plan: Plan,
    *,
    junit: Sequence[str] = (),
    metrics: Path | None = None,
    links: Sequence[Link] = (),
    notes: str | None = None,
    pull_requests: Mapping[str, str] | None = None,
    base: Path = Path(),
) -> Evidence:
    """Read the JUnit globs and the metrics file (relative to ``base``) into one Evidence."""
    # base / an absolute path is that absolute path
    measured = () if metrics is None else load_metrics(base / metrics, metrics.as_posix())
    return Evidence(
        plan=plan,
        junit=load_junit(junit, base),
        metrics=measured,
        links=tuple(links),
        notes=notes,
        pull_requests=dict(pull_requests or {}),
    )


__all__ = [
    "PR_BODY",
    "STEP_SUMMARY",
    "Evidence",
    "JUnitReport",
    "Limit",
    "Link",
    "Metric",
    "RollbackStep",
    "SuiteTotals",
    "TestResult",
    "evidence_fails",
    "find_sticky",
    "gather",
    "load_junit",
    "load_metrics",
    "load_plan_text",
    "parse_links",
    "parse_pull_requests",
    "plan_from_json",
    "read_junit",
    "render",
    "rollback_command",
    "rollback_steps",
    "sticky_marker",
]
