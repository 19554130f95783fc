"""Which tag Flux deploys for a policy: now, and after a plan's change.

For each policy the versions come from its source, listed once per run: an ImagePolicy's
ImageRepository (exclusion list applied; the policy's ``filterTags`` and range choose, as
``latest`` does), an OCIRepository's ``spec.url`` (``semverFilter``, ``_`` read as ``+``), a
HelmRelease's or HelmChart's HelmRepository (its chart index, or with ``type: oci`` the chart's
tags; chosen as source-controller does). GitRepository tags are not looked up.

A plan's stage that takes the release (``update``/``auto``) but would deploy another version
than the release gets a warning; an exact pin to a version that does not exist is a
:class:`MissingTag` (``promote --registry-check`` refuses it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from flux_semver.model import WRITES, Plan, PlanChange, Policy
from flux_semver.registry import RegistryError
from flux_semver.registry.listing import (
    ChartIndex,
    Listings,
    TagSource,
    from_image_repository,
    from_oci_url,
)
from flux_semver.repo.helm_repositories import HelmRepository, chart_of
from flux_semver.repo.helm_repositories import for_policy as helm_for_policy
from flux_semver.repo.image_repositories import ImageRepository, for_policy
from flux_semver.repo.kinds import IMAGE_POLICY
from flux_semver.semver.ranges import InvalidRange, range_or_none
from flux_semver.semver.sources import chart_version, oci_tag
from flux_semver.semver.tags import InvalidPattern, TagFilter, latest_tag
from flux_semver.semver.version import InvalidVersion, Version

NEAREST = 2  # tags named on each side of a missing one
_HELM = ("HelmRelease", "HelmChart")


class Deployment(msgspec.Struct, frozen=True):
    """What Flux deploys for one policy now and after the change (tags, None for nothing)."""

    stage: str | None
    policy: str
    file: str
    line: int
    action: str
    now: str | None
    after: str | None
    warning: str | None = None

    def to_json(self) -> dict[str, str | int | None]:
        return {
            "stage": self.stage,
            "policy": self.policy,
            "file": self.file,
            "line": self.line,
            "action": self.action,
            "now": self.now,
            "after": self.after,
            "warning": self.warning,
        }


class MissingTag(msgspec.Struct, frozen=True):
    """An exact pin whose tag the registry does not have."""

    change: PlanChange
    image: str  # the image, OCI artifact or chart index
    nearest: tuple[str, ...]
    what: str = "tag"  # "version" for a chart index
    filtered: bool = False  # the policy reads its tags through filterTags

    def message(self) -> str:
        near = ", ".join(self.nearest) if self.nearest else "none: it has no versions"
        through = " (read through its filterTags)" if self.filtered else ""
        return (
            f"{self.change.file}:{self.change.line}: {self.change.stage}: {self.image} has "
            f"no {self.what} {self.change.to_range}{through} for {self.change.policy} to "
            f"pin (nearest: {near}) — push it first, or promote one of those"
        )


class Deploys:
    """Answers per policy, reading each source's tags once."""

    def __init__(
        self,
        repositories: Sequence[ImageRepository],
        listings: Listings,
        helm: Sequence[HelmRepository] = (),
    ) -> None:
        self._repositories = repositories
        self._helm = helm
        self.listings = listings

    @staticmethod
    def lookable(policy: Policy) -> bool:
        """Whether the registry can say what Flux deploys for this policy's kind."""
        if policy.kind != "semver" or policy.patch:
            return False
        if policy.resource == IMAGE_POLICY:
            return True
        if policy.resource == "OCIRepository":
            return str(_spec(policy).get("url", "")).startswith("oci://")
        return policy.resource in _HELM and chart_of(policy) is not None

    def source_of(self, policy: Policy) -> TagSource | None:
        """Where the policy's versions are listed, if the repository says (None: it does not
        hold the ImageRepository or HelmRepository)."""
        if policy.resource == "OCIRepository":
            spec = _spec(policy)
            return from_oci_url(
                str(spec.get("url")), f"{policy.file}:{policy.line}", spec.get("insecure") is True
            )
        if policy.resource in _HELM:
            found = chart_of(policy)
            helm = helm_for_policy(self._helm, policy)
            if found is None or helm is None:
                return None
            if helm.oci:
                return from_oci_url(f"{helm.url.rstrip('/')}/{found[0]}", helm.where, helm.insecure)
            return ChartIndex(helm.url, found[0], helm.where)
        repository = for_policy(self._repositories, policy)
        return None if repository is None else from_image_repository(repository)

    def tags_for(self, policy: Policy) -> tuple[list[str], TagSource]:
        """The policy's versions as Flux sees them, and where they come from."""
        source = self.source_of(policy)
        if source is None:
            name = policy.app or policy.name
            what = "HelmRepository" if policy.resource in _HELM else "ImageRepository"
            if policy.resource in _HELM and (found := chart_of(policy)) is not None:
                name = found[1]
            raise RegistryError(
                f"{policy.file}:{policy.line}: no {what} named {name!r} in "
                f"the repository for {policy.ref} — add it, or use latest "
                "--registry IMAGE"
            )
        return self.listings.tags(source), source

    def deployed(
        self, policy: Policy, range_text: str | None, tags: Iterable[str] | None = None
    ) -> str | None:
        """The version Flux picks for ``range_text`` among the policy's tags, as the kind's
        controller picks it; None for none."""
        if range_text is None or not self.lookable(policy):
            return None
        chosen_tags = self.tags_for(policy)[0] if tags is None else tags
        try:
            if policy.resource == "OCIRepository":
                ref = _spec(policy).get("ref")
                semver_filter = ref.get("semverFilter") if isinstance(ref, dict) else None
                return oci_tag(
                    range_text, chosen_tags, str(semver_filter) if semver_filter else None
                )
            if policy.resource in _HELM:
                return chart_version(range_text, chosen_tags)
            return latest_tag(range_text, chosen_tags, policy.filter_pattern, policy.filter_extract)
        except (InvalidRange, InvalidPattern):
            return None  # check reports these (FS001); Flux deploys nothing new

    def for_plan(self, plan: Plan, policies: Sequence[Policy]) -> list[Deployment]:
        """Per change of the plan: the tag Flux deploys now and after it, with a warning when
        a stage that takes the release would deploy another version than the release."""
        wanted = _version(plan.version)
        out = []
        for change in plan.changes:
            policy = _policy_of(change, policies)
            if policy is None or not self.lookable(policy):
                continue
            tags, _ = self.tags_for(policy)
            now = self.deployed(policy, change.from_range, tags)
            writes = change.action in WRITES
            new_range = change.to_range if writes and change.to_range else change.from_range
            after = self.deployed(policy, new_range, tags)
            warning = None
            if (
                (writes or change.action == "auto")
                and wanted is not None
                and _version(after) != wanted
            ):
                warning = _warning(
                    plan.version,
                    now,
                    after,
                    new_range,
                    self.deployed(policy, plan.version, tags) is not None,
                    policy.resource,
                )
            out.append(
                Deployment(
                    change.stage,
                    change.policy,
                    change.file,
                    change.line,
                    change.action,
                    now,
                    after,
                    warning,
                )
            )
        return out

    def missing_pins(self, plan: Plan, policies: Sequence[Policy]) -> list[MissingTag]:
        """The plan's exact pins whose tag does not exist in the registry."""
        missing = []
        for change in plan.updates:
            policy = _policy_of(change, policies)
            if (
                policy is None
                or change.to_range is None
                or not _is_exact(change.to_range)
                or not self.lookable(policy)
            ):
                continue
            tags, source = self.tags_for(policy)
            if self.deployed(policy, change.to_range, tags) is None:
                what = "version" if isinstance(source, ChartIndex) else "tag"
                filtered = bool(policy.filter_pattern or policy.filter_extract)
                missing.append(
                    MissingTag(
                        change,
                        str(source),
                        _nearest_for(policy, tags, change.to_range),
                        what,
                        filtered,
                    )
                )
        return missing


