"""``flux-semver policies``: list every ImagePolicy with its stage, app, range and window.

The stage column says where the stage came from (a label, a config path, an alias found in
a name, file name or directory), so a surprising mapping is easy to see and fix.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from flux_semver.cli import Context
from flux_semver.errors import FluxSemverError
from flux_semver.model import FileError, Policy
from flux_semver.printable import printable
from flux_semver.repo import manifests

HEADERS = ("FILE:LINE", "POLICY", "API", "STAGE", "APP", "KIND", "RANGE", "WINDOW", "STAGE FROM")


def window(policy: Policy) -> str | None:
    """The range's window (exact, patch, minor, open), ``unclear`` (a ``||`` union, say),
    ``invalid`` (Flux would not parse it), or None for no range."""
    if policy.kind != "semver" or policy.range_text is None:
        return None
    from flux_semver.semver.ranges import range_or_none  # the range engine, only when needed

    parsed = range_or_none(policy.range_text)
    if parsed is None:
        return "invalid"
    found = parsed.window
    return str(found) if found else "unclear"


def to_json(policy: Policy) -> dict[str, Any]:
    """One policy as the JSON output shows it."""
    return {
        "file": policy.file,
        "line": policy.line,
        "document": policy.document,
        "policy": policy.ref,
        "name": policy.name,
        "namespace": policy.namespace,
        "api_version": policy.api_version,
        "kind": policy.kind,
        "range": policy.range_text,
        "range_line": policy.range_line,
        "range_column": policy.range_column,
        "window": window(policy),
        "app": policy.app,
        "stage": policy.stage,
        "stage_source": policy.stage_source,
        "patch": policy.patch,
        "labels": dict(policy.labels),
    }


def _api(api_version: str) -> str:
    group, _, version = api_version.rpartition("/")
    return version if group == manifests.API_GROUP.rstrip("/") else api_version or "-"


def _row(policy: Policy) -> tuple[str, ...]:
    kind = f"{policy.kind} (kustomize patch)" if policy.patch else policy.kind
    return tuple(printable(cell) for cell in (
        f"{policy.file}:{policy.line}",
        policy.ref or "-",
        _api(policy.api_version),
        policy.stage or "-",
        policy.app or "-",
        kind,
        policy.range_text if policy.range_text is not None else "-",
        window(policy) or "-",
        policy.stage_source,
    ))


def table(policies: Sequence[Policy]) -> str:
    """An aligned text table, one policy per line, under a header."""
    rows = [HEADERS, *(_row(p) for p in policies)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def error_line(error: FileError) -> str:
    """``file:line:col: error: message``, as compilers and editors expect it."""
    return printable(f"{error.file}:{error.line}:{error.column}: error: {error.message}")


def _select(repo: manifests.Repository, image: str | None, stage: str | None) -> list[Policy]:
    config = repo.config
    if stage is not None and stage not in config.stage_names:
        raise FluxSemverError(f"--stage {stage}: no such stage — use one of: "
                              f"{', '.join(config.stage_names)}")
    if image is not None:
        known = sorted({p.app for p in repo.policies if p.app})
        if image not in known:
            raise FluxSemverError(f"--image {image}: no ImagePolicy belongs to that app — "
                                  f"known apps: {', '.join(known) or 'none'}")
        chosen = repo.policies_for(image)
    else:
        chosen = list(repo.policies)
    return [p for p in chosen if stage is None or p.stage == stage]


@click.command("policies")
@click.option("--image", "image", metavar="APP", default=None,
              help="Only this app's policies (its ImageRepository name or flux-semver/app label).")
@click.option("--stage", "stage", metavar="S", default=None, help="Only policies of this stage.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.pass_obj
def command(obj: Context, image: str | None, stage: str | None, fmt: str) -> None:
    """List every ImagePolicy: file:line, namespace/name, apiVersion, stage and where it came
    from, app, policy kind, range and window.

    Files that mention ImagePolicy but are not valid YAML (Helm or Go templates) are listed
    after the table as `file:line:col: error: ...` lines (on stderr with --format json).
    """
    repo = manifests.load(obj.root, obj.config)
    chosen = _select(repo, image, stage)
    if fmt == "json":
        click.echo(json.dumps([to_json(p) for p in chosen], indent=2))
        for error in repo.errors:
            click.echo(error_line(error), err=True)
        return
    if chosen:
        click.echo(table(chosen), nl=False)
    else:
        click.echo("no ImagePolicy matches" if image or stage else "no ImagePolicy found")
    for error in repo.errors:
        click.echo(error_line(error))
    files = len({p.file for p in chosen})
    click.echo(f"{len(chosen)} policies in {files} files; {repo.files_scanned} YAML files "
               f"scanned, {len(repo.errors)} could not be read")
