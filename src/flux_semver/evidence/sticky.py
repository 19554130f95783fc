"""The hidden marker that makes one evidence comment per app findable and editable.

``GET /user`` is refused to the default Actions token, so the bot cannot find its own
comments by author; it finds them by this marker instead, and edits the one it finds.
"""

from __future__ import annotations

from collections.abc import Iterable

from flux_semver.evidence.escape import comment_value


def sticky_marker(app: str) -> str:
    """The HTML comment that opens every evidence summary of ``app`` (invisible on GitHub)."""
    return f"<!-- flux-semver:evidence app={comment_value(app)} -->"


def find_sticky(comments: Iterable[tuple[int, str]], app: str) -> int | None:
    """The id of the first comment (oldest first, as GitHub lists them) that is ``app``'s.

    ``comments`` are ``(id, body)`` pairs. Another app's marker never matches, even when
    one app's name starts with the other's.
    """
    marker = sticky_marker(app)
    for comment_id, body in comments:
        if marker in (body or ""):
            return comment_id
    return None
