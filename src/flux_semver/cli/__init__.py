"""The ``flux-semver`` command line: a thin face over the library (README: Commands).

Each command lives in its own module of this package and exposes a click command named
``command``; this module only builds the group, the global options and the one place that
turns exceptions into exit codes (0 ok, 1 findings/blocked/no match, 2 input error,
3 unexpected).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click
import msgspec

from flux_semver import edge
from flux_semver.model import Config
from flux_semver.printable import printable
from flux_semver.repo.root import find_top_level

if TYPE_CHECKING:
    from flux_semver.repo.manifests import Repository

# command name -> module of this package that defines it
COMMANDS: dict[str, str] = {
    "check": "check",
    "policies": "policies",
    "plan": "plan",
    "promote": "promote",
    "rollback": "rollback",
    "history": "history",
    "match": "match",
    "latest": "latest",
    "evidence": "evidence",
    "gate": "gate",
    "config": "config",
}


class Context(msgspec.Struct, dict=True):  # dict: for the cached ``root``
    """What the global options say: the repository root and an explicit config file.

    Without ``-C`` the root is the enclosing git repository's top level, found from the
    working directory as git finds it; outside a git repository it is the working directory,
    and the first command that reads the repository says so once, on stderr.
    """

    given_root: Path | None
    config: Path | None
    exclude: tuple[str, ...] = ()

    @cached_property
    def root(self) -> Path:
        if self.given_root is not None:
            return self.given_root
        cwd = Path.cwd()
        top = find_top_level(cwd)
        if top is not None:
            return top
        click.echo(
            "flux-semver: not inside a git repository: using the current directory "
            f"{printable(str(cwd))} as the repository root (-C DIR to choose another)",
            err=True,
        )
        return cwd

    def load_config(self) -> Config:
        """The config at the root (or ``--config``), with the ``--exclude`` globs added."""
        from flux_semver.repo import config as config_module

        return config_module.load(self.root, self.config, exclude=self.exclude)

    def repository(self) -> Repository:
        """The repository at ``-C``, scanned with its config: what most commands start from."""
        from flux_semver.repo import manifests  # only for the commands that scan

        return manifests.load(self.root, self.config, exclude=self.exclude)


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs (fast start-up for hooks)."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: ARG002 - click's signature
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:  # noqa: ARG002
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        loaded = importlib.import_module(f"{__name__}.{module}")
        command: click.Command = loaded.command
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "root",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Root of the GitOps repository (default: the top level of the git repository that "
    "holds the current directory).",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path),  # config.load explains a directory or FIFO in one line
    default=None,
    help="Config file (default: .flux-semver.yaml at the repository root, if present).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Never read the files this glob matches (repeatable; added to the config's exclude).",
)
@click.version_option(package_name="flux-semver")
@click.pass_context
def cli(
    ctx: click.Context, root: Path | None, config: Path | None, exclude: tuple[str, ...]
) -> None:
    """Run the semantic-versioning release process of Flux ImagePolicies."""
    ctx.obj = Context(given_root=root, config=config, exclude=exclude)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; expected failures are one line, never a traceback
    (what click does not turn into a code, :func:`flux_semver.edge.guard` does)."""
    return edge.guard(lambda: _run(argv))


def _run(argv: Sequence[str] | None) -> int:
    try:
        # Without standalone mode click *returns* the code of a click.exceptions.Exit
        # raised by a command (exit_with), instead of raising it: keep it.
        code = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="flux-semver",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            raise exc.__cause__ from None  # Ctrl-C: the edge's "interrupted", exit 130
        click.echo("flux-semver: aborted", err=True)
        return edge.INPUT_ERROR
    except click.ClickException as exc:
        exc.show()
        return edge.INPUT_ERROR
    return code if isinstance(code, int) else edge.OK


def exit_with(code: int) -> None:
    """Leave a command with an exit code (1 for findings, blocked stages, no match)."""
    raise click.exceptions.Exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
