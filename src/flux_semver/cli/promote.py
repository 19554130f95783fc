"""``flux-semver promote``: write a release's plan into the policies' files."""

from __future__ import annotations

import json

import click

from flux_semver.cli import Context, exit_with
from flux_semver.cli.options import (
    PlanFormat,
    PlanRequest,
    plan_options,
    render,
    render_with_registry,
)
from flux_semver.cli.registry_check import deploys_for, registry_check_option
from flux_semver.evidence.escape import inline as escape
from flux_semver.model import Plan
from flux_semver.printable import printable
from flux_semver.registry.deploys import Deployment
from flux_semver.release.promote import apply_plan, require_clean
from flux_semver.repo.manifests import Repository
from flux_semver.repo.worktree import exclusive


@click.command("promote")
@plan_options
@click.option("--dry-run", is_flag=True, help="Show the plan and the files it would change.")
@registry_check_option
@click.option(
    "--allow-missing-tag",
    is_flag=True,
    help="With --registry-check: write an exact pin even when the registry has no "
    "such tag yet (say, the image is pushed after this change).",
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Write into files that have uncommitted changes (refused by default).",
)
@click.pass_obj
def command(
    obj: Context,
    request: PlanRequest,
    dry_run: bool,
    registry_check: bool,
    allow_missing_tag: bool,
    allow_dirty: bool,
) -> None:
    """Release VERSION: rewrite the ranges the plan updates, and print the changed files.

    Only the range values change, byte for byte. A blocked plan writes nothing and exits 1.
    With --registry-check an exact pin to a tag the registry does not have is refused (exit
    1, the nearest tags named, nothing written) unless --allow-missing-tag is given. A file
    with uncommitted changes is not written without --allow-dirty (exit 2). Two promotes at
    once on one repository run one after the other.
    """
    with exclusive(obj.root):
        _command(obj, request, dry_run, registry_check, allow_missing_tag, allow_dirty)


def _command(
    obj: Context,
    request: PlanRequest,
    dry_run: bool,
    registry_check: bool,
    allow_missing_tag: bool,
    allow_dirty: bool,
) -> None:
    repo = obj.repository()
    plan = request.plan(repo)
    if not registry_check:
        _promote(repo, plan, request.fmt, dry_run, None, allow_dirty)
        return
    with deploys_for(repo) as deploys:
        missing = [] if plan.blocked else deploys.missing_pins(plan, repo.policies)
        for pin in missing:
            what = "warning" if allow_missing_tag else "refused"
            click.echo(f"flux-semver: {what}: {printable(pin.message())}", err=True)
        if missing and not allow_missing_tag:
            click.echo(
                "flux-semver: nothing was written (--allow-missing-tag writes the pin anyway)",
                err=True,
            )
            exit_with(1)
        # Every image is listed before anything is written: a registry failure writes nothing.
        deployments = deploys.for_plan(plan, repo.policies)
    _promote(repo, plan, request.fmt, dry_run, deployments, allow_dirty)


def _promote(
    repo: Repository,
    plan: Plan,
    fmt: PlanFormat,
    dry_run: bool,
    deployments: list[Deployment] | None,
    allow_dirty: bool,
) -> None:
    if plan.blocked:
        changed: list[str] = []
    elif dry_run:
        changed = list(dict.fromkeys(c.file for c in plan.updates))
    else:
        if not allow_dirty:
            require_clean(repo, plan)
        changed = apply_plan(repo, plan)
    if fmt == "json":
        data = {**plan.to_json(), "dry_run": dry_run, "changed_files": changed}
        if deployments is not None:
            click.echo(render_with_registry(plan, fmt, deployments, data), nl=False)
        else:
            click.echo(json.dumps(data, indent=2))
    else:
        shown = (
            render(plan, fmt)
            if deployments is None
            else render_with_registry(plan, fmt, deployments)
        )
        click.echo(shown, nl=False)
        verb = "would change" if dry_run else "changed"
        for file in changed:
            shown = printable(file) if fmt == "text" else f"<code>{escape(file)}</code>"
            click.echo(f"{verb}: {shown}" if fmt == "text" else f"- {verb} {shown}")
        if not changed and not plan.blocked:
            click.echo("nothing to write: no stage needs a Git change")
    if plan.blocked:
        shared = any(
            " other stages share " in c.reason for c in plan.changes if c.action == "blocked"
        )
        click.echo(
            "flux-semver: blocked: nothing was written; "
            + (
                "add the patch each blocked stage's reason gives"
                if shared
                else "promote the gate stage first"
            ),
            err=True,
        )
        exit_with(1)
