"""pre-commit hook ``flux-semver-ranges``: FS001, FS004, FS009 (ranges, schemas, YAML)."""

from __future__ import annotations

from collections.abc import Sequence

from ._common import run

CODES: tuple[str, ...] = ("FS001", "FS004", "FS009")


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, CODES, __doc__ or "")
