"""Reading JUnit XML: real pytest output made here, and the other dialects' samples.

The expected totals are read from each file's own ``tests=``/``failures=``/``errors=``/
``skipped=`` attributes with the standard library, not from the code under test.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flux_semver.errors import FluxSemverError
from flux_semver.evidence import load_junit, read_junit

DATA = Path(__file__).parent / "data" / "junit"
SAMPLES = sorted(DATA.glob("*.xml"))


def _root(path: Path) -> ET.Element:
    """The XML root of one of our own test files (trusted input)."""
    return ET.parse(path).getroot()  # noqa: S314


GENERATED_TESTS = """
import pytest

def test_adds():
    assert 1 + 1 == 2

def test_subtracts():
    assert 3 - 1 == 2

def test_rounds_half_up():
    assert round(2.5) == 3, "banker's rounding strikes again"

@pytest.mark.parametrize("n", [1, 2, 3])
def test_positive(n):
    assert n - 2 > 0

@pytest.mark.skip(reason="needs a GPU")
def test_on_gpu():
    pass

@pytest.fixture
def database():
    raise ConnectionError("database is down")

def test_query(database):
    pass
"""


@pytest.fixture(scope="module")
def pytest_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run pytest for real on a small generated test file and return its JUnit XML."""
    tmp_path = tmp_path_factory.mktemp("pytest-run")
    (tmp_path / "test_generated.py").write_text(GENERATED_TESTS)
    report = tmp_path / "reports" / "pytest.xml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            f"--junitxml={report}",
            "test_generated.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr  # some tests fail on purpose
    return report


def _declared(path: Path) -> list[dict[str, int]]:
    """Each <testsuite>'s own count attributes (absent = 0), in file order."""
    root = _root(path)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    return [
        {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
        for suite in suites
    ]


def _counted(path: Path) -> list[dict[str, int]]:
    return [
        {"tests": s.tests, "failures": s.failed, "errors": s.errored, "skipped": s.skipped}
        for s in read_junit(path).suites
    ]


def test_pytest_report_totals_equal_the_files_own_counts(pytest_report: Path) -> None:
    report = pytest_report
    assert _counted(report) == _declared(report)
    junit = read_junit(report)
    # What the generated file holds: 8 tests; 3 fail, 1 errors in its fixture, 1 skipped.
    assert (junit.tests, junit.failed, junit.errored, junit.skipped, junit.passed) == (
        8,
        3,
        1,
        1,
        3,
    )


def test_pytest_report_names_each_test_that_did_not_pass_with_why(pytest_report: Path) -> None:
    junit = read_junit(pytest_report)
    by_name = {t.name: t for t in junit.problems}
    assert set(by_name) == {
        "test_rounds_half_up",
        "test_positive[1]",
        "test_positive[2]",
        "test_on_gpu",
        "test_query",
    }
    assert by_name["test_rounds_half_up"].outcome == "failed"
    assert "banker's rounding strikes again" in by_name["test_rounds_half_up"].message
    assert by_name["test_query"].outcome == "errored"
    assert "database is down" in by_name["test_query"].message
    assert by_name["test_on_gpu"].outcome == "skipped"
    assert by_name["test_on_gpu"].message == "needs a GPU"
    assert by_name["test_positive[1]"].title == "test_generated.test_positive[1]"


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_dialect_sample_totals_equal_the_files_own_counts(sample: Path) -> None:
    assert _counted(sample) == _declared(sample)
    root = _root(sample)
    junit = read_junit(sample)
    if root.tag == "testsuites" and root.get("tests") is not None:
        assert junit.tests == int(root.get("tests", "0"))
        assert junit.failed == int(root.get("failures", "0"))
        assert junit.errored == int(root.get("errors", "0"))
    problems = [t for t in junit.problems if t.outcome != "skipped"]
    assert len(problems) == junit.failed + junit.errored


def test_every_dialect_is_covered_by_a_sample() -> None:
    roots = {p.name: _root(p) for p in SAMPLES}
    # Surefire writes one <testsuite> root; jest-junit and go-junit-report <testsuites>.
    assert any(
        r.tag == "testsuite"
        and "surefire"
        in (r.get("{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation") or "")
        for r in roots.values()
    )
    assert roots["jest-junit.xml"].get("name") == "jest tests"
    assert any(p.get("name") == "go.version" for p in roots["go-junit-report.xml"].iter("property"))


def test_surefire_messages_come_from_the_message_attribute() -> None:
    junit = read_junit(DATA / "surefire-TEST-com.example.cart.CartServiceTest.xml")
    messages = {t.name: (t.outcome, t.message) for t in junit.problems}
    assert messages["rejectsNegativeQuantity"] == ("failed", "expected: <400> but was: <200>")
    assert messages["checkoutReservesStock"] == (
        "errored",
        "Connection refused: localhost/127.0.0.1:5432",
    )
    assert messages["exportsCartAsCsv"][0] == "skipped"


def test_jest_failures_without_a_message_use_the_first_line_of_their_text() -> None:
    junit = read_junit(DATA / "jest-junit.xml")
    failed = {t.name: t.message for t in junit.problems if t.outcome == "failed"}
    assert failed["Basket applies a | voucher | once"] == (
        "Error: expect(received).toBe(expected) // Object.is equality"
    )


def test_go_generic_failed_message_is_completed_by_the_test_output() -> None:
    junit = read_junit(DATA / "go-junit-report.xml")
    failed = {t.name: t.message for t in junit.problems if t.outcome == "failed"}
    assert failed["TestEcho/empty_body"] == "Failed: echo_test.go:48: status = 500, want 400"


def test_globs_find_reports_in_subdirectories_once_each(tmp_path: Path) -> None:
    for sub in ("api", "web/unit"):
        (tmp_path / sub).mkdir(parents=True)
        (tmp_path / sub / "report.xml").write_bytes((DATA / "jest-junit.xml").read_bytes())
    (tmp_path / "notes.txt").write_text("not a report")
    reports = load_junit(["**/*.xml", "api/report.xml"], tmp_path)
    assert [r.file for r in reports] == ["api/report.xml", "web/unit/report.xml"]


def test_brace_globs_pick_several_names(tmp_path: Path) -> None:
    for name in ("unit.xml", "e2e.xml", "lint.xml"):
        (tmp_path / name).write_bytes((DATA / "go-junit-report.xml").read_bytes())
    reports = load_junit(["{unit,e2e}.xml"], tmp_path)
    assert sorted(r.file for r in reports) == ["e2e.xml", "unit.xml"]


def test_a_glob_matching_nothing_is_an_error_not_a_clean_bill(tmp_path: Path) -> None:
    with pytest.raises(FluxSemverError, match=r"'build/\*\*/TEST-\*\.xml' matches no file"):
        load_junit(["build/**/TEST-*.xml"], tmp_path)


def test_malformed_xml_names_the_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text('<testsuite name="x" tests="1">\n  <testcase name="a">\n</testsuite>\n')
    with pytest.raises(FluxSemverError, match=r"broken\.xml:3:3: not well-formed XML"):
        read_junit(bad, display="broken.xml")


def test_xml_that_is_not_junit_says_so(tmp_path: Path) -> None:
    other = tmp_path / "pom.xml"
    other.write_text("<project><modelVersion>4.0.0</modelVersion></project>\n")
    with pytest.raises(FluxSemverError, match=r"pom\.xml: the root element is not <testsuites>"):
        read_junit(other, display="pom.xml")
