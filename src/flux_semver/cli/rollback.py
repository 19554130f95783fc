"""``flux-semver rollback``: restore the range a stage had before its last change."""

from __future__ import annotations

import click

from flux_semver.cli import Context, exit_with
from flux_semver.release.rollback import apply_rollback, rollback_target
from flux_semver.repo.worktree import exclusive


@click.command("rollback")
@click.option(
    "--image",
    "app",
    metavar="APP",
    default=None,
    help="The app (image repository); needed with several apps.",
)
@click.option("--stage", required=True, metavar="S", help="The stage to roll back.")
@click.option(
    "--to",
    "to",
    metavar="RANGE",
    default=None,
    help="Restore this range instead of the one from git history.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be restored; write nothing.")
@click.pass_obj
def command(obj: Context, app: str | None, stage: str, to: str | None, dry_run: bool) -> None:
    """Restore a stage's range from before its last change (git history), or --to RANGE.

    The range is written back exactly as it was. A stage may go back below its gate stage
    (prod alone is the emergency rollback); a range that would admit a version above
    everything its gate admits is refused (exit 1): promote the gate first.
    """
    with exclusive(obj.root):  # one writer at a time: see flux-semver promote
        _rollback(obj, app, stage, to, dry_run)


def _rollback(obj: Context, app: str | None, stage: str, to: str | None, dry_run: bool) -> None:
    repo = obj.repository()
    rollback = rollback_target(repo, app, stage, to)
    for restore in rollback.restores:
        policy = restore.policy
        click.echo(
            f"{rollback.stage}: {policy.ref} {policy.range_text} -> {restore.to_range}  "
            f"({policy.file}:{policy.range_line or policy.line}; {restore.origin})"
        )
    if rollback.refused:
        click.echo(f"refused: {rollback.refused}")
        exit_with(1)
    for warning in rollback.warnings:
        click.echo(f"warning: {warning}", err=True)
    if dry_run:
        for file in dict.fromkeys(p.file for p, _ in rollback.edits):
            click.echo(f"would change: {file}")
        return
    changed = apply_rollback(repo, rollback)
    for file in changed:
        click.echo(f"changed: {file}")
    if not changed:
        click.echo("nothing to write: the stage already has that range")
