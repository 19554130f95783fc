"""The one outer error edge of every face: the CLI, the hooks and the action's entry point.

``guard(main)`` runs a face's ``main`` and turns what escapes it into an exit code and ONE line
on stderr, never a traceback: bad input a person can fix (``FluxSemverError``) is exit 2;
anything else is a bug, exit 3 (pre-commit and CI read 1 as "findings", so a crash must never
look like one). It imports nothing but the error classes and the standard library.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from flux_semver.errors import FluxSemverError
from flux_semver.printable import printable

#: Exit codes of every face (README: Global options and exit codes).
OK, FINDINGS, INPUT_ERROR, UNEXPECTED, INTERRUPTED = 0, 1, 2, 3, 130


def report(prog: str, exc: BaseException) -> int:
    """Print the one line for ``exc`` and return its exit code."""
    if isinstance(exc, FluxSemverError):
        print(f"{prog}: error: {printable(str(exc))}", file=sys.stderr)
        return INPUT_ERROR
    if isinstance(exc, KeyboardInterrupt):
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    what = printable(f"{type(exc).__name__}: {exc}")
    print(
        f"{prog}: unexpected error: {what} (a bug in {prog}: please report it with the "
        "command you ran)",
        file=sys.stderr,
    )
    return UNEXPECTED


def guard(main: Callable[[], int], prog: str = "flux-semver") -> int:
    """``main()``'s exit code, or the one line and exit code of what it raised."""
    try:
        return main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else INPUT_ERROR
    except (Exception, KeyboardInterrupt) as exc:
        return report(prog, exc)
