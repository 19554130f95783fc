"""``flux-semver check``: run the rules over the whole repository and report the findings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from msgspec.structs import replace

from flux_semver import rules
from flux_semver.check_result import CheckResult
from flux_semver.cli import Context, exit_with
from flux_semver.reporters.findings import FORMATS, Format, render


def workspace_relative(result: CheckResult, root: Path) -> CheckResult:
    """Findings with paths relative to GITHUB_WORKSPACE, where GitHub anchors annotations and
    code scanning alerts, when the repository root is a folder inside it."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return result
    resolved = root.resolve()
    base = Path(workspace).resolve()
    if resolved == base or not resolved.is_relative_to(base):
        return result
    prefix = resolved.relative_to(base).as_posix()
    moved = tuple(replace(f, file=f"{prefix}/{f.file}") for f in result.findings)
    return replace(result, findings=moved)


def default_format() -> Format:
    """``github`` under GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: text; github when GITHUB_ACTIONS=true).",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Run only these rules: codes or names, comma-separated (e.g. FS002,FS003).",
)
@click.option(
    "--ignore", multiple=True, metavar="CODES", help="Do not run these rules (codes or names)."
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--base",
    metavar="REV",
    default=None,
    help="The git revision the change under check starts from (a branch, tag or "
    "commit): FS015 compares with it.",
)
@click.pass_obj
def command(
    obj: Context,
    files: tuple[str, ...],
    fmt: Format | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    base: str | None,
) -> None:
    """Check every ImagePolicy against the rules FS001-FS015.

    The whole repository is always loaded (the gate rules compare stages); FILE arguments limit
    the findings shown to those files, each a file inside the repository. Exit status: 0
    clean, 1 findings (errors, or warnings with --strict), 2 bad input. With --base REV the
    change since REV is checked too (FS015: a gated stage takes a version in the same change
    as its gate).
    """
    result = rules.check(
        obj.root,
        obj.config,
        files=files,
        selected=select,
        ignored=ignore,
        strict_files=True,
        exclude=obj.exclude,
        base=base,
    )
    chosen = fmt or default_format()
    if chosen in ("github", "sarif"):
        result = workspace_relative(result, obj.root)
    color = chosen == "text" and use_color()
    click.echo(render(result, chosen, color=color), nl=False, color=color)
    if result.failed(strict):
        exit_with(1)
