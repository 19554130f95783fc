"""Read a metrics JSON file: each measured value with its threshold and baseline.

The file is one JSON object; each key names a metric::

    {"p95_ms": {"value": 180, "threshold": 250, "better": "lower", "unit": "ms",
                "baseline": 170},
     "requests_per_s": {"value": 950, "threshold": 900, "better": "higher"},
     "error_rate": 0.002}

``value`` is required; ``threshold`` and ``baseline`` are optional numbers; ``better``
(``lower`` or ``higher``) is required with a threshold, so a throughput metric is never
judged the wrong way round; a bare number is a value with nothing to judge it against.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from flux_semver.errors import FluxSemverError
from flux_semver.evidence.model import Better, Metric

_KEYS = ("value", "threshold", "better", "unit", "baseline")


class MetricsError(FluxSemverError):
    """A metrics file that is not what the evidence summary expects."""


def load_metrics(path: Path, display: str | None = None) -> tuple[Metric, ...]:
    """Read and check a metrics JSON file; metrics keep the file's order."""
    name = display if display is not None else path.as_posix()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MetricsError(f"{name}: cannot read the metrics file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise MetricsError(f"{name}: not UTF-8 text; write the metrics file as UTF-8 JSON") from exc
    return parse_metrics(text, name)


def parse_metrics(text: str, name: str) -> tuple[Metric, ...]:
    """Metrics from JSON ``text``; errors name ``name``, the line and the metric."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise MetricsError(
            f"{name}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); "
            'write an object like {"p95_ms": {"value": 180, "threshold": 250, '
            '"better": "lower"}}'
        ) from exc
    except ValueError as exc:
        raise MetricsError(f"{name}: {exc}") from exc
    except RecursionError:
        raise MetricsError(
            f"{name}: JSON nested too deeply to read; write an object like "
            '{"p95_ms": {"value": 180, "threshold": 250, "better": "lower"}}'
        ) from None
    if not isinstance(data, dict):
        raise MetricsError(
            f"{name}:1: the top level must be a JSON object of metric name -> "
            f'{{"value": ..., "threshold": ...}}, not {_kind(data)}'
        )
    return tuple(_metric(name, text, key, entry) for key, entry in data.items())


def _metric(name: str, text: str, key: str, entry: Any) -> Metric:
    where = f"{name}:{_line_of(text, key)}: metric {key!r}"
    if not key.strip():
        raise MetricsError(f"{where}: give the metric a name")
    if _is_number(entry):
        return Metric(name=key, value=float(entry))
    if not isinstance(entry, dict):
        raise MetricsError(
            f'{where}: must be a number or an object with "value", not {_kind(entry)}'
        )
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise MetricsError(f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(_KEYS)}")
    if "value" not in entry:
        raise MetricsError(f'{where}: has no "value"; add the measured number')
    value = _number(where, entry, "value")
    threshold = _number(where, entry, "threshold") if "threshold" in entry else None
    baseline = _number(where, entry, "baseline") if "baseline" in entry else None
    better: Better = "lower"
    if "better" in entry:
        if entry["better"] not in ("lower", "higher"):
            raise MetricsError(
                f'{where}: "better" must be "lower" or "higher", not {json.dumps(entry["better"])}'
            )
        better = entry["better"]
    elif threshold is not None:
        raise MetricsError(
            f'{where}: has a threshold but no "better"; add "better": "lower" (smaller is '
            'better, like latency) or "better": "higher" (like throughput)'
        )
    unit = entry.get("unit", "")
    if not isinstance(unit, str):
        raise MetricsError(f'{where}: "unit" must be a string like "ms", not {_kind(unit)}')
    return Metric(
        name=key, value=value, threshold=threshold, better=better, unit=unit, baseline=baseline
    )


def _number(where: str, entry: dict[str, Any], key: str) -> float:
    raw = entry[key]
    if not _is_number(raw):
        raise MetricsError(f'{where}: "{key}" must be a number, not {json.dumps(raw)}')
    return float(raw)


def _is_number(raw: Any) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(float(raw))


def _no_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a number JSON allows; write a finite number")


def _kind(raw: Any) -> str:
    if isinstance(raw, bool) or raw is None:
        return json.dumps(raw)
    if isinstance(raw, dict):
        return "an object"
    if isinstance(raw, list):
        return "a list"
    return "a string" if isinstance(raw, str) else type(raw).__name__


def _line_of(text: str, key: str) -> int:
    """The line where ``"key"`` first appears as a key (1 when it cannot be found)."""
    needle = json.dumps(key)
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1
