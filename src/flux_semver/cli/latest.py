"""``flux-semver latest RANGE [TAG...]``: the tag Flux's image-reflector-controller picks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

import click

from flux_semver.cli import Context, exit_with
from flux_semver.errors import FluxSemverError
from flux_semver.printable import printable
from flux_semver.semver import sources
from flux_semver.semver.ranges import Range, parse_given
from flux_semver.semver.tags import TagFilter, select
from flux_semver.semver.version import InvalidVersion, Version
from flux_semver.shorten import shorten

# How many ignored tags the note names before it only counts the rest.
SHOWN_IGNORED = 5


def read_tags(lines: Iterable[str]) -> list[str]:
    """Tags from a file: one a line; blank lines and lines starting with ``#`` are skipped."""
    tags = []
    for line in lines:
        tag = line.strip()
        if tag and not tag.startswith("#"):
            tags.append(tag)
    return tags


def unreadable(compared: dict[str, str]) -> list[str]:
    """The tags whose compared text (tag, or its --extract expansion) Flux reads as no version.

    ``compared`` maps the compared text to the original tag; the originals are returned.
    """
    ignored = []
    for text, tag in compared.items():
        try:
            Version.parse_tag(text)
        except InvalidVersion:
            ignored.append(tag)
    return ignored


def ignored_note(ignored: list[str]) -> str:
    """One line that says which tags Flux cannot read as versions, e.g. ``latest``."""
    count = len(ignored)
    names = ", ".join(printable(shorten(tag, 80)) for tag in ignored[:SHOWN_IGNORED])
    more = f" and {count - SHOWN_IGNORED} more" if count > SHOWN_IGNORED else ""
    what = (
        "tag Flux cannot read as a version" if count == 1 else "tags Flux cannot read as versions"
    )
    return (
        f"flux-semver: ignored {count} {what} ({names}{more}): a version tag has at "
        "least two dots, as in 1.2.0"
    )


@click.command("latest")
@click.argument("range_text", metavar="RANGE")
@click.argument("tags", metavar="[TAG...]", nargs=-1)
@click.option(
    "--tags-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    metavar="FILE|-",
    help="Read tags from FILE ('-': standard input), one a line; blank lines and "
    "# comments are skipped.",
)
@click.option(
    "--pattern",
    metavar="RE",
    default=None,
    help="filterTags.pattern: keep only tags this RE2 expression matches.",
)
@click.option(
    "--extract",
    metavar="TEMPLATE",
    default=None,
    help="filterTags.extract: compare the expansion of TEMPLATE ($1, $name) instead of the tag.",
)
@click.option(
    "--kind",
    "kind",
    default="ImagePolicy",
    show_default=True,
    type=click.Choice(
        ["ImagePolicy", "HelmRelease", "HelmChart", "OCIRepository", "GitRepository"]
    ),
    help="Pick as this kind's controller does: a Helm chart version from an index "
    "(TAGs are its versions), an OCIRepository tag (--pattern is its "
    "semverFilter), a GitRepository tag.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Say on stderr which tags Flux cannot read as versions, also when a tag is chosen.",
)
@click.option(
    "--image",
    "app",
    metavar="APP",
    default=None,
    help="Read the tags from the registry: the image of APP's ImageRepository in "
    "the repository (-C), with its exclusionList.",
)
@click.option(
    "--registry",
    "registry_image",
    metavar="IMAGE",
    default=None,
    help="Read the tags of IMAGE (e.g. ghcr.io/org/app) from its registry, minus "
    "Flux's default exclusion list (*.sig).",
)
@click.pass_obj
def command(  # noqa: C901
    obj: Context,
    range_text: str,
    tags: tuple[str, ...],
    tags_file: TextIO | None,
    pattern: str | None,
    extract: str | None,
    kind: str,
    verbose: bool,
    app: str | None,
    registry_image: str | None,
) -> None:
    """Print the tag Flux would deploy for the semver RANGE, given the registry's tags.

    The tags come from the arguments, --tags-file, or the registry: --image APP lists the
    image of APP's ImageRepository (as Flux stores its tags: exclusionList applied),
    --registry IMAGE lists IMAGE (Flux's default exclusion list applied).

    Tags are read as Flux reads them: only tags with at least two dots are versions; of
    equal versions (1.2.4 and v1.2.4) Flux keeps the one that sorts last as a string. The
    original tag is printed, also when --extract compared something else. Tags Flux cannot
    read as versions are named on stderr when no tag is chosen (always with --verbose); stdout
    holds only the chosen tag. Exit code 1 when no tag is admitted, 2 when the range or the
    pattern is invalid.
    """
    helm = kind in ("HelmRelease", "HelmChart")
    rng = parse_given(range_text if range_text.strip() or not helm else "*")
    candidates = list(tags)
    if app is not None or registry_image is not None:
        if app is not None and registry_image is not None:
            raise FluxSemverError("give --image APP or --registry IMAGE, not both")
        if tags or tags_file is not None:
            raise FluxSemverError(
                "give tags (arguments or --tags-file) or a registry (--image/--registry), not both"
            )
        from flux_semver.cli.registry_check import registry_tags  # the network, only now

        candidates = registry_tags(obj, app, registry_image)
    elif tags_file is not None:
        candidates.extend(read_tags(tags_file))
    elif not tags:
        raise FluxSemverError(
            "no tags given: pass them as arguments or with --tags-file FILE (- for standard input)"
        )
    filters_tags = kind in ("ImagePolicy", "OCIRepository")
    if (extract and kind != "ImagePolicy") or (pattern is not None and not filters_tags):
        raise FluxSemverError(
            f"--kind {kind}: --extract is an ImagePolicy's filterTags and "
            "--pattern an ImagePolicy's filterTags or an OCIRepository's "
            "semverFilter; leave them out for this kind"
        )
    if kind != "ImagePolicy":
        _other_kind(kind, range_text, rng, candidates, pattern, verbose)
        return
    if pattern is None and not extract:
        kept = {tag: tag for tag in candidates}
        chosen = select(rng, candidates)
    else:
        kept = TagFilter(pattern or "", extract or "").apply(candidates)
        picked = select(rng, kept)
        chosen = None if picked is None else kept[picked]
    ignored = unreadable(kept)
    if ignored and (chosen is None or verbose):
        click.echo(ignored_note(ignored), err=True)
    if chosen is None:
        click.echo(
            f"flux-semver: no tag is admitted by {range_text!r} among {len(candidates)} tag(s)",
            err=True,
        )
        exit_with(1)
    click.echo(chosen)


def _other_kind(
    kind: str,
    range_text: str,
    rng: Range,
    candidates: list[str],
    pattern: str | None,
    verbose: bool,
) -> None:
    """``latest --kind``: as source-controller picks a chart version or a tag."""
    if kind in ("HelmRelease", "HelmChart"):
        chosen = sources.chart_version(range_text, candidates)
        kept = {text: text for text in candidates}
    elif kind == "OCIRepository":
        chosen = sources.oci_tag(range_text, candidates, pattern)
        kept = {tag.replace("_", "+"): tag for tag in candidates}
    else:  # a GitRepository: the highest admitted Git tag
        chosen = select(rng, candidates)
        kept = {tag: tag for tag in candidates}
    ignored = [tag for tag in unreadable(kept) if tag != chosen]
    if ignored and (chosen is None or verbose):
        click.echo(ignored_note(ignored), err=True)
    if chosen is None:
        click.echo(
            f"flux-semver: no version is admitted by {range_text!r} among "
            f"{len(candidates)} for a {kind}",
            err=True,
        )
        exit_with(1)
    click.echo(chosen)
