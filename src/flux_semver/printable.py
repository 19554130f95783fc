"""User text made safe for one line of a terminal or a CI log.

A name, a path, a range or a message comes from someone else's file. Printed as it is, a
line break in it would start a new line (on a GitHub runner, a line that begins with ``::``
is a workflow command) and an escape character would drive the terminal. ``printable`` shows
each such character as an escape instead (``\\n``, ``\\x1b``, ``\\u2028``, ``\\u00a0``) and
leaves everything else, accented letters included, as it is.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every non-printable character (but the plain space) written as an escape."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch in _NAMED:
            out.append(_NAMED[ch])
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)
