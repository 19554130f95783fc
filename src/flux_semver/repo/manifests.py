"""Discovery: every semver range Flux evaluates in a GitOps repository, with where it is written.

``scan`` walks the tree (``.yaml``/``.yml`` files, ``.git`` skipped, symlinks never followed
out of the root), reads as YAML only the files whose bytes mention a kind with a range
(ImagePolicy, HelmRelease, HelmChart, OCIRepository, GitRepository) or a Kustomization, and
the kustomization files that can change a policy, and returns a ``Repository``: the policies in
file order — as each stage runs them, once ``layouts`` has built the overlays and filled in
post-build variables — and one ``FileError`` per file that holds a policy but is not valid
YAML (a Helm or Go template) or cannot be read. Kustomize patches that target an ImagePolicy
outside the repository are listed too, with ``patch=True``; they are reported, never rewritten.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
import yaml

from flux_semver.errors import FluxSemverError
from flux_semver.model import Config, FileError, Policy, PolicyKind
from flux_semver.repo import config as config_module
from flux_semver.repo import git_files, kinds, layouts, tree_files, yaml_positions
from flux_semver.repo.hook_cache import HookCache
from flux_semver.repo.layouts import Layout
from flux_semver.repo.stages import StageResolver, app_of

API_GROUP = "image.toolkit.fluxcd.io/"
KIND = "ImagePolicy"
RANGE_PATH = ("spec", "policy", "semver", "range")
EXTENSIONS = tree_files.EXTENSIONS
_MARKER = KIND.encode()
_TOP_KIND = re.compile(
    rb"(?m)^kind:[ \t]*[\"']?(?:" + b"|".join(name.encode() for name in kinds.RANGE_KINDS) + rb")\b"
)
# The files worth parsing: they mention a kind with a range, or a Kustomization (an overlay
# that patches one, a Flux Kustomization whose post-build variables fill one in).
_MARKERS = re.compile(b"|".join(name.encode() for name in (*kinds.KINDS, "Kustomization")))
_CHUNK = 1 << 16
# A Kubernetes object is at most 1.5 MiB; a YAML file past this is not a manifest to read.
MAX_BYTES = 8 << 20
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)
_POLICY_KINDS: tuple[PolicyKind, ...] = ("semver", "alphabetical", "numerical")


class Repository(msgspec.Struct, frozen=True):
    """What a scan found: policies in file order and the files it could not read."""

    root: Path
    config: Config
    policies: tuple[Policy, ...]
    errors: tuple[FileError, ...]
    files_scanned: int

    def apps(self) -> list[str]:
        """Sorted names of the apps that have at least one semver policy."""
        return sorted(
            {p.app for p in self.policies if p.app and p.kind == "semver" and not p.patch}
        )

    def policies_for(self, app: str) -> list[Policy]:
        """The app's policies in the config's stage order (unmapped last), then file order."""
        order = {name: i for i, name in enumerate(self.config.stage_names)}
        mine = [p for p in self.policies if p.app == app]
        return sorted(mine, key=lambda p: order.get(p.stage or "", len(order)))


def semver_policies(repo: Repository, app: str) -> list[Policy]:
    """The app's policies a release can rewrite: semver ones that are not Kustomize patches,
    in stage order."""
    return [
        p
        for p in repo.policies_for(app)
        if p.kind == "semver" and not p.patch and p.range_text is not None
    ]


def load(
    root: Path,
    config_path: Path | None = None,
    *,
    exclude: Sequence[str] = (),
    parse_only: Callable[[str, bytes], bool] | None = None,
    hook_cache: bool = False,
) -> Repository:
    """The repository at ``root`` with its config (``config_path``, else its own
    ``.flux-semver.yaml``, else the defaults; ``exclude`` globs added to the config's),
    scanned (``parse_only``, ``hook_cache``: see :func:`scan`): what every command and
    face starts from."""
    need_root(root)
    config = config_module.load(root, config_path)
    if exclude:
        config = msgspec.structs.replace(config, exclude=(*config.exclude, *exclude))
    return scan(root, config, parse_only=parse_only, hook_cache=hook_cache)


def need_root(root: Path) -> None:
    """The one input error for a repository root that is no directory."""
    if not root.is_dir():
        raise FluxSemverError(
            f"{root} is not a directory: give the GitOps repository's root (flux-semver -C DIR)"
        )


def scan(
    root: Path,
    config: Config,
    *,
    follow_symlinks: bool = False,
    parse_only: Callable[[str, bytes], bool] | None = None,
    hook_cache: bool = False,
) -> Repository:
    """Every policy under ``root`` (see the module's documentation); a file that cannot be
    parsed becomes a FileError.

    ``parse_only(relative path, bytes)``, when given, says which of the files that mention
    ImagePolicy to parse (a pre-commit hook parses only those that could hold a policy of the
    apps a commit touches); the others are counted as scanned and passed over.
    ``hook_cache`` keeps what a scan learnt in the git directory
    (:mod:`~flux_semver.repo.hook_cache`) and lists the tree from git's index
    (:mod:`~flux_semver.repo.git_files`): files git vouches are unchanged since an earlier
    scan found them to mention nothing it looks for are passed over unread, and the small
    ones that do are taken from the cache. A hook run on every commit reads only what changed.
    """
    need_root(root)
    resolver = StageResolver(config)
    layout = Layout()
    policies: list[Policy] = []
    errors: list[FileError] = []
    count = 0
    # What cannot be read may hold a policy: it is reported (FS009) and stops a release,
    # rather than leave a stage out unseen.
    unlisted: list[tuple[str, str]] = []
    deferred: list[tuple[str, bytes]] = []
    walk = tree_files.Tree(root, follow_symlinks, config.exclude)
    # git lists links as they are: a scan that follows them walks; and where git cannot list
    # the tree, the cache is neither read nor written (it would only be emptied)
    listing = git_files.listing(root) if hook_cache and not follow_symlinks else None
    cache = HookCache.of(root, _MARKERS.pattern, config.exclude, wanted=listing is not None)
    quiet_configmaps: list[str] = []
    if listing is not None:
        vouched, quiet, configmaps = cache.sift(listing.vouched)
        count += len(quiet) + len(configmaps)
        quiet_configmaps = [listing.path(record) for record in configmaps]
        listing = msgspec.structs.replace(listing, vouched=vouched)
    prefix = f"{root}{os.sep}"
    for rel, record in sorted(walk.files(listing)):
        count += 1
        raw = cache.content(record) or _read_or_report(prefix + rel, rel, errors)
        if raw is None:
            continue
        configmap = b"ConfigMap" in raw
        if configmap:
            layout.configmap_files.append(rel)  # read only if a substituteFrom needs it
        kustomization = layouts.is_kustomization_file(rel)
        if not kustomization and _MARKERS.search(raw) is None:
            cache.remember_quiet(record, configmap=configmap)
            continue
        cache.keep(record, raw)
        if kustomization:
            deferred.append((rel, raw))  # read only if it can touch a policy (see below)
            continue
        if parse_only is not None and not parse_only(rel, raw):
            continue
        _read_into(raw, rel, resolver, layout, policies, errors)
    if quiet_configmaps:
        layout.configmap_files = sorted([*layout.configmap_files, *quiet_configmaps])
    cache.save()
    _read_kustomizations(deferred, resolver, layout, policies, errors)
    unlisted.extend(walk.unlisted)
    errors.extend(
        FileError(
            rel,
            1,
            1,
            f"cannot list the directory ({why}) — make it "
            "readable, or remove it from the repository",
            True,
        )
        for rel, why in sorted(unlisted)
    )
    errors.extend(
        FileError(
            rel,
            1,
            1,
            f"a symbolic link to {target}, outside the repository, "
            "which flux-semver never reads — copy what it holds into the "
            "repository, or exclude it (exclude: in .flux-semver.yaml)",
            True,
        )
        for rel, target in sorted(walk.outside)
    )
    effective = layout.resolve(root, policies, resolver) if layout.active else policies
    effective = kinds.distinct_apps(effective)
    return Repository(root, config, tuple(effective), tuple(errors), count)


def _read_kustomizations(
    deferred: list[tuple[str, bytes]],
    resolver: StageResolver,
    layout: Layout,
    policies: list[Policy],
    errors: list[FileError],
) -> None:
    """Most kustomizations only list manifests: those that can change a policy are read
    (patches, components, or naming a policy file or a directory that leads to one)."""
    if not deferred:
        return
    for rel, raw in layouts.relevant(deferred, {p.file for p in policies}):
        _read_into(raw, rel, resolver, layout, policies, errors)
    policies.sort(key=lambda p: p.file)


def _read_or_report(path: str, rel: str, errors: list[FileError]) -> bytes | None:
    """The file's bytes, or None with the reason in ``errors`` when a policy could be lost
    (a file too large to be a manifest is passed over unless it mentions ImagePolicy)."""
    try:
        return _read(path)
    except _TooLarge as exc:
        if exc.mentions:
            errors.append(FileError(rel, 1, 1, exc.message, True))
    except OSError as exc:
        errors.append(
            FileError(
                rel,
                1,
                1,
                f"cannot read the file ({exc.strerror}) — make "
                "it readable, or remove it from the repository",
                True,
            )
        )
    return None


def mentions_a_kind(raw: bytes) -> bool:
    """Whether a file's bytes mention what a scan reads a file for: a kind with a range, a
    Kustomization or a ConfigMap (post-build variables)."""
    return _MARKERS.search(raw) is not None or b"ConfigMap" in raw


def _read_into(
    raw: bytes,
    rel: str,
    resolver: StageResolver,
    layout: Layout,
    policies: list[Policy],
    errors: list[FileError],
) -> None:
    try:
        policies.extend(read(raw, rel, resolver, layout))
    except yaml_positions.YamlError as exc:
        if _MARKER in raw or _TOP_KIND.search(raw):  # else no policy can be lost
            errors.append(
                FileError(rel, exc.line, exc.column, exc.message, True, template=exc.template)
            )


class _TooLarge(Exception):  # noqa: N818 - internal signal, becomes a FileError
    def __init__(self, size: int, mentions: bool) -> None:
        self.mentions = mentions
        self.message = (
            f"the file is {size / (1 << 20):.1f} MiB, over the {MAX_BYTES >> 20} MiB flux-semver "
            "reads (a Kubernetes object is at most 1.5 MiB) — move the ImagePolicy into a "
            "file of its own"
        )
        super().__init__(self.message)


def _read(path: str) -> bytes:
    """A file's bytes through bare system calls: half the cost of ``open`` over 10,000 files.

    A file over MAX_BYTES is never held in memory: it raises _TooLarge, saying whether it
    mentions ImagePolicy (looked for chunk by chunk).
    """
    handle = os.open(path, _READ_FLAGS)
    try:
        data = os.read(handle, _CHUNK)
        if len(data) == _CHUNK:
            parts = [data]
            size = len(data)
            while chunk := os.read(handle, _CHUNK):
                parts.append(chunk)
                size += len(chunk)
                if size > MAX_BYTES:
                    raise _TooLarge(*_rest(handle, size, b"".join(parts)))
            data = b"".join(parts)
        return data
    finally:
        os.close(handle)


def _rest(handle: int, size: int, head: bytes) -> tuple[int, bool]:
    """(the file's size, whether it mentions ImagePolicy), read on in bounded chunks."""
    mentions = _MARKER in head
    tail = head[-len(_MARKER) :]
    while chunk := os.read(handle, 1 << 20):
        size += len(chunk)
        mentions = mentions or _MARKER in tail + chunk
        tail = chunk[-len(_MARKER) :]
    return size, mentions


def read(
    raw: bytes, file: str, resolver: StageResolver, layout: Layout | None = None
) -> list[Policy]:
    """The policies in one file's bytes; raises ``yaml_positions.YamlError`` if it is not YAML.

    With a ``layout``, the file's Kustomizations (Kustomize's and Flux's) are handed to it, so
    that ``scan`` can work out each stage's effective ranges (``layouts``)."""
    _, text = yaml_positions.decode(raw)
    documents = yaml_positions.compose(text)
    found: list[Policy] = []
    for document in documents:
        kind = yaml_positions.scalar(document.node, "kind")
        if kind in kinds.KINDS:
            data = document.data
            if not isinstance(data, dict):
                continue
            if kind == KIND and _is_flux(data.get("apiVersion")):
                found.append(_policy(document, text, file, resolver))
            elif kind != KIND and kinds.KINDS[kind].owns(data.get("apiVersion")):
                policy = _ranged(kinds.KINDS[kind], document, text, file, resolver)
                if policy is not None:
                    found.append(policy)
        elif kind == "Kustomization" or (
            kind in (None, "Component")
            and layout is not None
            and layouts.is_kustomization_file(file)
        ):
            # the data of a kustomization is built only when it has patches (layouts reads
            # the few plain keys it needs from the nodes): most have none
            if layout is not None:
                layout.add(layouts.Source(file, text, documents), document)
            if (
                yaml_positions.entry(document.node, "patches") is not None
                and "kustomize" in str(yaml_positions.scalar(document.node, "apiVersion"))
                and isinstance(document.data, dict)
                and isinstance(document.data.get("patches"), list)
            ):
                found.extend(_patches(document, file, resolver))
    return found


def _is_flux(api_version: Any) -> bool:
    return api_version is None or str(api_version).startswith(API_GROUP)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _policy(
    document: yaml_positions.Document, text: str, file: str, resolver: StageResolver
) -> Policy:
    data: dict[str, Any] = document.data
    kind_entry = yaml_positions.entry(document.node, "kind")
    line = kind_entry[0].start_mark.line + 1 if kind_entry else 1
    metadata = _mapping(data.get("metadata"))
    labels = {str(k): str(v) for k, v in _mapping(metadata.get("labels")).items()}
    spec = _mapping(data.get("spec"))
    policy_spec = _mapping(spec.get("policy"))
    kind: PolicyKind = next((k for k in _POLICY_KINDS if k in policy_spec), "none")
    range_text: str | None = None
    range_line: int | None = None
    range_column: int | None = None
    if kind == "semver":
        located = yaml_positions.path(document.node, *RANGE_PATH)
        if located is not None and isinstance(located[1], yaml.ScalarNode):
            token = yaml_positions.value_token(text, *located)
            range_text = str(located[1].value)
            range_line, range_column = token.line, token.column
    api_line: int | None = None
    api_column: int | None = None
    api_entry = yaml_positions.entry(document.node, "apiVersion")
    if api_entry is not None:
        api_token = yaml_positions.value_token(text, *api_entry)
        api_line, api_column = api_token.line, api_token.column
    filter_tags = _mapping(spec.get("filterTags"))
    name = _text(metadata.get("name")) or ""
    match = resolver.resolve(name=name, file=file, labels=labels)
    return Policy(
        file=file,
        line=line,
        document=document.index,
        name=name,
        namespace=_text(metadata.get("namespace")),
        api_version=_text(data.get("apiVersion")) or "",
        kind=kind,
        range_text=range_text,
        range_line=range_line,
        range_column=range_column,
        app=app_of(labels, _text(_mapping(spec.get("imageRepositoryRef")).get("name"))),
        stage=match.stage,
        stage_source=match.source,
        stage_conflict=match.conflict,
        labels=labels,
        filter_pattern=_text(filter_tags.get("pattern")),
        filter_extract=_text(filter_tags.get("extract")),
        body=data,
        api_version_line=api_line,
        api_version_column=api_column,
    )


def _ranged(
    kind: kinds.Kind,
    document: yaml_positions.Document,
    text: str,
    file: str,
    resolver: StageResolver,
) -> Policy | None:
    """A HelmRelease, HelmChart, OCIRepository or GitRepository as a policy; None when it
    selects no version by a range (a HelmRelease with a ``chartRef``, a source that follows a
    branch, a tag or a digest). A chart with no version takes Flux's default, ``*``."""
    data: dict[str, Any] = document.data
    located = yaml_positions.path(document.node, *kind.range_path)
    written = located is not None and isinstance(located[1], yaml.ScalarNode)
    if not written and (
        kind.name in ("OCIRepository", "GitRepository")
        or not isinstance(kinds.get(data, kind.range_path[:-1]), dict)
    ):
        return None
    metadata = _mapping(data.get("metadata"))
    labels = {str(k): str(v) for k, v in _mapping(metadata.get("labels")).items()}
    range_text, range_line, range_column = "*", None, None
    if located is not None and written:
        token = yaml_positions.value_token(text, *located)
        range_text = str(located[1].value)
        range_line, range_column = token.line, token.column
    kind_entry = yaml_positions.entry(document.node, "kind")
    api_entry = yaml_positions.entry(document.node, "apiVersion")
    api_token = yaml_positions.value_token(text, *api_entry) if api_entry is not None else None
    name = _text(metadata.get("name")) or ""
    match = resolver.resolve(name=name, file=file, labels=labels)
    return Policy(
        file=file,
        line=kind_entry[0].start_mark.line + 1 if kind_entry else 1,
        document=document.index,
        name=name,
        namespace=_text(metadata.get("namespace")),
        api_version=_text(data.get("apiVersion")) or "",
        kind="semver",
        range_text=range_text,
        range_line=range_line,
        range_column=range_column,
        app=app_of(labels, _text(kinds.get(data, kind.app_path))),
        stage=match.stage,
        stage_source=match.source,
        stage_conflict=match.conflict,
        labels=labels,
        filter_pattern=_text(kinds.get(data, kind.filter_path)) if kind.filter_path else None,
        body=data,
        api_version_line=api_token.line if api_token else None,
        api_version_column=api_token.column if api_token else None,
        resource=kind.name,
    )


def _patches(
    document: yaml_positions.Document, file: str, resolver: StageResolver
) -> Iterator[Policy]:
    """Kustomize ``patches`` entries aimed at an ImagePolicy (by target or by content)."""
    items = yaml_positions.entry(document.node, "patches")
    nodes = items[1].value if items and isinstance(items[1], yaml.SequenceNode) else []
    for item, node in zip(document.data["patches"], nodes, strict=False):
        item = _mapping(item)
        target = _mapping(item.get("target"))
        content = _patch_content(item.get("patch"))
        if target.get("kind") != KIND and _mapping(content).get("kind") != KIND:
            continue
        values = _patched_values(content)
        target_entry = yaml_positions.path(node, "target", "kind") or yaml_positions.entry(
            node, "patch"
        )
        line = (target_entry[0] if target_entry else node).start_mark.line + 1
        name = values.get("/metadata/name") or _text(target.get("name")) or "*"
        metadata = _mapping(_mapping(content).get("metadata"))  # a strategic-merge patch
        labels = {str(k): str(v) for k, v in _mapping(metadata.get("labels")).items()}
        range_text = values.get("/spec/policy/semver/range")
        kind: PolicyKind = "none"
        for candidate in _POLICY_KINDS:
            if any(key.startswith(f"/spec/policy/{candidate}") for key in values):
                kind = candidate
        group, version = _text(target.get("group")), _text(target.get("version"))
        match = resolver.resolve(name=name, file=file, labels=labels)
        yield Policy(
            file=file,
            line=line,
            document=document.index,
            name=name,
            namespace=_text(target.get("namespace")) or values.get("/metadata/namespace"),
            api_version=f"{group or API_GROUP.rstrip('/')}/{version}" if version else "",
            kind=kind,
            range_text=range_text,
            range_line=None,
            range_column=None,
            app=app_of(labels, values.get("/spec/imageRepositoryRef/name")),
            stage=match.stage,
            stage_source=match.source,
            stage_conflict=match.conflict,
            labels=labels,
            patch=True,
            body=dict(item),
        )


def _patch_content(patch: Any) -> Any:
    """The data of a patch written as a string; None when it is not one YAML document (or is
    hostile: an alias bomb in a patch took seconds per level before the guard saw it)."""
    if not isinstance(patch, str):
        return None
    try:
        documents = yaml_positions.compose(patch)
        return documents[0].data if len(documents) == 1 else None
    except yaml_positions.YamlError:
        return None


def _patched_values(content: Any) -> dict[str, str]:
    """JSON pointer -> value for what a patch sets (JSON 6902 ops or a strategic merge)."""
    values: dict[str, str] = {}
    if isinstance(content, list):
        for op in content:
            op = _mapping(op)
            if op.get("op") in ("add", "replace") and isinstance(op.get("path"), str):
                _flatten(op["path"], op.get("value"), values)
    elif isinstance(content, dict):
        _flatten("", content, values)
    return values


def _flatten(prefix: str, value: Any, into: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}/{key}", item, into)
    elif value is not None:
        into[prefix] = str(value)
