"""Tracks (README: Tracks): which of an app's policies a release version belongs to.

One app may have several policies per stage that select different tags of one image through
``filterTags`` (``live-1.2.3`` and ``k8s-beta-v1.2.3``, ``0.1.5`` and
``0.1.5-20-bleedingedge``). A version belongs to the policies whose filter keeps its tag and
extracts that same version from it; a plan writes only those, and never pins a policy to a
version its own filter cannot select.

Tracks are a choice among the policies of one stage: where a stage has a single policy of
the app, that policy is the stage's track whatever its filter (``--registry-check`` then
checks that the registry has a tag its filter keeps for the pin).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from flux_semver.model import Policy
from flux_semver.semver.tags import InvalidPattern, TagFilter
from flux_semver.semver.version import InvalidVersion, Version


class OffTrack(msgspec.Struct, frozen=True):
    """A policy the version does not belong to, and why."""

    policy: Policy
    reason: str


def why_not(policy: Policy, tag: str, version: Version) -> str | None:
    """Why ``policy`` cannot select ``tag`` (the release ``version``), or None when it can."""
    if policy.filter_pattern is None and not policy.filter_extract:
        return None
    pattern = policy.filter_pattern or ""
    try:
        kept = TagFilter(pattern, policy.filter_extract or "").apply([tag])
    except InvalidPattern as exc:
        return f"its filterTags pattern does not compile: {exc}"
    if not kept:
        return (
            f"another track: its filterTags pattern {pattern!r} does not keep the tag "
            f"{tag!r}, so it could never select {version}"
        )
    extracted = next(iter(kept))
    try:
        seen = Version.parse_tag(extracted)
    except InvalidVersion:
        seen = None
    if seen != version:
        return (
            f"another track: its filterTags extract {policy.filter_extract!r} turns the tag "
            f"{tag!r} into {extracted!r}, not {version}"
        )
    return None


def split(
    policies: Sequence[Policy], tag: str, version: Version
) -> tuple[list[Policy], list[OffTrack]]:
    """The policies on the version's track, and those off it with the reason."""
    per_stage: dict[str | None, int] = {}
    for policy in policies:
        per_stage[policy.stage] = per_stage.get(policy.stage, 0) + 1
    on: list[Policy] = []
    off: list[OffTrack] = []
    for policy in policies:
        alone = per_stage[policy.stage] == 1
        reason = None if alone else why_not(policy, tag, version)
        if reason is None:
            on.append(policy)
        else:
            off.append(OffTrack(policy, reason))
    return on, off


def version_in(policies: Sequence[Policy], tag: str) -> Version | None:
    """The version a tag such as ``live-1.2.3`` stands for: what the filters of the policies
    that keep it extract from it, when that is one version; None otherwise."""
    found: set[Version] = set()
    for policy in policies:
        if policy.filter_pattern is None and not policy.filter_extract:
            continue
        try:
            kept = TagFilter(policy.filter_pattern or "", policy.filter_extract or "").apply([tag])
            found.update(Version.parse_tag(text) for text in kept)
        except (InvalidPattern, InvalidVersion):
            continue
    return found.pop() if len(found) == 1 else None
