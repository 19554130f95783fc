"""``flux-semver plan``: what a release does to each stage, without writing anything."""

from __future__ import annotations

import click

from flux_semver.cli import Context, exit_with
from flux_semver.cli.options import PlanRequest, plan_options, render


@click.command("plan")
@plan_options
@click.pass_obj
def command(obj: Context, request: PlanRequest) -> None:
    """Show what releasing VERSION does to each stage's ImagePolicy.

    Each policy gets an action: auto (its range admits VERSION, Flux deploys it with no Git
    change), update (old range -> new range), hold (the stage waits), unchanged, or blocked
    (its gate stage would not admit it). Exit status: 0, or 1 when a stage is blocked.
    """
    plan = request.plan(obj.repository())
    click.echo(render(plan, request.fmt), nl=False)
    if plan.blocked:
        exit_with(1)
