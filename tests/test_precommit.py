"""The real ``pre-commit`` client runs each hook from this checkout against a temporary GitOps
repository, on the files a commit stages.

These tests use a ``repos:`` entry in ``.pre-commit-config.yaml`` and ``pre-commit run``,
whose environment is built once per session in a shared PRE_COMMIT_HOME (``hooks`` fixture,
tests/conftest.py). The acceptance cases through ``pre-commit try-repo`` are in
test_precommit_try_repo.py, a file of their own so they run beside these.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.checkout import git
from tests.support.precommit import (
    HOOK_IDS,
    PRE_PROD,
    PROD,
    Hooks,
    pre_commit,
    run,
    set_range,
    user_repo,
)


def test_a_clean_repository_passes_every_hook(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    done = run(root, hooks, "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    for hook_name in ("flux-semver check", "flux-semver prod pins one version"):
        assert hook_name in done.stdout
    assert done.stdout.count("Passed") == len(HOOK_IDS)


def test_pinning_prod_to_a_range_fails_with_fs002(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PROD, "1.3.2", "1.x", hooks)
    done = run(root, hooks, "flux-semver-prod-exact")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert f"{PROD}:12:14: FS002 not-exact prod must pin one version" in done.stdout


def test_moving_prod_past_pre_prod_fails_with_fs003(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PROD, "1.3.2", "1.4.0", hooks)
    done = run(root, hooks, "flux-semver-no-skip")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{PROD}:12:14: FS003 skips-stage" in done.stdout
    assert run(root, hooks, "flux-semver-prod-exact").returncode == 0  # still one version
    every = run(root, hooks)
    assert every.returncode == 1 and "FS003" in every.stdout


def test_moving_both_stages_takes_two_commits(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PRE_PROD, "1.3.x", "1.4.x", hooks)
    set_range(root, PROD, "1.3.2", "1.4.0", hooks)
    assert run(root, hooks, "flux-semver-no-skip").returncode == 0  # the ranges agree
    both = run(root, hooks)  # but pre-prod never ran 1.4.0 before prod took it (FS015)
    assert both.returncode == 1, both.stdout + both.stderr
    assert (
        f"{PROD}:12:14: FS015 same-change prod takes 1.4.0 in the same change in which "
        'pre-prod first admits it (pre-prod had "1.3.x" at HEAD'
    ) in both.stdout
    git(root, hooks.env, "restore", "--staged", PROD)
    assert run(root, hooks).returncode == 0, "pre-prod's change alone passes"
    git(root, hooks.env, "commit", "-q", "-m", "Promote 1.4 to pre-prod")
    git(root, hooks.env, "add", PROD)
    done = run(root, hooks)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_range_flux_cannot_parse_fails_the_ranges_hook(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PRE_PROD, "1.3.x", "1.3.x.y", hooks)
    done = run(root, hooks, "flux-semver-ranges")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{PRE_PROD}:11:14: FS001 invalid-range" in done.stdout


def commit(root: Path, hooks: Hooks, message: str) -> subprocess.CompletedProcess[str]:
    """A real ``git commit`` through the hook that ``pre-commit install`` put in place."""
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=root,
        env=hooks.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def installed(tmp_path: Path, hooks: Hooks) -> Path:
    root = user_repo(tmp_path, hooks)
    done = pre_commit(root, hooks, "install")
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def head(root: Path, hooks: Hooks) -> str:
    return git(root, hooks.env, "log", "-1", "--format=%s").strip()


def test_a_commit_that_deletes_the_gate_stages_policy_file_is_refused(
    tmp_path: Path, hooks: Hooks
) -> None:
    root = installed(tmp_path, hooks)
    git(root, hooks.env, "rm", "-q", PRE_PROD)
    done = commit(root, hooks, "drop pre-prod")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "(no files to check)" not in done.stdout
    assert f"{PROD}:12:14: FS007 missing-gate" in done.stdout + done.stderr
    assert head(root, hooks) == "clean"  # the commit did not land


def test_a_commit_that_renames_a_policy_file_out_of_its_stage_is_refused(
    tmp_path: Path, hooks: Hooks
) -> None:
    root = installed(tmp_path, hooks)
    git(root, hooks.env, "mv", PRE_PROD, "clusters/pre-prod/podinfo.yaml.off")
    done = commit(root, hooks, "park pre-prod")
    assert done.returncode == 1 and "FS007 missing-gate" in done.stdout + done.stderr
    assert head(root, hooks) == "clean"


def test_a_commit_that_only_changes_the_config_is_checked(tmp_path: Path, hooks: Hooks) -> None:
    root = installed(tmp_path, hooks)
    # pre-prod renamed to qa, with aliases that no longer name clusters/pre-prod/
    (root / ".flux-semver.yaml").write_text(
        "stages:\n  - name: dev\n  - name: qa\n    aliases: [qa]\n"
        "  - name: prod\n    exact: true\n    after: qa\n"
    )
    git(root, hooks.env, "add", ".flux-semver.yaml")
    done = commit(root, hooks, "rename pre-prod to qa")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{PROD}:12:14: FS007 missing-gate" in done.stdout + done.stderr
    assert head(root, hooks) == "clean"


def test_a_commit_without_yaml_passes_and_a_good_deletion_lands(
    tmp_path: Path, hooks: Hooks
) -> None:
    root = installed(tmp_path, hooks)
    (root / "README.md").write_text("notes\n")
    git(root, hooks.env, "add", "README.md")
    done = commit(root, hooks, "notes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert head(root, hooks) == "notes"
    git(root, hooks.env, "rm", "-q", "clusters/dev/podinfo.yaml")  # dev gates nothing
    done = commit(root, hooks, "drop dev")
    assert done.returncode == 0, done.stdout + done.stderr
    assert head(root, hooks) == "drop dev"
