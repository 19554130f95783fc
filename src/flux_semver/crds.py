"""ImagePolicy schemas from Flux's CRDs, as JSON Schema validators (rule FS004).

The CRD files ship in ``flux_semver/data/crds``. A CRD holds an OpenAPI v3 schema per API
version; :func:`to_json_schema` turns one into a JSON Schema: Kubernetes extension keys go,
``nullable`` becomes a ``null`` type, and an object that lists its properties accepts no others
(the API server would drop an unknown field silently, so a misspelt ``rnage:`` would never reach
Flux). Each validator is built once, on first use, so runs without a policy of some version
never pay for it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # ships no type information
from ruamel.yaml import YAML

GROUP = "image.toolkit.fluxcd.io"
CURRENT_API_VERSION = f"{GROUP}/v1"

# apiVersion -> (CRD file, version name inside it)
_SOURCES: dict[str, tuple[str, str]] = {
    f"{GROUP}/v1": ("image.toolkit.fluxcd.io_imagepolicies.yaml", "v1"),
    f"{GROUP}/v1beta2": (
        "image.toolkit.fluxcd.io_imagepolicies.v1-v1beta2.2025-09.yaml",
        "v1beta2",
    ),
    f"{GROUP}/v1beta1": (
        "image.toolkit.fluxcd.io_imagepolicies.v1beta1-v1beta2.2025-08.yaml",
        "v1beta1",
    ),
}

_DROPPED = frozenset({"description", "nullable"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions"})
_SCHEMA_VALUES = frozenset({"items", "additionalProperties", "not"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})


@dataclass(frozen=True)
class Violation:
    """One way a document breaks its schema: where (``spec.policy``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def api_versions() -> tuple[str, ...]:
    """The ImagePolicy apiVersions there is a schema for, newest first."""
    return tuple(_SOURCES)


def to_json_schema(node: Any) -> Any:
    """Convert an OpenAPI v3 (Kubernetes structural) schema node to JSON Schema."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key.startswith("x-kubernetes-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in _SCHEMA_VALUES or key in _SCHEMA_LISTS:
            out[key] = to_json_schema(value)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def _crd(filename: str) -> Any:
    text = resources.files("flux_semver").joinpath("data", "crds", filename).read_text("utf-8")
    return YAML(typ="safe", pure=True).load(text)


@functools.cache
def validator(api_version: str) -> jsonschema.protocols.Validator | None:
    """The compiled validator for an ImagePolicy apiVersion, or None when there is no schema."""
    source = _SOURCES.get(api_version)
    if source is None:
        return None
    filename, version = source
    crd = _crd(filename)
    for entry in crd["spec"]["versions"]:
        if entry["name"] == version:
            schema = to_json_schema(entry["schema"]["openAPIV3Schema"])
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
            return cls(schema)
    raise LookupError(f"{filename} has no version {version}")  # a packaging mistake


def validate(document: Mapping[str, Any], api_version: str) -> list[Violation]:
    """Everything wrong with an ImagePolicy document, in document order; [] when valid.

    Raises ``KeyError`` for an apiVersion there is no schema for (see :func:`api_versions`).
    """
    checker = validator(api_version)
    if checker is None:
        raise KeyError(api_version)
    if checker.is_valid(document):
        return []
    found = [
        Violation(".".join(str(part) for part in error.absolute_path), _explain(error))
        for error in checker.iter_errors(document)
    ]
    return sorted(found, key=lambda v: v.path)


def _explain(error: jsonschema.ValidationError) -> str:
    """jsonschema's message with the fix a person needs."""
    if error.validator == "additionalProperties" and isinstance(error.schema, Mapping):
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{error.message}; remove it or fix its spelling (allowed here: {allowed})"
    if error.validator == "enum" and isinstance(error.validator_value, list):
        choices = ", ".join(str(v) for v in error.validator_value)
        return f"{error.instance!r} is not allowed here; write one of: {choices}"
    return str(error.message)
