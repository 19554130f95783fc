"""A copy of this checkout's working tree as its own git repository, for tests that need the
project as a user would get it (``pre-commit try-repo``, building the wheel).

Uncommitted files are copied too, so the tests see the work in progress; ignored files
(``.venv``, caches, build output) are not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def git_env(home: Path) -> dict[str, str]:
    """The environment for git in tests: a fixed identity, no global or system config."""
    config = home / "gitconfig"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.touch()
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="Flux Semver Tests",
        GIT_AUTHOR_EMAIL="tests@flux-semver.invalid",
        GIT_COMMITTER_NAME="Flux Semver Tests",
        GIT_COMMITTER_EMAIL="tests@flux-semver.invalid",
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    )
    return done.stdout


def copy_checkout(dest: Path, env: dict[str, str]) -> Path:
    """Copy the working tree (tracked and untracked, not ignored) into ``dest`` and commit it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    git(dest, env, "init", "-q")
    git(dest, env, "add", "-A")
    git(dest, env, "commit", "-q", "-m", "flux-semver working tree under test")
    return dest


def install_wheel(source: Path, base: Path) -> tuple[Path, Path]:
    """Build the wheel of the project at ``source`` into ``base/dist`` and install it alone
    (no dependencies) into ``base/site``; return the wheel and the site directory."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(base / "dist"), str(source)],
                   check=True, capture_output=True, timeout=600)
    [wheel] = (base / "dist").glob("flux_semver-*.whl")
    site = base / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return wheel, site
