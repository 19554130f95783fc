"""The real ``pre-commit`` client runs each hook from this checkout against a temporary GitOps
repository, on the files a commit stages.

These tests use a ``repos:`` entry in ``.pre-commit-config.yaml`` and ``pre-commit run``,
whose environment is built once per session in a shared PRE_COMMIT_HOME (``hooks`` fixture,
tests/conftest.py). The acceptance cases through ``pre-commit try-repo`` are in
test_precommit_try_repo.py, a file of their own so they run beside these.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.precommit import HOOK_IDS, PRE_PROD, PROD, Hooks, run, set_range, user_repo


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


def test_a_commit_that_moves_both_stages_in_order_passes(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PRE_PROD, "1.3.x", "1.4.x", hooks)
    set_range(root, PROD, "1.3.2", "1.4.0", hooks)
    done = run(root, hooks)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_range_flux_cannot_parse_fails_the_ranges_hook(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PRE_PROD, "1.3.x", "1.3.x.y", hooks)
    done = run(root, hooks, "flux-semver-ranges")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{PRE_PROD}:11:14: FS001 invalid-range" in done.stdout
