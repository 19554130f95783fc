"""``flux-semver check``: formats, selection, FILE filtering and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.terminal import on_a_terminal

DATA = Path(__file__).parent / "data" / "rules"
PROD = "clusters/prod/podinfo.yaml"
PRE_PROD = "clusters/pre-prod/podinfo.yaml"


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def fixture(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(DATA / name, root)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_repository_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", str(DATA / "clean"), "check")
    assert code == 0
    assert out == "no problems in 4 files (3 policies)\n"


def test_an_error_exits_1_with_a_compiler_style_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", str(DATA / "fs002"), "check")
    assert code == 1
    first, summary = out.splitlines()
    assert first.startswith(f"{PROD}:11:14: FS002 not-exact prod must pin one version: write ")
    assert summary == "1 error, 0 warnings in 4 files (3 policies)"


def test_warnings_fail_only_with_strict(capsys: pytest.CaptureFixture[str]) -> None:
    root = str(DATA / "fs005")
    assert run(capsys, "-C", root, "check")[0] == 0
    code, out, _ = run(capsys, "-C", root, "check", "--strict")
    assert code == 1 and "FS005 deprecated-api" in out


def test_select_and_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    root = str(DATA / "fs002")
    assert run(capsys, "-C", root, "check", "--select", "FS001,FS003")[0] == 0
    assert run(capsys, "-C", root, "check", "--ignore", "not-exact")[0] == 0
    assert run(capsys, "-C", root, "check", "--select", "fs002")[0] == 1


def test_an_unknown_code_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "-C", str(DATA / "clean"), "check", "--select", "FS099")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and 'unknown rule "FS099"' in err


def test_a_bad_config_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = fixture(tmp_path, "clean")
    (root / ".flux-semver.yaml").write_text("stages:\n  - name: prod\n    colour: blue\n")
    code, out, err = run(capsys, "-C", str(root), "check")
    assert code == 2 and out == ""
    assert ".flux-semver.yaml" in err and "Traceback" not in err


def test_files_limit_the_findings_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fixture(tmp_path, "fs003")  # the finding is on prod; pre-prod is what it compares to
    assert run(capsys, "-C", str(root), "check", "clusters/dev/podinfo.yaml")[0] == 0
    # pre-prod's range is what prod skips: naming pre-prod shows prod's finding too
    code, out, _ = run(capsys, "-C", str(root), "check", PRE_PROD)
    assert code == 1 and out.startswith(f"{PROD}:11:14: FS003 skips-stage")
    assert run(capsys, "-C", str(root), "check", PROD)[0] == 1
    assert run(capsys, "-C", str(root), "check", str(root / PROD))[0] == 1
    assert run(capsys, "-C", str(root), "check", f"./{PROD}")[0] == 1
    monkeypatch.chdir(root / "clusters")
    code, out, _ = run(capsys, "-C", "..", "check", "prod/podinfo.yaml")
    assert code == 1 and out.startswith(f"{PROD}:11:14: FS003 skips-stage")
    assert run(capsys, "-C", "..", "check", "dev/podinfo.yaml")[0] == 0


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", str(DATA / "fs004"), "check", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["summary"] == {
        "files": 4,
        "policies": 3,
        "errors": 2,
        "warnings": 0,
        "suppressed": 0,
    }
    assert {f["code"] for f in data["findings"]} == {"FS004"}
    assert all(f["file"] == PROD and f["stage"] == "prod" for f in data["findings"])


def test_github_format_is_the_default_under_github_actions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, "-C", str(DATA / "fs007"), "check")
    assert code == 1
    assert out.startswith("::error file=clusters/prod/api.yaml,line=11,col=14,title=FS007 ")
    code, out, _ = run(capsys, "-C", str(DATA / "fs007"), "check", "--format", "text")
    assert out.startswith("clusters/prod/api.yaml:11:14: FS007 missing-gate")


def test_sarif_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", str(DATA / "fs009"), "check", "--format", "sarif")
    assert code == 1
    [result] = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "FS009"


def test_the_console_script_in_a_real_process(tmp_path: Path) -> None:
    root = fixture(tmp_path, "fs001")
    script = Path(sys.executable).parent / "flux-semver"
    env = {k: v for k, v in os.environ.items() if k not in {"GITHUB_ACTIONS", "NO_COLOR"}}
    done = subprocess.run(
        [str(script), "check"], cwd=root, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"{PRE_PROD}:11:14: FS001 invalid-range")
    assert "\x1b[" not in done.stdout  # not a terminal: no colour


def _on_a_terminal(root: Path, **extra_env: str) -> str:
    """Run ``flux-semver check`` with a pseudo-terminal as stdout; what it wrote."""
    script = Path(sys.executable).parent / "flux-semver"
    env = {k: v for k, v in os.environ.items() if k not in {"GITHUB_ACTIONS", "NO_COLOR"}}
    env.update(extra_env)
    return on_a_terminal([str(script), "check"], env, cwd=root)


def test_colour_on_a_terminal_unless_no_color(tmp_path: Path) -> None:
    root = fixture(tmp_path, "fs002")
    assert "\x1b[" in _on_a_terminal(root)
    plain = _on_a_terminal(root, NO_COLOR="1")
    assert "\x1b[" not in plain and "FS002 not-exact" in plain


def test_a_missing_root_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "-C", str(tmp_path / "nowhere"), "check")
    assert code == 2 and out == ""
    assert "is not a directory" in err


def test_annotations_name_paths_from_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fixture(tmp_path, "fs002")  # the GitOps tree is a folder of the checked-out repo
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    code, out, _ = run(capsys, "-C", str(root), "check")
    assert code == 1 and out.startswith(f"::error file=fs002/{PROD},line=11,col=14,")
    code, out, _ = run(capsys, "-C", str(root), "check", "--format", "sarif")
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == f"fs002/{PROD}"
    code, out, _ = run(capsys, "-C", str(root), "check", "--format", "text")
    assert out.startswith(f"{PROD}:11:14:")  # text and json stay relative to the root


def test_a_file_that_does_not_exist_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fixture(tmp_path, "fs001")  # pre-prod holds an FS001 error
    monkeypatch.chdir(root)
    code, out, err = run(capsys, "-C", ".", "check", "nonexist.yaml")
    assert code == 2 and out == ""
    assert err == (
        "flux-semver: error: nonexist.yaml: no such file — name a file inside the "
        "repository (-C DIR)\n"
    )
    code, out, err = run(
        capsys, "-C", ".", "check", "clusters/dev/podinfo.yaml", "clusters/dev/typo.yaml"
    )
    assert code == 2 and out == "" and "clusters/dev/typo.yaml: no such file" in err


def test_a_file_outside_the_repository_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fixture(tmp_path, "fs001")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("kind: ConfigMap\n")
    code, out, err = run(capsys, "-C", str(root), "check", str(outside))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert f"{outside}: outside the repository " in err and "(-C DIR)" in err
    code, out, err = run(capsys, "-C", str(root), "check", "../elsewhere.yaml")
    assert code == 2 and "outside the repository" in err
    code, out, err = run(capsys, "-C", str(root), "check", "clusters/dev")
    assert code == 2 and "clusters/dev: is a directory" in err


def test_the_summary_counts_the_files_shown(capsys: pytest.CaptureFixture[str]) -> None:
    root = str(DATA / "fs001")  # pre-prod holds an FS001 error; dev is clean
    code, out, _ = run(capsys, "-C", root, "check", "clusters/dev/podinfo.yaml")
    assert code == 0
    assert out == "no problems in 1 of 4 files (3 policies)\n"
    code, out, _ = run(capsys, "-C", root, "check", "clusters/dev/podinfo.yaml", "--format", "json")
    assert json.loads(out)["summary"] == {
        "files": 4,
        "policies": 3,
        "errors": 0,
        "warnings": 0,
        "suppressed": 0,
    }
    code, out, _ = run(capsys, "-C", root, "check", "clusters/dev/podinfo.yaml", PRE_PROD)
    assert code == 1 and out.splitlines()[-1] == "1 error, 0 warnings in 2 of 4 files (3 policies)"
    code, out, _ = run(capsys, "-C", root, "check")
    assert out.splitlines()[-1] == "1 error, 0 warnings in 4 files (3 policies)"
