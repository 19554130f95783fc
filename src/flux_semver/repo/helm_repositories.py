"""The repository's ``HelmRepository`` documents: where a HelmRelease's chart versions come from.

Read only when a command consults a registry. A HelmRepository is a chart index over HTTP(S)
(``spec.url`` + ``/index.yaml``) or, with ``spec.type: oci``, an OCI registry path under which
each chart is a repository whose tags are its versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from flux_semver.model import Policy
from flux_semver.repo.image_repositories import documents

KIND = "HelmRepository"


class HelmRepository(msgspec.Struct, frozen=True):
    file: str
    line: int
    name: str
    namespace: str | None
    url: str
    oci: bool  # spec.type: oci
    insecure: bool

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def scan(root: Path) -> list[HelmRepository]:
    """Every HelmRepository under ``root`` that names a URL, in file order."""
    found = []
    for file, line, data in documents(root, KIND):
        spec = data.get("spec") if isinstance(data, dict) else None
        metadata = data.get("metadata") if isinstance(data, dict) else None
        if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
            continue
        metadata = metadata if isinstance(metadata, dict) else {}
        namespace = metadata.get("namespace")
        found.append(
            HelmRepository(
                file=file,
                line=line,
                name=str(metadata.get("name") or ""),
                namespace=str(namespace) if namespace else None,
                url=spec["url"],
                oci=spec.get("type") == "oci" or spec["url"].startswith("oci://"),
                insecure=spec.get("insecure") is True,
            )
        )
    return found


def chart_of(policy: Policy) -> tuple[str, str, str | None] | None:
    """(chart, HelmRepository name, its namespace) of a HelmRelease or HelmChart policy whose
    chart comes from a HelmRepository; None otherwise (a chartRef, a GitRepository source)."""
    spec: Any = policy.body.get("spec")
    if not isinstance(spec, dict):
        return None
    if policy.resource == "HelmRelease":
        chart = spec.get("chart")
        spec = chart.get("spec") if isinstance(chart, dict) else None
        if not isinstance(spec, dict):
            return None
    ref = spec.get("sourceRef")
    if not isinstance(ref, dict) or ref.get("kind") != KIND or not spec.get("chart"):
        return None
    namespace = ref.get("namespace") or policy.namespace
    return str(spec["chart"]), str(ref.get("name") or ""), str(namespace) if namespace else None


def for_policy(repositories: Sequence[HelmRepository], policy: Policy) -> HelmRepository | None:
    """The HelmRepository a HelmRelease/HelmChart policy's chart comes from, if held here."""
    found = chart_of(policy)
    if found is None:
        return None
    _, name, namespace = found
    named = [r for r in repositories if r.name == name]
    same = [r for r in named if namespace is None or r.namespace in (namespace, None)]
    candidates = same or named
    return candidates[0] if candidates else None
