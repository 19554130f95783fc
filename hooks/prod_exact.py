"""pre-commit hook ``flux-semver-prod-exact``: FS002, exact stages pin one version."""

from __future__ import annotations

from collections.abc import Sequence

from ._common import run

CODES: tuple[str, ...] = ("FS002",)


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, CODES, __doc__ or "")
