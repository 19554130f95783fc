"""Each stage's effective ranges in a Kustomize layout (README: Kinds).

A GitOps repository seldom writes one finished document per stage. Flux's own example keeps a
``HelmRelease`` without a version in ``apps/base/podinfo/`` and patches the version from
``apps/staging/`` and ``apps/production/``. This module builds every overlay as Kustomize does,
for the fields that matter here:

- ``resources`` (files and directories with a kustomization; remote ones are skipped), the older
  ``bases``, and ``components`` (their resources join, their patches apply to everything so far);
- ``patches`` (``path`` or inline ``patch``, with ``target`` selectors: kind, name and namespace
  as regular expressions, group, version, ``key=value`` label and annotation selectors), the
  older ``patchesStrategicMerge`` and ``patchesJson6902``; a strategic-merge patch without a
  target applies to the object of its kind and name; JSON 6902 ``add``/``replace``/``remove``;
- ``namespace``, ``namePrefix`` and ``nameSuffix``.

An overlay that no other overlay includes is a root: what it builds is what a stage runs. For
each policy it builds, the effective range, app and stage (found from the overlay's directory,
then from the Flux Kustomizations whose ``spec.path`` points at it) and where the range is
written: the last patch that set it, or the base document. A range written in a base that other
roots build too is marked ``shared``: it is never edited there (editing says which patch to add to
the overlay instead). The documents of bases and the patches themselves are not policies of
their own; a patch whose target is not in the repository (a remote base) stays listed as a
patch, as before.

Then Flux's post-build substitution (``substitution``) fills in ``${VAR}`` ranges.
"""

from __future__ import annotations

import copy
import functools
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec
import yaml
from msgspec.structs import replace

from flux_semver.model import Policy, PolicyKind
from flux_semver.repo import kinds, locate, overlay_patch, substitution, yaml_positions
from flux_semver.repo.stages import StageResolver, app_of

KUSTOMIZATION_FILES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
FLUX_GROUP = "kustomize.toolkit.fluxcd.io/"
_KUSTOMIZE_GROUP = "kustomize.config.k8s.io/"
_POLICY_KINDS: tuple[PolicyKind, ...] = ("semver", "alphabetical", "numerical")
_MAX_DEPTH = 32
_BUDGET = 20_000  # overlay builds and objects per scan


def is_kustomization_file(file: str) -> bool:
    """Whether Kustomize reads ``file`` as a directory's kustomization."""
    return file.rpartition("/")[2] in KUSTOMIZATION_FILES


_CHANGES = (b"patch", b"omponent", b"bases", b"namePrefix", b"nameSuffix")


def relevant(
    kustomizations: list[tuple[str, bytes]], policy_files: set[str]
) -> list[tuple[str, bytes]]:
    """The kustomization files (path, bytes) that can change a policy: those that patch or
    rename, and those that name a policy file or the directory of a kustomization that does
    (a resource names what it includes: its last path segment stands in the text)."""
    names = {file.rpartition("/")[2].encode() for file in policy_files}
    chosen: list[tuple[str, bytes]] = []
    pending = list(kustomizations)
    while True:
        found = [
            (rel, raw)
            for rel, raw in pending
            if any(word in raw for word in _CHANGES) or any(name in raw for name in names)
        ]
        if not found:
            return sorted(chosen)
        chosen.extend(found)
        picked = {rel for rel, _ in found}
        pending = [(rel, raw) for rel, raw in pending if rel not in picked]
        for rel, _ in found:
            directory = rel.rpartition("/")[0]
            if directory:
                names.add(directory.rpartition("/")[2].encode())


class Source(msgspec.Struct, frozen=True):
    """A YAML file as read for a layout: its path, text and documents."""

    file: str
    text: str
    documents: list[yaml_positions.Document]


