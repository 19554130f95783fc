"""``flux-semver config``: the effective configuration, defaults and inherited keys filled in."""

from __future__ import annotations

import click

from flux_semver.cli import Context
from flux_semver.repo import config as config_module


@click.command("config")
@click.pass_obj
def command(obj: Context) -> None:
    """Print the configuration flux-semver uses, as .flux-semver.yaml text.

    Every stage with every key: what the file says, what a stage named like a default stage
    inherits from it, and hold for what a stage of its own leaves out.
    """
    click.echo(config_module.to_yaml(obj.load_config()), nl=False)
