"""What one run of the action produced, and the small helpers its commands share.

:class:`Report` collects the outputs, the job summary and the exit code while a command runs;
``action.run`` writes them at the end, whatever happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flux_semver.github.api import Operation
from flux_semver.github.inputs import ActionInputs
from flux_semver.model import Config, Plan
from flux_semver.repo import manifests


@dataclass
class PullRecord:
    """One line of the ``pull-requests`` output."""

    stage: str
    number: int | None = None
    url: str | None = None
    operation: Operation = "none"

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "number": self.number, "url": self.url,
                "operation": self.operation}


@dataclass
class Report:
    """What the run produced: the outputs, the summary, and the exit code."""

    release_type: str = ""
    plan: Plan | None = None
    changed_files: list[str] = field(default_factory=list)
    pulls: list[PullRecord] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    exit_code: int = 0


def workspace_path(inputs: ActionInputs, file: str) -> str:
    """A path relative to the GitOps root as a path relative to the workspace."""
    return file if inputs.path == "." else f"{inputs.path.rstrip('/')}/{file}"


def load(root: Path, inputs: ActionInputs) -> tuple[Config, manifests.Repository]:
    """The config (the ``config`` input, else the repository's own) and the scanned policies."""
    repo = manifests.load(root, root / inputs.config if inputs.config else None)
    return repo.config, repo
