"""The pre-commit hooks' ``main(argv)``, run in fixture repositories as pre-commit runs them:
from the repository root, with the changed files as arguments."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml

# hooks/ installs as flux_semver.hooks (pyproject package-dir), a mapping mypy cannot follow
from flux_semver.hooks import (  # type: ignore[import-not-found]
    check,
    no_skip,
    prod_exact,
    ranges,
)

DATA = Path(__file__).parent / "data" / "rules"
ROOT = Path(__file__).parent.parent
PROD = "clusters/prod/podinfo.yaml"
PRE_PROD = "clusters/pre-prod/podinfo.yaml"

Main = Callable[[Sequence[str] | None], int]
HOOKS: dict[str, Main] = {
    "flux-semver-check": check.main,
    "flux-semver-prod-exact": prod_exact.main,
    "flux-semver-no-skip": no_skip.main,
    "flux-semver-ranges": ranges.main,
}
# which fixture each hook must reject (and the codes it reports); others it must pass
CATCHES: dict[str, set[str]] = {
    "flux-semver-check": {"fs001", "fs002", "fs003", "fs004", "fs007", "fs009", "fs010", "fs011"},
    "flux-semver-prod-exact": {"fs002"},
    "flux-semver-no-skip": {"fs003", "fs007"},
    "flux-semver-ranges": {"fs001", "fs004", "fs009"},
}


def in_fixture(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / name
    shutil.copytree(DATA / name, root)
    monkeypatch.chdir(root)
    return root


def test_hook_ids_match_the_manifest() -> None:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in manifest} == set(HOOKS)
    for hook in manifest:
        assert hook["entry"] == hook["id"]
        assert hook["language"] == "python"
        assert hook["types_or"] == ["yaml"]
        assert hook["require_serial"] is True


@pytest.mark.parametrize("hook", sorted(HOOKS))
@pytest.mark.parametrize("fixture", sorted(p.name for p in DATA.iterdir()))
def test_each_hook_rejects_exactly_its_rules_fixtures(
    hook: str,
    fixture: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    in_fixture(fixture, tmp_path, monkeypatch)
    code = HOOKS[hook]([])
    out = capsys.readouterr().out
    if fixture in CATCHES[hook]:
        assert code == 1
        assert f" {fixture.upper()} " in out
    else:
        assert code == 0
        warned = hook == "flux-semver-check" and fixture in {
            "fs005",
            "fs006",
            "fs008",
            "fs012",
            "fs013",
            "fs014",
        }
        assert (f" {fixture.upper()} " in out) == warned  # warnings are shown, not failed


def test_only_findings_about_the_files_passed_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    in_fixture("fs003", tmp_path, monkeypatch)
    assert no_skip.main(["clusters/dev/podinfo.yaml"]) == 0  # dev takes no part in FS003
    assert capsys.readouterr().out == ""
    assert no_skip.main([PROD]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"{PROD}:11:14: FS003 skips-stage prod admits versions above")


def test_a_commit_that_only_narrows_the_gate_sees_the_stage_it_leaves_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # pre-prod's file is the only one committed, but it is what makes prod skip pre-prod
    in_fixture("fs003", tmp_path, monkeypatch)
    assert no_skip.main([PRE_PROD]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"{PROD}:11:14: FS003 skips-stage")


def test_warnings_are_shown_and_fail_only_with_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    in_fixture("fs005", tmp_path, monkeypatch)
    assert check.main([PRE_PROD]) == 0
    assert "FS005 deprecated-api" in capsys.readouterr().out
    assert check.main(["--strict", PRE_PROD]) == 1


def test_the_arguments_pre_commit_passes_and_those_it_never_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # hook args as a .pre-commit-config.yaml gives them, in either spelling, before the files
    root = in_fixture("fs005", tmp_path, monkeypatch)
    (root / "ci").mkdir()
    (root / "ci" / "stages.yaml").write_text("stages: [{name: dev}, {name: pre-prod}]\n")
    for args in (["--config", "ci/stages.yaml"], ["--config=ci/stages.yaml"]):
        assert check.main([*args, "--strict", PRE_PROD]) == 1
        assert "FS005 deprecated-api" in capsys.readouterr().out
        assert check.main([*args, PRE_PROD]) == 0
        capsys.readouterr()
    (root / "ci" / "stages.yaml").write_text("stages: [{name: dev, colour: blue}]\n")
    assert check.main(["--config=ci/stages.yaml", PRE_PROD]) == 2
    assert "ci/stages.yaml:1: " in capsys.readouterr().err
    # anything else is argparse's: a usage line and exit 2, or the help
    with pytest.raises(SystemExit) as exited:
        check.main(["--stict", PRE_PROD])
    assert exited.value.code == 2
    assert "unrecognized arguments: --stict" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        check.main(["--config"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        check.main(["--help"])
    assert exited.value.code == 0
    assert "--strict" in capsys.readouterr().out


def test_a_bad_config_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = in_fixture("clean", tmp_path, monkeypatch)
    (root / ".flux-semver.yaml").write_text("stages: [{name: prod, colour: blue}]\n")
    assert prod_exact.main([PROD]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("flux-semver: error: ")


def test_a_hook_ignores_files_that_are_no_repository_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    in_fixture("fs001", tmp_path, monkeypatch)  # pre-prod holds an FS001 error
    (tmp_path / "fs001" / "README.md").write_text("notes\n")
    assert check.main(["README.md", "gone.yaml", str(tmp_path / "outside.yaml")]) == 0
    assert capsys.readouterr().out == ""
    assert check.main(["README.md", PRE_PROD]) == 1
    assert capsys.readouterr().out.endswith("1 error, 0 warnings in 1 of 4 files (3 policies)\n")


def test_under_pre_commit_only_the_committed_apps_policies_are_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # another app's files are passed over; the gate stage's file of this app is not
    from tests.support.gitops import gitops_repo, policy

    repo = gitops_repo(
        tmp_path,
        {
            f"clusters/{stage}/other.yaml": policy("other", "other", rng)
            for stage, rng in (("dev", "2.x"), ("pre-prod", "2.1.x"), ("prod", "2.1.0"))
        },
    )
    monkeypatch.chdir(repo.root)
    monkeypatch.setenv("PRE_COMMIT", "1")
    pre_prod = repo.root / PRE_PROD
    pre_prod.write_text(pre_prod.read_text().replace('"1.3.x"', '"1.2.x"'))  # prod's 1.3.2 skips
    repo.git("add", PRE_PROD)
    assert no_skip.main([PRE_PROD]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{PROD}:12:14: FS003 skips-stage")
    assert out.endswith("1 error, 0 warnings in 1 of 7 files (3 policies)\n")  # podinfo's 3
    monkeypatch.delenv("PRE_COMMIT")
    assert no_skip.main([PRE_PROD]) == 1
    assert capsys.readouterr().out.endswith("in 1 of 7 files (6 policies)\n")


def test_a_hook_run_never_imports_dataclasses_or_inspect(tmp_path: Path) -> None:
    # Defining dataclasses execs generated code for each class: ~40 ms of every hook run when
    # the value classes were dataclasses. They are msgspec Structs, and msgspec is imported
    # without typing_extensions, which would import inspect (~10 ms); nothing on the way may
    # bring either back (bench/hook.py measures the time itself).
    import subprocess
    import sys

    root = tmp_path / "fs002"
    shutil.copytree(DATA / "fs002", root)
    probe = (
        "import sys; from flux_semver.hooks import check; "
        "code = check.main([sys.argv[1]]); "
        "print(code, [m for m in ('dataclasses', 'inspect', 'typing_extensions') "
        "if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, PROD],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.splitlines()[-1] == "1 []", done.stdout + done.stderr
    assert " FS002 " in done.stdout
