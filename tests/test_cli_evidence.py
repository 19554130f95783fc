"""``flux-semver evidence``: Markdown on stdout, one clear line and exit 2 on bad input."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cmarkgfm
import pytest

from flux_semver.cli import main
from flux_semver.model import Plan, PlanChange

DATA = Path(__file__).parent / "data" / "junit"
PLAN = Plan(
    app="podinfo",
    version="1.3.0",
    release_type="minor",
    changes=(
        PlanChange(
            "dev",
            "clusters/dev/podinfo.yaml",
            9,
            14,
            "flux-system/podinfo",
            "1.2.x",
            None,
            "hold",
            "minor: hold",
        ),
        PlanChange(
            "pre-prod",
            "clusters/staging/podinfo.yaml",
            9,
            14,
            "flux-system/podinfo",
            "1.2.x",
            "1.3.x",
            "update",
            "minor: follow",
        ),
        PlanChange(
            "prod",
            "clusters/prod/podinfo.yaml",
            9,
            14,
            "flux-system/podinfo",
            "1.2.4",
            None,
            "hold",
            "minor: hold",
        ),
    ),
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "plan.json").write_text(json.dumps(PLAN.to_json(), indent=2))
    reports = tmp_path / "reports"
    reports.mkdir()
    for sample in DATA.glob("*.xml"):
        shutil.copy(sample, reports / sample.name)
    (tmp_path / "metrics.json").write_text(
        json.dumps(
            {
                "p95_ms": {
                    "value": 180,
                    "threshold": 250,
                    "better": "lower",
                    "unit": "ms",
                    "baseline": 170,
                }
            }
        )
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("workdir")
def test_prints_the_markdown_for_all_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "evidence",
            "--plan",
            "plan.json",
            "--junit",
            "reports/*.xml",
            "--metrics",
            "metrics.json",
            "--link",
            "Grafana=https://grafana.example/d/podinfo",
            "--notes",
            "Load test ran for 30 minutes.",
            "--pr",
            "pre-prod=https://github.com/org/gitops/pull/7",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    assert out.startswith("<!-- flux-semver:evidence app=podinfo -->\n")
    html = cmarkgfm.github_flavored_markdown_to_html(out)
    assert html.count("<table>") == 4  # stages, rollback, test totals, metrics
    assert 'href="https://grafana.example/d/podinfo"' in html
    assert 'href="https://github.com/org/gitops/pull/7"' in html
    assert "Load test ran for 30 minutes." in html
    assert "flux-semver rollback --image podinfo --stage pre-prod --to '1.2.x'" in out
    # The samples hold 21 tests: 5 failed, 2 errored; failures come first.
    assert "Failing evidence:** 7 of 21 tests failed (2 errored)" in out
    for name in (
        "surefire-TEST-com.example.cart.CartServiceTest.xml",
        "jest-junit.xml",
        "go-junit-report.xml",
    ):
        assert f"`reports/{name}`" in out


@pytest.mark.usefixtures("workdir")
def test_globs_repeat_and_files_are_read_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "evidence",
            "--plan",
            "plan.json",
            "--junit",
            "reports/jest-*.xml",
            "--junit",
            "**/jest-junit.xml",
        ],
        capsys,
    )
    assert code == 0
    assert out.count("| `reports/jest-junit.xml` |") == 2  # its two suites, not four


@pytest.mark.usefixtures("workdir")
def test_size_target_summary_allows_more_than_a_pr_body(
    capsys: pytest.CaptureFixture[str],
) -> None:
    notes = "x" * 100_000
    code, pr_body, _ = run(["evidence", "--plan", "plan.json", "--notes", notes], capsys)
    assert code == 0 and len(pr_body) <= 65_536 and "lines of the notes" in pr_body
    code, summary, _ = run(
        ["evidence", "--plan", "plan.json", "--notes", notes, "--for", "summary"], capsys
    )
    assert code == 0 and notes in summary and "was cut" not in summary


def test_reads_the_plan_from_stdin_in_a_real_process(workdir: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flux_semver",
            "evidence",
            "--plan",
            "-",
            "--junit",
            "reports/go-junit-report.xml",
        ],
        input=json.dumps(PLAN.to_json()),
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "## Release podinfo 1.3.0 (minor)" in result.stdout
    assert "compare\\_test.go:22" in result.stdout


@pytest.mark.parametrize(
    ("args", "setup", "expected"),
    [
        (["--plan", "missing.json"], None, "missing.json: cannot read the plan"),
        (["--plan", "bad.json"], ("bad.json", "{not json"), "bad.json:1:2: not valid JSON"),
        (["--plan", "bad.json"], ("bad.json", '{"app": "x"}'), "bad.json: version is missing"),
        (
            ["--plan", "plan.json", "--junit", "nothing/*.xml"],
            None,
            "'nothing/*.xml' matches no file",
        ),
        (
            ["--plan", "plan.json", "--junit", "broken.xml"],
            ("broken.xml", "<testsuite>"),
            "broken.xml:1:12: not well-formed XML",
        ),
        (
            ["--plan", "plan.json", "--metrics", "m.json"],
            ("m.json", '{"p95": {"value": "x"}}'),
            "m.json:1: metric 'p95': \"value\" must be a number",
        ),
        (["--plan", "plan.json", "--link", "no-url"], None, "write it as NAME=URL"),
        (
            ["--plan", "plan.json", "--link", "x=javascript:alert(1)"],
            None,
            "must start with https:// or http://",
        ),
        (["--plan", "plan.json", "--pr", "prod"], None, "write it as STAGE=URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    setup: tuple[str, str] | None,
    expected: str,
) -> None:
    if setup:
        (workdir / setup[0]).write_text(setup[1])
    code, out, err = run(["evidence", *args], capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err
    assert "Traceback" not in err


def test_evidence_is_listed_in_the_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["evidence", "--help"], capsys)
    assert code == 0
    for option in ("--plan", "--junit", "--metrics", "--link", "--notes", "--pr", "--for"):
        assert option in out


class _CtrlC(io.StringIO):
    """A terminal where the person presses Ctrl-C while the command waits for its input."""

    def read(self, size: int | None = -1) -> str:  # noqa: ARG002 - TextIO.read's signature
        raise KeyboardInterrupt


def test_ctrl_c_while_reading_is_interrupted_exit_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", _CtrlC())
    code = main(["evidence", "--plan", "-"])
    out, err = capsys.readouterr()
    assert (code, out) == (130, "")
    assert err.splitlines()[-1] == "flux-semver: interrupted"
