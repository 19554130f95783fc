"""The fast YAML reader builds the same data as PyYAML's safe loader and knows where values are."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flux_semver.repo import yaml_positions

DATA = Path(__file__).parent / "data"
FILES = sorted([*DATA.glob("corpus/*.yaml"), *DATA.glob("repos/lossless/*.yaml")])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:60])
def test_data_is_what_the_pure_python_safe_loader_builds(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    try:
        expected = list(yaml.load_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        with pytest.raises(yaml_positions.YamlError):
            yaml_positions.load(text)
        return
    assert [d.data for d in yaml_positions.load(text)] == expected


def test_a_documents_repr_leaves_out_the_stream_and_its_data_is_built_once() -> None:
    text = "a: 1\n---\nb: [2, 3]\n" + "# a long comment\n" * 1000
    first, second = yaml_positions.compose(text)
    assert repr(second).startswith("Document(index=1, node=MappingNode(")
    assert "long comment" not in repr(second)
    assert second.data == {"b": [2, 3]}
    assert second.data is second.data  # built on first use, then kept
    with pytest.raises(AttributeError):
        first.index = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "1",
        "1.5",
        "true",
        "on",
        "~",
        "",
        "2001-12-14",
        "0x1f",
        ".inf",
        "1_000",
        "No",
        "=1.0",
        "-1.2e3",
        "a: &x {b: 1}\nc: *x\nd: {<<: *x, e: 2}\n",
        "a: b\n",
    ],
)
def test_scalars_and_merges_resolve_as_in_the_safe_loader(text: str) -> None:
    assert yaml_positions.load_one(text) == yaml.load(text, Loader=yaml.SafeLoader)
    documents = yaml_positions.load(text)
    assert (documents[0].data if documents else None) == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a: 1\nb:\n  {{ .x }}: 2\n", 3, 4, "found unhashable key — this is a Helm or Go template"),
        ("a: !Ref b\n", 1, 4, "unknown tag !Ref — remove the tag"),
        ("a: [1\nb: 2\n", 2, 2, "while parsing a flow sequence"),
        ("a: 1\n  b: 2\n", 2, 4, "fix the YAML syntax here"),
        # template syntax in a comment or a quoted string, away from the error: plain YAML
        (
            '# made by {{ .Chart.Name }}\na: "{{ .x }}"\nb: [1\n',
            4,
            1,
            "while parsing a flow sequence did not find expected ',' or ']' — fix the YAML",
        ),
        (
            "a: 1\n# {{ .x }}\n  b: 2 # {{ .y }}\n",
            3,
            3,
            "did not find expected key — fix the YAML syntax here",
        ),
    ],
)
def test_errors_carry_the_position(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(yaml_positions.YamlError) as caught:
        yaml_positions.load(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert words in caught.value.message
    assert caught.value.template == ("Helm or Go template" in words)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb:\n  {{ .x }}: 2\n",  # the error stands on the template's line
        "{{- if .Values.on }}\na: 1\n{{- end }}\n",
        "a:\n  b: 1\n c: {{ .x }}\n",
    ],
)
def test_template_syntax_at_the_error_makes_a_template(text: str) -> None:
    with pytest.raises(yaml_positions.YamlError) as caught:
        yaml_positions.load(text)
    assert caught.value.template and "Helm or Go template" in caught.value.message


def test_a_text_that_parses_with_placeholders_for_its_templates_is_a_template() -> None:
    # the error is reported on the line after the action; with a placeholder it is YAML
    text = "a: [1, {{ .x }}\n   ]\n"
    assert yaml_positions.template_at(text, 2)
    assert not yaml_positions.template_at("a: [1, '{{ .x }}'\n  b\n", 2)


@pytest.mark.parametrize(
    ("text", "kind", "source", "line", "column"),
    [
        ("x:\n  range: 1.2.x # c\n", "plain", "1.2.x", 2, 10),
        ("x:\r\n  range: '1.2.x'\r\n", "single", "'1.2.x'", 2, 10),
        ('x: {range: "1.2.x"}', "double", '"1.2.x"', 1, 12),
        ("a: &r 1.2.x\nx:\n  range: *r\n", "alias", "*r", 3, 10),
        ("x:\n  range: &r !!str\n    1.2.x\n", "plain", "1.2.x", 3, 5),
        ("k: \u00e9\u00e9\u00e9\u0085x: {range: 1.x}\n", "plain", "1.x", 2, 12),
        ("x:\n  range: |\n    1.x\n", "block", "|\n    1.x\n", 2, 10),
    ],
)
def test_value_token_is_the_value_as_written(
    text: str, kind: str, source: str, line: int, column: int
) -> None:
    (document,) = yaml_positions.compose(text)
    located = yaml_positions.path(document.node, "x", "range")
    assert located is not None
    token = yaml_positions.value_token(text, *located)
    assert (token.kind, token.source, token.line, token.column) == (kind, source, line, column)
    assert text[token.start : token.end] == source


def test_decode_keeps_the_byte_order_mark_apart() -> None:
    assert yaml_positions.decode(b"\xef\xbb\xbfa: 1\n") == ("\ufeff", "a: 1\n")
    with pytest.raises(yaml_positions.YamlError, match="not UTF-8") as caught:
        yaml_positions.decode(b"a: 1\nb: \xff\n")
    assert (caught.value.line, caught.value.column) == (2, 4)
