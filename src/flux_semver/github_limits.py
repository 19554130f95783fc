"""GitHub's size limits, in one table: what each place accepts, in characters or bytes.

GitHub refuses a pull request body or comment over 65,536 characters, shows a step summary
up to 1 MiB, and cuts a commit status description at 140 characters. Whatever writes to one
of these places measures against the limit here (``evidence.limits`` fits a rendering into
one; the action cuts what it sends).
"""

from __future__ import annotations

from typing import Literal

import msgspec


class Limit(msgspec.Struct, frozen=True):
    """A size limit in characters (PR bodies, comments) or UTF-8 bytes (step summaries)."""

    size: int
    unit: Literal["characters", "bytes"]
    what: str

    def measure(self, text: str) -> int:
        if self.unit == "bytes":
            return len(text.encode("utf-8"))
        return len(text)


PR_BODY = Limit(65_536, "characters", "a pull request body or comment")
STEP_SUMMARY = Limit(1_048_576, "bytes", "a job summary")
STATUS_DESCRIPTION = Limit(140, "characters", "a commit status description")
