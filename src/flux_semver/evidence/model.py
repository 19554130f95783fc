"""What an evidence summary is made of: the plan, test results, metrics, links, notes.

Plain frozen values; :mod:`.junit` and :mod:`.metrics` build them from files,
:mod:`.markdown` renders them. Nothing here reads files or formats text.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Literal

import msgspec

from flux_semver.model import WRITES, Plan
from flux_semver.release.verify import GateResult

Outcome = Literal["passed", "failed", "errored", "skipped"]
Better = Literal["lower", "higher"]


class TestResult(msgspec.Struct, frozen=True):
    """One test case that did not pass (failed, errored or skipped), with why."""

    __test__ = False  # not a pytest test class, despite the name

    file: str
    suite: str
    classname: str
    name: str
    outcome: Outcome
    message: str

    @property
    def title(self) -> str:
        """The name people search for: ``classname.name`` unless the name already says it."""
        if not self.classname or self.name.startswith(self.classname):
            return self.name
        return f"{self.classname}.{self.name}"


class SuiteTotals(msgspec.Struct, frozen=True):
    """Counts of one ``<testsuite>`` of one JUnit file, counted from its test cases."""

    file: str
    name: str
    tests: int
    failed: int
    errored: int
    skipped: int

    @property
    def passed(self) -> int:
        return self.tests - self.failed - self.errored - self.skipped

    @property
    def failing(self) -> bool:
        return self.failed > 0 or self.errored > 0


class JUnitReport(msgspec.Struct, frozen=True):
    """One JUnit XML file: its suites' totals and every test case that did not pass."""

    file: str
    suites: tuple[SuiteTotals, ...]
    problems: tuple[TestResult, ...] = ()

    @property
    def tests(self) -> int:
        return sum(s.tests for s in self.suites)

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.suites)

    @property
    def errored(self) -> int:
        return sum(s.errored for s in self.suites)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.suites)

    @property
    def passed(self) -> int:
        return sum(s.passed for s in self.suites)


class Metric(msgspec.Struct, frozen=True):
    """One measured value against its threshold (and, if given, its baseline)."""

    name: str
    value: float
    threshold: float | None = None
    better: Better = "lower"
    unit: str = ""
    baseline: float | None = None

    @property
    def passed(self) -> bool | None:
        """True within the threshold, False past it, None when there is no threshold."""
        if self.threshold is None:
            return None
        if self.better == "lower":
            return self.value <= self.threshold
        return self.value >= self.threshold


class Link(msgspec.Struct, frozen=True):
    """A named link to more evidence (dashboards, logs, the change ticket)."""

    name: str
    url: str


class RollbackStep(msgspec.Struct, frozen=True):
    """How to put one stage back where it was before this release."""

    stage: str
    file: str
    policy: str
    previous: str
    command: str


class Evidence(msgspec.Struct, frozen=True):
    """Everything one release's summary shows. ``pull_requests`` maps stage -> PR URL."""

    plan: Plan
    junit: tuple[JUnitReport, ...] = ()
    metrics: tuple[Metric, ...] = ()
    links: tuple[Link, ...] = ()
    notes: str | None = None
    pull_requests: Mapping[str, str] = msgspec.field(default_factory=dict)
    verified: tuple[GateResult, ...] = ()  # the gate's verdicts (flux-semver gate --format json)

    @property
    def failed_tests(self) -> tuple[TestResult, ...]:
        return tuple(
            t for r in self.junit for t in r.problems if t.outcome in ("failed", "errored")
        )

    @property
    def skipped_tests(self) -> tuple[TestResult, ...]:
        return tuple(t for r in self.junit for t in r.problems if t.outcome == "skipped")

    @property
    def failing_metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if m.passed is False)

    @property
    def rollback(self) -> tuple[RollbackStep, ...]:
        return rollback_steps(self.plan)


def evidence_fails(evidence: Evidence) -> bool:
    """True when a test failed or errored, or a metric is past its threshold.

    This is what ``evidence-policy: block`` acts on.
    """
    return any(r.failed or r.errored for r in evidence.junit) or bool(evidence.failing_metrics)


def rollback_command(app: str, stage: str, previous: str) -> str:
    """The exact shell command that restores ``stage``'s range to ``previous``.

    The range is always single-quoted (ranges hold spaces, ``<`` and ``>``, which a shell
    would read as redirections); app and stage are quoted when they need it.
    """
    quoted = "'" + previous.replace("'", "'\"'\"'") + "'"
    return (
        f"flux-semver rollback --image {shlex.quote(app)} --stage {shlex.quote(stage)}"
        f" --to {quoted}"
    )


def rollback_steps(plan: Plan) -> tuple[RollbackStep, ...]:
    """One step per policy this plan rewrites, the last stage first: rolling a gate back
    before the stages it gates would leave them leading it (FS003), so prod comes first."""
    return tuple(
        reversed(
            [
                RollbackStep(
                    stage=change.stage,
                    file=change.file,
                    policy=change.policy,
                    previous=change.from_range,
                    command=rollback_command(plan.app, change.stage, change.from_range),
                )
                for change in plan.changes
                if change.action in WRITES
            ]
        )
    )
