#!/usr/bin/env python3
"""Set-up and entry points for developers: ``python3 tasks.py demo|test|quick|bench|fuzz|lock``.

Each task creates (or refreshes) the project's own virtual environment in ``.venv``
with the package and its test dependencies, then runs inside it. Nothing needs to be
installed by hand first: only Python 3.11+ and the package registries.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".flux-semver-installed"


def _run(*argv: str | Path, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(a) for a in argv), flush=True)
    return subprocess.call([str(a) for a in argv], cwd=ROOT, env=env)


def _ensure_venv() -> None:
    """Create .venv and install the package with test extras when pyproject.toml changed."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip: list[str | Path] = [BIN / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    if _run(*pip, "install", "--upgrade", "pip") != 0:
        sys.exit("could not upgrade pip in .venv")
    if _run(*pip, "install", "-e", ".[action,test]") != 0:
        sys.exit("could not install flux-semver and its test dependencies into .venv")
    STAMP.write_text(wanted)


def _ensure_registry() -> None:
    """Install the CNCF distribution registry (Debian package docker-registry) that the
    registry tests start, where it is missing and apt-get may run (as root, or sudo -n)."""
    if shutil.which("docker-registry") or not shutil.which("apt-get"):
        return
    sudo = [] if os.name != "posix" or os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        [*sudo, "apt-get", "update", "-qq"],
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "docker-registry"],
    )
    for step in steps:
        print("+", " ".join(step), flush=True)
        if subprocess.call(step, cwd=ROOT, env=env) != 0:
            print(
                "could not install docker-registry: the registry tests will fail; install "
                "it with: apt-get install -y docker-registry",
                file=sys.stderr,
            )
            return
    # Where systemd runs, the package starts a system-wide registry; the tests start their own.
    if shutil.which("systemctl"):
        subprocess.call(
            [*sudo, "systemctl", "disable", "--now", "docker-registry"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def demo(args: list[str]) -> int:
    return _run(BIN / "python", ROOT / "examples" / "demo.py", *args)


# Two workers: the machine we measure on has two cores, and most tests wait on git or a CLI
# subprocess. Each test file stays on one worker, so a file's session set-up (the pre-commit
# hook environment) is built once. Files are handed out in the order tests/conftest.py gives
# them, the slowest first (xdist would otherwise start the files with the most tests first).
PARALLEL = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]


def _with_bytecode() -> dict[str, str]:
    """Our environment, but Python writes bytecode. The tests start hundreds of Python
    processes (the CLI, the hooks, the action, pip, pre-commit); without bytecode each one
    compiles again every module it imports (a ``check`` then costs up to 0.85 s of CPU instead
    of 0.2 s) and each worker rewrites every test module. It goes to __pycache__ folders, which
    git ignores, even where the environment says PYTHONDONTWRITEBYTECODE."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _steps(*pytest_args: str | Path) -> int:
    _ensure_registry()
    steps: tuple[tuple[list[str | Path], dict[str, str] | None], ...] = (
        ([BIN / "ruff", "check", "."], None),
        ([BIN / "ruff", "format", "--check", "."], None),
        ([BIN / "mypy"], None),
        ([BIN / "python", "-m", "pytest", *PARALLEL, *pytest_args], _with_bytecode()),
    )
    for step, env in steps:
        rc = _run(*step, env=env)
        if rc != 0:
            return rc
    return 0


def test(args: list[str]) -> int:
    """Everything but the long fuzz run, with branch coverage (floor in pyproject.toml)."""
    return _steps(
        "-m", "not slow", "--cov", "--cov-branch", "--cov-report=term:skip-covered", *args
    )


def quick(args: list[str]) -> int:
    """The fast set: no integration tests (hook environments, wheels, the Action end to end)."""
    return _steps("-m", "not slow and not integration", *args)


def bench(args: list[str]) -> int:
    return _run(BIN / "python", ROOT / "bench" / "ledger.py", *args)


def fuzz(args: list[str]) -> int:
    env_examples = args[0] if args else "20000"
    os.environ["FLUX_SEMVER_FUZZ_EXAMPLES"] = env_examples
    return _run(BIN / "python", "-m", "pytest", "-m", "slow", "tests/test_fuzz.py")


LOCK = ROOT / "requirements" / "action.lock"


def lock(args: list[str]) -> int:
    """Write requirements/action.lock: the action extra and the build back-end, with hashes.

    Resolved against the package index alone (no local wheel folders from pip's config), so
    every hash is of a file anyone can download. ``lock --upgrade`` moves to the newest
    versions; without it, pins already in the lock are kept.
    """
    os.environ["CUSTOM_COMPILE_COMMAND"] = "python3 tasks.py lock"
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    os.environ.pop("PIP_FIND_LINKS", None)
    return _run(
        BIN / "pip-compile",
        "--quiet",
        "--extra",
        "action",
        "--build-deps-for",
        "wheel",
        "--generate-hashes",
        "--allow-unsafe",
        "--strip-extras",
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--output-file",
        LOCK.relative_to(ROOT),
        "pyproject.toml",
        *args,
    )


TASKS = {"demo": demo, "test": test, "quick": quick, "bench": bench, "fuzz": fuzz, "lock": lock}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [ARGS...]", file=sys.stderr)
        return 2
    _ensure_venv()
    return TASKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
