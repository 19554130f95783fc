"""``flux-semver match RANGE VERSION...``: is each version admitted by the range, and why."""

from __future__ import annotations

import click

from flux_semver.cli import exit_with
from flux_semver.semver.ranges import Range, parse_given
from flux_semver.semver.version import InvalidVersion, Version


def render(rng: Range, versions: tuple[str, ...]) -> tuple[str, bool]:
    """One line per version (``admitted``/``rejected``, the version, the reason); all admitted?"""
    width = max(len(v) for v in versions)
    lines = []
    every = True
    for text in versions:
        admitted, reason = rng.explain(text)
        every = every and admitted
        if admitted and not _is_tag_version(text):
            reason += "; as an image tag Flux would ignore it (a tag needs at least two dots)"
        verdict = "admitted" if admitted else "rejected"
        lines.append(f"{verdict}  {text.ljust(width)}  {reason}")
    return "\n".join(lines) + "\n", every


def _is_tag_version(text: str) -> bool:
    try:
        Version.parse_tag(text)
    except InvalidVersion:
        return False
    return True


@click.command("match")
@click.argument("range_text", metavar="RANGE")
@click.argument("versions", metavar="VERSION...", nargs=-1, required=True)
def command(range_text: str, versions: tuple[str, ...]) -> None:
    """Say whether Flux's semver RANGE admits each VERSION, and why.

    Versions are read as Flux reads them (a leading v, missing minor or patch allowed).
    A prerelease is admitted only by an OR group of the range that names a prerelease
    itself (e.g. >=1.3.0-0). Exit code 0 when every version is admitted, 1 when one is not,
    2 when the range does not parse in Flux.
    """
    text, every = render(parse_given(range_text), versions)
    click.echo(text, nl=False)
    if not every:
        exit_with(1)
