"""GitHub Actions annotations, one workflow command per finding, then a plain summary."""

from __future__ import annotations

from flux_semver.check_result import CheckResult
from flux_semver.workflow_commands import annotation

from . import text


def render(result: CheckResult) -> str:
    lines = [
        annotation(
            f.severity,
            f"{f.code} {f.name}: {f.message}",
            file=f.file,
            line=f.line,
            col=f.column,
            title=f"{f.code} {f.name}",
        )
        for f in result.findings
    ]
    lines.append(text.summary(result))
    return "\n".join(lines) + "\n"
