"""Small things a team notices in the first week, on a real repository: the policies table fits
the terminal, counts read as English, a followed range keeps its notation, and a killed
write's temporary file does not outlive the next run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support import terminal
from tests.support.gitops import Repo, gitops_repo, policy

CORPUS = Path(__file__).parent / "data" / "corpus"  # the real-world corpus (SOURCES.md)


def run(capsys: pytest.CaptureFixture[str], repo: Repo, *argv: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def on_a_terminal(root: Path, *args: str, columns: int) -> str:
    """What flux-semver prints with its output on a terminal ``columns`` wide (a real pty)."""
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "flux_semver", "-C", str(root), *args]
    return terminal.on_a_terminal(command, env).replace("\r\n", "\n")


def test_the_policies_table_fits_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gitops_repo(tmp_path, fixture=None)
    for source in sorted(CORPUS.glob("*.yaml")):
        shutil.copy(source, repo.root / source.name)
    repo.commit("the corpus")
    monkeypatch.setenv("COLUMNS", "150")  # not a terminal: lines stay whole (grep, cut)
    code, whole, _ = run(capsys, repo, "policies")
    assert code == 0 and max(len(line) for line in whole.splitlines()) > 300
    out = on_a_terminal(repo.root, "policies", columns=150)
    table = [line for line in out.splitlines() if ": error: " not in line][:-1]
    assert len(table) > 60 and max(len(line) for line in table) <= 150
    # a long path keeps its end, where the file's name is
    assert any(line.startswith("…") and "image-automation.yaml:" in line for line in table)
    assert out.splitlines()[-1].endswith("YAML files scanned, 3 could not be read")


def test_one_policy_in_one_file_reads_as_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path, {"prod.yaml": policy("web", "web", "1.2.3")}, fixture=None)
    out = run(capsys, repo, "policies")[1]
    assert out.splitlines()[-1] == ("1 policy in 1 file; 1 YAML file scanned, 0 could not be read")


def test_a_followed_range_keeps_its_caret_and_its_v(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(
        tmp_path,
        {
            "clusters/dev/web.yaml": policy("web", "web", "^0.1.x"),
            "clusters/pre-prod/web.yaml": policy("web", "web", "1.x"),
            "clusters/prod/web.yaml": policy("web", "web", "v1.x.x"),
        },
        fixture=None,
    )
    code, out, err = run(capsys, repo, "promote", "1.0.1", "--stage", "dev", "--stage", "prod")
    assert code == 0, out + err
    assert 'range: "^1.0.x"' in (repo.root / "clusters/dev/web.yaml").read_text()
    assert 'range: "v1.0.1"' in (repo.root / "clusters/prod/web.yaml").read_text()
    assert "^1.0.x admits minor releases: a caret below 1.0.0 admitted patches only" in out


def test_a_killed_writes_temporary_file_is_swept_by_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(gone.stdout)  # a process that has exited
    directory = repo.root / "clusters/prod"
    stale = directory / f".podinfo.yaml.{dead}.k2j4x9q1.tmp"
    stale.write_text("half a release\n")
    notes = directory / ".podinfo.yaml.notes.tmp"  # not a name flux-semver writes
    notes.write_text("mine\n")
    code, out, _ = run(capsys, repo, "check")
    assert (code, out) == (0, "no problems in 4 files (3 policies)\n")
    assert not stale.exists() and notes.read_text() == "mine\n"
    notes.unlink()
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""
