"""Text cut to a length, an ellipsis where it was cut: the one way every face shortens a
name, a tag, a cell or a message that would otherwise crowd out the rest."""

from __future__ import annotations

from typing import Literal

ELLIPSIS = "…"


def shorten(text: str, limit: int, keep: Literal["start", "end"] = "start") -> str:
    """``text`` in at most ``limit`` characters; when cut, an ellipsis takes the last one
    (or, keeping the ``end``, the first)."""
    if len(text) <= limit:
        return text
    room = max(limit - 1, 0)
    return ELLIPSIS + text[len(text) - room :] if keep == "end" else text[:room] + ELLIPSIS
