"""What one run of the action produced: the outputs, the job summary and the exit code.

:class:`Report` is filled while a command runs; ``action.main`` writes it at the end,
whatever happened, so every output of action.yml is always set and true to what was done.
"""

from __future__ import annotations

from typing import Any

import msgspec

from flux_semver.github.api import Operation
from flux_semver.model import Plan


class PullRecord(msgspec.Struct):
    """One line of the ``pull-requests`` output."""

    stage: str
    number: int | None = None
    url: str | None = None
    operation: Operation = "none"

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "number": self.number,
            "url": self.url,
            "operation": self.operation,
        }


class Report(msgspec.Struct):
    """What the run produced: the outputs, the summary, and the exit code."""

    release_type: str = ""
    plan: Plan | None = None
    changed_files: list[str] = msgspec.field(default_factory=list)
    pulls: list[PullRecord] = msgspec.field(default_factory=list)
    summary: list[str] = msgspec.field(default_factory=list)
    exit_code: int = 0

    def record(
        self,
        stages: tuple[str, ...] | list[str],
        number: int | None,
        url: str | None,
        operation: Operation,
    ) -> None:
        """Say what happened to a pull request, at once: a later failure keeps it said."""
        for stage in stages:
            self.pulls.append(PullRecord(stage, number, url, operation))
