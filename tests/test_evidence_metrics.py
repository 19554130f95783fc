"""Reading the metrics JSON: values judged against thresholds, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flux_semver.errors import FluxSemverError
from flux_semver.evidence import load_metrics
from flux_semver.evidence.metrics import parse_metrics


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def test_the_documented_example_reads_every_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "p95_ms": {
                "value": 180,
                "threshold": 250,
                "better": "lower",
                "unit": "ms",
                "baseline": 170,
            }
        },
    )
    (metric,) = load_metrics(path)
    assert (
        metric.name,
        metric.value,
        metric.threshold,
        metric.better,
        metric.unit,
        metric.baseline,
    ) == ("p95_ms", 180, 250, "lower", "ms", 170)
    assert metric.passed is True


@pytest.mark.parametrize(
    ("better", "value", "threshold", "passed"),
    [
        ("lower", 180, 250, True),
        ("lower", 250, 250, True),  # at the threshold is still within it
        ("lower", 251, 250, False),
        ("higher", 950, 900, True),
        ("higher", 900, 900, True),
        ("higher", 899.5, 900, False),
    ],
)
def test_better_decides_which_side_of_the_threshold_passes(
    better: str, value: float, threshold: float, passed: bool
) -> None:
    text = json.dumps({"m": {"value": value, "threshold": threshold, "better": better}})
    (metric,) = parse_metrics(text, "metrics.json")
    assert metric.passed is passed


def test_a_bare_number_or_a_value_without_threshold_is_shown_not_judged() -> None:
    metrics = parse_metrics('{"error_rate": 0.002, "pods": {"value": 3}}', "m.json")
    assert [(m.name, m.value, m.passed) for m in metrics] == [
        ("error_rate", 0.002, None),
        ("pods", 3, None),
    ]


def test_metrics_keep_the_files_order() -> None:
    text = '{"zeta": 1, "alpha": 2, "mid": 3}'
    assert [m.name for m in parse_metrics(text, "m.json")] == ["zeta", "alpha", "mid"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"p95_ms": {"value": 180,}}', r"m\.json:1:\d+: not valid JSON"),
        ("[1, 2]", r"m\.json:1: the top level must be a JSON object"),
        (
            '{"p95_ms": {"threshold": 250, "better": "lower"}}',
            r"m\.json:1: metric 'p95_ms': has no \"value\"",
        ),
        (
            '{\n"ok": 1,\n"p95_ms": {"value": "fast"}}',
            r"m\.json:3: metric 'p95_ms': \"value\" must be a number, not \"fast\"",
        ),
        ('{"p95_ms": {"value": true}}', r"\"value\" must be a number, not true"),
        ('{"p95_ms": {"value": NaN}}', r"NaN is not a number JSON allows"),
        (
            '{"p95_ms": {"value": 1, "threshold": 2, "better": "smaller"}}',
            r"\"better\" must be \"lower\" or \"higher\", not \"smaller\"",
        ),
        (
            '{"rps": {"value": 950, "threshold": 900}}',
            r"metric 'rps': has a threshold but no \"better\"",
        ),
        ('{"p95_ms": {"value": 1, "treshold": 2}}', r"unknown key 'treshold'"),
        ('{"p95_ms": {"value": 1, "unit": 5}}', r"\"unit\" must be a string"),
        ('{"p95_ms": "180ms"}', r"must be a number or an object with \"value\""),
    ],
)
def test_bad_metrics_say_where_and_what_to_write(text: str, expected: str) -> None:
    with pytest.raises(FluxSemverError, match=expected):
        parse_metrics(text, "m.json")


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(FluxSemverError, match=r"nope\.json: cannot read the metrics file"):
        load_metrics(tmp_path / "nope.json", "nope.json")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"p95_ms": 12}')
    assert [m.value for m in load_metrics(path)] == [12]
