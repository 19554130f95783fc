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
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def working_tree() -> list[str]:
    """The checkout's files as the project has them, tracked and untracked but not ignored
    (POSIX paths relative to ``ROOT``); a tracked file deleted in the working tree is listed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name]


def copy_checkout(dest: Path, env: dict[str, str]) -> Path:
    """Copy the working tree (tracked and untracked, not ignored) into ``dest`` and commit it."""
    for name in working_tree():
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


def registry_env() -> dict[str, str]:
    """Our environment for pip as on a user's machine: the package index alone, none of this
    machine's pip configuration (local wheel folders, constraints)."""
    env = dict(os.environ)
    env.pop("PIP_FIND_LINKS", None)
    env.pop("PIP_CONSTRAINT", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def build_wheel(source: Path, dist: Path) -> Path:
    """Build the wheel of the project at ``source`` into ``dist``, as ``pip wheel`` does."""
    subprocess.run(
        [sys.executable, "-m", "pip", "-q", "wheel", "--no-deps", "-w", str(dist), str(source)],
        env=registry_env(),
        check=True,
        capture_output=True,
        timeout=600,
    )
    [wheel] = dist.glob("flux_semver-*.whl")
    return wheel


def new_venv(path: Path) -> Path:
    """An empty virtual environment (pip only, no system site-packages); its bin folder.

    Made by virtualenv, as pre-commit makes a hook's environment: it links pip from its own
    cache where ``python -m venv`` runs ensurepip (about 6 s of CPU against 0.5 s here)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "virtualenv",
            "-q",
            "--no-setuptools",
            "--no-periodic-update",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return path / "bin"


def install_wheel(source: Path, base: Path) -> tuple[Path, Path]:
    """Build the wheel of the project at ``source`` into ``base/dist`` and install it, with
    its own dependencies only (the light install), into a new empty virtual environment
    ``base/venv``; return the wheel and the venv's bin folder."""
    wheel = build_wheel(source, base / "dist")
    bin_dir = new_venv(base / "venv")
    subprocess.run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "-q",
            "install",
            f"flux-semver @ {wheel.as_uri()}",
        ],
        env=registry_env(),
        check=True,
        capture_output=True,
        timeout=600,
    )
    return wheel, bin_dir
