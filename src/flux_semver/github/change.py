"""What one run proposes, as a release or a rollback: each supplies the branch names, the
pull request's title and opening line, the commit message and the evidence text, so the code
that writes branches and pull requests never asks which of the two it carries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec
from msgspec.structs import replace

from flux_semver.evidence import escape
from flux_semver.evidence.markdown import render
from flux_semver.evidence.model import Evidence
from flux_semver.evidence.sticky import sticky_marker
from flux_semver.github.rollback import rollback_message
from flux_semver.github_limits import PR_BODY, Limit
from flux_semver.model import Plan
from flux_semver.release.trailers import commit_message
from flux_semver.reporters import plan_markdown

PREFIX = "flux-semver"


def _stages(stages: Sequence[str]) -> str:
    return ", ".join(f"`{escape.inline(s)}`" for s in stages)


class Release(msgspec.Struct, frozen=True):
    """A new version promoted through the stages (``command: promote``)."""

    plan: Plan
    evidence_url: str | None = None
    kind: Literal["release"] = "release"

    @property
    def app(self) -> str:
        return self.plan.app

    @property
    def version(self) -> str:
        return self.plan.version

    def branch(self, name: str) -> str:
        return f"{PREFIX}/{self.app}/{name}"

    def title(self, stages: Sequence[str]) -> str:
        return (
            f"Release {self.app} to {self.version} in {', '.join(stages)} "
            f"({self.plan.release_type})"
        )

    def message(self, stages: Sequence[str]) -> str:
        return commit_message(self.plan, stages, self.evidence_url)

    def headline(self, stages: Sequence[str]) -> str:
        return (
            f"This pull request sets the ImagePolicy ranges of **{escape.inline(self.app)}**"
            f" in {_stages(stages)} for {escape.inline(self.version)} "
            f"({escape.inline(self.plan.release_type)})."
        )

    def refusal(self) -> str:
        """What a blocked stage's annotation says before the reason."""
        return f"{self.app} {self.version} cannot reach it yet"

    def summary(self, evidence: Evidence, links: Mapping[str, str], limit: Limit = PR_BODY) -> str:
        return render(replace(evidence, pull_requests=dict(links)), limit)


class Rollback(msgspec.Struct, frozen=True):
    """Stages put back to the ranges they had before their last change (``command:
    rollback``)."""

    plan: Plan
    kind: Literal["rollback"] = "rollback"

    @property
    def app(self) -> str:
        return self.plan.app

    @property
    def version(self) -> str:
        return self.plan.version  # "previous": no version, so never newer nor older

    def branch(self, name: str) -> str:
        return f"{PREFIX}/{self.app}/rollback-{name}"

    def title(self, stages: Sequence[str]) -> str:
        return f"Roll back {self.app} in {', '.join(stages)} (rollback)"

    def message(self, stages: Sequence[str]) -> str:
        return rollback_message(self.plan, stages)

    def headline(self, stages: Sequence[str]) -> str:
        return (
            f"This pull request restores the ImagePolicy ranges of "
            f"**{escape.inline(self.app)}** in {_stages(stages)} to what they were before "
            "their last change (rollback)."
        )

    def refusal(self) -> str:
        return "rollback refused"

    def summary(self, evidence: Evidence, links: Mapping[str, str], limit: Limit = PR_BODY) -> str:
        del links, limit  # a rollback's summary is its plan
        return sticky_marker(self.app) + "\n" + plan_markdown.render(evidence.plan)


Change = Release | Rollback
