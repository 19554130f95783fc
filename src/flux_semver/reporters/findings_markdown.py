"""Findings as GitHub-flavoured Markdown (the action's job summary): a heading, the counts,
and one table row per finding — every finding, as GitHub shows only 10 annotations per type."""

from __future__ import annotations

from flux_semver.check_result import CheckResult
from flux_semver.evidence.escape import inline as escape

from . import text

_ICON = {"error": "❌", "warning": "⚠️"}


def render(result: CheckResult) -> str:
    lines = ["## flux-semver check", "", escape(text.summary(result)) + ".", ""]
    if not result.findings:
        lines.append("No findings: every policy is valid and no stage skips its gate.")
        return "\n".join(lines) + "\n"
    lines += [
        "| | Code | File | Policy | Stage | Message |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in result.findings:
        lines.append(
            f"| {_ICON.get(f.severity, '')} | {f.code} {escape(f.name)} | "
            f"<code>{escape(f'{f.file}:{f.line}:{f.column}')}</code> | "
            f"{escape(f.policy or '')} | {escape(f.stage or '')} | {escape(f.message)} |"
        )
    return "\n".join(lines) + "\n"
