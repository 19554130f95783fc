"""Discovery: every ImagePolicy in a GitOps repository, with where its range is written.

``scan`` walks the tree (``.yaml``/``.yml`` files, ``.git`` skipped, symlinks never followed
out of the root), reads only the files whose bytes mention ``ImagePolicy`` as YAML, and
returns a ``Repository``: the policies in file order, and one ``FileError`` per file that
mentions ImagePolicy but is not valid YAML (a Helm or Go template) or cannot be read.
Kustomize patches that target an ImagePolicy are listed too, with ``patch=True``; they are
reported, never rewritten.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flux_semver.errors import FluxSemverError
from flux_semver.model import Config, FileError, Policy, PolicyKind
from flux_semver.repo import config as config_module
from flux_semver.repo import yaml_positions as yamlfast
from flux_semver.repo.stages import StageResolver, app_of

API_GROUP = "image.toolkit.fluxcd.io/"
KIND = "ImagePolicy"
RANGE_PATH = ("spec", "policy", "semver", "range")
EXTENSIONS = (".yaml", ".yml")
_MARKER = KIND.encode()
_CHUNK = 1 << 16
# A Kubernetes object is at most 1.5 MiB; a YAML file past this is not a manifest to read.
MAX_BYTES = 8 << 20
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)
_POLICY_KINDS: tuple[PolicyKind, ...] = ("semver", "alphabetical", "numerical")


@dataclass(frozen=True)
class Repository:
    """What a scan found: policies in file order and the files it could not read."""

    root: Path
    config: Config
    policies: tuple[Policy, ...]
    errors: tuple[FileError, ...]
    files_scanned: int

    def apps(self) -> list[str]:
        """Sorted names of the apps that have at least one semver policy."""
        return sorted({p.app for p in self.policies
                       if p.app and p.kind == "semver" and not p.patch})

    def policies_for(self, app: str) -> list[Policy]:
        """The app's policies in the config's stage order (unmapped last), then file order."""
        order = {name: i for i, name in enumerate(self.config.stage_names)}
        mine = [p for p in self.policies if p.app == app]
        return sorted(mine, key=lambda p: order.get(p.stage or "", len(order)))


def semver_policies(repo: Repository, app: str) -> list[Policy]:
    """The app's policies a release can rewrite: semver ones that are not Kustomize patches,
    in stage order."""
    return [p for p in repo.policies_for(app)
            if p.kind == "semver" and not p.patch and p.range_text is not None]


def load(root: Path, config_path: Path | None = None) -> Repository:
    """The repository at ``root`` with its config (``config_path``, else its own
    ``.flux-semver.yaml``, else the defaults), scanned: what every command starts from."""
    if not root.is_dir():
        raise FluxSemverError(f"{root}: no such directory — give the GitOps repository's "
                              "root (flux-semver -C DIR)")
    return scan(root, config_module.load(root, config_path))


def scan(root: Path, config: Config, *, follow_symlinks: bool = False) -> Repository:
    """Every ImagePolicy under ``root``; a file that cannot be parsed becomes a FileError."""
    if not root.is_dir():
        raise FluxSemverError(f"{root}: no such directory — give the GitOps repository's "
                              "root (flux-semver -C DIR)")
    resolver = StageResolver(config)
    policies: list[Policy] = []
    errors: list[FileError] = []
    count = 0
    # What cannot be read may hold a policy: it is reported (FS009) and stops a release,
    # rather than leave a stage out unseen.
    unlisted: list[tuple[str, str]] = []
    for path, rel in sorted(_files(root, follow_symlinks, unlisted), key=lambda pair: pair[1]):
        count += 1
        try:
            raw = _read(path)
        except _TooLarge as exc:
            if exc.mentions:
                errors.append(FileError(rel, 1, 1, exc.message, True))
            continue
        except OSError as exc:
            errors.append(FileError(rel, 1, 1, f"cannot read the file ({exc.strerror}) — make "
                                    "it readable, or remove it from the repository", True))
            continue
        if _MARKER not in raw:
            continue
        try:
            policies.extend(read(raw, rel, resolver))
        except yamlfast.YamlError as exc:
            errors.append(FileError(rel, exc.line, exc.column, exc.message, True,
                                    template=exc.template))
    errors.extend(FileError(rel, 1, 1, f"cannot list the directory ({why}) — make it "
                            "readable, or remove it from the repository", True)
                  for rel, why in sorted(unlisted))
    return Repository(root, config, tuple(policies), tuple(errors), count)


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
    tail = head[-len(_MARKER):]
    while chunk := os.read(handle, 1 << 20):
        size += len(chunk)
        mentions = mentions or _MARKER in tail + chunk
        tail = chunk[-len(_MARKER):]
    return size, mentions


def read(raw: bytes, file: str, resolver: StageResolver) -> list[Policy]:
    """The policies in one file's bytes; raises ``yamlfast.YamlError`` if it is not YAML."""
    _, text = yamlfast.decode(raw)
    documents = yamlfast.compose(text)
    found: list[Policy] = []
    for document in documents:
        kind = yamlfast.scalar(document.node, "kind")
        if kind not in (KIND, "Kustomization"):
            continue  # build data only for the documents that matter
        data = document.data
        if kind == KIND and _is_flux(data.get("apiVersion")):
            found.append(_policy(document, text, file, resolver))
        elif isinstance(data.get("patches"), list) and "kustomize" in str(data.get("apiVersion")):
            found.extend(_patches(document, file, resolver))
    return found


