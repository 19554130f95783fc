"""Flux post-build substitution in ranges: ``${VAR}``, ``${VAR:=default}``, ``${VAR:-default}``.

Flux substitutes variables in what a ``Kustomization`` (``kustomize.toolkit.fluxcd.io``) builds
when it has a ``spec.postBuild``: the values of ``substituteFrom`` (ConfigMaps and Secrets, in
order, a later one winning) and then ``substitute`` (winning over both); a variable without a
value takes its default, or else the empty string. A range is resolved here for each Flux
Kustomization whose ``spec.path`` holds the policy (one policy per Kustomization, each with its
own stage when several apply the same files), and the edit goes where the value is written: the
``substitute`` entry, the ConfigMap's ``data`` entry, or the default inside the range itself. A
Secret's values are not in the repository: such a range is listed with no value, and says so.
Where no Flux Kustomization of the repository applies the file, a default is taken as the value
(the Kustomization may live in another repository).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec
import yaml
from msgspec.structs import replace

from flux_semver.model import Policy
from flux_semver.repo import kinds, locate, yaml_positions

if TYPE_CHECKING:
    from flux_semver.repo.layouts import FluxKustomization, Layout
    from flux_semver.repo.stages import StageResolver

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}")


class _Value(msgspec.Struct, frozen=True):
    """A variable's value and where it is written; ``value`` None when unknowable."""

    value: str | None
    origin: str
    file: str | None = None
    document: int = 0
    path: tuple[locate.Step, ...] = ()
    line: int | None = None
    column: int | None = None


def resolve(
    layout: Layout, policies: list[tuple[Policy, str]], resolver: StageResolver
) -> list[Policy]:
    """Each policy with its variables filled in, per Flux Kustomization that applies it."""
    out: list[Policy] = []
    configmaps = _ConfigMaps(layout)
    for policy, directory in policies:
        text = policy.range_text
        if text is None or "${" not in text or _VARIABLE.search(text) is None:
            out.extend(_by_cluster(layout, policy, directory, resolver))
            continue
        applying = [k for k in layout.flux if k.applies(directory)]
        if not applying:
            out.append(
                _fill(
                    policy,
                    {},
                    f"no Flux Kustomization of this repository applies {directory or '.'}",
                )
            )
            continue
        for kustomization in applying:
            post_build = (
                kustomization.data.get("spec", {}).get("postBuild")
                if isinstance(kustomization.data.get("spec"), dict)
                else None
            )
            if not isinstance(post_build, dict):
                out.append(
                    replace(
                        policy,
                        origin=_join(
                            policy.origin,
                            f"Flux Kustomization {kustomization.ref} "
                            f"({kustomization.source.file}) has no postBuild: "
                            "Flux applies the text "
                            "as written",
                        ),
                    )
                )
                continue
            values = _values(kustomization, post_build, configmaps)
            filled = _fill(
                policy,
                values,
                f"Flux Kustomization {kustomization.ref} ({kustomization.source.file})",
            )
            if len(applying) > 1 or filled.stage is None:
                stage, source = layout.stage(
                    resolver, kustomization.name, policy.labels, [kustomization.source.file]
                )
                if stage is not None:
                    filled = replace(filled, stage=stage, stage_source=source)
            out.append(filled)
    return out


def _by_cluster(
    layout: Layout, policy: Policy, directory: str, resolver: StageResolver
) -> list[Policy]:
    """A policy with no stage of its own takes the stage of the Flux Kustomizations that apply
    its directory (``clusters/production/infrastructure.yaml``); applied in several stages, it
    is one policy per stage, and its range, written once for all of them, is not edited."""
    if policy.stage is not None or policy.patch:
        return [policy]
    stages: dict[str, tuple[str, FluxKustomization]] = {}
    for kustomization in layout.flux:
        if kustomization.applies(directory):
            stage, source = layout.stage(
                resolver, kustomization.name, policy.labels, [kustomization.source.file]
            )
            if stage is not None:
                stages.setdefault(stage, (source, kustomization))
    found = [
        replace(
            policy, stage=stage, stage_source=f"{source} (Flux Kustomization {k.ref} applies it)"
        )
        for stage, (source, k) in stages.items()
    ]
    if len(found) <= 1:
        return found or [policy]
    names = ", ".join(f"{k.ref} ({stage})" for stage, (_, k) in stages.items())
    note = (
        f"applied in {len(found)} stages by Flux Kustomizations {names}: its range is "
        "written once for all of them"
    )
    return [
        replace(p, range_line=None, range_column=None, shared=None, origin=_join(p.origin, note))
        for p in found
    ]


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _values(
    kustomization: FluxKustomization, post_build: Mapping[str, Any], configmaps: _ConfigMaps
) -> dict[str, _Value]:
    values: dict[str, _Value] = {}
    sources = post_build.get("substituteFrom")
    for index, item in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(item, dict):
            continue
        kind, name = item.get("kind"), str(item.get("name") or "")
        ref = f"{kustomization.namespace}/{name}"
        if kind == "Secret":
            values[f"\0secret{index}"] = _Value(None, f"Secret {ref}")
            continue
        found = configmaps.find(name, kustomization.namespace)
        if found is None:
            if not item.get("optional"):
                values[f"\0secret{index}"] = _Value(
                    None, f"ConfigMap {ref}, which is not in this repository"
                )
            continue
        source, document = found
        data = document.data.get("data") if isinstance(document.data, dict) else None
        for key, value in data.items() if isinstance(data, dict) else ():
            token = locate.token(source.text, document.node, ("data", str(key)))
            values[str(key)] = _Value(
                str(value),
                f"ConfigMap {ref} ({source.file})",
                source.file,
                document.index,
                ("data", str(key)),
                token.line if token else None,
                token.column if token else None,
            )
    substitute = post_build.get("substitute")
    for key, value in substitute.items() if isinstance(substitute, dict) else ():
        path = ("spec", "postBuild", "substitute", str(key))
        token = locate.token(kustomization.source.text, kustomization.document.node, path)
        values[str(key)] = _Value(
            str(value),
            f"postBuild.substitute of Flux Kustomization {kustomization.ref} "
            f"({kustomization.source.file})",
            kustomization.source.file,
            kustomization.document.index,
            path,
            token.line if token else None,
            token.column if token else None,
        )
    return values


