"""``flux-semver promote``: write a release's plan into the policies' files."""

from __future__ import annotations

import json

import click

from flux_semver.cli import Context, exit_with
from flux_semver.cli.options import PlanRequest, plan_options, render
from flux_semver.printable import printable
from flux_semver.release.promote import apply_plan
from flux_semver.reporters.plan_markdown import escape


@click.command("promote")
@plan_options
@click.option("--dry-run", is_flag=True, help="Show the plan and the files it would change.")
@click.pass_obj
def command(obj: Context, request: PlanRequest, dry_run: bool) -> None:
    """Release VERSION: rewrite the ranges the plan updates, and print the changed files.

    Only the range values change, byte for byte. A blocked plan writes nothing and exits 1.
    """
    repo = obj.repository()
    plan = request.plan(repo)
    fmt = request.fmt
    if plan.blocked:
        changed: list[str] = []
    elif dry_run:
        changed = list(dict.fromkeys(c.file for c in plan.updates))
    else:
        changed = apply_plan(repo, plan)
    if fmt == "json":
        data = {**plan.to_json(), "dry_run": dry_run, "changed_files": changed}
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(render(plan, fmt), nl=False)
        verb = "would change" if dry_run else "changed"
        for file in changed:
            shown = printable(file) if fmt == "text" else f"<code>{escape(file)}</code>"
            click.echo(f"{verb}: {shown}" if fmt == "text" else f"- {verb} {shown}")
        if not changed and not plan.blocked:
            click.echo("nothing to write: no stage needs a Git change")
    if plan.blocked:
        click.echo("flux-semver: blocked: nothing was written; promote the gate stage first",
                   err=True)
        exit_with(1)
