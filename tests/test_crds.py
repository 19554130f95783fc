"""ImagePolicy CRD schemas: the OpenAPI -> JSON Schema conversion, and the compiled validator
agreeing with jsonschema on every document it judges."""

from __future__ import annotations

import copy
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
