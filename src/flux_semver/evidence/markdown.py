"""The one Markdown rendering of a release's evidence: job summary, PR body, sticky comment.

Order on the page: the hidden sticky marker and the title; failing evidence first (a
caution block, the failed tests, the metrics past their threshold); the stages (a
Mermaid flowchart and a table); the gate's verdicts ("Verified in pre-prod"), when given;
the change-request checklist when approval is needed;
the rollback plan; test totals; metrics; links; notes. Every piece of user text goes
through :mod:`.escape`; the size limit is applied by :mod:`.limits`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flux_semver.evidence import escape, verified
from flux_semver.evidence.limits import Section, fit
from flux_semver.evidence.model import (
    Evidence,
    Metric,
    SuiteTotals,
    TestResult,
    evidence_fails,
)
from flux_semver.evidence.sticky import sticky_marker
from flux_semver.github_limits import PR_BODY, Limit
from flux_semver.model import SHOWS_TARGET, WRITES, Plan, PlanChange, release_words

_NAME = 200  # longest test name, policy or file shown in full
_MESSAGE = 300  # longest failure message shown in full
_ICON = {"failed": "❌", "errored": "💥", "skipped": "⏭️"}
_PULL = re.compile(r"/pull/(\d+)/?$")
_LABEL_CHANGES = 3  # changes listed in one Mermaid node before "and N more"
# When the text must be cut, failing rows of the totals and metrics tables outlast the
# notes, links and the diagram; only the plan, the checklist and failures rank higher.
_FAILING_ROWS = 75


def render(evidence: Evidence, limit: Limit = PR_BODY, *, max_failures: int = 25) -> str:
    """The Markdown for ``evidence``, at most ``limit`` long.

    ``max_failures`` failed (or errored) tests are named with their messages, then a count
    of the rest. Use :data:`~flux_semver.github_limits.PR_BODY` for pull request bodies and
    comments and :data:`~flux_semver.github_limits.STEP_SUMMARY` for ``$GITHUB_STEP_SUMMARY``.
    """
    sections: list[Section] = [_title(evidence)]
    sections += _failing(evidence, max_failures)
    sections += _stages(evidence)
    sections += [
        Section(
            head=tuple(verified.render(result).splitlines()),
            priority=90,
            what="the gate's verdict",
            atomic=True,
        )
        for result in evidence.verified
    ]
    sections += _change_request(evidence)
    sections += _rollback(evidence)
    sections += _tests(evidence, max_failures)
    sections += _metrics(evidence)
    sections += _links(evidence)
    sections += _notes(evidence)
    sections.append(
        Section(
            head=("<sub>Written by flux-semver.</sub>",), priority=1, what="the footer", atomic=True
        )
    )
    return escape.no_workflow_commands(fit(sections, limit))


# --- title and failing evidence ---------------------------------------------------------


def _title(evidence: Evidence) -> Section:
    plan = evidence.plan
    updated = ", ".join(escape.inline(s) for s in _unique(c.stage for c in plan.updates))
    if plan.release_type == "rollback":
        # A rollback has no version of its own: it puts back the ranges stages had before.
        heading = f"## Roll back {escape.inline(plan.app, _NAME)}"
        facts = ["**Kind:** rollback", "**Ranges restored in:** " + (updated or "none")]
    else:
        heading = (
            f"## Release {escape.inline(plan.app, _NAME)} {escape.inline(plan.version, _NAME)}"
            f" ({escape.inline(plan.release_type)})"
        )
        facts = [
            f"**Release type:** {escape.inline(plan.release_type)}",
            "**Ranges rewritten in:** " + (updated or "none"),
        ]
    lines = [sticky_marker(plan.app), heading, ""]
    if plan.approval_required:
        facts.append("**Approval:** required (change request below)")
    lines.append(" · ".join(facts))
    blocked = [c for c in plan.changes if c.action == "blocked"]
    if blocked:
        names = ", ".join(escape.inline(s) for s in _unique(c.stage for c in blocked))
        lines += [
            "",
            f"> [!WARNING]\n> **Blocked:** {names} cannot move yet; see the stage table for why.",
        ]
    return Section(head=tuple(lines))


def _failing(evidence: Evidence, max_failures: int) -> list[Section]:
    failed = evidence.failed_tests
    metrics = evidence.failing_metrics
    tests = sum(r.tests for r in evidence.junit)
    if not evidence_fails(evidence):
        if not evidence.junit and not evidence.metrics:
            return []
        parts = []
        if evidence.junit:
            parts.append(f"{tests:,} tests, none failed")
        judged = [m for m in evidence.metrics if m.passed is not None]
        if judged:
            parts.append(
                f"{len(judged)} of {len(evidence.metrics)} metrics judged, all within "
                "their thresholds"
            )
        if not parts:  # only metrics without thresholds: nothing to judge
            return []
        return [Section(head=(f"> [!TIP]\n> **Evidence passes:** {'; '.join(parts)}.",))]
    parts = []
    if failed:
        errored = sum(1 for t in failed if t.outcome == "errored")
        detail = f" ({errored:,} errored)" if errored else ""
        parts.append(f"{len(failed):,} of {tests:,} tests failed{detail}")
    if metrics:
        names = ", ".join(escape.inline(m.name, _NAME) for m in metrics)
        parts.append(
            f"{len(metrics)} metric{'s' if len(metrics) > 1 else ''} past "
            f"{'their thresholds' if len(metrics) > 1 else 'its threshold'} ({names})"
        )
    sections = [Section(head=(f"> [!CAUTION]\n> **Failing evidence:** {'; '.join(parts)}.",))]
    if failed:
        rows = [_failed_item(t) for t in failed[:max_failures]]
        more = len(failed) - len(rows)
        tail = (f"- …and {more:,} more failed tests",) if more > 0 else ()
        sections.append(
            Section(
                head=(f"### ❌ Failed tests ({len(failed):,})", ""),
                rows=tuple(rows),
                tail=tail,
                priority=90,
                what="failed tests",
            )
        )
    if metrics:
        sections.append(
            Section(
                head=("### ❌ Metrics past their threshold", ""),
                rows=tuple(_failing_metric_item(m) for m in metrics),
                priority=88,
                what="failing metrics",
            )
        )
    return sections


def _failed_item(test: TestResult) -> str:
    where = " › ".join(escape.inline(p, _NAME) for p in (test.file, test.suite) if p)
    line = f"- {_ICON[test.outcome]} **{escape.inline(test.title, _NAME)}**"
    if test.outcome == "errored":
        line += " (error)"
    if test.message:
        line += f" — {escape.inline(test.message, _MESSAGE)}"
    if where:
        line += f" <sub>{where}</sub>"
    return line


def _failing_metric_item(metric: Metric) -> str:
    assert metric.threshold is not None  # only judged metrics fail
    direction = "at most" if metric.better == "lower" else "at least"
    return (
        f"- ❌ **{escape.inline(metric.name, _NAME)}**: {_amount(metric.value, metric)}, "
        f"should be {direction} {_amount(metric.threshold, metric)}"
    )


# --- stages ---------------------------------------------------------------------------


def _stages(evidence: Evidence) -> list[Section]:
    plan = evidence.plan
    if not plan.changes:
        return [
            Section(
                head=(
                    "### Stages",
                    "",
                    f"No policy of {escape.inline(plan.app)} is part of this release.",
                )
            )
        ]
    header = ("### Stages",)
    table_head = (
        "| Stage | Policy | File | From | To | Action | PR | Why |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    )
    rows = tuple(_stage_row(c, evidence.pull_requests.get(c.stage)) for c in plan.changes)
    return [
        Section(head=header),
        Section(head=tuple(_mermaid(evidence)), priority=40, what="the stage diagram", atomic=True),
        Section(head=table_head, rows=rows, priority=80, what="rows of the stage table"),
    ]


def _stage_row(change: PlanChange, pull_request: str | None) -> str:
    cells = [
        escape.inline(change.stage, _NAME),
        escape.inline(change.policy, _NAME),
        escape.code(f"{change.file}:{change.line}", in_table=True),
        escape.code(change.from_range, in_table=True) or "—",
        escape.code(change.to_range, in_table=True) if change.to_range else "—",
        f"**{change.action}**" if change.action in SHOWS_TARGET else change.action,
        _pr_link(pull_request) if pull_request else "—",
        escape.inline(change.reason, _MESSAGE) or "—",
    ]
    return "| " + " | ".join(cells) + " |"


def _pr_link(url: str) -> str:
    match = _PULL.search(url)
    text = f"#{match.group(1)}" if match else "pull request"
    return f"[{text}]({escape.url(url)})"


def _mermaid(evidence: Evidence) -> list[str]:
    by_stage: dict[str, list[PlanChange]] = {}
    for change in evidence.plan.changes:
        by_stage.setdefault(change.stage, []).append(change)
    lines = ["```mermaid", "flowchart LR"]
    classes: list[str] = []
    for index, (stage, changes) in enumerate(by_stage.items()):
        parts = [escape.mermaid_label(stage)]
        for change in changes[:_LABEL_CHANGES]:
            if change.to_range and change.action in SHOWS_TARGET:
                moved = f"{change.from_range} → {change.to_range}"
            else:
                moved = change.from_range
            parts.append(escape.mermaid_label(f"{moved} ({change.action})"))
        if len(changes) > _LABEL_CHANGES:
            parts.append(escape.mermaid_label(f"and {len(changes) - _LABEL_CHANGES} more"))
        lines.append(f'  s{index}["{"<br/>".join(parts)}"]')
        actions = {c.action for c in changes}
        writes = not actions.isdisjoint(WRITES)
        kind = "blocked" if "blocked" in actions else "update" if writes else "same"
        classes.append(f"  class s{index} {kind}")
    lines += [f"  s{i} --> s{i + 1}" for i in range(len(by_stage) - 1)]
    lines += classes
    lines += [
        "  classDef update fill:#dafbe1,stroke:#1a7f37",
        "  classDef blocked fill:#ffebe9,stroke:#cf222e",
        "  classDef same fill:#f6f8fa,stroke:#8c959f",
        "```",
    ]
    return lines


# --- change request and rollback --------------------------------------------------------


def _change_request(evidence: Evidence) -> list[Section]:
    plan = evidence.plan
    if not plan.approval_required:
        return []
    attached = []
    if evidence.junit:
        count = len(evidence.junit)
        attached.append(f"{count} test report{'s' if count > 1 else ''}")
    if evidence.metrics:
        attached.append(f"{len(evidence.metrics)} metric{'s' if len(evidence.metrics) > 1 else ''}")
    if evidence.links:
        attached.append(f"{len(evidence.links)} link{'s' if len(evidence.links) > 1 else ''}")
    have = f" (here: {', '.join(attached)})" if attached else " (none attached yet)"
    return [
        Section(
            head=(
                "### Change request",
                "",
                f"This {escape.inline(release_words(plan.release_type))} needs approval before it "
                "reaches the stages that require it.",
                "",
            ),
            rows=(
                f"- [ ] Evidence from the lower environments attached and reviewed{have}",
                f"- [ ] {_undo_words(plan)[0]} below reviewed",
                "- [ ] Change window scheduled (date, time, time zone)",
                "- [ ] Approved by (name of the approver)",
            ),
            priority=85,
            what="change-request items",
        )
    ]


# What the section that undoes a plan says (heading, when nothing is rewritten, the intro):
# a rollback's undo is no rollback, so it has words of its own.
_UNDO = (
    "Rollback plan",
    "Nothing to roll back: this release rewrites no range.",
    "Restore each stage's previous range; Flux then deploys the previous version.",
)
_UNDO_ROLLBACK = (
    "How to undo this rollback",
    "Nothing to undo: this rollback rewrites no range.",
    "Put back the range each stage had before this rollback; Flux then deploys what it "
    "deployed before.",
)


def _undo_words(plan: Plan) -> tuple[str, str, str]:
    return _UNDO_ROLLBACK if plan.release_type == "rollback" else _UNDO


def _rollback(evidence: Evidence) -> list[Section]:
    steps = evidence.rollback
    title, nothing, intro = _undo_words(evidence.plan)
    heading = "### " + title
    auto = _unique(c.stage for c in evidence.plan.changes if c.action == "auto")
    auto_line = (
        f"{', '.join(escape.inline(s) for s in auto)} "
        f"{'takes' if len(auto) == 1 else 'take'} {escape.inline(evidence.plan.version)} "
        f"through the range {'it' if len(auto) == 1 else 'they'} already "
        f"{'has' if len(auto) == 1 else 'have'}; to hold one back, pin its previous version "
        "with `flux-semver rollback --to`."
        if auto
        else ""
    )
    if not steps:
        lines = [heading, "", nothing]
        if auto_line:
            lines[-1] += " " + auto_line
        return [Section(head=tuple(lines), priority=70, what="the rollback plan", atomic=True)]
    rows = tuple(
        f"| {escape.inline(s.stage, _NAME)} | {escape.inline(s.policy, _NAME)} | "
        f"{escape.code(s.file, in_table=True)} | {escape.code(s.previous, in_table=True)} |"
        for s in steps
    )
    commands = _unique(escape.one_line(s.command) for s in steps)
    return [
        Section(
            head=(
                heading,
                "",
                intro + (" " + auto_line if auto_line else ""),
                "",
                "| Stage | Policy | File | Previous range |",
                "| --- | --- | --- | --- |",
            ),
            rows=rows,
            tail=("", "```sh", *commands, "```"),
            priority=70,
            what="rows of the rollback table",
        )
    ]


# --- tests, metrics, links, notes -------------------------------------------------------


def _tests(evidence: Evidence, max_failures: int) -> list[Section]:
    if not evidence.junit:
        return []
    suites = [s for r in evidence.junit for s in r.suites]
    ordered = [s for s in suites if s.failing] + [s for s in suites if not s.failing]
    total = SuiteTotals(
        file="",
        name="",
        tests=sum(s.tests for s in suites),
        failed=sum(s.failed for s in suites),
        errored=sum(s.errored for s in suites),
        skipped=sum(s.skipped for s in suites),
    )
    files = len(evidence.junit)
    sections = [
        Section(
            head=(
                "### Tests",
                "",
                "| | File | Suite | Tests | Passed | Failed | Errored | Skipped |",
                "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
            ),
            rows=tuple(_suite_row(s) for s in ordered),
            tail=(
                _counts_row(
                    _verdict(total),
                    f"**Total** ({files} file{'s' if files > 1 else ''})",
                    "",
                    total,
                ),
            ),
            priority=30,
            what="rows of the test totals table",
            pinned=sum(1 for s in suites if s.failing),
            pinned_priority=_FAILING_ROWS,
        )
    ]
    skipped = evidence.skipped_tests
    if skipped:
        rows = tuple(
            f"- ⏭️ {escape.inline(t.title, _NAME)}"
            + (f": {escape.inline(t.message, _MESSAGE)}" if t.message else "")
            for t in skipped[:max_failures]
        )
        more = len(skipped) - len(rows)
        sections.append(
            Section(
                head=(f"<details><summary>Skipped tests ({len(skipped):,})</summary>", ""),
                rows=rows,
                tail=((f"- …and {more:,} more skipped tests",) if more > 0 else ())
                + ("", "</details>"),
                priority=10,
                what="skipped tests",
            )
        )
    return sections


def _suite_row(suite: SuiteTotals) -> str:
    return _counts_row(
        _verdict(suite),
        escape.code(suite.file, in_table=True),
        escape.inline(suite.name, _NAME) or "—",
        suite,
    )


def _counts_row(verdict: str, file: str, suite: str, counts: SuiteTotals) -> str:
    numbers = (counts.tests, counts.passed, counts.failed, counts.errored, counts.skipped)
    return f"| {verdict} | {file} | {suite} | " + " | ".join(f"{n:,}" for n in numbers) + " |"


def _verdict(counts: SuiteTotals) -> str:
    return "❌" if counts.failing else "✅"


def _metrics(evidence: Evidence) -> list[Section]:
    if not evidence.metrics:
        return []
    ordered = [m for m in evidence.metrics if m.passed is False]
    ordered += [m for m in evidence.metrics if m.passed is not False]
    return [
        Section(
            head=(
                "### Metrics",
                "",
                "| Metric | Value | Threshold | Baseline | Result |",
                "| --- | ---: | ---: | ---: | --- |",
            ),
            rows=tuple(_metric_row(m) for m in ordered),
            priority=35,
            what="rows of the metrics table",
            pinned=len(evidence.failing_metrics),
            pinned_priority=_FAILING_ROWS,
        )
    ]


def _metric_row(metric: Metric) -> str:
    if metric.threshold is None:
        threshold, result = "—", "no threshold"
    else:
        sign = "≤" if metric.better == "lower" else "≥"
        threshold = f"{sign} {_amount(metric.threshold, metric)}"
        result = "✅ pass" if metric.passed else "❌ **fail**"
    baseline = "—"
    if metric.baseline is not None:
        baseline = _amount(metric.baseline, metric)
        delta = metric.value - metric.baseline
        change = f"{'+' if delta >= 0 else '−'}{_number(abs(delta))}"
        if metric.baseline:
            change += f", {'+' if delta >= 0 else '−'}{abs(delta) / abs(metric.baseline):.1%}"
        baseline += f" ({change})"
    return (
        f"| {escape.inline(metric.name, _NAME)} | {_amount(metric.value, metric)} | "
        f"{threshold} | {baseline} | {result} |"
    )


def _amount(value: float, metric: Metric) -> str:
    unit = f" {escape.inline(metric.unit, 20)}" if metric.unit else ""
    return _number(value) + unit


def _number(value: float) -> str:
    value = float(value)  # ints too (int.is_integer is Python 3.12+)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


def _links(evidence: Evidence) -> list[Section]:
    if not evidence.links:
        return []
    rows = tuple(
        f"- [{escape.inline(link.name, _NAME)}]({escape.url(link.url)})" for link in evidence.links
    )
    return [Section(head=("### Links", ""), rows=rows, priority=50, what="links")]


def _notes(evidence: Evidence) -> list[Section]:
    if not evidence.notes or not evidence.notes.strip():
        return []
    lines = escape.block(evidence.notes)
    rows = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        hard_break = "  " if line and following else ""
        rows.append(f"> {line}{hard_break}" if line else ">")
    return [
        Section(head=("### Notes", ""), rows=tuple(rows), priority=45, what="lines of the notes")
    ]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
