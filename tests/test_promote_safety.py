"""promote on a repository people work in: it refuses to mix a release with uncommitted edits
unless told to, and two promotes at once never lose an update (real git, real processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.gitops import gitops_repo, policy

PROD = "clusters/prod/podinfo.yaml"
SHARED = "clusters/podinfo.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_promote_refuses_a_file_with_uncommitted_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path)
    prod = repo.root / PROD
    work = prod.read_text().replace("# prod pins", "# work in progress: prod pins")
    prod.write_text(work)
    code, out, err = run(capsys, "-C", str(repo.root), "promote", "1.3.3")
    assert code == 2 and "changed:" not in out
    assert err == (
        f"flux-semver: error: {PROD}: uncommitted changes in a file this release "
        "would write — commit or stash them first, or pass --allow-dirty to write "
        "the release into them\n"
    )
    assert prod.read_text() == work
    repo.git("add", PROD)  # staged is not committed either
    assert run(capsys, "-C", str(repo.root), "promote", "1.3.3")[0] == 2
    code, out, _ = run(capsys, "-C", str(repo.root), "promote", "1.3.3", "--allow-dirty")
    assert code == 0 and f"changed: {PROD}" in out
    assert prod.read_text() == work.replace('"1.3.2"', '"1.3.3"')


def test_uncommitted_changes_elsewhere_do_not_stop_a_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path)
    (repo.root / "clusters/dev/podinfo.yaml").write_text("# dev is being reworked\n")
    (repo.root / "notes.yaml").write_text("draft: true\n")  # untracked
    code, out, _ = run(capsys, "-C", str(repo.root), "promote", "1.3.3")
    assert code == 0 and f"changed: {PROD}" in out


ROUNDS = 8


def test_two_promotes_at_once_on_one_file_keep_both_edits(tmp_path: Path) -> None:
    # dev and pre-prod of one app in one file; each promote names its own stage
    repo = gitops_repo(
        tmp_path,
        {
            SHARED: policy("podinfo-dev", "web", "1.2.x")
            + "---\n"
            + policy("podinfo-pre-prod", "web", "1.2.x"),
        },
        fixture=None,
    )
    command = [
        sys.executable,
        "-c",
        "import sys; from flux_semver.cli import main; sys.exit(main(sys.argv[1:]))",
        "-C",
        str(repo.root),
        "promote",
    ]
    for round_number in range(ROUNDS):
        version = f"1.{round_number + 3}.0"
        runs = [
            subprocess.Popen(
                [*command, version, "--image", "web", "--stage", stage, "--allow-dirty"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for stage in ("dev", "pre-prod")
        ]
        outcomes = [process.communicate(timeout=120) for process in runs]
        for process, (out, err) in zip(runs, outcomes, strict=True):
            assert process.returncode == 0, out + err
            assert f"changed: {SHARED}" in out
        text = (repo.root / SHARED).read_text()
        expected = f'range: "1.{round_number + 3}.x"'
        assert text.count(expected) == 2, f"round {round_number}: {text}"
        repo.commit(f"release {version}")
