"""history and rollback follow a policy file across ``git mv``; ``history --since/--limit``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.checkout import git
from tests.support.gitops import Repo, gitops_repo

PROD = "clusters/prod/podinfo.yaml"
MOVED = "apps/production/podinfo.yaml"


def run(capsys: pytest.CaptureFixture[str], repo: Repo, *argv: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def dated_commit(repo: Repo, message: str, day: int) -> None:
    stamp = f"2026-01-{day:02d}T12:00:00+00:00"
    env = {**repo.env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    git(repo.root, env, "add", "-A")
    git(repo.root, env, "commit", "-q", "-m", message)


def set_prod(repo: Repo, path: str, old: str, new: str) -> None:
    file = repo.root / path
    file.write_text(file.read_text().replace(f'range: "{old}"', f'range: "{new}"'))


@pytest.fixture
def moved(tmp_path: Path) -> Repo:
    """prod: 1.3.2 -> 1.3.3 (Jan 2) -> 1.3.4 (Jan 3), then git mv (Jan 4), then 1.3.5 (Jan 5)."""
    repo = gitops_repo(tmp_path)
    set_prod(repo, PROD, "1.3.2", "1.3.3")
    dated_commit(repo, "prod 1.3.3", 2)
    set_prod(repo, PROD, "1.3.3", "1.3.4")
    dated_commit(repo, "prod 1.3.4", 3)
    (repo.root / MOVED).parent.mkdir(parents=True)
    repo.git("mv", PROD, MOVED)
    dated_commit(repo, "move prod under apps/", 4)
    set_prod(repo, MOVED, "1.3.4", "1.3.5")
    dated_commit(repo, "prod 1.3.5", 5)
    return repo


def test_history_goes_on_before_the_move(moved: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, moved, "history", "--stage", "prod", "--format", "json")
    assert code == 0
    changes = [(c["from"], c["to"], c["file"], c["subject"]) for c in json.loads(out)["changes"]]
    assert changes == [
        ("1.3.4", "1.3.5", MOVED, "prod 1.3.5"),
        ("1.3.3", "1.3.4", PROD, "prod 1.3.4"),
        ("1.3.2", "1.3.3", PROD, "prod 1.3.3"),
        (None, "1.3.2", PROD, "initial"),
    ]


def test_since_and_limit(moved: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        moved,
        "history",
        "--stage",
        "prod",
        "--since",
        "2026-01-02T13:00",
        "--format",
        "json",
    )
    assert [c["to"] for c in json.loads(out)["changes"]] == ["1.3.5", "1.3.4"]
    code, out, _ = run(capsys, moved, "history", "--stage", "prod", "--limit", "1")
    assert code == 0 and "1.3.4 -> 1.3.5" in out and "1.3.3 -> 1.3.4" not in out
    code, _, err = run(capsys, moved, "history", "--limit", "0")
    assert code == 2 and "--limit" in err


def test_rollback_goes_back_past_the_move(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path)
    set_prod(repo, PROD, "1.3.2", "1.3.3")
    dated_commit(repo, "prod 1.3.3", 2)
    (repo.root / MOVED).parent.mkdir(parents=True)
    repo.git("mv", PROD, MOVED)
    dated_commit(repo, "move prod under apps/", 3)
    code, out, err = run(capsys, repo, "rollback", "--stage", "prod")
    assert code == 0, out + err
    assert out.startswith("prod: flux-system/podinfo 1.3.3 -> 1.3.2")
    assert f"changed: {MOVED}" in out
    assert 'range: "1.3.2"' in (repo.root / MOVED).read_text()