def _is_flux(api_version: Any) -> bool:
    return api_version is None or str(api_version).startswith(API_GROUP)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _policy(document: yamlfast.Document, text: str, file: str,
            resolver: StageResolver) -> Policy:
    data: dict[str, Any] = document.data
    kind_entry = yamlfast.entry(document.node, "kind")
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
        located = yamlfast.path(document.node, *RANGE_PATH)
        if located is not None and isinstance(located[1], yaml.ScalarNode):
            token = yamlfast.value_token(text, *located)
            range_text = str(located[1].value)
            range_line, range_column = token.line, token.column
    api_line: int | None = None
    api_column: int | None = None
    api_entry = yamlfast.entry(document.node, "apiVersion")
    if api_entry is not None:
        api_token = yamlfast.value_token(text, *api_entry)
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


def _patches(document: yamlfast.Document, file: str,
             resolver: StageResolver) -> Iterator[Policy]:
    """Kustomize ``patches`` entries aimed at an ImagePolicy (by target or by content)."""
    items = yamlfast.entry(document.node, "patches")
    nodes = items[1].value if items and isinstance(items[1], yaml.SequenceNode) else []
    for item, node in zip(document.data["patches"], nodes, strict=False):
        item = _mapping(item)
        target = _mapping(item.get("target"))
        content = _patch_content(item.get("patch"))
        if target.get("kind") != KIND and _mapping(content).get("kind") != KIND:
            continue
        values = _patched_values(content)
        target_entry = yamlfast.path(node, "target", "kind") or yamlfast.entry(node, "patch")
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
        documents = yamlfast.compose(patch)
        return documents[0].data if len(documents) == 1 else None
    except yamlfast.YamlError:
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


def _files(root: Path, follow_symlinks: bool,
           unlisted: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(path, relative posix path) of every YAML file; never leaves ``root``. Directories
    that cannot be listed go to ``unlisted`` as (relative path, reason)."""
    top = os.path.realpath(root)
    seen = {top}
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            unlisted.append((prefix or ".", exc.strerror or "cannot list it"))
            continue
        for entry in entries:
            name = entry.name
            rel = prefix + name
            if entry.is_symlink():
                if not follow_symlinks:
                    continue
                real = os.path.realpath(entry.path)
                if not real.startswith(top + os.sep):
                    continue  # a link out of the repository
                if Path(real).is_dir():
                    if real not in seen and name != ".git":
                        seen.add(real)
                        stack.append((entry.path, rel + "/"))
                elif name.endswith(EXTENSIONS) and Path(real).is_file():
                    yield entry.path, rel
            elif entry.is_dir(follow_symlinks=False):
                if name != ".git":
                    stack.append((entry.path, rel + "/"))
            elif name.endswith(EXTENSIONS) and entry.is_file(follow_symlinks=False):
                yield entry.path, rel  # never a FIFO or a device: reading one would block
