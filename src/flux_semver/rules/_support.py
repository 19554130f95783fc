"""Helpers the rules share: parsed ranges (parsed once per text), grouping by app and stage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flux_semver.model import Config, Policy, Stage
from flux_semver.semver.ranges import Range, range_or_none
from flux_semver.semver.version import Version


def range_of(policy: Policy) -> Range | None:
    """A semver policy's parsed range; None for other kinds and for ranges that do not parse."""
    if policy.kind != "semver" or policy.range_text is None:
        return None
    return range_or_none(policy.range_text)


def semver(policies: Iterable[Policy], *, patches: bool = False) -> list[Policy]:
    """The semver policies, without Kustomize patches unless ``patches``."""
    return [p for p in policies if p.kind == "semver" and (patches or not p.patch)]


def by_app_and_stage(policies: Iterable[Policy]) -> dict[str, dict[str, list[Policy]]]:
    """app -> stage -> policies, for policies that have both."""
    grouped: dict[str, dict[str, list[Policy]]] = defaultdict(lambda: defaultdict(list))
    for policy in policies:
        if policy.app is not None and policy.stage is not None:
            grouped[policy.app][policy.stage].append(policy)
    return grouped


def stage_of(config: Config, name: str | None) -> Stage | None:
    if name is None:
        return None
    try:
        return config.stage(name)
    except KeyError:
        return None


def is_release(version: Version | None) -> bool:
    """A version without a prerelease part (what a suggestion may name)."""
    return version is not None and not version.is_prerelease


def where(policy: Policy) -> str:
    """``file:line`` of a policy's range, for messages that point at another policy."""
    return f"{policy.file}:{policy.range_line or policy.line}"