def _spec(policy: Policy) -> dict[str, Any]:
    spec = policy.body.get("spec")
    return spec if isinstance(spec, dict) else {}


def _warning(
    version: str,
    now: str | None,
    after: str | None,
    new_range: str | None,
    pushed: bool,
    resource: str = IMAGE_POLICY,
) -> str:
    """Why a stage that takes ``version`` would deploy ``after`` instead."""
    if after is None:
        stays = f"; the {resource} fails and the stage stays on {now}" if now else ""
        why = (
            f"{new_range} admits no tag in the registry"
            if pushed
            else f"no tag {version} in the registry yet"
        )
        return f"Flux would deploy nothing, not {version}: {why}{stays}"
    if not pushed:
        return (
            f"Flux would deploy {after}, not {version}: no tag {version} in the registry "
            "yet (push the image first)"
        )
    return (
        f"Flux would deploy {after}, not {version}: {after} is the highest tag {new_range} admits"
    )


def _policy_of(change: PlanChange, policies: Sequence[Policy]) -> Policy | None:
    """The policy a plan's change is about: same file and ``namespace/name``."""
    return next(
        (p for p in policies if p.file == change.file and p.ref == change.policy and not p.patch),
        None,
    )


def _version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version.parse(text)
    except InvalidVersion:
        return None


def _is_exact(range_text: str) -> bool:
    rng = range_or_none(range_text)
    return rng is not None and rng.exact is not None


def _nearest_for(policy: Policy, tags: list[str], range_text: str) -> tuple[str, ...]:
    """The nearest tags the policy itself could select (through its filterTags)."""
    if not policy.filter_pattern and not policy.filter_extract:
        return nearest(tags, range_text)
    try:
        kept = TagFilter(policy.filter_pattern or "", policy.filter_extract or "").apply(tags)
    except InvalidPattern:
        return ()
    return tuple(kept[text] for text in nearest(kept, range_text))


def nearest(tags: Iterable[str], range_text: str, count: int = NEAREST) -> tuple[str, ...]:
    """Up to ``count`` version tags below and above the version ``range_text`` pins
    (prereleases only when the pin is one)."""
    rng = range_or_none(range_text)
    target = rng.exact if rng is not None else None
    if target is None:
        return ()
    versions: dict[Version, str] = {}
    for tag in sorted(set(tags)):
        try:
            version = Version.parse_tag(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease or target.is_prerelease:
            versions.setdefault(version, tag)
    ordered = sorted(versions)
    below = [versions[v] for v in ordered if v < target][-count:]
    above = [versions[v] for v in ordered if v > target][:count]
    return (*below, *above)
