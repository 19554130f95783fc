"""pre-commit hook ``flux-semver-no-skip``: FS003 and FS007, no stage skips its gate."""

from __future__ import annotations

from collections.abc import Sequence

from ._common import run

CODES: tuple[str, ...] = ("FS003", "FS007")


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, CODES, __doc__ or "")
