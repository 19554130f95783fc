"""``flux-semver policies``: list every ImagePolicy with its stage, app, range and window.

The stage column says where the stage came from (a label, a config path, an alias found in
a name, file name or directory), so a surprising mapping is easy to see and fix.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import click

from flux_semver.cli import Context
from flux_semver.errors import FluxSemverError
from flux_semver.model import FileError, Policy
from flux_semver.printable import printable
from flux_semver.repo import manifests
from flux_semver.shorten import shorten

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
        "resource": policy.resource,
        "origin": policy.origin,
        "shared": policy.shared is not None,
    }


def _api(api_version: str) -> str:
    group, _, version = api_version.rpartition("/")
    return version if group == manifests.API_GROUP.rstrip("/") else api_version or "-"


def _row(policy: Policy) -> tuple[str, ...]:
    kind = f"{policy.kind} (kustomize patch)" if policy.patch else policy.kind
    if policy.resource != "ImagePolicy":
        kind = policy.resource if policy.kind == "semver" else f"{policy.resource} {kind}"
    source = policy.stage_source + (f"; {policy.origin}" if policy.origin else "")
    return tuple(
        printable(cell)
        for cell in (
            f"{policy.file}:{policy.line}",
            policy.ref or "-",
            _api(policy.api_version),
            policy.stage or "-",
            policy.app or "-",
            kind,
            policy.range_text if policy.range_text is not None else "-",
            window(policy) or "-",
            source,
        )
    )


# Columns that may be cut to fit a terminal: index -> keep the end (paths, namespace/name)
# or the start (app, kind, range). The last column (where the stage came from) wraps instead.
_CUTTABLE: dict[int, Literal["start", "end"]] = {
    0: "end",
    1: "end",
    4: "start",
    5: "start",
    6: "start",
}
_NARROWEST = {0: 28, 1: 16, 4: 10, 5: 8, 6: 9}
_LAST_COLUMN = 20


def table(
    policies: Sequence[Policy], live: Mapping[int, str] | None = None, width: int | None = None
) -> str:
    """An aligned text table, one policy per line, under a header; with ``live`` (policy
    index -> tag), a DEPLOYS column before the last. Within ``width`` columns when given:
    the widest columns are cut with an ellipsis (a path keeps its end,
    ``…/prod/podinfo.yaml:12``) and the last column wraps under itself."""
    rows = [HEADERS, *(_row(p) for p in policies)]
    if live is not None:
        rows = [
            (*row[:-1], "DEPLOYS" if i == 0 else printable(live.get(i - 1, "-")), row[-1])
            for i, row in enumerate(rows)
        ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    if width is not None:
        while sum(widths) + 2 * len(widths) + _LAST_COLUMN > width:
            index = max(_CUTTABLE, key=lambda i: widths[i] - _NARROWEST[i])
            if widths[index] <= _NARROWEST[index]:
                break
            widths[index] -= 1
    offset = sum(widths) + 2 * len(widths)
    room = None if width is None else max(_LAST_COLUMN, width - offset)
    lines = []
    for row in rows:
        cells = [
            _cut(cell, size, _CUTTABLE.get(i)).ljust(size)
            for i, (cell, size) in enumerate(zip(row, widths, strict=False))
        ]
        last = [row[-1]] if room is None else textwrap.wrap(row[-1], room) or [""]
        lines.append("  ".join([*cells, last[0]]).rstrip())
        lines.extend(" " * offset + more for more in last[1:])
    return "\n".join(lines) + "\n"


def _cut(cell: str, size: int, keep: Literal["start", "end"] | None) -> str:
    """``cell`` within ``size`` characters, an ellipsis where text was cut."""
    return cell if keep is None else shorten(cell, size, keep)


def terminal_width() -> int | None:
    """On a terminal, the width to fit (``COLUMNS`` when set, else the terminal's); None when
    the output goes to a file or pipe (lines are kept whole there, for grep and cut)."""
    if not sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size().columns


def count(number: int, one: str, many: str | None = None) -> str:
    """``1 policy``, ``2 policies``: a number with its noun in the right form."""
    return f"{number} {one if number == 1 else many or one + 's'}"


def error_line(error: FileError) -> str:
    """``file:line:col: error: message``, as compilers and editors expect it."""
    return printable(f"{error.file}:{error.line}:{error.column}: error: {error.message}")


def _select(repo: manifests.Repository, image: str | None, stage: str | None) -> list[Policy]:
    config = repo.config
    if stage is not None and stage not in config.stage_names:
        raise FluxSemverError(
            f"--stage {stage}: no such stage — use one of: {', '.join(config.stage_names)}"
        )
    if image is not None:
        known = sorted({p.app for p in repo.policies if p.app})
        if image not in known:
            raise FluxSemverError(
                f"--image {image}: no ImagePolicy belongs to that app — "
                f"known apps: {', '.join(known) or 'none'}"
            )
        chosen = repo.policies_for(image)
    else:
        chosen = list(repo.policies)
    return [p for p in chosen if stage is None or p.stage == stage]


@click.command("policies")
@click.option(
    "--image",
    "image",
    metavar="APP",
    default=None,
    help="Only this app's policies (its ImageRepository name or flux-semver/app label).",
)
@click.option("--stage", "stage", metavar="S", default=None, help="Only policies of this stage.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--live",
    is_flag=True,
    help="Also show the tag Flux deploys now for each semver policy, read from the "
    "registry (the image of its ImageRepository; --registry-check credentials).",
)
@click.pass_obj
def command(obj: Context, image: str | None, stage: str | None, fmt: str, live: bool) -> None:
    """List every semver range Flux evaluates (ImagePolicy, HelmRelease, HelmChart,
    OCIRepository, GitRepository) as each stage runs it: file:line where it is written,
    namespace/name, apiVersion, stage and where it came from, app, kind, range and window.

    Files that mention ImagePolicy but are not valid YAML (Helm or Go templates) are listed
    after the table as `file:line:col: error: ...` lines (on stderr with --format json).
    """
    repo = obj.repository()
    chosen = _select(repo, image, stage)
    deploys: dict[int, str] | None = None
    if live:
        from flux_semver.cli.registry_check import live_tags  # the network, only when asked

        deploys = live_tags(repo, chosen)
    if fmt == "json":
        rows = [to_json(p) for p in chosen]
        if deploys is not None:
            for index, row in enumerate(rows):
                row["deploys"] = deploys.get(index)
        click.echo(json.dumps(rows, indent=2))
        for error in repo.errors:
            click.echo(error_line(error), err=True)
        return
    if chosen:
        click.echo(table(chosen, deploys, terminal_width()), nl=False)
    else:
        click.echo("no ImagePolicy matches" if image or stage else "no ImagePolicy found")
    for error in repo.errors:
        click.echo(error_line(error))
    files = len({p.file for p in chosen})
    click.echo(
        f"{count(len(chosen), 'policy', 'policies')} in {count(files, 'file')}; "
        f"{count(repo.files_scanned, 'YAML file')} scanned, {len(repo.errors)} could "
        "not be read"
    )
