"""Check reporters: one :class:`~flux_semver.check_result.CheckResult`, many renderings.

Reporters only format; they never decide what is a problem. ``render(result, fmt)`` picks one
by name: ``text``, ``json``, ``github`` or ``sarif``.
"""

from __future__ import annotations

from typing import Literal

from flux_semver.check_result import CheckResult

Format = Literal["text", "json", "github", "sarif"]
FORMATS: tuple[Format, ...] = ("text", "json", "github", "sarif")


def render(result: CheckResult, fmt: Format, *, color: bool = False) -> str:
    """The result in a format, ending with a newline."""
    # Each reporter is imported only when used: hooks and checks start fast.
    if fmt == "text":
        from . import text

        return text.render(result, color=color)
    if fmt == "json":
        from . import json

        return json.render(result)
    if fmt == "github":
        from . import github

        return github.render(result)
    from . import sarif

    return sarif.render(result)
