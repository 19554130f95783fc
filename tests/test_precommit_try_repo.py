"""The hooks' acceptance test through ``pre-commit try-repo <copy> <hook-id>``, as the README
tells users to try a hook: prod widened to ``1.x`` fails with FS002 at the line, prod moved
past what pre-prod admits fails with FS003, a commit that moves both stages in order passes.

try-repo builds a fresh environment on every call (from pip's cache), so there are just these
three; a file of their own, so they run on one worker while the other runs the rest.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.checkout import git
from tests.support.precommit import PRE_PROD, PROD, Hooks, set_range, try_repo, user_repo


def test_try_repo_on_the_checkout_catches_fs002(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PROD, "1.3.2", "1.x", hooks)
    done = try_repo(root, hooks, "flux-semver-prod-exact")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "flux-semver prod pins one version" in done.stdout and "Failed" in done.stdout
    assert (
        f'{PROD}:12:14: FS002 not-exact prod must pin one version: write "1.3.2" (the '
        'version prod pinned at HEAD, which pre-prod admits), not "1.x"'
    ) in done.stdout


def test_try_repo_on_the_checkout_catches_fs003(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    set_range(root, PROD, "1.3.2", "1.4.0", hooks)  # pre-prod admits 1.3.x only
    done = try_repo(root, hooks, "flux-semver-no-skip")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert (
        f"{PROD}:12:14: FS003 skips-stage prod admits versions above everything pre-prod "
        'admits: "1.4.0" here'
    ) in done.stdout


def test_try_repo_on_the_checkout_passes_a_clean_commit(tmp_path: Path, hooks: Hooks) -> None:
    root = user_repo(tmp_path, hooks)
    # pre-prod alone: prod taking 1.4.0 in the same commit would be FS015 same-change
    set_range(root, PRE_PROD, "1.3.x", "1.4.x", hooks)
    done = try_repo(root, hooks, "flux-semver-check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "flux-semver check" in done.stdout and "Passed" in done.stdout
    assert "FS0" not in done.stdout
    git(root, hooks.env, "commit", "-q", "-m", "Promote 1.4 to pre-prod")
