"""Compiler-style text: ``path:line:col: CODE name message``, then a summary line."""

from __future__ import annotations

from typing import Any

from flux_semver.check_result import CheckResult
from flux_semver.printable import printable

_COLORS = {"error": "red", "warning": "yellow"}


def render(result: CheckResult, *, color: bool = False) -> str:
    lines = []
    for f in result.findings:
        where = f"{printable(f.file)}:{f.line}:{f.column}:"
        code = f"{f.code} {f.name}"
        if color:
            where = _style(where, bold=True)
            code = _style(code, fg=_COLORS[f.severity], bold=True)
        lines.append(f"{where} {code} {printable(f.message)}")
    lines.append(summary(result, color=color))
    return "\n".join(lines) + "\n"


def summary(result: CheckResult, *, color: bool = False) -> str:
    """``2 errors, 1 warning in 14 files (6 policies)``, or ``no problems in ...``; with FILE
    arguments, ``... in 1 of 14 files (6 policies)``: the counts are of the findings shown."""
    files = _count(result.files, "file")
    if result.shown is not None:
        files = f"{result.shown} of {files}"
    scope = f"{files} ({_count(result.policies, 'policy', 'policies')})"
    if result.suppressed:
        scope += f", {result.suppressed} suppressed"
    if not result.findings:
        line = f"no problems in {scope}"
        return _style(line, fg="green") if color else line
    parts = [_count(result.errors, "error"), _count(result.warnings, "warning")]
    line = f"{', '.join(parts)} in {scope}"
    if color:
        return _style(line, fg="red" if result.errors else "yellow", bold=True)
    return line


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _style(text: str, **how: Any) -> str:
    """``click.style``, imported only for colour (a hook's plain output never needs it)."""
    import click

    return click.style(text, **how)