class _Overlay(msgspec.Struct, dict=True):  # dict: for the cached ``data``
    """One kustomization file: a directory Kustomize can build."""

    directory: str
    source: Source
    document: yaml_positions.Document

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        """The kustomization's data; without patches, only the plain keys a build reads,
        taken from the nodes (building all of it cost more than the rest of a scan)."""
        node = self.document.node
        if not isinstance(node, yaml.MappingNode):
            return {}
        keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
        if keys & _PATCH_KEYS:
            try:
                value = self.document.data
            except yaml_positions.YamlError:
                return {}  # not data (a duplicate key): Kustomize cannot build it either
            return value if isinstance(value, dict) else {}
        data: dict[str, Any] = {}
        for key in _LIST_KEYS & keys:
            found = yaml_positions.entry(node, key)
            if found is not None and isinstance(found[1], yaml.SequenceNode):
                data[key] = [
                    item.value for item in found[1].value if isinstance(item, yaml.ScalarNode)
                ]
        for key in _TEXT_KEYS & keys:
            text = yaml_positions.scalar(node, key)
            if text is not None:
                data[key] = text
        return data


_PATCH_KEYS = frozenset({"patches", "patchesStrategicMerge", "patchesJson6902"})
_LIST_KEYS = frozenset({"resources", "bases", "components"})
_TEXT_KEYS = frozenset({"namespace", "namePrefix", "nameSuffix", "apiVersion", "kind"})


class FluxKustomization(msgspec.Struct, frozen=True):
    """A Flux ``Kustomization``: which directory it applies, and its ``postBuild``."""

    source: Source
    document: yaml_positions.Document
    name: str
    namespace: str
    path: str  # relative to the repository root, "" for the root itself

    @property
    def data(self) -> dict[str, Any]:
        try:
            value = self.document.data
        except yaml_positions.YamlError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    def applies(self, directory: str) -> bool:
        """Whether this Kustomization builds ``directory`` (its path or a directory below)."""
        return self.path in ("", directory) or directory.startswith(self.path + "/")


class Where(msgspec.Struct, frozen=True):
    """Where a range is written: a value in a document of a file (maybe inside an inline
    patch), its value and position as written."""

    file: str
    document: int
    path: tuple[locate.Step, ...]
    inline: tuple[locate.Step, ...]
    value: str
    line: int
    column: int
    exact: bool = True  # False: in an inline patch not written as a literal block (not edited)


class _Object(msgspec.Struct):
    """A policy as an overlay builds it."""

    policy: Policy
    data: dict[str, Any]
    where: Where | None
    # the patches that changed it, in order
    touched: list[str] = msgspec.field(default_factory=list)
    # (name, namespace) as the outermost overlay's own patches see it: before its namespace,
    # namePrefix and nameSuffix apply, as Kustomize orders them
    seen: tuple[str, str | None] = ("", None)

    @property
    def kind(self) -> kinds.Kind:
        return kinds.KINDS[self.policy.resource]

    @property
    def metadata(self) -> dict[str, Any]:
        metadata = self.data.get("metadata")
        if not isinstance(metadata, dict):
            metadata = self.data["metadata"] = {}
        return metadata


class _Patch(msgspec.Struct, frozen=True):
    """One patch's content and where it is written."""

    source: Source
    document: int
    data: Any
    inline: tuple[locate.Step, ...]  # the path to the patch text, for an inline patch
    line: int  # where the patch starts

    @property
    def shown(self) -> str:
        """``file:line``, for messages."""
        return f"{self.source.file}:{self.line}"


