"""ImagePolicy CRD schemas: the OpenAPI -> JSON Schema conversion, and the compiled validator
agreeing with jsonschema on every document it judges."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flux_semver.repo import crds

V1 = "image.toolkit.fluxcd.io/v1"


def policy(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "imageRepositoryRef": {"name": "podinfo"},
        "policy": {"semver": {"range": "1.2.x"}},
    }
    body.update(spec)
    return {"apiVersion": V1, "kind": "ImagePolicy", "metadata": {"name": "p"}, "spec": body}


def test_a_valid_policy_has_no_violations() -> None:
    for version in crds.api_versions():
        document = policy()
        document["apiVersion"] = version
        assert crds.validate(document, version) == []


@pytest.mark.parametrize(
    ("spec", "path", "says"),
    [
        (
            {"policy": {"semver": {"rnage": "1.x"}}},
            "spec.policy.semver",
            'required field "range" is missing: add "range:" under spec.policy.semver',
        ),
        (
            {"policy": {"semver": {"rnage": "1.x"}}},
            "spec.policy.semver",
            'unknown field "rnage": remove it or fix its spelling (allowed here: range)',
        ),
        (
            {"policy": {"semver": {"range": 1}}},
            "spec.policy.semver.range",
            '1 is a number, not text: quote it, range: "1"',
        ),
        (
            {"policy": {"semver": {"range": True}}},
            "spec.policy.semver.range",
            'true is true or false, not text: quote it, range: "true"',
        ),
        (
            {"policy": {"semver": {"range": None}}},
            "spec.policy.semver.range",
            'range is empty: give it text such as range: "1.2.x"',
        ),
        (
            {"policy": {"semver": {"range": ["1.x"]}}},
            "spec.policy.semver.range",
            "range is a list, but must be text",
        ),
        (
            {"imageRepositoryRef": "podinfo"},
            "spec.imageRepositoryRef",
            "imageRepositoryRef is text, but must be a mapping: write a mapping here",
        ),
        (
            {"filterTags": {"patern": "^v"}},
            "spec.filterTags",
            'unknown field "patern": remove it or fix its spelling (allowed here: extract, '
            "pattern)",
        ),
        (
            {"digestReflectionPolicy": "Sometimes"},
            "spec.digestReflectionPolicy",
            "write one of: Always, IfNotPresent, Never",
        ),
        (
            {"interval": "5 minutes"},
            "spec.interval",
            "'5 minutes' is not a duration: write one such as 5m, 1h or 30s",
        ),
    ],
)
def test_violations_say_where_and_what(spec: dict[str, Any], path: str, says: str) -> None:
    found = crds.validate(policy(**spec), V1)
    assert any(v.path == path and says in v.message for v in found), found


def test_unknown_fields_are_errors_but_metadata_is_open() -> None:
    document = policy()
    document["metadata"]["annotations"] = {"anything": "goes"}
    assert crds.validate(document, V1) == []
    document["specs"] = {}
    assert [v.message for v in crds.validate(document, V1)] == [
        'unknown field "specs": remove it or fix its spelling (allowed here: apiVersion, kind, '
        "metadata, spec, status)"
    ]


def test_conversion_drops_kubernetes_extensions_and_keeps_constraints() -> None:
    converted = crds.to_json_schema(
        {
            "type": "object",
            "x-kubernetes-validations": [{"rule": "true"}],
            "properties": {
                "a": {"type": "string", "nullable": True, "enum": ["x"], "description": "d"},
                "b": {"x-kubernetes-int-or-string": True},
                "c": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"d": {"type": "integer", "minimum": 1}},
                },
            },
            "required": ["a"],
        }
    )
    assert converted == {
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"], "enum": ["x"]},
            "b": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "c": {"type": "object", "properties": {"d": {"type": "integer", "minimum": 1}}},
        },
        "required": ["a"],
        "additionalProperties": False,
    }


# -- the compiled validator against jsonschema -----------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, width=16),
    st.sampled_from(["", "1.2.x", "Always", "Never", "asc", "desc", "5m", "10ms", "x"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["name", "range", "order", "x", "pattern"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)
PATHS = [
    (),
    ("spec",),
    ("spec", "policy"),
    ("spec", "policy", "semver"),
    ("spec", "imageRepositoryRef"),
    ("spec", "filterTags"),
    ("spec", "policy", "alphabetical"),
    ("metadata",),
]
KEYS = [
    "range",
    "name",
    "namespace",
    "order",
    "pattern",
    "extract",
    "interval",
    "suspend",
    "digestReflectionPolicy",
    "semver",
    "numerical",
    "typo",
    "imageRepositoryRef",
    "policy",
]


@settings(max_examples=200, deadline=None)
@given(
    version=st.sampled_from(crds.api_versions()),
    edits=st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(KEYS), values | st.just(...)),
        max_size=4,
    ),
)
def test_compiled_validator_agrees_with_jsonschema(
    version: str, edits: list[tuple[tuple[str, ...], str, Any]]
) -> None:
    document = copy.deepcopy(policy())
    for path, key, value in edits:
        node: Any = document
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if value is ...:
            node.pop(key, None)
        else:
            node[key] = value
    schema = crds.schema(version)
    assert schema is not None
    expected = jsonschema.Draft7Validator(schema).is_valid(document)
    assert crds.compile_schema(schema)(document) == expected
    assert (crds.validate(document, version) == []) == expected


# -- the same compiler over the config file's schema ($ref, anyOf, oneOf, uniqueItems) ---------

CONFIG_SCHEMA = json.loads(
    (Path(crds.__file__).parent.parent / "data" / "config.schema.json").read_text()
)
CONFIG = {
    "stages": [
        {"name": "dev", "on": {"major": "follow"}},
        {"name": "pre-prod", "aliases": ["staging"], "approval": {"minor": 1}},
        {"name": "prod", "aliases": ["production", "live"], "exact": True, "after": "pre-prod"},
    ],
    "exclude": ["charts/**"],
}
CONFIG_PATHS = [(), ("stages", 0), ("stages", 1), ("stages", 2), ("stages", 2, "approval")]
CONFIG_KEYS = ["stages", "name", "aliases", "after", "exact", "approval", "on", "freeze", "minor"]
config_values = st.recursive(
    st.one_of(
        scalars,
        st.sampled_from(["pre-prod", "staging", "-x", "follow", "required", "mon"]),
        st.integers(-1, 101),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from([*CONFIG_KEYS, "days", "tz"]), inner, max_size=3),
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(CONFIG_PATHS),
            st.sampled_from(CONFIG_KEYS),
            config_values | st.just(...),
        ),
        max_size=4,
    )
)
def test_the_compiled_config_schema_agrees_with_jsonschema(
    edits: list[tuple[tuple[Any, ...], str, Any]],
) -> None:
    # a config the quick check passes never reaches jsonschema: it must never pass a bad one
    data: Any = copy.deepcopy(CONFIG)
    for path, key, value in edits:
        node: Any = data
        for part in path:
            node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
        if not isinstance(node, dict):
            continue
        if value is ...:
            node.pop(key, None)
        else:
            node[key] = value
    quick = crds.compile_root(CONFIG_SCHEMA)
    assert quick is not None  # the config schema stays within what is compiled
    assert quick(data) == jsonschema.Draft202012Validator(CONFIG_SCHEMA).is_valid(data)


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and part < len(node)


def test_unique_items_tells_json_values_apart_as_json_schema_does() -> None:
    unique = crds.compile_root({"type": "array", "uniqueItems": True})
    assert unique is not None
    assert not unique([1, 1.0])  # one number
    assert unique([1, True])  # a boolean is no number
    assert not unique([{"a": [1]}, {"a": [1.0]}])
    assert unique([{"a": [1]}, {"a": [True]}])


def test_a_reference_outside_the_schemas_defs_is_not_compiled() -> None:
    assert crds.compile_root({"$ref": "https://example.com/other.json"}) is None
    assert crds.compile_root({"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}) is None
