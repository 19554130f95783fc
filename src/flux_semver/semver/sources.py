"""Which version the other kinds take: source-controller's Helm chart, OCI and Git semver rules.

- ``HelmRelease``/``HelmChart`` (``chart_version``): a chart version written exactly as the
  range is taken as it is; an empty range or ``*`` is "the newest release"; otherwise the
  highest admitted chart version. Versions are read as Flux reads tags (at least two dots);
  of two equal versions (they differ only in build metadata) the index's order decides: the
  index lists the newest first, and the first listed wins.
- ``OCIRepository`` (``oci_tag``): ``semverFilter`` (RE2, matched anywhere) keeps tags first;
  an OCI tag cannot hold ``+``, so Helm charts write build metadata with ``_``, read back as
  ``+``; the highest admitted version wins and the tag is reported as written.
- ``GitRepository``: the highest admitted Git tag, as for an ImagePolicy (``tags.select``).
"""

from __future__ import annotations

from collections.abc import Iterable

from flux_semver.semver.ranges import Range
from flux_semver.semver.tags import TagFilter, select
from flux_semver.semver.version import InvalidVersion, Version

__all__ = ["chart_version", "oci_tag"]


def chart_version(range_text: str, versions: Iterable[str]) -> str | None:
    """The chart version source-controller picks from a chart index, or None.

    Raises ``InvalidRange`` for a range Flux rejects."""
    listed = list(versions)
    if range_text and range_text in listed:
        return range_text
    rng = Range(range_text if range_text.strip() else "*")
    best: Version | None = None
    chosen: str | None = None
    for text in listed:
        try:
            version = Version.parse_tag(text)
        except InvalidVersion:
            continue
        if rng.admits(version) and (best is None or version > best):
            best, chosen = version, text
    return chosen


def oci_tag(range_text: str, tags: Iterable[str], semver_filter: str | None = None) -> str | None:
    """The tag an OCIRepository's ``spec.ref.semver`` (and ``semverFilter``) picks, or None.

    Raises ``InvalidRange`` and ``InvalidPattern``."""
    rng = Range(range_text)
    listed = list(tags)
    if semver_filter:
        listed = list(TagFilter(semver_filter).apply(listed).values())
    as_versions = {tag.replace("_", "+"): tag for tag in listed}
    picked = select(rng, as_versions)
    return None if picked is None else as_versions[picked]
