"""GitHub Actions workflow commands (``::error file=..,line=..::message``), escaped correctly.

Anything printed to a runner's stdout that starts with ``::`` is a command, so every piece of
user text that goes into one passes through :func:`escape_data` (the message) or
:func:`escape_property` (``file``, ``title``, ...). Empty properties are left out, as the
runner expects. A plain log line of user text goes through :func:`neutralise`, so it cannot
be read as a command.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["error", "warning", "notice", "debug"]

_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))
_ZERO_WIDTH = "\u200b"  # put before a line that would otherwise read as a workflow command


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, carriage return and newline."""
    for raw, escaped in _DATA_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def escape_property(text: str) -> str:
    """Escape a command property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    for raw, escaped in _PROPERTY_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def command(name: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line, ``::name k=v,k=v::message``, leaving out empty properties."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None and str(value) != ""
    )
    head = f"{name} {props}" if props else name
    return f"::{head}::{escape_data(message)}"


def annotation(
    level: Level,
    message: str,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    """An ``::error``/``::warning``/``::notice`` annotation pointing at a file position."""
    return command(level, message, file=file, line=line, col=col, title=title)


def neutralise(text: str) -> str:
    """Make every line of ``text`` safe to print: none may start a workflow command.

    A line starting with ``::`` or ``##[`` gets a zero-width space in front; every ``##[``
    inside a line is broken too, since the runner's older parser finds it anywhere.
    """
    lines = []
    for line in text.splitlines():
        head = line.lstrip()
        if head.startswith(("::", "##[")):
            line = _ZERO_WIDTH + line
        lines.append(line.replace("##[", f"##{_ZERO_WIDTH}["))
    return "\n".join(lines)
