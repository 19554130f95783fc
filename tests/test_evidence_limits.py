"""Cutting the evidence to GitHub's limits: failures kept, passes cut, and a note says so."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import cmarkgfm

from flux_semver.evidence import PR_BODY, STEP_SUMMARY, Evidence, Metric, read_junit, render
from flux_semver.evidence.limits import KEEP, Section, fit
from flux_semver.github_limits import Limit
from flux_semver.model import Plan, PlanChange

PLAN = Plan(
    app="shop",
    version="3.0.0",
    release_type="major",
    approval_required=True,
    changes=(
        PlanChange("dev", "dev/shop.yaml", 5, 12, "shop", "2.4.x", "3.0.x", "update", "follow"),
        PlanChange("prod", "prod/shop.yaml", 5, 12, "shop", "2.4.1", "3.0.0", "update", "follow"),
    ),
)


def _huge_report(tmp_path: Path, suites: int, failing_every: int) -> Path:
    """``suites`` suites of 3 tests each; every ``failing_every``-th suite has a failure."""
    root = ET.Element("testsuites")
    for index in range(suites):
        failing = index % failing_every == 0
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"suite-{index:05d}",
            tests="3",
            failures="1" if failing else "0",
        )
        for case_index in range(3):
            case = ET.SubElement(
                suite, "testcase", name=f"test_{case_index}", classname=f"pkg.mod{index:05d}"
            )
            if failing and case_index == 0:
                ET.SubElement(case, "failure", message=f"suite {index} broke")
    path = tmp_path / "huge.xml"
    ET.ElementTree(root).write(path)
    return path


def _html(markdown: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown))


def test_a_pr_body_is_cut_to_65536_characters_keeping_failures(tmp_path: Path) -> None:
    report = read_junit(_huge_report(tmp_path, suites=20_000, failing_every=500))
    evidence = Evidence(plan=PLAN, junit=(report,), notes="a long story\n" * 5_000)
    markdown = render(evidence, PR_BODY)
    assert len(markdown) <= 65_536
    # Every failing suite (40 of them) keeps its row; passing rows are what was cut.
    failing = [f"suite-{i:05d}" for i in range(0, 20_000, 500)]
    rows = [line for line in markdown.splitlines() if line.startswith("| ❌ |")]
    names = [re.search(r"suite-\d+", row) for row in rows if "suite-" in row]
    assert [name.group(0) for name in names if name] == failing
    kept_passing = sum(1 for line in markdown.splitlines() if line.startswith("| ✅ |"))
    assert kept_passing < 20_000 - 40
    # The failed tests are still named, first, and the plan is all there.
    assert "pkg.mod00000.test\\_0" in markdown and "suite 0 broke" in markdown
    assert markdown.index("Failed tests") < markdown.index("### Stages")
    assert "flux-semver rollback --image shop --stage prod --to '2.4.1'" in markdown
    # The note says what was left out, with the numbers.
    note = markdown.rstrip().splitlines()[-1]
    left_out = 20_000 - 40 - kept_passing
    assert f"{left_out:,} of 20,000 rows of the test totals table" in note
    assert "65,536-character limit" in note
    assert "<table>" in _html(markdown)  # the cut table is still a table


def test_a_step_summary_is_cut_to_one_mebibyte_in_utf8_bytes(tmp_path: Path) -> None:
    report = read_junit(_huge_report(tmp_path, suites=30_000, failing_every=1_000))
    notes = "Überprüfung läuft — 検証中 ✅\n" * 40_000  # multi-byte text
    evidence = Evidence(plan=PLAN, junit=(report,), notes=notes)
    markdown = render(evidence, STEP_SUMMARY)
    assert len(markdown.encode("utf-8")) <= 1_048_576
    assert len(markdown) < 1_048_576  # characters alone would not have been enough
    assert "1,048,576-byte limit" in markdown
    failing = {f"suite-{i:05d}" for i in range(0, 30_000, 1_000)}
    assert all(name in markdown for name in failing)
    note = markdown.rstrip().splitlines()[-1]
    assert "the test totals table" in note
    assert "lines of the notes" in note


def test_nothing_is_cut_or_noted_under_the_limit() -> None:
    evidence = Evidence(plan=PLAN, metrics=(Metric("p95", 1, threshold=2, better="lower"),))
    markdown = render(evidence, PR_BODY)
    assert "was cut" not in markdown
    assert markdown == render(evidence, STEP_SUMMARY)


def test_failing_metric_rows_outlast_passing_ones() -> None:
    metrics = tuple(Metric(f"m{i:04d}", 1, threshold=2, better="lower") for i in range(3_000))
    metrics += (Metric("latency_fail", 9, threshold=2, better="lower"),)
    markdown = render(Evidence(plan=PLAN, metrics=metrics), Limit(20_000, "characters", "x"))
    assert len(markdown) <= 20_000
    table = [
        line
        for line in markdown.splitlines()
        if line.startswith("| m") or line.startswith("| latency")
    ]
    assert table[0].startswith("| latency\\_fail |")
    assert "rows of the metrics table" in markdown


def _sections() -> list[Section]:
    return [
        Section(head=("# title",)),
        Section(
            head=("## low",),
            rows=tuple(f"- low {i:02d} " + "y" * 40 for i in range(100)),
            priority=1,
            what="low rows",
        ),
        Section(head=("## diagram", "x" * 500), priority=5, what="the diagram", atomic=True),
        Section(
            head=("## high",),
            rows=tuple(f"- high {i:02d}" for i in range(10)),
            priority=9,
            what="high rows",
        ),
    ]


def test_fit_cuts_the_lowest_priority_first_and_drops_atomic_sections_whole() -> None:
    sections = _sections()
    full = fit(sections, Limit(10**6, "characters", "x"))
    assert "was cut" not in full
    size = len(full) - 300
    text = fit(sections, Limit(size, "characters", "x"))
    assert len(text) <= size
    assert "- high 09" in text and "x" * 500 in text  # higher priorities untouched
    kept_low = sum(1 for line in text.splitlines() if line.startswith("- low"))
    assert 0 < kept_low < 100
    assert [f"- low {i:02d} " in text for i in range(100)] == [True] * kept_low + [False] * (
        100 - kept_low
    )  # cut from the end
    assert f"left out: {100 - kept_low} of 100 low rows." in text
    low_and_diagram = sum(len(line) + 1 for line in sections[1].lines() + sections[2].lines())
    tighter = fit(sections, Limit(len(full) - low_and_diagram + 1_000, "characters", "x"))
    assert "- low" not in tighter and "x" * 500 not in tighter  # low rows, then the diagram
    assert "left out: all 100 low rows; the diagram." in tighter
    assert "- high 09" in tighter and "# title" in tighter


def test_pinned_rows_outlast_lower_priority_sections() -> None:
    sections = [
        Section(head=("# t",)),
        Section(
            head=("## table",),
            rows=tuple(f"row {i:03d}" for i in range(300)),
            priority=1,
            what="rows",
            pinned=3,
            pinned_priority=50,
        ),
        Section(
            head=("## notes",),
            rows=tuple(f"note {i:03d}" for i in range(300)),
            priority=20,
            what="notes",
        ),
    ]
    text = fit(sections, Limit(1_500, "characters", "x"))
    assert len(text) <= 1_500
    assert all(f"row {i:03d}" in text for i in range(3))  # the pinned (failing) rows
    assert "row 003" not in text  # passes went before any note did
    assert "297 of 300 rows" in text


def test_fit_keeps_keep_sections_and_still_respects_the_limit() -> None:
    sections = [Section(head=tuple(f"line {i}" for i in range(5_000)), priority=KEEP)]
    text = fit(sections, Limit(5_000, "characters", "x"))
    assert len(text) <= 5_000
    assert text.startswith("line 0\n")
    assert "the last" in text and "characters" in text
