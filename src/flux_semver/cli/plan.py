"""``flux-semver plan``: what a release does to each stage, without writing anything."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import click

from flux_semver.cli import Context, exit_with
from flux_semver.cli.registry_check import deploys_for, registry_check_option
from flux_semver.model import Plan
from flux_semver.registry.deploys import Deployment
from flux_semver.release.plan import RELEASE_TYPE_CHOICES, make_plan
from flux_semver.repo import manifests
from flux_semver.repo.manifests import Repository
from flux_semver.reporters import deploys as deploys_report
from flux_semver.reporters import plan_markdown, plan_text

PlanFormat = Literal["text", "json", "markdown"]
PLAN_FORMATS: tuple[PlanFormat, ...] = ("text", "json", "markdown")


def load_repository(obj: Context) -> Repository:
    """The repository at ``-C`` with its config: what every promotion command starts from."""
    return manifests.scan(obj.root, obj.load_config())


@dataclass(frozen=True)
class PlanRequest:
    """What ``plan`` and ``promote`` are asked for: the release and the output format."""

    version: str
    app: str | None
    release_type: str
    stages: tuple[str, ...]
    fmt: PlanFormat

    def plan(self, repo: Repository) -> Plan:
        return make_plan(repo, self.version, app=self.app, stages=self.stages or None,
                         release_type=self.release_type)


def plan_options(func: Callable[..., None]) -> Callable[..., None]:
    """The options ``plan`` and ``promote`` share (README: Commands), given to ``func`` as one
    :class:`PlanRequest` named ``request``."""

    @functools.wraps(func)
    def command(version: str, app: str | None, release_type: str, stages: tuple[str, ...],
                fmt: PlanFormat, **others: Any) -> None:
        func(request=PlanRequest(version, app, release_type, stages, fmt), **others)

    decorators = [
        click.argument("version"),
        click.option("--image", "app", metavar="APP", default=None,
                     help="The app (image repository) to release; needed with several apps."),
        click.option("--release-type", type=click.Choice(RELEASE_TYPE_CHOICES), default="auto",
                     show_default=True, help="Override the release type found by comparing "
                     "the version with what the stages run."),
        click.option("--stage", "stages", multiple=True, metavar="S",
                     help="Only these stages (repeatable); a named stage is promoted even "
                     "when its rule for this release type is hold."),
        click.option("--format", "fmt", type=click.Choice(PLAN_FORMATS), default="text",
                     show_default=True, help="Output format."),
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


def render_with_registry(plan: Plan, fmt: PlanFormat, deployments: Sequence[Deployment],
                         extra: dict[str, Any] | None = None) -> str:
    """The plan with what Flux deploys per stage now and after it (``--registry-check``)."""
    if fmt == "json":
        data = {**plan.to_json(), **(extra or {}),
                "registry": [d.to_json() for d in deployments]}
        return json.dumps(data, indent=2) + "\n"
    if fmt == "markdown":
        return render(plan, fmt) + deploys_report.markdown(deployments)
    lines = deploys_report.lines(deployments)
    return render(plan, fmt) + "".join(line + "\n" for line in lines)


@click.command("plan")
@plan_options
@registry_check_option
@click.pass_obj
def command(obj: Context, request: PlanRequest, registry_check: bool) -> None:
    """Show what releasing VERSION does to each stage's ImagePolicy.

    Each policy gets an action: auto (its range admits VERSION, Flux deploys it with no Git
    change), update (old range -> new range), hold (the stage waits), unchanged, or blocked
    (its gate stage would not admit it). With --registry-check each stage also shows the tag
    Flux deploys now and after the change, read from the registry. Exit status: 0, or 1 when
    a stage is blocked.
    """
    repo = load_repository(obj)
    plan = request.plan(repo)
    if registry_check:
        with deploys_for(repo) as deploys:
            deployments = deploys.for_plan(plan, repo.policies)
        click.echo(render_with_registry(plan, request.fmt, deployments), nl=False)
    else:
        click.echo(render(plan, request.fmt), nl=False)
    if plan.blocked:
        exit_with(1)
