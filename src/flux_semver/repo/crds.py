"""Schemas from Flux's CRDs, as JSON Schema validators (rule FS004): ImagePolicy's, and those of
the other kinds with a range (HelmRelease, HelmChart, OCIRepository, GitRepository).

The CRD files ship in ``flux_semver/data/crds``. A CRD holds an OpenAPI v3 schema per API
version; :func:`to_json_schema` turns one into a JSON Schema: Kubernetes extension keys go,
``nullable`` becomes a ``null`` type, and an object that lists its properties accepts no others
(the API server would drop an unknown field silently, so a misspelt ``rnage:`` would never reach
Flux). Each apiVersion's schema is converted and compiled into one fast predicate on first use
(:func:`compile_schema`); jsonschema is imported only to explain a document that fails it.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec
import yaml

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

# (apiVersion, kind) -> (CRD file, version name inside it), for the other kinds with a range
# (README: Kinds): the current API version of each, from helm-controller and source-controller.
_KIND_SOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"): (
        "helm.toolkit.fluxcd.io_helmreleases.yaml",
        "v2",
    ),
    ("source.toolkit.fluxcd.io/v1", "HelmChart"): (
        "source.toolkit.fluxcd.io_helmcharts.yaml",
        "v1",
    ),
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"): (
        "source.toolkit.fluxcd.io_ocirepositories.yaml",
        "v1",
    ),
    ("source.toolkit.fluxcd.io/v1", "GitRepository"): (
        "source.toolkit.fluxcd.io_gitrepositories.yaml",
        "v1",
    ),
}
IMAGE_POLICY = "ImagePolicy"

_DROPPED = frozenset({"description", "nullable"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions"})
_SCHEMA_VALUES = frozenset({"items", "additionalProperties", "not"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})


class Violation(msgspec.Struct, frozen=True):
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


def data_text(*parts: str) -> str:
    """A file of ``flux_semver/data``, read through the package's loader, as
    ``importlib.resources`` would (from a zip too), without importing its readers (and
    zipfile): a pre-commit hook reads the ImagePolicy CRD on every run."""
    path = Path(__file__).parent.parent.joinpath("data", *parts)  # flux_semver/data
    loader = getattr(sys.modules[__name__], "__loader__", None)  # this module's: the package's
    get_data = getattr(loader, "get_data", None)
    raw: bytes = get_data(str(path)) if get_data is not None else path.read_bytes()
    return raw.decode("utf-8")


@functools.cache
def _crd(filename: str) -> Any:
    text = data_text("crds", filename)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, libyaml when present


def has_schema(api_version: str, kind: str = IMAGE_POLICY) -> bool:
    """Whether there is a schema for documents of ``kind`` with ``api_version``."""
    return _source(api_version, kind) is not None


def _source(api_version: str, kind: str) -> tuple[str, str] | None:
    if kind == IMAGE_POLICY:
        return _SOURCES.get(api_version)
    return _KIND_SOURCES.get((api_version, kind))


@functools.cache
def schema(api_version: str, kind: str = IMAGE_POLICY) -> Mapping[str, Any] | None:
    """The JSON Schema of an apiVersion of ``kind`` (an ImagePolicy unless given), or None
    when there is none."""
    source = _source(api_version, kind)
    if source is None:
        return None
    filename, version = source
    for entry in _crd(filename)["spec"]["versions"]:
        if entry["name"] == version:
            converted: Mapping[str, Any] = to_json_schema(entry["schema"]["openAPIV3Schema"])
            return converted
    raise LookupError(f"{filename} has no version {version}")  # a packaging mistake


@functools.cache
def _quick(api_version: str, kind: str) -> Callable[[Any], bool] | None:
    """The schema compiled into one predicate (see :func:`compile_schema`), built once."""
    found = schema(api_version, kind)
    if found is None:
        return None
    try:
        return compile_schema(found)
    except _UnsupportedError:
        return lambda _document: False  # always ask jsonschema


@functools.cache
def _full(api_version: str, kind: str) -> Any:
    """jsonschema's validator: imported and built only to explain an invalid document."""
    import jsonschema  # type: ignore[import-untyped]  # slow to import: only when needed

    return jsonschema.Draft7Validator(schema(api_version, kind))


