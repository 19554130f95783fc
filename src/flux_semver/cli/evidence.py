"""``flux-semver evidence``: print a release's evidence summary as Markdown."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from msgspec.structs import replace

from flux_semver.errors import FluxSemverError
from flux_semver.evidence import (
    PR_BODY,
    STEP_SUMMARY,
    gather,
    load_plan_text,
    parse_links,
    parse_pull_requests,
    render,
)
from flux_semver.release.verify import GateResult, result_from_json

_LIMITS = {"pr": PR_BODY, "summary": STEP_SUMMARY}


@click.command("evidence")
@click.option(
    "--plan",
    "plan_file",
    required=True,
    metavar="FILE",
    help="The plan as `flux-semver plan VERSION --format json` prints it ('-' = stdin).",
)
@click.option(
    "--junit",
    "junit",
    multiple=True,
    metavar="GLOB",
    help="JUnit XML reports (glob; ** and {a,b} work). Repeatable.",
)
@click.option(
    "--metrics",
    "metrics",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help='Metrics JSON: {"p95_ms": {"value": 180, "threshold": 250, '
    '"better": "lower", "unit": "ms", "baseline": 170}}.',
)
@click.option(
    "--link",
    "links",
    multiple=True,
    metavar="NAME=URL",
    help="A link to more evidence (dashboard, logs, ticket). Repeatable.",
)
@click.option("--notes", default=None, metavar="TEXT", help="Free notes, shown escaped.")
@click.option(
    "--pr",
    "pull_requests",
    multiple=True,
    metavar="STAGE=URL",
    help="The pull request of a stage, linked in the stage table. Repeatable.",
)
@click.option(
    "--gate",
    "gates",
    multiple=True,
    metavar="FILE",
    help="A gate verdict as `flux-semver gate --format json` prints it: shown as "
    "the Verified-in section. Repeatable.",
)
@click.option(
    "--for",
    "target",
    type=click.Choice(sorted(_LIMITS)),
    default="pr",
    show_default=True,
    help="Size limit: pr = 65,536 characters (PR body or comment), summary = 1 MiB (job summary).",
)
@click.option(
    "--max-failures",
    default=25,
    show_default=True,
    type=click.IntRange(min=1),
    help="Failed tests named before the rest are only counted.",
)
def command(
    plan_file: str,
    junit: tuple[str, ...],
    metrics: Path | None,
    links: tuple[str, ...],
    notes: str | None,
    pull_requests: tuple[str, ...],
    gates: tuple[str, ...],
    target: str,
    max_failures: int,
) -> None:
    """Print the evidence summary of a release as Markdown (job summary, PR body, comment).

    Failing evidence (failed tests, a metric past its threshold) comes first; the stages,
    the change-request checklist, the rollback plan, test totals, metrics, links and notes
    follow. Relative paths and globs are read from the current directory.
    """
    plan = load_plan_text(_read_plan(plan_file), "<stdin>" if plan_file == "-" else plan_file)
    evidence = gather(
        plan,
        junit=junit,
        metrics=metrics,
        links=parse_links(links),
        notes=notes,
        pull_requests=parse_pull_requests(pull_requests),
    )
    if gates:
        evidence = replace(evidence, verified=tuple(_read_gate(g) for g in gates))
    click.echo(render(evidence, _LIMITS[target], max_failures=max_failures), nl=False)


def _read_gate(path: str) -> GateResult:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        return result_from_json(data)
    except OSError as exc:
        raise FluxSemverError(
            f"{path}: cannot read the gate verdict: {exc.strerror or exc}"
        ) from None
    except ValueError as exc:  # JSON errors included
        raise FluxSemverError(
            f"{path}: not a gate verdict ({exc}); write it with "
            "`flux-semver gate VERSION --stage S --format json > gate.json`"
        ) from None


def _read_plan(plan_file: str) -> str:
    if plan_file == "-":
        return sys.stdin.read()
    try:
        return Path(plan_file).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FluxSemverError(
            f"{plan_file}: cannot read the plan: {exc.strerror or exc}; "
            "write it with `flux-semver plan VERSION --format json > plan.json`"
        ) from exc
    except UnicodeDecodeError as exc:
        raise FluxSemverError(f"{plan_file}: not UTF-8 text; pass the plan JSON") from exc