def _lookup(values: Mapping[str, _Value], name: str) -> _Value | None:
    """The value of ``name``: the last source that sets it, or an unknowable one (a Secret
    after the last ConfigMap that sets it may set it too)."""
    found = values.get(name)
    if found is not None and found.path[:2] == ("spec", "postBuild"):
        return found
    unknown = [v for key, v in values.items() if key.startswith("\0")]
    if unknown and found is None:
        return unknown[-1]
    return found


def _fill(policy: Policy, values: Mapping[str, _Value], applied: str) -> Policy:
    text = policy.range_text or ""
    parts: list[str] = []
    at = 0
    whole = _VARIABLE.fullmatch(text)
    where: _Value | None = None
    span: tuple[int, int] | None = None
    notes: list[str] = []
    for match in _VARIABLE.finditer(text):
        parts.append(text[at : match.start()])
        at = match.end()
        name, operator, default = match.group(1), match.group(2), match.group(3)
        found = _lookup(values, name)
        if found is not None and found.value is None:
            return replace(
                policy,
                range_text=None,
                range_line=None,
                range_column=None,
                origin=_join(
                    policy.origin,
                    f"${{{name}}} comes from {found.origin}, "
                    "whose value is not in the repository: flux-semver "
                    "cannot know this range",
                ),
            )
        if found is not None and not (found.value == "" and operator and operator[0] == ":"):
            parts.append(found.value or "")
            notes.append(f"${{{name}}} = {found.value!r} from {found.origin}")
            where = found
        elif operator is not None:
            parts.append(default or "")
            notes.append(f"${{{name}}} takes its default {default!r} ({applied})")
            where, span = None, (match.start(3), match.end(3))
        else:
            parts.append("")
            notes.append(f"${{{name}}} has no value ({applied}): Flux writes an empty string")
            where, span = None, None
    parts.append(text[at:])
    origin = _join(policy.origin, "; ".join(notes))
    resolved = "".join(parts)
    if (
        whole is not None
        and where is not None
        and where.file is not None
        and where.line is not None
    ):
        moved = where.file != policy.file
        return replace(
            policy,
            range_text=resolved,
            origin=origin,
            file=where.file,
            document=where.document,
            line=where.line,
            range_line=where.line,
            range_column=where.column,
            value_path=where.path,
            inline=(),
            value_span=None,
            shared=None,
            api_version_line=None if moved else policy.api_version_line,
            api_version_column=None if moved else policy.api_version_column,
        )
    if whole is not None and where is None and span is not None:
        return replace(
            policy,
            range_text=resolved,
            origin=origin,
            value_span=span,
            value_path=policy.value_path or _range_path(policy),
        )
    # assembled from several pieces, or from no value at all: shown and checked, not edited
    return replace(policy, range_text=resolved, origin=origin, range_line=None, range_column=None)


def _range_path(policy: Policy) -> tuple[locate.Step, ...]:
    return kinds.KINDS[policy.resource].range_path


class _ConfigMaps:
    """The repository's ConfigMaps by name, read only when a substituteFrom asks."""

    def __init__(self, layout: Layout) -> None:
        self._layout = layout
        self._index: dict[str, list[tuple[Any, yaml_positions.Document]]] | None = None

    def find(self, name: str, namespace: str) -> tuple[Any, yaml_positions.Document] | None:
        if self._index is None:
            self._index = {}
            for file in self._layout.configmap_files:
                source = self._layout.source(file)
                for document in source.documents if source is not None else ():
                    if yaml_positions.scalar(document.node, "kind") != "ConfigMap":
                        continue
                    metadata = yaml_positions.entry(document.node, "metadata")
                    found = yaml_positions.scalar(metadata[1], "name") if metadata else None
                    if found is not None and isinstance(document.node, yaml.MappingNode):
                        self._index.setdefault(found, []).append((source, document))
        for source, document in self._index.get(name, ()):
            data = document.data
            metadata = data.get("metadata") if isinstance(data, dict) else None
            found_namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
            if found_namespace in (None, namespace):
                return source, document
        return None