class Layout:
    """The kustomizations and Flux Kustomizations a scan met, resolved after the scan."""

    def __init__(self) -> None:
        self.overlays: dict[str, _Overlay] = {}
        self.flux: list[FluxKustomization] = []
        self.configmap_files: list[str] = []
        self._sources: dict[str, Source | None] = {}
        self._root = Path()

    @property
    def active(self) -> bool:
        return bool(self.overlays or self.flux)

    def add(self, source: Source, document: yaml_positions.Document) -> bool:
        """Keep a document if it is a kustomization or a Flux Kustomization."""
        api = yaml_positions.scalar(document.node, "apiVersion") or ""
        kind = yaml_positions.scalar(document.node, "kind")
        file = source.file
        self._sources.setdefault(file, source)
        if kind == "Kustomization" and api.startswith(FLUX_GROUP):
            data = document.data
            if not isinstance(data, dict):
                return False
            spec, metadata = data.get("spec"), data.get("metadata")
            spec = spec if isinstance(spec, dict) else {}
            metadata = metadata if isinstance(metadata, dict) else {}
            path = _normal("", str(spec.get("path") or ""))
            if path is None:
                return True
            self.flux.append(
                FluxKustomization(
                    source,
                    document,
                    str(metadata.get("name") or ""),
                    str(metadata.get("namespace") or "flux-system"),
                    path,
                )
            )
            return True
        if (
            is_kustomization_file(file)
            and kind in (None, "Kustomization", "Component")
            and (not api or api.startswith(_KUSTOMIZE_GROUP))
        ):
            directory = file.rpartition("/")[0]
            self.overlays.setdefault(directory, _Overlay(directory, source, document))
            return True
        return False

    # -- resolving -------------------------------------------------------------------------

    def resolve(self, root: Path, policies: list[Policy], resolver: StageResolver) -> list[Policy]:
        """The policies as each stage runs them (see the module's documentation)."""
        self._root = root
        build = _Build(self, policies)
        roots = build.roots()
        built = {directory: build.overlay(directory, ()) for directory in roots}
        owners: dict[tuple[Any, ...], set[str]] = defaultdict(set)
        for directory, objects in built.items():
            for obj in objects:
                owners[_key(obj)].add(directory)
        effective: list[tuple[Policy, str]] = []
        for directory, objects in built.items():
            for obj in objects:
                base = obj.policy
                if (
                    not obj.touched
                    and owners[_key(obj)] == {directory}
                    and obj.metadata.get("namespace") == base.namespace
                    and base.file.startswith(f"{directory}/" if directory else "")
                ):
                    effective.append((base, directory))  # built as written: nothing to resolve
                    continue
                effective.append(
                    (self._effective(obj, directory, owners[_key(obj)], resolver), directory)
                )
        kept = [
            (p, p.file.rpartition("/")[0])
            for p in policies
            if (p.file, p.document) not in build.consumed
            and not (p.patch and (p.file, p.line) in build.applied)
        ]
        everything = sorted([*kept, *effective], key=lambda pair: pair[0].file)
        return substitution.resolve(self, everything, resolver)

    def source(self, file: str) -> Source | None:
        """A file of the repository, read and composed once (None when it is not YAML)."""
        if file in self._sources:
            return self._sources[file]
        try:
            _, text = yaml_positions.decode((self._root / file).read_bytes())
            documents = yaml_positions.compose(text)
        except (OSError, yaml_positions.YamlError):
            self._sources[file] = None
            return None
        found = Source(file, text, documents)
        self._sources[file] = found
        return found

    def stage(
        self, resolver: StageResolver, name: str, labels: Mapping[str, str], places: list[str]
    ) -> tuple[str | None, str]:
        """The stage of a policy called ``name`` found from the first place that gives one."""
        first: tuple[str | None, str] | None = None
        for place in places:
            match = resolver.resolve(name=name, file=place, labels=labels)
            if match.stage is not None:
                return match.stage, match.source
            first = first or (match.stage, match.source)
        return first or (None, "no stage matched")

    def _effective(
        self, obj: _Object, directory: str, owners: set[str], resolver: StageResolver
    ) -> Policy:
        base = obj.policy
        kind = obj.kind
        data = obj.data
        metadata = obj.metadata
        name = str(metadata.get("name") or "")
        namespace = metadata.get("namespace")
        raw_labels = metadata.get("labels")
        labels = (
            {str(k): str(v) for k, v in raw_labels.items()} if isinstance(raw_labels, dict) else {}
        )
        overlay = self.overlays[directory].source.file
        # else the Flux Kustomizations that apply it decide (substitution._by_cluster)
        stage, stage_source = self.stage(resolver, name, labels, [overlay])
        policy_kind: PolicyKind = "semver"
        if kind.name == kinds.IMAGE_POLICY:
            spec_policy = kinds.get(data, ("spec", "policy"))
            policy_kind = next(
                (k for k in _POLICY_KINDS if isinstance(spec_policy, dict) and k in spec_policy),
                "none",
            )
        where = obj.where
        value = kinds.get(data, kind.range_path)
        range_text = (
            where.value
            if where is not None
            else (None if value is None or isinstance(value, dict | list) else str(value))
        )
        if range_text is None and kind.name != kinds.IMAGE_POLICY:
            range_text = "*"  # a chart without a version: Flux takes the newest release
        if policy_kind != "semver":
            range_text = None
        others = sorted(owners - {directory})
        shared = None
        if where is None or others:
            shared = overlay  # the overlay to patch instead
        origin = f"overlay {directory or '.'}"
        if obj.touched:
            origin += f", patched by {', '.join(obj.touched)}"
        if where is not None and not where.exact:
            origin += (
                f"; the range is in an inline patch of {where.file} that is not a "
                "literal block (patch: |), which flux-semver does not edit"
            )
        if where is not None and others:
            origin += f"; the range is in {where.file}, shared with {', '.join(others)}"
        elif where is None and range_text is not None:
            origin += f"; the range is not written (Flux's default {range_text})"
        filters = kinds.get(data, ("spec", "filterTags"))
        return replace(
            base,
            file=where.file if where is not None else base.file,
            line=where.line if where is not None else base.line,
            document=where.document if where is not None else base.document,
            name=name,
            namespace=None if namespace is None else str(namespace),
            kind=policy_kind,
            range_text=range_text,
            range_line=where.line if where is not None and where.exact else None,
            range_column=where.column if where is not None and where.exact else None,
            app=app_of(labels, _scalar(kinds.get(data, kind.app_path))),
            stage=stage,
            stage_source=stage_source,
            labels=labels,
            filter_pattern=_scalar(kinds.get(data, ("spec", "ref", "semverFilter")))
            if kind.filter_path
            else _scalar(kinds.get(filters, ("pattern",))),
            filter_extract=base.filter_extract
            if kind.filter_path
            else _scalar(kinds.get(filters, ("extract",))),
            body=data,
            value_path=where.path if where is not None else kind.range_path,
            inline=where.inline if where is not None else (),
            origin=origin,
            shared=shared,
            patch_target=obj.seen,
            extendable=shared is not None
            and overlay_patch.extendable(
                self.overlays[directory].document.node,
                len(self.overlays[directory].source.documents),
            ),
            api_version_line=base.api_version_line if where is None else None,
            api_version_column=base.api_version_column if where is None else None,
        )


