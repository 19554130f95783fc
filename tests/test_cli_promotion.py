"""plan, promote, history and rollback through the real flux-semver command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.snapshot import snapshot

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "gitops-repo"
PRE = "clusters/pre-prod/imagepolicy.yaml"
PROD = "clusters/prod/imagepolicy.yaml"
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Release Bot",
    "GIT_AUTHOR_EMAIL": "bot@example.com",
    "GIT_COMMITTER_NAME": "Release Bot",
    "GIT_COMMITTER_EMAIL": "bot@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "NO_COLOR": "1",
}


def fs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(root), *args],
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def gitops(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    return root


@pytest.fixture
def committed(gitops: Path) -> None:
    """Make ``gitops`` a git repository with one commit, "Initial layout", by the Release Bot."""
    git(gitops, "init", "-q")
    git(gitops, "add", "-A")
    git(gitops, "commit", "-q", "-m", "Initial layout")


def test_plan_formats(gitops: Path) -> None:
    text = fs(gitops, "plan", "1.3.0")
    assert text.returncode == 0, text.stderr
    assert "minor release" in text.stdout
    assert "1.2.x -> 1.3.x" in text.stdout

    data = json.loads(fs(gitops, "plan", "1.3.0", "--format", "json").stdout)
    assert (data["app"], data["version"], data["release_type"]) == ("myapp", "1.3.0", "minor")
    assert [(c["stage"], c["action"]) for c in data["changes"]] == [
        ("dev", "auto"),
        ("pre-prod", "update"),
        ("prod", "hold"),
    ]

    markdown = fs(gitops, "plan", "2.0.0", "--format", "markdown").stdout
    assert "| Stage |" in markdown and "**update**" in markdown
    assert "Approval required" in markdown


def test_a_prerelease_plan_is_not_called_a_prerelease_release(gitops: Path) -> None:
    text = fs(gitops, "plan", "1.3.0-rc.1")
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0] == "myapp 1.3.0-rc.1: prerelease"
    assert "holds prereleases" in text.stdout
    markdown = fs(gitops, "plan", "1.3.0-rc.1", "--format", "markdown").stdout
    assert markdown.splitlines()[0] == "### myapp 1.3.0-rc.1: prerelease"
    for out in (text.stdout, markdown):
        assert "prerelease release" not in out
    assert fs(gitops, "plan", "1.3.0").stdout.splitlines()[0] == "myapp 1.3.0: minor release"


def test_plan_blocked_exits_1(gitops: Path) -> None:
    done = fs(gitops, "plan", "1.3.0", "--stage", "prod")
    assert done.returncode == 1
    assert "blocked" in done.stdout and "1.2.x" in done.stdout


def test_promote_dry_run_writes_nothing(gitops: Path) -> None:
    before = snapshot(gitops)
    done = fs(gitops, "promote", "1.3.0", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"would change: {PRE}" in done.stdout
    assert snapshot(gitops) == before


def test_promote_blocked_writes_nothing_and_exits_1(gitops: Path) -> None:
    before = snapshot(gitops)
    done = fs(gitops, "promote", "1.3.0", "--stage", "prod")
    assert done.returncode == 1
    assert "nothing was written" in done.stderr
    assert snapshot(gitops) == before


def test_promote_writes_and_the_result_passes_check(gitops: Path) -> None:
    done = fs(gitops, "promote", "1.3.0")
    assert done.returncode == 0, done.stderr
    assert f"changed: {PRE}" in done.stdout
    assert '"1.3.x"' in (gitops / PRE).read_text()
    assert fs(gitops, "check").returncode == 0

    prod = fs(gitops, "promote", "1.3.0", "--stage", "prod", "--format", "json")
    assert prod.returncode == 0, prod.stderr
    assert json.loads(prod.stdout)["changed_files"] == [PROD]
    assert fs(gitops, "check").returncode == 0

    again = fs(gitops, "promote", "1.3.0", "--stage", "prod")
    assert "nothing to write" in again.stdout


def test_input_errors_are_one_line_with_exit_2(gitops: Path) -> None:
    other = gitops / "clusters" / "dev" / "other.yaml"
    other.write_text(
        (gitops / "clusters" / "dev" / "imagepolicy.yaml")
        .read_text()
        .replace("name: myapp-dev", "name: other-dev")
        .replace("name: myapp\n", "name: other\n")
    )
    for args, words in [
        (("plan", "1.3.0"), ["myapp", "other", "--image"]),
        (("plan", "1.3.0", "--image", "myapp", "--stage", "qa"), ["qa", "pre-prod"]),
        (("plan", "banana", "--image", "myapp"), ["banana"]),
        (("promote", "1.0.0", "--image", "myapp"), ["rollback"]),
    ]:
        done = fs(gitops, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
        for word in words:
            assert word in done.stderr


@pytest.mark.usefixtures("committed")
def test_history_and_rollback_commands(gitops: Path) -> None:
    assert fs(gitops, "promote", "1.3.0").returncode == 0
    message = (
        "Promote myapp 1.3.0 to pre-prod\n\n"
        "Flux-Semver-App: myapp\nFlux-Semver-Stage: pre-prod\n"
        "Flux-Semver-Release: 1.3.0 (minor)\nFlux-Semver-Previous: pre-prod 1.2.x\n"
        "Evidence: https://ci.example.com/runs/9\n"
    )
    git(gitops, "commit", "-q", "-am", message)

    text = fs(gitops, "history", "--image", "myapp", "--stage", "pre-prod")
    assert text.returncode == 0, text.stderr
    first = text.stdout.splitlines()[0]
    assert "1.2.x -> 1.3.x" in first and first.endswith("  release 1.3.0 (minor)")
    assert "evidence: https://ci.example.com/runs/9" in text.stdout
    # the initial commit carries no trailers: its line names no release at all
    initial = [line for line in text.stdout.splitlines() if "(new) -> 1.2.x" in line]
    assert len(initial) == 1 and initial[0].endswith("myapp/pre-prod  (new) -> 1.2.x")
    assert "release" not in initial[0]

    data = json.loads(fs(gitops, "history", "--format", "json").stdout)["changes"]
    assert data[0]["from"] == "1.2.x" and data[0]["to"] == "1.3.x"
    assert data[0]["author"] == "Release Bot"
    assert data[0]["commit"] == git(gitops, "rev-parse", "HEAD").strip()

    committed = git(gitops, "show", f"HEAD~1:{PRE}")
    done = fs(gitops, "rollback", "--image", "myapp", "--stage", "pre-prod")
    assert done.returncode == 0, done.stderr
    assert f"changed: {PRE}" in done.stdout
    assert (gitops / PRE).read_text() == committed

    refused = fs(gitops, "rollback", "--image", "myapp", "--stage", "prod", "--to", "1.3.0")
    assert refused.returncode == 1
    assert (
        "refused: --to 1.3.0 would admit versions above 1.2.3: a rollback never goes "
        "forward" in refused.stdout
    )
    assert '"1.2.3"' in (gitops / PROD).read_text()


@pytest.mark.usefixtures("committed")
def test_emergency_rollback_of_prod_alone_passes_check(gitops: Path) -> None:
    for args in (
        ("1.3.0",),
        ("1.3.0", "--stage", "prod"),
        ("2.0.0",),
        ("2.0.0", "--stage", "prod"),
    ):
        assert fs(gitops, "promote", *args).returncode == 0
        git(gitops, "commit", "-q", "-am", f"Promote {' '.join(args)}")
    done = fs(gitops, "rollback", "--image", "myapp", "--stage", "prod")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2.0.0 -> 1.3.0" in done.stdout and f"changed: {PROD}" in done.stdout
    assert done.stderr == ""  # no warning: prod lagging behind pre-prod is no finding
    check = fs(gitops, "check")
    assert check.returncode == 0, check.stdout
    assert "FS003" not in check.stdout

    above = fs(gitops, "rollback", "--image", "myapp", "--stage", "prod", "--to", "2.1.0")
    assert above.returncode == 1
    assert (
        "refused: --to 2.1.0 would admit versions above 1.3.0: a rollback never goes "
        "forward" in above.stdout
    )
    assert '"1.3.0"' in (gitops / PROD).read_text()


@pytest.mark.usefixtures("committed")
def test_rolling_back_the_gate_warns_with_the_next_command(gitops: Path) -> None:
    assert fs(gitops, "promote", "1.3.0").returncode == 0
    assert fs(gitops, "promote", "1.3.0", "--stage", "prod").returncode == 0
    git(gitops, "commit", "-q", "-am", "Promote 1.3.0 to pre-prod and prod")
    done = fs(gitops, "rollback", "--image", "myapp", "--stage", "pre-prod")
    assert done.returncode == 0, done.stderr
    assert "FS003" in done.stderr
    assert done.stderr.rstrip().endswith(
        "roll prod back next (flux-semver rollback --image myapp --stage prod)"
    )
    assert "FS003" in fs(gitops, "check").stdout
    assert fs(gitops, "rollback", "--image", "myapp", "--stage", "prod").returncode == 0
    assert fs(gitops, "check").returncode == 0


def test_history_outside_git_is_an_input_error(
    gitops: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # never find a repository above the test's folder
    monkeypatch.setitem(ENV, "GIT_CEILING_DIRECTORIES", str(gitops.parent))
    done = fs(gitops, "history")
    assert done.returncode == 2
    assert "git" in done.stderr


def test_markdown_plan_keeps_union_ranges_inside_their_cells(gitops: Path) -> None:
    import cmarkgfm

    dev = gitops / "clusters" / "dev" / "imagepolicy.yaml"
    dev.write_text(dev.read_text().replace('"1.x"', '"1.2.x || 1.1.x"'))
    done = fs(gitops, "promote", "2.0.0", "--dry-run", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    html = cmarkgfm.github_flavored_markdown_to_html(done.stdout)
    rows = html.split("<tr>")[2:]
    assert len(rows) == 3
    assert all(row.count("<td>") == 7 for row in rows)
    assert "1.2.x || 1.1.x" in rows[0]
    assert "stage window 2.0.x" in rows[0]
    assert "would change" in html and "clusters/dev/imagepolicy.yaml" in html
