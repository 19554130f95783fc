"""``flux-semver plan``: what a release does to each stage, without writing anything."""

from __future__ import annotations

import click

from flux_semver.cli import Context, exit_with
from flux_semver.cli.options import PlanRequest, plan_options, render, render_with_registry
from flux_semver.cli.registry_check import deploys_for, registry_check_option


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
    repo = obj.repository()
    plan = request.plan(repo)
    if registry_check:
        with deploys_for(repo) as deploys:
            deployments = deploys.for_plan(plan, repo.policies)
        click.echo(render_with_registry(plan, request.fmt, deployments), nl=False)
    else:
        click.echo(render(plan, request.fmt), nl=False)
    if plan.blocked:
        exit_with(1)
