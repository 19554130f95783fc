"""The JSON of check (README: flux-semver check): ``{"findings": [...], "summary": {...}}``."""

from __future__ import annotations

import json

from flux_semver.check_result import CheckResult


def render(result: CheckResult) -> str:
    document = {
        "findings": [f.to_json() for f in result.findings],
        "summary": result.summary(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
