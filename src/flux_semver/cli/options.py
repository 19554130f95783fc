"""What ``plan`` and ``promote`` share: their options, the request they build, the output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

import click
import msgspec

from flux_semver.model import RELEASE_TYPE_CHOICES, Plan
from flux_semver.registry.deploys import Deployment
from flux_semver.release.plan import make_plan
from flux_semver.repo.manifests import Repository
from flux_semver.reporters import deploys as deploys_report
from flux_semver.reporters import plan_markdown, plan_text

PlanFormat = Literal["text", "json", "markdown"]
PLAN_FORMATS: tuple[PlanFormat, ...] = ("text", "json", "markdown")


class PlanRequest(msgspec.Struct, frozen=True):
    """What ``plan`` and ``promote`` are asked for: the release and the output format."""

    version: str
    app: str | None
    release_type: str
    stages: tuple[str, ...]
    fmt: PlanFormat

    def plan(self, repo: Repository) -> Plan:
        return make_plan(
            repo,
            self.version,
            app=self.app,
            stages=self.stages or None,
            release_type=self.release_type,
        )


def plan_options(func: Callable[..., None]) -> Callable[..., None]:
    """The options ``plan`` and ``promote`` share (README: Commands), given to ``func`` as one
    :class:`PlanRequest` named ``request``."""

    @functools.wraps(func)
    def command(
        version: str,
        app: str | None,
        release_type: str,
        stages: tuple[str, ...],
        fmt: PlanFormat,
        **others: Any,
    ) -> None:
        func(request=PlanRequest(version, app, release_type, stages, fmt), **others)

    decorators = [
        click.argument("version"),
        click.option(
            "--image",
            "app",
            metavar="APP",
            default=None,
            help="The app (image repository) to release; needed with several apps.",
        ),
        click.option(
            "--release-type",
            type=click.Choice(RELEASE_TYPE_CHOICES),
            default="auto",
            show_default=True,
            help="Override the release type found by comparing "
            "the version with what the stages run.",
        ),
        click.option(
            "--stage",
            "stages",
            multiple=True,
            metavar="S",
            help="Only these stages (repeatable); a named stage is promoted even "
            "when its rule for this release type is hold.",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(PLAN_FORMATS),
            default="text",
            show_default=True,
            help="Output format.",
        ),
    ]
    decorated: Callable[..., None] = command
    for decorator in reversed(decorators):
        decorated = decorator(decorated)
    return decorated


def render(plan: Plan, fmt: PlanFormat) -> str:
    if fmt == "json":
        return json.dumps(plan.to_json(), indent=2) + "\n"
    if fmt == "markdown":
        return plan_markdown.render(plan)
    return plan_text.render(plan)


def render_with_registry(
    plan: Plan,
    fmt: PlanFormat,
    deployments: Sequence[Deployment],
    extra: dict[str, Any] | None = None,
) -> str:
    """The plan with what Flux deploys per stage now and after it (``--registry-check``)."""
    if fmt == "json":
        data = {**plan.to_json(), **(extra or {}), "registry": [d.to_json() for d in deployments]}
        return json.dumps(data, indent=2) + "\n"
    if fmt == "markdown":
        return render(plan, fmt) + deploys_report.markdown(deployments)
    lines = deploys_report.lines(deployments)
    return render(plan, fmt) + "".join(line + "\n" for line in lines)