def validate(
    document: Mapping[str, Any],
    api_version: str,
    written: Mapping[str, str] | None = None,
    kind: str = IMAGE_POLICY,
) -> list[Violation]:
    """Everything wrong with a document of ``kind`` (an ImagePolicy unless given), in path
    order; [] when valid.

    ``written`` maps dotted paths to their values as written in the file (``1.20`` reads as
    the number 1.2), so a message can quote what to write. Raises ``KeyError`` for an
    apiVersion there is no schema for (see :func:`api_versions`).
    """
    quick = _quick(api_version, kind)
    if quick is None:
        raise KeyError(api_version)
    if quick(document):
        return []
    found = [
        Violation(
            ".".join(str(part) for part in error.absolute_path), _explain(error, written or {})
        )
        for error in _full(api_version, kind).iter_errors(document)
    ]
    return sorted(found, key=lambda v: v.path)


# -- a compiled validator for the JSON Schema subset the CRDs use ---------------------------


class _UnsupportedError(Exception):
    """The schema uses a keyword the compiled validator does not implement."""


_ANNOTATIONS = frozenset(
    {"description", "default", "title", "format", "example", "$schema", "$id", "$comment", "$defs"}
)
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def compile_root(schema: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    """A whole schema (its local ``$ref``s to ``#/$defs/...`` resolved) compiled as
    :func:`compile_schema` does; None when it uses a keyword that is not compiled."""
    try:
        return compile_schema(_inline(schema, schema.get("$defs", {}), ()))
    except _UnsupportedError:
        return None


def _inline(node: Any, defs: Mapping[str, Any], seen: tuple[str, ...]) -> Any:
    """``node`` with each ``{"$ref": "#/$defs/NAME"}`` replaced by what it names (beside
    its sibling keywords, as ``allOf``); a reference to anything else, or to itself, raises."""
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {key: _inline(value, defs, seen) for key, value in node.items() if key != "$ref"}
    ref = node.get("$ref")
    if ref is None:
        return out
    name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
    if name is None or name == ref or name in seen or name not in defs:
        raise _UnsupportedError(f"$ref {ref!r}")
    target = _inline(defs[name], defs, (*seen, name))
    rest = {key: value for key, value in out.items() if key not in _ANNOTATIONS}
    return {"allOf": [target, rest]} if rest else target


def compile_schema(node: Mapping[str, Any]) -> Callable[[Any], bool]:
    """Compile a JSON Schema into one fast predicate: True means valid.

    Only the keywords Kubernetes structural schemas use are compiled (``type``,
    ``properties``, ``required``, ``additionalProperties``, ``items``, ``enum``, ``pattern``,
    bounds); any other keyword raises, and callers fall back to jsonschema. A False answer is
    always confirmed and explained by jsonschema, so this only has to be right about "valid".
    """
    checks: list[Callable[[Any], bool]] = []
    for key, value in node.items():
        if key in _ANNOTATIONS:
            continue
        compiler = _KEYWORDS.get(key)
        if compiler is None:
            raise _UnsupportedError(key)
        checks.append(compiler(value, node))
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(check(instance) for check in checks)


def _type(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    names = [value] if isinstance(value, str) else list(value)
    tests = [_TYPES[name] for name in names]
    return lambda v: any(test(v) for test in tests)


def _properties(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    subs = {name: compile_schema(sub) for name, sub in value.items()}

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        return all(sub(v[name]) for name, sub in subs.items() if name in v)

    return check


def _required(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    names = tuple(value)
    return lambda v: not isinstance(v, dict) or all(name in v for name in names)


def _additional(value: Any, node: Mapping[str, Any]) -> Callable[[Any], bool]:
    if "patternProperties" in node:
        raise _UnsupportedError("patternProperties")
    known = frozenset(node.get("properties", {}))
    if value is True:
        return lambda _v: True
    if value is False:
        return lambda v: not isinstance(v, dict) or known.issuperset(v)
    sub = compile_schema(value)
    return lambda v: (
        not isinstance(v, dict) or all(sub(item) for key, item in v.items() if key not in known)
    )


def _items(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    if not isinstance(value, Mapping):
        raise _UnsupportedError("items (tuple form)")
    sub = compile_schema(value)
    return lambda v: not isinstance(v, list) or all(sub(item) for item in v)


def _enum(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    if not all(isinstance(choice, str) for choice in value):
        raise _UnsupportedError("enum of non-strings")
    choices = frozenset(value)
    return lambda v: isinstance(v, str) and v in choices


def _pattern(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    compiled: list[re.Pattern[str]] = []  # on first use: most patterns' fields are absent

    def check(v: Any) -> bool:
        if not isinstance(v, str):
            return True
        if not compiled:
            compiled.append(re.compile(value))
        return compiled[0].search(v) is not None

    return check


def _bound(test: Callable[[Any, Any], bool], kind: Callable[[Any], bool]) -> Any:
    def compiler(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
        return lambda v: not kind(v) or test(v, value)

    return compiler


def _all_of(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    subs = [compile_schema(sub) for sub in value]
    return lambda v: all(sub(v) for sub in subs)


def _any_of(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    subs = [compile_schema(sub) for sub in value]
    return lambda v: any(sub(v) for sub in subs)


def _one_of(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    # exactly one: right because every compiled keyword is exact (True iff valid), not only
    # right about "valid"
    subs = [compile_schema(sub) for sub in value]
    return lambda v: sum(1 for sub in subs if sub(v)) == 1


def _unique(value: Any, _node: Mapping[str, Any]) -> Callable[[Any], bool]:
    if value is not True:
        return lambda _v: True

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        keys = [_json_key(item) for item in v]
        return len(set(keys)) == len(keys)

    return check


def _json_key(value: Any) -> Any:
    """A hashable key equal for equal JSON values: 1 and 1.0 are one number, true is no 1."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _json_key(item)) for key, item in value.items()))
    return ("string", value)


_is_number = _TYPES["number"]
_KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any]], Callable[[Any], bool]]] = {
    "type": _type,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "items": _items,
    "enum": _enum,
    "pattern": _pattern,
    "minimum": _bound(lambda v, b: v >= b, _is_number),
    "maximum": _bound(lambda v, b: v <= b, _is_number),
    "minLength": _bound(lambda v, b: len(v) >= b, lambda v: isinstance(v, str)),
    "maxLength": _bound(lambda v, b: len(v) <= b, lambda v: isinstance(v, str)),
    "minItems": _bound(lambda v, b: len(v) >= b, lambda v: isinstance(v, list)),
    "maxItems": _bound(lambda v, b: len(v) <= b, lambda v: isinstance(v, list)),
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "uniqueItems": _unique,
}


_KINDS = {
    "string": "text",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "nothing",
}


def _kind(value: Any) -> str:
    """What a YAML value is, in a person's words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


def _scalar(value: Any) -> str:
    """A scalar as YAML writes it (``true``, ``1.2``)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _explain(error: Any, written: Mapping[str, str]) -> str:
    """jsonschema's message turned into what to write instead."""
    path = ".".join(str(part) for part in error.absolute_path)
    key = str(error.absolute_path[-1]) if error.absolute_path else ""
    if error.validator == "additionalProperties" and isinstance(error.schema, Mapping):
        known = error.schema.get("properties", {})
        unknown = (
            [str(k) for k in error.instance if k not in known]
            if isinstance(error.instance, Mapping)
            else []
        )
        allowed = ", ".join(sorted(known))
        fields = ", ".join(f'"{k}"' for k in unknown) or "a field"
        return f"unknown field {fields}: remove it or fix its spelling (allowed here: {allowed})"
    if error.validator == "required" and isinstance(error.message, str):
        name = error.message.split("'")[1] if error.message.count("'") >= 2 else error.message
        where = f"under {path}" if path else "at the top of the document"
        return f'required field "{name}" is missing: add "{name}:" {where}'
    if error.validator == "type":
        wanted = error.validator_value
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        expected = " or ".join(_KINDS.get(n, n) for n in names if n != "null")
        instance = error.instance
        if "string" in names and isinstance(instance, bool | int | float):
            text = written.get(path, _scalar(instance))
            return f'{text} is {_kind(instance)}, not text: quote it, {key}: "{text}"'
        example = ' such as range: "1.2.x"' if key == "range" and expected == "text" else ""
        if instance is None:
            return f"{key} is empty: give it {expected}{example}"
        return f"{key} is {_kind(instance)}, but must be {expected}: write {expected} here{example}"
    if error.validator == "pattern" and "(ms|s|m|h)" in str(error.validator_value):
        return f"{error.instance!r} is not a duration: write one such as 5m, 1h or 30s"
    if error.validator == "enum" and isinstance(error.validator_value, list):
        choices = ", ".join(str(v) for v in error.validator_value)
        return f"{error.instance!r} is not allowed here; write one of: {choices}"
    return str(error.message)
