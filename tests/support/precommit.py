"""Driving the real ``pre-commit`` client against a user's GitOps repository in the tests.

The checkout is copied into a git repository of its own (``hooks`` fixture in conftest.py);
a user's repository gets the clean example and a ``repos:`` entry pointing at the copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.checkout import git
from tests.support.gitops import DATA

PROD = "clusters/prod/podinfo.yaml"
PRE_PROD = "clusters/pre-prod/podinfo.yaml"


HOOK_IDS = (
    "flux-semver-check",
    "flux-semver-prod-exact",
    "flux-semver-no-skip",
    "flux-semver-ranges",
)


@dataclass(frozen=True)
class Hooks:
    repo: Path
    rev: str
    env: dict[str, str]


def user_repo(tmp_path: Path, hooks: Hooks) -> Path:
    """A user's GitOps repository: the clean fixture and a pre-commit config, committed."""
    root = tmp_path / "gitops"
    shutil.copytree(DATA / "clean", root)
    entries = "".join(f"      - id: {hook}\n" for hook in HOOK_IDS)
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks.repo}\n    rev: {hooks.rev}\n    hooks:\n{entries}"
    )
    git(root, hooks.env, "init", "-q")
    git(root, hooks.env, "add", "-A")
    git(root, hooks.env, "commit", "-q", "-m", "clean")
    return root


def pre_commit(root: Path, hooks: Hooks, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=root,
        env=hooks.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def run(root: Path, hooks: Hooks, *args: str) -> subprocess.CompletedProcess[str]:
    return pre_commit(root, hooks, "run", *args)


def try_repo(root: Path, hooks: Hooks, hook_id: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of the checkout's copy, on the files the user staged."""
    return pre_commit(root, hooks, "try-repo", str(hooks.repo), hook_id)


def set_range(root: Path, file: str, old: str, new: str, hooks: Hooks) -> None:
    path = root / file
    path.write_text(path.read_text().replace(f'range: "{old}"', f'range: "{new}"'))
    git(root, hooks.env, "add", file)
