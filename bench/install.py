#!/usr/bin/env python3
"""What each install of flux-semver costs: distributions, size on disk and pip's time.

    python bench/install.py

Builds the wheel of this checkout once, then installs it into a new empty virtual environment
per variant, as a user's ``pip install`` would:

- ``light``: ``flux-semver`` alone, what the CLI and every pre-commit hook environment get;
- ``evidence``: ``flux-semver[evidence]`` (JUnit reports for ``flux-semver evidence``);
- ``action``: ``flux-semver[action]``, what the action's image installs (and what every
  install pulled before the extras were split out).

Size is every file under the environment's site-packages (bytecode included, as pip writes
it). Two times: ``pip install`` from the package index (pip's cache warm from earlier runs,
so mostly the index look-ups, as a pre-commit hook's first run pays them), and from a local
folder of the same wheels (``--no-index``: unpacking and compiling alone).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = (("light", ""), ("evidence", "[evidence]"), ("action", "[action]"))
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


def _site(env: Path) -> Path:
    [site] = (env / "lib").glob("python3*/site-packages")
    return site


def _size(top: Path) -> int:
    return sum(p.stat().st_size for p in top.rglob("*") if p.is_file() and not p.is_symlink())


def _timed_install(python: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([*PIP, "--python", str(python), "install", *args], check=True)
    return time.perf_counter() - started


def _install(wheel: Path, extra: str, base: Path) -> tuple[float, float, list[str], int]:
    spec = f"flux-semver{extra} @ {wheel.as_uri()}"
    envs = base / "index", base / "local"
    for env in envs:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    online = _timed_install(envs[0] / "bin" / "python", spec)
    offline = _timed_install(
        envs[1] / "bin" / "python", "--no-index", "--find-links", str(wheel.parent), spec
    )
    site = _site(envs[0])
    names = sorted(p.name.split("-")[0] for p in site.glob("*.dist-info"))
    return online, offline, [n for n in names if n != "flux_semver"], _size(site)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="flux-semver-install-") as tmp:
        base = Path(tmp)
        subprocess.run(
            [*PIP, "wheel", "--no-deps", "-w", str(base / "dist"), str(ROOT)],
            check=True,
            capture_output=True,
        )
        [wheel] = (base / "dist").glob("flux_semver-*.whl")
        print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} KiB")
        # Every wheel any variant needs, for the --no-index installs.
        subprocess.run(
            [
                *PIP,
                "download",
                "-d",
                str(base / "dist"),
                f"flux-semver[action,evidence] @ {wheel.as_uri()}",
            ],
            check=True,
        )
        print(f"{'install':<10} {'dists':>5} {'MB':>7} {'index s':>8} {'local s':>8}  dependencies")
        for name, extra in VARIANTS:
            online, offline, deps, size = _install(wheel, extra, base / name)
            print(
                f"{name:<10} {len(deps):>5} {size / 1e6:>7.1f} {online:>8.1f} "
                f"{offline:>8.1f}  {' '.join(deps)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
