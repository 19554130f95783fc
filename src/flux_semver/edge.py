"""The one outer error edge of every face: the CLI, the hooks and the action.

What escapes a face's ``main`` becomes an exit code and ONE line, never a traceback: bad input
a person can fix (``FluxSemverError``) is exit 2; an interrupt is 130; anything else is a bug,
exit 3 (pre-commit and CI read 1 as "findings", so a crash must never look like one).
``classify`` decides, ``report`` prints the CLI's and the hooks' line on stderr, ``guard`` runs
a ``main`` under both; the action annotates what ``classify`` says (``github.action``). It
imports nothing but the error classes, ``printable`` (itself standard library only) and the
standard library, so nothing a face has not already loaded can fail under it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NamedTuple

from flux_semver.errors import FluxSemverError
from flux_semver.printable import printable

#: Exit codes of every face (README: Global options and exit codes).
OK, FINDINGS, INPUT_ERROR, UNEXPECTED, INTERRUPTED = 0, 1, 2, 3, 130

#: What a person reporting a bug should send, by default: a CLI user's command line.
COMMAND = "the command you ran"


class Failure(NamedTuple):
    """What an exception that escaped a face means to the person who ran it."""

    code: int  # the exit code
    label: str  # "error", "interrupted" or "unexpected error"
    detail: str  # the exception's own words (and, for a bug, how to report it); may be ""


def classify(exc: BaseException, prog: str = "flux-semver", evidence: str = COMMAND) -> Failure:
    """The exit code and words for ``exc``; ``evidence`` is what a bug report should carry."""
    if isinstance(exc, FluxSemverError):
        return Failure(INPUT_ERROR, "error", str(exc))
    if isinstance(exc, KeyboardInterrupt):
        return Failure(INTERRUPTED, "interrupted", "")
    return Failure(
        UNEXPECTED,
        "unexpected error",
        f"{type(exc).__name__}: {exc} (a bug in {prog}: please report it with {evidence})",
    )


def report(prog: str, exc: BaseException, evidence: str = COMMAND) -> int:
    """Print the one line for ``exc`` on stderr and return its exit code."""
    failure = classify(exc, prog, evidence)
    detail = f": {printable(failure.detail)}" if failure.detail else ""
    print(f"{prog}: {failure.label}{detail}", file=sys.stderr)
    return failure.code


def guard(main: Callable[[], int], evidence: str = COMMAND) -> int:
    """``main()``'s exit code, or the one line and exit code of what it raised. A plain
    ``sys.exit()`` is success, as Python has it."""
    try:
        return main()
    except SystemExit as exc:
        if exc.code is None:
            return OK
        return exc.code if isinstance(exc.code, int) else INPUT_ERROR
    except (Exception, KeyboardInterrupt) as exc:
        return report("flux-semver", exc, evidence)
