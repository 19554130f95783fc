"""Without ``-C`` the repository is the enclosing git top level, and its config applies, from
whichever subdirectory the command runs in (README: Global options and exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.gitops import gitops_repo, policy

CONFIG = """\
stages:
  - name: qa
    aliases: [qa, pre-prod]
  - name: live
    aliases: [live, prod]
    exact: true
    after: qa
    on: {patch: follow}  # a stage of its own holds what its `on` leaves out
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GIT_CEILING_DIRECTORIES", raising=False)


def test_from_a_subdirectory_the_whole_repository_and_its_config_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gitops_repo(
        tmp_path,
        {
            ".flux-semver.yaml": CONFIG,
            "apps/prod/podinfo-eu.yaml": policy("podinfo-eu", "podinfo", "1.3.2"),
        },
    )
    monkeypatch.chdir(repo.root / "apps")
    code, out, err = run(capsys, "policies", "--format", "json")
    assert code == 0 and err == ""
    found = {(p["file"], p["stage"]) for p in json.loads(out)}
    assert found == {  # the root's config: qa and live, and dev belongs to no stage
        ("clusters/dev/podinfo.yaml", None),
        ("clusters/pre-prod/podinfo.yaml", "qa"),
        ("clusters/prod/podinfo.yaml", "live"),
        ("apps/prod/podinfo-eu.yaml", "live"),
    }
    code, out, _ = run(capsys, "promote", "1.3.3")
    assert code == 0, out
    assert "changed: clusters/prod/podinfo.yaml" in out
    assert "changed: apps/prod/podinfo-eu.yaml" in out
    assert 'range: "1.3.3"' in (repo.root / "apps/prod/podinfo-eu.yaml").read_text()
    assert 'range: "1.3.3"' in (repo.root / "clusters/prod/podinfo.yaml").read_text()


def test_c_still_chooses_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gitops_repo(tmp_path)
    monkeypatch.chdir(repo.root / "clusters")
    code, out, _ = run(capsys, "check")
    assert (code, out) == (0, "no problems in 4 files (3 policies)\n")
    code, out, _ = run(capsys, "-C", "prod", "policies")
    assert code == 0 and out.splitlines()[-1].startswith("1 policy in 1 file; 2 YAML files")


def test_outside_a_git_repository_the_working_directory_is_used_and_said_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gitops_repo(tmp_path)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "prod.yaml").write_text((repo.root / "clusters/prod/podinfo.yaml").read_text())
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(plain)
    code, out, err = run(capsys, "policies")
    assert code == 0 and "prod.yaml:3" in out
    assert err == (
        f"flux-semver: not inside a git repository: using the current directory "
        f"{plain} as the repository root (-C DIR to choose another)\n"
    )
