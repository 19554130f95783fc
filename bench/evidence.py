#!/usr/bin/env python3
"""Time of the evidence summary for a big JUnit report, against junitparser alone.

Usage: ``python bench/evidence.py [--tests N] [--rounds N]``

A JUnit file of ``--tests`` test cases (default 10,000; 100 per suite, 2% failing, 1%
skipped) is written to a temporary directory. Timed, best of ``--rounds``:

* ``junitparser parse`` — ``JUnitXml.fromfile`` alone (the XML parse);
* ``junitparser parse + walk`` — the parse and reading every case's result, the least
  any reader built on junitparser must do;
* ``flux-semver read + render`` — ``read_junit`` plus ``render`` to a PR body (65,536
  characters) and to a job summary (1 MiB): the whole cost of an evidence summary.

Printed: each time in milliseconds and the ratio of the whole summary to the parse alone.
The goal is well under a second for 10,000 tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from junitparser import JUnitXml

from flux_semver.evidence import PR_BODY, STEP_SUMMARY, Evidence, read_junit, render
from flux_semver.model import Plan, PlanChange

PLAN = Plan(
    app="shop",
    version="3.0.0",
    release_type="major",
    approval_required=True,
    changes=tuple(
        PlanChange(
            stage,
            f"clusters/{stage}/shop.yaml",
            9,
            14,
            "apps/shop",
            "2.4.x",
            "3.0.x",
            "update",
            "major: follow",
        )
        for stage in ("dev", "pre-prod", "prod")
    ),
)


def write_report(path: Path, tests: int) -> None:
    root = ET.Element("testsuites")
    suite = None
    for index in range(tests):
        if index % 100 == 0:
            suite = ET.SubElement(root, "testsuite", name=f"pkg.module{index // 100:04d}")
        assert suite is not None
        case = ET.SubElement(
            suite,
            "testcase",
            name=f"test_case_{index:05d}",
            classname=f"pkg.module{index // 100:04d}.Tests",
            time="0.001",
        )
        if index % 50 == 7:
            failure = ET.SubElement(case, "failure", message=f"assert {index} == {index + 1}")
            failure.text = "Traceback (most recent call last):\n  ...\nAssertionError"
        elif index % 100 == 13:
            ET.SubElement(case, "skipped", message="needs a GPU")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def best(rounds: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--tests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "junit.xml"
        write_report(path, args.tests)

        def parse() -> object:
            return JUnitXml.fromfile(str(path))

        def parse_and_walk() -> object:
            return sum(len(case.result) for suite in JUnitXml.fromfile(str(path)) for case in suite)

        def summary() -> object:
            report = read_junit(path)
            evidence = Evidence(plan=PLAN, junit=(report,))
            return render(evidence, PR_BODY), render(evidence, STEP_SUMMARY)

        parse_time = best(args.rounds, parse)
        walk_time = best(args.rounds, parse_and_walk)
        summary_time = best(args.rounds, summary)
        size = path.stat().st_size
    print(f"JUnit report: {args.tests:,} tests, {size / 1024:,.0f} KiB; best of {args.rounds}")
    print(f"  junitparser parse             {parse_time * 1000:8.1f} ms")
    print(f"  junitparser parse + walk      {walk_time * 1000:8.1f} ms")
    print(f"  flux-semver read + render x2  {summary_time * 1000:8.1f} ms")
    print(f"  summary / parse alone         {summary_time / parse_time:8.2f}x")
    print(f"  summary / parse + walk        {summary_time / walk_time:8.2f}x")
    verdict = "well under a second" if summary_time < 0.5 else "NOT well under a second"
    print(f"  verdict: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
