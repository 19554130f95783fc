"""The repository's ``ImageRepository`` documents: which image each app's policies read.

Read only when a command consults a registry: a walk of the YAML files that mention
``ImageRepository`` (``.git`` skipped, symlinks not followed), each document's ``spec.image``,
``spec.exclusionList``, ``spec.provider`` and ``spec.insecure`` with the line it stands on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec

from flux_semver.errors import FluxSemverError
from flux_semver.model import Policy
from flux_semver.repo import yaml_positions

KIND = "ImageRepository"
_EXTENSIONS = (".yaml", ".yml")


class ImageRepository(msgspec.Struct, frozen=True):
    """One ImageRepository document: where it is and what it tells Flux to scan."""

    file: str
    line: int
    name: str
    namespace: str | None
    image: str
    exclusion_list: tuple[str, ...] | None  # None: not written (Flux's default applies)
    provider: str
    insecure: bool

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def scan(root: Path) -> list[ImageRepository]:
    """Every ImageRepository under ``root`` in file order; unreadable YAML is skipped here
    (``check`` reports it)."""
    found: list[ImageRepository] = []
    for file, line, data in documents(root, KIND):
        repository = _read(data, file, line)
        if repository is not None:
            found.append(repository)
    return found


def documents(root: Path, kind: str) -> Iterator[tuple[str, int, Any]]:
    """(file, line of ``kind:``, data) of every document of ``kind`` under ``root``, reading
    only the files that mention it."""
    marker = kind.encode()
    for rel in sorted(_files(root)):
        try:
            raw = (root / rel).read_bytes()
        except OSError:
            continue
        if marker not in raw:
            continue
        try:
            _, text = yaml_positions.decode(raw)
            parsed = yaml_positions.compose(text)
        except yaml_positions.YamlError:
            continue
        for document in parsed:
            if yaml_positions.scalar(document.node, "kind") != kind:
                continue
            entry = yaml_positions.entry(document.node, "kind")
            yield rel, entry[0].start_mark.line + 1 if entry else 1, document.data


def _files(root: Path) -> list[str]:
    out: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        base = Path(directory).relative_to(root)
        out.extend(
            (base / f).as_posix()
            for f in files
            if f.endswith(_EXTENSIONS) and not (Path(directory) / f).is_symlink()
        )
    return out


def _read(data: Any, file: str, line: int) -> ImageRepository | None:
    if not isinstance(data, dict) or not str(data.get("apiVersion", "")).startswith(
        "image.toolkit.fluxcd.io/"
    ):
        return None
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    assert isinstance(metadata, dict) and isinstance(spec, dict)
    image = spec.get("image")
    if not isinstance(image, str) or not image:
        raise FluxSemverError(
            f"{file}:{line}: ImageRepository {metadata.get('name')!s} has "
            "no spec.image — write the image to scan, e.g. ghcr.io/org/app"
        )
    raw_list = spec.get("exclusionList")
    exclusion: tuple[str, ...] | None = None
    if isinstance(raw_list, list):
        exclusion = tuple(str(item) for item in raw_list)
    elif raw_list is not None:
        raise FluxSemverError(
            f"{file}:{line}: spec.exclusionList must be a list of regular expressions"
        )
    namespace = metadata.get("namespace")
    return ImageRepository(
        file=file,
        line=line,
        name=str(metadata.get("name") or ""),
        namespace=str(namespace) if namespace else None,
        image=image,
        exclusion_list=exclusion,
        provider=str(spec.get("provider") or "generic"),
        insecure=spec.get("insecure") is True,
    )


def for_policy(repositories: Sequence[ImageRepository], policy: Policy) -> ImageRepository | None:
    """The ImageRepository a policy's ``spec.imageRepositoryRef`` names: same name, in the
    ref's namespace (else the policy's); of several candidates the one nearest the policy's
    file (the longest shared directory prefix)."""
    spec = policy.body.get("spec") if isinstance(policy.body.get("spec"), dict) else {}
    ref = spec.get("imageRepositoryRef") if isinstance(spec, dict) else None
    name = str(ref.get("name")) if isinstance(ref, dict) and ref.get("name") else policy.app
    if not name:
        return None
    namespace = (
        str(ref["namespace"])
        if isinstance(ref, dict) and ref.get("namespace")
        else policy.namespace
    )
    return nearest(repositories, name, namespace, policy.file)


def nearest(
    repositories: Sequence[ImageRepository], name: str, namespace: str | None, file: str
) -> ImageRepository | None:
    """The ImageRepository called ``name`` nearest ``file``, preferring ``namespace``."""
    named = [r for r in repositories if r.name == name]
    same = [r for r in named if namespace is None or r.namespace in (namespace, None)]
    candidates = same or named
    if not candidates:
        return None
    parts = file.split("/")[:-1]

    def shared(repository: ImageRepository) -> int:
        count = 0
        for a, b in zip(parts, repository.file.split("/")[:-1], strict=False):
            if a != b:
                break
            count += 1
        return count

    return max(candidates, key=shared)
