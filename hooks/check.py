"""pre-commit hook ``flux-semver-check``: all rules (FS001-FS009)."""

from __future__ import annotations

from collections.abc import Sequence

from ._common import run

CODES: tuple[str, ...] = ()


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, CODES, __doc__ or "")
