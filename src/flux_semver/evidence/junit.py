"""Read JUnit XML test reports into totals and the names of tests that did not pass.

Every common dialect is the same shape to junitparser: a ``<testsuites>`` root (pytest,
jest-junit, go-junit-report) or a single ``<testsuite>`` root (Maven Surefire, older
pytest), with ``<testcase>`` elements holding ``<failure>``, ``<error>`` or ``<skipped>``.
Totals are counted from the test cases themselves, not copied from the ``tests=`` /
``failures=`` attributes, which some tools omit or leave stale.

junitparser comes with the ``evidence`` and ``action`` extras, not with the light install the
CLI and the hooks get: it is imported when a report is read, and its absence is one line
saying which extra to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from wcmatch import glob

from flux_semver.errors import FluxSemverError
from flux_semver.evidence.model import JUnitReport, Outcome, SuiteTotals, TestResult

if TYPE_CHECKING:
    from junitparser import Error, Failure, Skipped, TestSuite

EXTRA_HINT = (
    "reading JUnit reports needs junitparser, which the light install of flux-semver leaves "
    "out: install flux-semver with its evidence extra (flux-semver[evidence]), or add "
    "junitparser to its environment (pipx: `pipx inject flux-semver junitparser`)"
)

# Messages that only repeat the outcome (go-junit-report writes message="Failed"):
# the first line of the element's text says more.
_GENERIC_MESSAGES = frozenset(
    {"failed", "failure", "error", "errored", "skipped", "skip", "runtime error", "build error"}
)
_GLOB_FLAGS = glob.GLOBSTAR | glob.BRACE | glob.NODIR | glob.DOTGLOB


class JUnitError(FluxSemverError):
    """A JUnit file that cannot be read, or a glob that matches nothing."""


def find_files(patterns: Iterable[str], base: Path) -> list[Path]:
    """Files matched by glob ``patterns`` (``**`` and ``{a,b}`` work), relative to ``base``.

    Each file is listed once, in pattern order then name order. A pattern that matches
    nothing is an error: a missing test report should not pass as "no failures".
    """
    seen: set[Path] = set()
    found: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, flags=_GLOB_FLAGS, root_dir=str(base)))
        if not matches:
            raise JUnitError(
                f"--junit {pattern!r} matches no file under {base}; check the path, "
                "or run the tests that write it first"
            )
        for match in matches:
            path = Path(match)
            key = (base / path).resolve()
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found


def _junitparser() -> ModuleType:
    try:
        return importlib.import_module("junitparser")
    except ImportError as exc:
        raise JUnitError(EXTRA_HINT) from exc


def load_junit(patterns: Sequence[str], base: Path) -> tuple[JUnitReport, ...]:
    """Read every JUnit file the glob ``patterns`` match under ``base``."""
    if patterns:
        _junitparser()  # before the files: the missing extra is the first thing to fix
    return tuple(
        read_junit(base / path, display=path.as_posix()) for path in find_files(patterns, base)
    )


def read_junit(path: Path, display: str | None = None) -> JUnitReport:
    """Read one JUnit XML file; ``display`` is the name shown for it (default: ``path``)."""
    name = display if display is not None else path.as_posix()
    junitparser = _junitparser()
    try:
        xml = junitparser.JUnitXml.fromfile(str(path))
    except OSError as exc:
        raise JUnitError(f"{name}: cannot read the JUnit file: {exc.strerror or exc}") from exc
    except ParseError as exc:
        line, column = exc.position
        raise JUnitError(
            f"{name}:{line}:{column + 1}: not well-formed XML ({_reason(exc)}); "
            "pass a JUnit XML report written by the test runner"
        ) from exc
    except junitparser.JUnitXmlError as exc:
        raise JUnitError(
            f"{name}: the root element is not <testsuites> or <testsuite>, so this is not "
            "a JUnit report; point --junit at the test runner's JUnit XML output"
        ) from exc
    suites: list[SuiteTotals] = []
    problems: list[TestResult] = []
    for suite in xml:
        suites.append(_read_suite(name, suite, problems, junitparser))
    return JUnitReport(file=name, suites=tuple(suites), problems=tuple(problems))


def _read_suite(
    file: str, suite: TestSuite, problems: list[TestResult], junitparser: ModuleType
) -> SuiteTotals:
    suite_name = str(suite.name or "")
    tests = failed = errored = skipped = 0
    for case in suite:
        tests += 1
        results = case.result
        if not results:
            continue
        outcome, chosen = _outcome(results, junitparser)
        if chosen is None:  # an unknown result element: count the test as passed
            continue
        if outcome == "errored":
            errored += 1
        elif outcome == "failed":
            failed += 1
        else:
            skipped += 1
        problems.append(
            TestResult(
                file=file,
                suite=suite_name,
                classname=str(case.classname or ""),
                name=str(case.name or ""),
                outcome=outcome,
                message=_message(chosen.message, chosen.text),
            )
        )
    return SuiteTotals(
        file=file, name=suite_name, tests=tests, failed=failed, errored=errored, skipped=skipped
    )


def _outcome(
    results: Sequence[object], junitparser: ModuleType
) -> tuple[Outcome, Error | Failure | Skipped | None]:
    """An error outweighs a failure, which outweighs a skip (pytest can record two)."""
    kinds = (
        (junitparser.Error, "errored"),
        (junitparser.Failure, "failed"),
        (junitparser.Skipped, "skipped"),
    )
    for kind, outcome in kinds:
        for result in results:
            if isinstance(result, kind):
                return outcome, result  # type: ignore[return-value]
    return "failed", None


def _message(message: str | None, text: str | None) -> str:
    """The one line that says why: the ``message`` attribute, else the text's first line."""
    said = (message or "").strip()
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    if not said:
        return first
    if first and said.lower() in _GENERIC_MESSAGES and first.lower() != said.lower():
        return f"{said}: {first}"
    return said


def _reason(exc: ParseError) -> str:
    text = str(exc)
    return text.split(":", 1)[0] if ":" in text else text
