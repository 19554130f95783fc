"""``flux-semver history``: the range changes of each stage, read back from ``git log``."""

from __future__ import annotations

import json
from typing import Literal

import click

from flux_semver.cli import Context
from flux_semver.printable import printable
from flux_semver.release.history import RangeChange, history

HistoryFormat = Literal["text", "json"]


def _release(change: RangeChange) -> str:
    """``  release 1.3.0 (minor)`` from the trailers; nothing for a commit without them."""
    if not change.version:
        return ""
    if change.release_type:
        return f"  release {change.version} ({change.release_type})"
    return f"  release {change.version}"


def render_text(changes: list[RangeChange]) -> str:
    """One block per change: when, stage, from -> to, release, who, commit, evidence."""
    if not changes:
        return "no range changes in git history\n"
    lines = []
    for change in changes:
        before = change.from_range if change.from_range is not None else "(new)"
        lines.append(
            f"{change.date}  {change.app}/{change.stage}  {before} -> {change.to_range}"
            f"{_release(change)}"
        )
        lines.append(
            f"    {change.commit[:12]} by {change.author} <{change.email}>: {change.subject}"
        )
        lines.append(f"    {change.policy} in {change.file} (from {change.source})")
        lines.extend(f"    evidence: {link}" for link in change.evidence)
    return "\n".join(printable(line) for line in lines) + "\n"  # names, paths: one line each


@click.command("history")
@click.option("--image", "app", metavar="APP", default=None, help="Only this app.")
@click.option("--stage", metavar="S", default=None, help="Only this stage.")
@click.option(
    "--since",
    metavar="DATE",
    default=None,
    help="Only changes committed after DATE (2024-05-01, '2 weeks ago': as git log).",
)
@click.option(
    "--limit",
    metavar="N",
    type=click.IntRange(min=1),
    default=None,
    help="Only the newest N changes.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.pass_obj
def command(
    obj: Context,
    app: str | None,
    stage: str | None,
    since: str | None,
    limit: int | None,
    fmt: HistoryFormat,
) -> None:
    """List range changes from git log, newest first: when, who, from -> to, release, evidence.

    Commits made by flux-semver carry trailers with the release and its evidence; other
    commits are read from the change of the range in the file. A file moved with git mv is
    followed back to its earlier paths.
    """
    changes = history(obj.repository(), app, stage, since=since, limit=limit)
    if fmt == "json":
        click.echo(json.dumps({"changes": [c.to_json() for c in changes]}, indent=2))
    else:
        click.echo(render_text(changes), nl=False)
