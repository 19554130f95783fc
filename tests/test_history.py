"""history and rollback on a real git repository built from a sequence of promotions."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from flux_semver import rules
from flux_semver.errors import GitError, PlanError
from flux_semver.release.history import history
from flux_semver.release.plan import make_plan
from flux_semver.release.promote import apply_plan
from flux_semver.release.rollback import apply_rollback, rollback_target
from flux_semver.release.trailers import commit_message
from flux_semver.repo import config, manifests
from flux_semver.repo.editing import set_ranges
from flux_semver.repo.manifests import Repository

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "gitops-repo"
PROD = "clusters/prod/imagepolicy.yaml"
PRE = "clusters/pre-prod/imagepolicy.yaml"


def _git(root: Path, *args: str, who: str = "Release Bot", when: int = 0) -> str:
    email = who.lower().replace(" ", ".") + "@example.com"
    stamp = f"{1_767_225_600 + when * 3600} +0000"  # 2026-01-01 plus `when` hours
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": who,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": who,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _scan(root: Path) -> Repository:
    return manifests.scan(root, config.load(root))


def _promote(
    root: Path,
    version: str,
    when: int,
    stages: list[str] | None = None,
    evidence: str | None = None,
) -> None:
    repo = _scan(root)
    plan = make_plan(repo, version, stages=stages)
    assert apply_plan(repo, plan)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", commit_message(plan, evidence_url=evidence), when=when)


@pytest.fixture
def story(tmp_path: Path) -> Path:
    """The release story, committed: patch, minor, minor to prod, a hand edit, the major, and
    the major to prod in a later commit (prod waits for pre-prod's change)."""
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Initial GitOps layout", who="Alice Admin")
    _promote(root, "1.2.4", when=1)
    _promote(root, "1.3.0", when=2, evidence="https://ci.example.com/runs/7")
    _promote(root, "1.3.0", when=3, stages=["prod"])
    dev = root / "clusters" / "dev" / "imagepolicy.yaml"
    dev.write_bytes(dev.read_bytes().replace(b'"1.x"', b'"1.3.x"'))
    _git(root, "commit", "-q", "-am", "Move dev to 1.3 by hand", who="Dana Dev", when=4)
    _promote(root, "2.0.0", when=5)
    _promote(root, "2.0.0", when=6, stages=["prod"])
    return root


def test_history_lists_every_range_change_newest_first(story: Path) -> None:
    changes = history(_scan(story))
    seen = [(c.stage, c.from_range, c.to_range) for c in changes]
    assert seen == [
        ("prod", "1.3.0", "2.0.0"),
        ("dev", "1.3.x", "2.0.x"),
        ("pre-prod", "1.3.x", "2.0.x"),
        ("dev", "1.x", "1.3.x"),
        ("prod", "1.2.4", "1.3.0"),
        ("pre-prod", "1.2.x", "1.3.x"),
        ("prod", "1.2.3", "1.2.4"),
        # the initial commit adds the policies: no earlier range
        ("dev", None, "1.x"),
        ("pre-prod", None, "1.2.x"),
        ("prod", None, "1.2.3"),
    ]


def test_history_reads_trailers_and_falls_back_to_the_diff(story: Path) -> None:
    changes = history(_scan(story), app="myapp", stage="prod")
    major, minor, patch, initial = changes
    assert (major.version, major.release_type, major.source) == ("2.0.0", "major", "trailers")
    assert (minor.version, minor.release_type) == ("1.3.0", "minor")
    assert (patch.version, patch.release_type) == ("1.2.4", "patch")
    assert major.author == "Release Bot"
    assert major.date.startswith("2026-01-01T06:00:00")
    assert initial.source == "diff" and initial.author == "Alice Admin"
    assert initial.release_type is None

    pre = history(_scan(story), stage="pre-prod")
    assert pre[1].evidence == ("https://ci.example.com/runs/7",)

    dev = history(_scan(story), stage="dev")
    by_hand = dev[1]
    assert (by_hand.source, by_hand.author, by_hand.subject) == (
        "diff",
        "Dana Dev",
        "Move dev to 1.3 by hand",
    )
    head = _git(story, "rev-parse", "HEAD~1").strip()
    assert dev[0].commit == head


def _codes(root: Path) -> list[str]:
    return [f.code for f in rules.check(root).findings]


def test_rollback_restores_the_exact_previous_bytes(story: Path) -> None:
    repo = _scan(story)
    rollback = rollback_target(repo, "myapp", "pre-prod")
    assert rollback.refused is None
    assert [(r.policy.range_text, r.to_range) for r in rollback.restores] == [("2.0.x", "1.3.x")]
    # prod pins 2.0.0, above all 1.3.x admits: the warning names FS003 and the next command
    (warning,) = rollback.warnings
    assert "FS003" in warning
    assert warning.endswith("(flux-semver rollback --image myapp --stage prod)")
    assert set_ranges(story, rollback.edits) == [PRE]
    before_major = _git(story, "show", f"HEAD~2:{PRE}")
    assert (story / PRE).read_text() == before_major
    assert "FS003" in _codes(story)  # what the warning said: prod must follow


def test_prod_alone_rolls_back_below_its_gate(story: Path) -> None:
    # an emergency rollback: prod goes back to 1.3.0 while pre-prod stays on 2.0.x
    assert "FS003" not in _codes(story)
    rollback = rollback_target(_scan(story), "myapp", "prod")
    assert rollback.refused is None
    assert rollback.warnings == ()
    assert rollback.restores[0].to_range == "1.3.0"
    assert apply_rollback(_scan(story), rollback) == [PROD]
    assert (story / PROD).read_text() == _git(story, "show", f"HEAD~1:{PROD}")
    assert _codes(story) == []  # prod lagging behind pre-prod passes check


def test_rollback_never_goes_forward(story: Path) -> None:
    # prod pins 2.0.0: --to 2.1.0 would be a release, not a rollback
    refused = rollback_target(_scan(story), "myapp", "prod", to="2.1.0")
    assert refused.refused == (
        "--to 2.1.0 would admit versions above 2.0.0: a rollback never goes forward "
        "(flux-system/myapp-prod has 2.0.0); to move forward, run flux-semver promote VERSION "
        "--stage prod"
    )
    before = (story / PROD).read_bytes()
    with pytest.raises(PlanError, match="refused"):
        apply_rollback(_scan(story), refused)
    assert (story / PROD).read_bytes() == before


def test_rollback_above_the_gate_is_refused(story: Path) -> None:
    # pre-prod back on 1.3.x: prod may go back to 1.3.x's versions, not to 1.4.0
    set_ranges(story, rollback_target(_scan(story), "myapp", "pre-prod").edits)
    refused = rollback_target(_scan(story), "myapp", "prod", to="1.4.0")
    assert refused.refused == (
        "prod would admit 1.4.0, above everything its gate pre-prod admits: give --to a range "
        "pre-prod admits"
    )
    assert rollback_target(_scan(story), "myapp", "prod", to="1.3.1").refused is None


@pytest.mark.parametrize("target", ["1.2.3", "1.3.0", "1.3.9", "1.4.0", "1.9.9", "2.0.0"])
def test_rollback_refuses_exactly_what_check_rejects(story: Path, target: str) -> None:
    set_ranges(story, rollback_target(_scan(story), "myapp", "pre-prod").edits)  # 1.3.x
    rollback = rollback_target(_scan(story), "myapp", "prod", to=target)
    set_ranges(story, rollback.edits)
    skips = [f for f in rules.check(story).findings if f.code == "FS003"]
    assert (rollback.refused is None) == (skips == []), (rollback.refused, skips)


def test_a_gate_with_several_policies_is_judged_as_check_judges_it(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    us = root / "clusters" / "pre-prod-us" / "imagepolicy.yaml"
    us.parent.mkdir()
    us.write_text((root / PRE).read_text().replace("myapp-preprod", "myapp-preprod-us"))
    set_ranges(
        root, [(p, "2.0.x") for p in _scan(root).policies_for("myapp") if p.name == "myapp-preprod"]
    )
    set_ranges(root, [(p, "2.0.5") for p in _scan(root).policies_for("myapp") if p.stage == "prod"])
    # pre-prod (eu) admits 2.0.x, pre-prod-us 1.2.x: prod may go back to 2.0.1 or 1.2.9,
    # not to 1.4.0, above everything the gate admits below 2.0.0 and no version of it
    assert rollback_target(_scan(root), "myapp", "prod", to="2.0.1").refused is None
    assert rollback_target(_scan(root), "myapp", "prod", to="1.4.0").refused is None
    set_ranges(
        root, [(p, "1.3.x") for p in _scan(root).policies_for("myapp") if p.name == "myapp-preprod"]
    )
    refused = rollback_target(_scan(root), "myapp", "prod", to="1.4.0").refused
    assert refused is not None and "above everything its gate pre-prod admits" in refused
    assert rollback_target(_scan(root), "myapp", "prod", to="1.3.1").refused is None


def test_rollback_of_an_uncommitted_change_restores_the_committed_range(story: Path) -> None:
    prod = story / PROD
    committed = prod.read_bytes()
    prod.write_bytes(committed.replace(b'"2.0.0"', b'"2.0.1"'))
    rollback = rollback_target(_scan(story), "myapp", "prod")
    assert rollback.restores[0].to_range == "2.0.0"
    set_ranges(story, rollback.edits)
    assert prod.read_bytes() == committed


def test_rollback_to_a_given_range(story: Path) -> None:
    rollback = rollback_target(_scan(story), "myapp", "dev", to="1.3.x")
    assert rollback.refused is None
    assert set_ranges(story, rollback.edits) == ["clusters/dev/imagepolicy.yaml"]
    assert _scan(story).policies_for("myapp")[0].range_text == "1.3.x"
    with pytest.raises(PlanError, match="not a range"):
        rollback_target(_scan(story), "myapp", "dev", to=">>1")


def test_rollback_with_no_earlier_range_asks_for_to(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Initial")
    with pytest.raises(PlanError, match="--to"):
        rollback_target(_scan(root), "myapp", "prod")


def test_history_needs_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    shutil.copytree(EXAMPLE, tmp_path / "gitops")
    with pytest.raises(GitError, match="not inside a git repository"):
        history(_scan(tmp_path / "gitops"))


def test_gitops_repository_below_the_git_top_level(tmp_path: Path) -> None:
    root = tmp_path / "platform" / "deploy"
    shutil.copytree(EXAMPLE, root)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "Initial")
    _promote(root, "1.2.4", when=1)
    changes = history(_scan(root), stage="prod")
    assert [(c.from_range, c.to_range, c.file) for c in changes] == [
        ("1.2.3", "1.2.4", PROD),
        (None, "1.2.3", PROD),
    ]
    rollback = rollback_target(_scan(root), None, "prod")
    assert rollback.restores[0].to_range == "1.2.3"
