"""Reporters over one CheckResult: text, json, github (workflow commands) and SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from flux_semver.check_result import CheckResult
from flux_semver.model import Finding
from flux_semver.reporters import findings as reporters
from flux_semver.reporters import sarif
from flux_semver.rules import RULES
from flux_semver.workflow_commands import annotation, escape_data, escape_property

DATA = Path(__file__).parent / "data"


def finding(message: str = "prod must pin one version", **over: Any) -> Finding:
    values: dict[str, Any] = {
        "code": "FS002",
        "name": "not-exact",
        "severity": "error",
        "file": "clusters/prod/podinfo.yaml",
        "line": 11,
        "column": 14,
        "policy": "flux-system/podinfo",
        "stage": "prod",
        "message": message,
    }
    values.update(over)
    return Finding(**values)


def result(*findings: Finding) -> CheckResult:
    return CheckResult(findings=findings, files=7, policies=3)


# -- workflow commands, and the runner's way of reading them back ---------------------------


def _unescape(text: str, keys: tuple[str, ...]) -> str:
    # The runner undoes the escapes in this order, "%25" last (actions/runner ActionCommand).
    table = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    for key in keys:
        text = text.replace(key, table[key])
    return text.replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command as the runner does: ``::name k=v,k=v::message``."""
    assert line.startswith("::") and "\n" not in line and "\r" not in line
    head, _, data = line[2:].partition("::")
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = _unescape(value, ("%0D", "%0A", "%3A", "%2C"))
    return name, properties, _unescape(data, ("%0D", "%0A"))


def test_escapes_follow_the_runner_rules() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_annotation_leaves_out_empty_properties() -> None:
    assert annotation("error", "boom") == "::error::boom"
    assert annotation("warning", "m", file="a.yaml", line=3, title="") == (
        "::warning file=a.yaml,line=3::m"
    )
    assert annotation("error", "m", file="d/a.yaml", line=1, col=2, title="FS001 x") == (
        "::error file=d/a.yaml,line=1,col=2,title=FS001 x::m"
    )


text_with_trouble = st.text(
    alphabet=st.sampled_from(list("ab %:,=\r\n:%0A%25x")), min_size=1, max_size=40
)


@given(message=text_with_trouble, file=text_with_trouble, title=text_with_trouble)
def test_annotation_round_trips_through_the_runner(message: str, file: str, title: str) -> None:
    line = annotation("error", message, file=file, line=4, col=9, title=title)
    name, props, data = parse_command(line)
    assert (name, data) == ("error", message)
    assert props == {"file": file, "line": "4", "col": "9", "title": title}


def test_github_format_survives_percent_colon_comma_and_newlines() -> None:
    nasty = 'write "1.3.2", not "1.x": 100% sure\nsecond line'
    out = reporters.render(
        result(finding(nasty, file="clusters/prod,eu/a:b.yaml"), finding(severity="warning")),
        "github",
    )
    lines = out.splitlines()
    assert len(lines) == 3  # two annotations and the summary, nothing split by the newline
    name, props, data = parse_command(lines[0])
    assert name == "error"
    assert props["file"] == "clusters/prod,eu/a:b.yaml"
    assert (props["line"], props["col"]) == ("11", "14")
    assert props["title"] == "FS002 not-exact"
    assert data == f"FS002 not-exact: {nasty}"
    assert parse_command(lines[1])[0] == "warning"
    assert not lines[2].startswith("::")


# -- text and json ---------------------------------------------------------------------------


def test_text_reads_like_a_compiler() -> None:
    out = reporters.render(
        result(
            finding(),
            finding(
                "old api", code="FS005", name="deprecated-api", severity="warning", line=2, column=1
            ),
        ),
        "text",
    )
    assert out.splitlines() == [
        "clusters/prod/podinfo.yaml:11:14: FS002 not-exact prod must pin one version",
        "clusters/prod/podinfo.yaml:2:1: FS005 deprecated-api old api",
        "1 error, 1 warning in 7 files (3 policies)",
    ]
    assert "\x1b[" not in out


def test_text_colours_only_when_asked() -> None:
    plain = reporters.render(result(finding()), "text")
    coloured = reporters.render(result(finding()), "text", color=True)
    assert "\x1b[" in coloured and "\x1b[" not in plain
    assert reporters.render(result(), "text") == "no problems in 7 files (3 policies)\n"


def test_json_has_the_documented_shape() -> None:
    data = json.loads(reporters.render(result(finding(), finding(severity="warning")), "json"))
    assert set(data) == {"findings", "summary"}
    assert data["summary"] == {
        "files": 7,
        "policies": 3,
        "errors": 1,
        "warnings": 1,
        "suppressed": 0,
    }
    assert data["findings"][0] == {
        "code": "FS002",
        "name": "not-exact",
        "severity": "error",
        "file": "clusters/prod/podinfo.yaml",
        "line": 11,
        "column": 14,
        "policy": "flux-system/podinfo",
        "stage": "prod",
        "message": "prod must pin one version",
    }


# -- SARIF -------------------------------------------------------------------------------------


def sarif_schema() -> jsonschema.protocols.Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_against_the_sarif_2_1_0_schema() -> None:
    log = json.loads(
        reporters.render(
            result(
                finding('write "1.3.2"\nnot "1.x"'),
                finding(
                    file="dir with space/ä.yaml", code="FS009", name="yaml", policy=None, stage=None
                ),
                finding(code="FS008", name="conflicting", severity="warning"),
            ),
            "sarif",
        )
    )
    errors = sorted(sarif_schema().iter_errors(log), key=str)
    assert errors == []
    assert log["version"] == "2.1.0"


def test_sarif_has_what_github_code_scanning_reads() -> None:
    log = sarif.document(
        result(
            finding(),
            finding(file="a b.yaml", code="FS005", name="deprecated-api", severity="warning"),
        )
    )
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"] and rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in {"error", "warning"}
    first, second = run["results"]
    assert first["ruleId"] == "FS002" and rules[first["ruleIndex"]]["id"] == "FS002"
    assert first["level"] == "error" and second["level"] == "warning"
    assert first["message"]["text"] == "prod must pin one version"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "clusters/prod/podinfo.yaml"
    assert location["region"] == {"startLine": 11, "startColumn": 14}
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b.yaml"
    assert first["partialFingerprints"] != second["partialFingerprints"]


def test_sarif_of_a_clean_run_is_valid_and_empty() -> None:
    log = json.loads(reporters.render(result(), "sarif"))
    assert list(sarif_schema().iter_errors(log)) == []
    assert log["runs"][0]["results"] == []
