"""The Flux objects whose semver ranges flux-semver manages, and where each writes its range.

Every semver range Flux evaluates is a policy of this product (README: Kinds):

- ``ImagePolicy`` (``image.toolkit.fluxcd.io``): ``spec.policy.semver.range``; app
  ``spec.imageRepositoryRef.name``;
- ``HelmRelease`` (``helm.toolkit.fluxcd.io``): ``spec.chart.spec.version``; the app is the
  release (``metadata.name``);
- ``HelmChart`` (``source.toolkit.fluxcd.io``): ``spec.version``; app ``metadata.name``;
- ``OCIRepository`` (``source.toolkit.fluxcd.io``): ``spec.ref.semver``, narrowed by
  ``spec.ref.semverFilter``; app ``metadata.name``;
- ``GitRepository`` (``source.toolkit.fluxcd.io``): ``spec.ref.semver``; app ``metadata.name``.

The ``flux-semver/app`` label overrides the app of every kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from msgspec.structs import replace

from flux_semver.model import Policy

IMAGE_POLICY = "ImagePolicy"


class Kind(msgspec.Struct, frozen=True):
    """One kind of Flux object with a semver range."""

    name: str
    group: str
    range_path: tuple[str, ...]
    app_path: tuple[str, ...]
    filter_path: tuple[str, ...] | None = None  # a regex that narrows the candidates first

    @property
    def range_key(self) -> str:
        """The range's dotted path, as schema messages name it."""
        return ".".join(self.range_path)

    def owns(self, api_version: Any) -> bool:
        """Whether a document of this kind with ``api_version`` is Flux's (a missing
        apiVersion counts, as it always has for ImagePolicy)."""
        return api_version is None or str(api_version).startswith(self.group + "/")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            IMAGE_POLICY,
            "image.toolkit.fluxcd.io",
            ("spec", "policy", "semver", "range"),
            ("spec", "imageRepositoryRef", "name"),
        ),
        Kind(
            "HelmRelease",
            "helm.toolkit.fluxcd.io",
            ("spec", "chart", "spec", "version"),
            ("metadata", "name"),
        ),
        Kind("HelmChart", "source.toolkit.fluxcd.io", ("spec", "version"), ("metadata", "name")),
        Kind(
            "OCIRepository",
            "source.toolkit.fluxcd.io",
            ("spec", "ref", "semver"),
            ("metadata", "name"),
            filter_path=("spec", "ref", "semverFilter"),
        ),
        Kind(
            "GitRepository",
            "source.toolkit.fluxcd.io",
            ("spec", "ref", "semver"),
            ("metadata", "name"),
        ),
    )
}
# The kinds other than ImagePolicy, whose documents are policies only when they hold a range.
RANGE_KINDS = tuple(name for name in KINDS if name != IMAGE_POLICY)


def get(data: Any, keys: tuple[str, ...]) -> Any:
    """The value at a chain of mapping keys, or None."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def distinct_apps(policies: Sequence[Policy]) -> list[Policy]:
    """Policies of different kinds that would share an app by name are told apart: a chart
    version is not an image tag, so the HelmRelease ``podinfo`` beside the ImagePolicies of the
    image ``podinfo`` is the app ``HelmRelease/podinfo`` (a ``flux-semver/app`` label keeps
    whatever app it names)."""
    kinds_of: dict[str, set[str]] = {}
    for policy in policies:
        if policy.app is not None:
            kinds_of.setdefault(policy.app, set()).add(policy.resource)
    if all(len(found) == 1 for found in kinds_of.values()):
        return list(policies)
    return [
        replace(policy, app=f"{policy.resource}/{policy.app}")
        if policy.app is not None
        and policy.resource != IMAGE_POLICY
        and len(kinds_of[policy.app]) > 1
        and not policy.labels.get("flux-semver/app")
        else policy
        for policy in policies
    ]
