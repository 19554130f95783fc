"""``flux-semver gate``: may a stage take a version now? (README: Verified promotion)"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

import click
from msgspec.structs import replace

from flux_semver.cli import Context, exit_with
from flux_semver.errors import FluxSemverError, PlanError
from flux_semver.model import RELEASE_TYPE_CHOICES, iso_moment
from flux_semver.printable import printable
from flux_semver.release.admission import base_history, gate_policies
from flux_semver.release.plan import choose_app, make_plan, parse_version
from flux_semver.release.verify import GateFacts, GateResult, evaluate

GateFormat = Literal["text", "json"]


def parse_moment(text: str, what: str) -> datetime:
    """An ISO 8601 time; one without an offset is UTC."""
    try:
        return iso_moment(text)
    except ValueError:
        raise FluxSemverError(
            f"{what} {text!r} is not a time; write ISO 8601 such as 2026-12-01T15:00:00Z"
        ) from None


def render_text(result: GateResult) -> str:
    verdict = {"success": "PASS", "pending": "NOT YET", "failure": "FAILED"}[result.state]
    gate = f" (gate: {result.gate})" if result.gate else ""
    lines = [f"{verdict}: {result.stage} taking {result.version} ({result.release_type}){gate}"]
    for condition in result.conditions:
        mark = "ok " if condition.met else ("FAIL" if condition.failed else "wait")
        lines.append(f"  [{mark}] {condition.check}: {condition.detail}")
    if result.state == "pending" and result.until is not None:
        lines.append(f"  passes by time alone at {result.until.isoformat()}")
    return "\n".join(printable(line) for line in lines) + "\n"


@click.command("gate")
@click.argument("version")
@click.option("--stage", required=True, metavar="S", help="The gated stage to take VERSION.")
@click.option(
    "--image",
    "app",
    metavar="APP",
    default=None,
    help="The app (image repository); needed with several apps.",
)
@click.option(
    "--release-type",
    type=click.Choice((*RELEASE_TYPE_CHOICES, "hotfix")),
    default="auto",
    show_default=True,
    help="The release type whose approvals count (auto: as plan classifies it).",
)
@click.option(
    "--base",
    default="HEAD",
    show_default=True,
    metavar="REV",
    help="The base branch (or revision) whose history says when the gate took it.",
)
@click.option(
    "--at",
    "at",
    metavar="TIME",
    default=None,
    help="Evaluate as at this ISO 8601 time instead of now.",
)
@click.option(
    "--token",
    envvar="GITHUB_TOKEN",
    default=None,
    show_envvar=True,
    help="GitHub token: also read Flux's commit statuses and the pull request's reviews.",
)
@click.option(
    "--repository",
    envvar="GITHUB_REPOSITORY",
    default=None,
    show_envvar=True,
    metavar="OWNER/NAME",
    help="The GitHub repository (with --token).",
)
@click.option(
    "--api-url",
    envvar="GITHUB_API_URL",
    default="https://api.github.com",
    show_envvar=True,
    help="GitHub's REST API (GitHub Enterprise: https://HOST/api/v3).",
)
@click.option(
    "--pull",
    type=int,
    default=None,
    metavar="N",
    help="The pull request whose reviews count (default: the open one of "
    "flux-semver/<app>/<stage>).",
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
    version: str,
    stage: str,
    app: str | None,
    release_type: str,
    base: str,
    at: str | None,
    token: str | None,
    repository: str | None,
    api_url: str,
    pull: int | None,
    fmt: GateFormat,
) -> None:
    """Say whether STAGE may take VERSION now, and what is missing until when.

    From git history: the gate stage admitted VERSION on the base branch in an earlier
    change, and its soak has passed since; with a token also Flux's commit statuses and the
    approving reviews; and no freeze window is open. Exit status: 0 pass, 1 not yet or failed.
    """
    repo = obj.repository()
    config = repo.config
    if stage not in config.stage_names:
        raise PlanError(f"unknown stage {stage!r}; the stages are {', '.join(config.stage_names)}")
    now = parse_moment(at, "--at") if at is not None else datetime.now(UTC)
    parsed = parse_version(version)
    name = choose_app(repo, app)
    kind = (
        make_plan(repo, version, app=name).release_type if release_type == "auto" else release_type
    )
    target = config.stage(stage)
    gate = config.stage(target.after) if target.after else None
    history = (
        base_history(repo, gate_policies(repo, name, gate.name), parsed, base)
        if gate is not None
        else []
    )
    facts = GateFacts(
        stage=target, gate=gate, version=str(parsed), release_type=kind, history=history
    )
    if token:
        facts = _with_github(facts, token, repository, api_url, pull, f"flux-semver/{name}/{stage}")
    result = evaluate(facts, now)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(render_text(result), nl=False)
    if result.state != "success":
        exit_with(1)


def _with_github(
    facts: GateFacts,
    token: str,
    repository: str | None,
    api_url: str,
    pull: int | None,
    branch: str,
) -> GateFacts:
    # The GitHub reader only when a token is given: the CLI stays light without one.
    from flux_semver.release.github_reads import RestReader, with_github

    if not repository:
        raise FluxSemverError("--token needs --repository OWNER/NAME (or GITHUB_REPOSITORY)")
    reader = RestReader(api_url, token, repository)
    if pull is None:
        pull = reader.open_pull(branch)
    server = (
        "https://github.com"
        if api_url.rstrip("/") == "https://api.github.com"
        else api_url.rstrip("/").removesuffix("/api/v3")
    )
    pages = {c.sha: f"{server}/{repository}/commit/{c.sha}" for c in facts.history}
    return with_github(replace(facts, commit_url=pages), reader, pull, None)