def _key(obj: _Object) -> tuple[Any, ...]:
    where = obj.where
    if where is None:
        return ("unwritten", obj.policy.file, obj.policy.document)
    return (where.file, where.document, where.inline, where.path)


def _step(data: Any, path: tuple[locate.Step, ...]) -> Any:
    for key in path:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and 0 <= key < len(data) else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
    return _scalar(data)


def _scalar(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _normal(directory: str, relative: str) -> str | None:
    """``relative`` from ``directory`` as a path from the repository root; None for a remote
    resource or a path outside the repository."""
    if "://" in relative or relative.startswith(("github.com/", "git@", "ssh:")) or "?" in relative:
        return None
    joined = posixpath.normpath(posixpath.join(directory, relative.strip()))
    if joined.startswith("/"):
        joined = joined.lstrip("/")
    if joined == "." or joined == "":
        return ""
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


class _Build:
    """One resolution: overlays built (fresh objects per inclusion), what they consumed."""

    def __init__(self, layout: Layout, policies: list[Policy]) -> None:
        self.layout = layout
        self.by_file: dict[str, list[Policy]] = defaultdict(list)
        for policy in policies:
            if not policy.patch and policy.resource in kinds.KINDS:
                self.by_file[policy.file].append(policy)
        # Kustomize would reject a resource included twice; a hostile tree of overlays that
        # each include the next level twice must not take exponential time here either.
        self.budget = _BUDGET
        self.consumed: set[tuple[str, int]] = set()  # (file, document) of bases and patches
        self.applied: set[tuple[str, int]] = set()  # (file, line) of patch entries that applied

    def roots(self) -> list[str]:
        included: set[str] = set()
        for overlay in self.layout.overlays.values():
            data = overlay.data
            for entry in (
                *_strings(data.get("resources")),
                *_strings(data.get("bases")),
                *_strings(data.get("components")),
            ):
                target = _normal(overlay.directory, entry)
                if target is not None and target != overlay.directory:
                    included.add(target)
        return sorted(d for d in self.layout.overlays if d not in included)

    def overlay(self, directory: str, stack: tuple[str, ...]) -> list[_Object]:
        overlay = self.layout.overlays[directory]
        self.budget -= 1
        if directory in stack or len(stack) > _MAX_DEPTH or self.budget < 0:
            return []
        inner = (*stack, directory)
        data = overlay.data
        objects: list[_Object] = []
        for entry in (*_strings(data.get("resources")), *_strings(data.get("bases"))):
            objects.extend(self._include(directory, entry, inner))
        for entry in _strings(data.get("components")):
            target = _normal(directory, entry)
            component = self.layout.overlays.get(target or "\0")
            if component is None or component.directory in inner:
                continue
            for item in _strings(component.data.get("resources")):
                objects.extend(self._include(component.directory, item, (*inner, target or "")))
            self._patch(component, objects)
        self._patch(overlay, objects)
        namespace = data.get("namespace")
        prefix, suffix = data.get("namePrefix"), data.get("nameSuffix")
        for obj in objects:
            seen_namespace = obj.metadata.get("namespace")
            obj.seen = (
                str(obj.metadata.get("name") or ""),
                None if seen_namespace is None else str(seen_namespace),
            )
            if isinstance(namespace, str) and namespace:
                obj.metadata["namespace"] = namespace
            if isinstance(prefix, str) or isinstance(suffix, str):
                name = str(obj.metadata.get("name") or "")
                obj.metadata["name"] = f"{prefix or ''}{name}{suffix or ''}"
                obj.touched.append(overlay.source.file)
        return objects

    def _include(self, directory: str, entry: str, stack: tuple[str, ...]) -> list[_Object]:
        target = _normal(directory, entry)
        if target is None:
            return []
        if target in self.layout.overlays:
            return self.overlay(target, stack)
        found = []
        for policy in self.by_file.get(target, ()):
            self.consumed.add((policy.file, policy.document))
            self.budget -= 1
            if self.budget < 0:
                break
            where = None
            if policy.range_line is not None and policy.range_text is not None:
                where = Where(
                    policy.file,
                    policy.document,
                    kinds.KINDS[policy.resource].range_path,
                    (),
                    policy.range_text,
                    policy.range_line,
                    policy.range_column or 1,
                )
            found.append(_Object(policy, copy.deepcopy(dict(policy.body)), where))
        return found

    # -- patches ------------------------------------------------------------------------------

    def _patch(self, overlay: _Overlay, objects: list[_Object]) -> None:  # noqa: C901
        data = overlay.data
        items = yaml_positions.entry(overlay.document.node, "patches")
        nodes = items[1].value if items and isinstance(items[1], yaml.SequenceNode) else []
        for index, item in enumerate(_list(data.get("patches"))):
            if not isinstance(item, dict):
                continue
            node = nodes[index] if index < len(nodes) else None
            mark = yaml_positions.path(node, "target", "kind") or yaml_positions.entry(
                node, "patch"
            )
            line = (mark[0] if mark else node).start_mark.line + 1 if node is not None else 0
            target = item.get("target") if isinstance(item.get("target"), dict) else None
            for patch in self._contents(overlay, item, ("patches", index, "patch")):
                if self._apply(patch, target, objects):
                    self.applied.add((overlay.source.file, line))
        for index, entry in enumerate(_list(data.get("patchesStrategicMerge"))):
            if isinstance(entry, str):
                item = {"patch": entry} if "\n" in entry else {"path": entry}
                for patch in self._contents(overlay, item, ("patchesStrategicMerge", index)):
                    self._apply(patch, None, objects)
        for index, item in enumerate(_list(data.get("patchesJson6902"))):
            if isinstance(item, dict) and isinstance(item.get("target"), dict):
                for patch in self._contents(overlay, item, ("patchesJson6902", index, "patch")):
                    self._apply(patch, item["target"], objects)

    def _contents(
        self, overlay: _Overlay, item: Mapping[str, Any], inline: tuple[locate.Step, ...]
    ) -> Iterator[_Patch]:
        if isinstance(item.get("path"), str):
            file = _normal(overlay.directory, item["path"])
            source = self.layout.source(file) if file is not None else None
            if source is None:
                return
            for document in source.documents:
                try:
                    data = document.data
                except yaml_positions.YamlError:
                    continue
                self.consumed.add((source.file, document.index))
                line = (document.node.start_mark.line + 1) if document.node is not None else 1
                yield _Patch(source, document.index, data, (), line)
        elif isinstance(item.get("patch"), str):
            try:
                documents = yaml_positions.compose(item["patch"])
                data = documents[0].data if len(documents) == 1 else None
            except yaml_positions.YamlError:
                return
            line = 1
            found = locate.walk(overlay.document.node, inline)
            if found is not None:
                line = found[1].start_mark.line + 1
            yield _Patch(overlay.source, overlay.document.index, data, inline, line)

    def _apply(
        self, patch: _Patch, target: Mapping[str, Any] | None, objects: list[_Object]
    ) -> bool:
        applied = False
        for obj in objects:
            if isinstance(patch.data, list):
                if target is not None and _selects(target, obj):
                    self._json6902(patch, obj)
                    applied = True
            elif isinstance(patch.data, dict) and (
                _selects(target, obj) if target is not None else _same(patch.data, obj)
            ):
                self._merge(patch, obj)
                applied = True
        return applied

    def _merge(self, patch: _Patch, obj: _Object) -> None:
        content: dict[str, Any] = patch.data
        path = obj.kind.range_path
        obj.data = _merged(obj.data, content)
        obj.touched.append(patch.shown)
        written = content
        for key in path:
            if not isinstance(written, dict) or key not in written:
                return  # the patch leaves the range as it was
            written = written[key]
        obj.where = self._where(patch, path)

    def _json6902(self, patch: _Patch, obj: _Object) -> None:
        path = obj.kind.range_path
        obj.touched.append(patch.shown)
        for index, op in enumerate(patch.data):
            if not isinstance(op, dict) or not isinstance(op.get("path"), str):
                continue
            tokens = _pointer(op["path"])
            verb = op.get("op")
            if verb in ("add", "replace"):
                _set(obj.data, tokens, copy.deepcopy(op.get("value")))
                if tuple(tokens) == path[: len(tokens)]:
                    rest = path[len(tokens) :]
                    written = kinds.get(op.get("value"), rest) if rest else op.get("value")
                    obj.where = (
                        self._where(patch, (index, "value", *rest)) if written is not None else None
                    )
            elif verb == "remove":
                _remove(obj.data, tokens)
                if tuple(tokens) == path[: len(tokens)]:
                    obj.where = None

    def _where(self, patch: _Patch, path: tuple[locate.Step, ...]) -> Where | None:
        source = patch.source
        document = source.documents[patch.document] if source.documents else None
        node = document.node if document is not None else None
        if node is None:
            overlay = next(
                (
                    o
                    for o in self.layout.overlays.values()
                    if o.source is source and o.document.index == patch.document
                ),
                None,
            )
            node = overlay.document.node if overlay is not None else None
        if patch.inline:
            found = locate.inline_token(source.text, node, patch.inline, path)
            if found is None:  # written there, in a form an edit cannot point into
                value = _scalar(
                    kinds.get(patch.data, tuple(p for p in path if isinstance(p, str)))
                    if not isinstance(patch.data, list)
                    else _step(patch.data, path)
                )
                if value is None:
                    return None
                return Where(
                    source.file,
                    patch.document,
                    path,
                    patch.inline,
                    value,
                    patch.line,
                    1,
                    exact=False,
                )
            token, value = found
        else:
            located = locate.walk(node, path)
            if located is None or not isinstance(located[1], yaml.ScalarNode):
                return None
            token = yaml_positions.value_token(source.text, *located)
            value = str(located[1].value)
        return Where(
            source.file, patch.document, path, patch.inline, value, token.line, token.column
        )


def _same(patch: Mapping[str, Any], obj: _Object) -> bool:
    """A strategic-merge patch without a target applies to the object of its kind and name."""
    metadata = patch.get("metadata") if isinstance(patch.get("metadata"), dict) else {}
    if patch.get("kind") != obj.policy.resource or not isinstance(metadata, dict):
        return False
    if metadata.get("name") != obj.metadata.get("name"):
        return False
    namespace = metadata.get("namespace")
    return namespace in (None, obj.metadata.get("namespace")) or not obj.metadata.get(
        "namespace"
    )  # a namespace the kustomization sets after its patches


def _selects(target: Mapping[str, Any], obj: _Object) -> bool:
    """Kustomize's patch target selector: kind, name and namespace (anchored regular
    expressions), group and version, ``key=value`` label and annotation selectors."""
    api = str(obj.data.get("apiVersion") or "")
    group, _, version = api.rpartition("/")
    checks = (
        ("kind", obj.policy.resource),
        ("name", str(obj.metadata.get("name") or "")),
        ("namespace", str(obj.metadata.get("namespace") or "")),
        ("group", group),
        ("version", version),
    )
    for key, actual in checks:
        wanted = target.get(key)
        if wanted is None or wanted == "":
            continue
        try:
            if re.fullmatch(str(wanted), actual) is None:
                return False
        except re.error:
            if str(wanted) != actual:
                return False
    for key, field_name in (("labelSelector", "labels"), ("annotationSelector", "annotations")):
        selector = target.get(key)
        if isinstance(selector, str) and selector.strip():
            present = obj.metadata.get(field_name)
            values = present if isinstance(present, dict) else {}
            if not _matches(selector, values):
                return False
    return True


def _matches(selector: str, values: Mapping[str, Any]) -> bool:
    for term in selector.split(","):
        term = term.strip()
        if "!=" in term:
            key, _, value = term.partition("!=")
            if str(values.get(key.strip())) == value.strip():
                return False
        elif "=" in term:
            key, _, value = term.replace("==", "=").partition("=")
            if str(values.get(key.strip())) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in values:
                return False
        elif term and term not in values:
            return False
    return True


def _merged(base: Any, patch: Any) -> Any:
    """A strategic merge, as far as ranges need it: mappings merge key by key, ``null``
    deletes, anything else replaces."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merged(base.get(key), value)
    return out


def _pointer(text: str) -> list[str | int]:
    """A JSON pointer's tokens (``~1`` is ``/``, ``~0`` is ``~``); digits are list indexes."""
    tokens: list[str | int] = []
    for raw in text.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        tokens.append(int(token) if token.isdigit() else token)
    return tokens


def _set(data: Any, tokens: list[str | int], value: Any) -> None:
    for token in tokens[:-1]:
        if isinstance(data, dict):
            data = data.setdefault(str(token), {})
        elif isinstance(data, list) and isinstance(token, int) and token < len(data):
            data = data[token]
        else:
            return
    if not tokens:
        return
    last = tokens[-1]
    if isinstance(data, dict):
        data[str(last)] = value
    elif isinstance(data, list):
        if last == "-":
            data.append(value)
        elif isinstance(last, int) and last <= len(data):
            data.insert(last, value)


def _remove(data: Any, tokens: list[str | int]) -> None:
    for token in tokens[:-1]:
        data = (
            data.get(str(token))
            if isinstance(data, dict)
            else (
                data[token]
                if isinstance(data, list) and isinstance(token, int) and token < len(data)
                else None
            )
        )
    if tokens and isinstance(data, dict):
        data.pop(str(tokens[-1]), None)
    elif (
        tokens and isinstance(data, list) and isinstance(tokens[-1], int) and tokens[-1] < len(data)
    ):
        del data[tokens[-1]]
