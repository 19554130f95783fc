#!/usr/bin/env python3
"""How much a flux-semver pre-commit hook adds to a commit in a 10,000-file repository.

Generates the scan benchmark's tree (``bench/scan.py``) as a git repository with its
``.flux-semver.yaml`` (stages named by aliases, as users have it), stages a change to one
policy file, and times whole processes on it:

- bare Python start-up (``python -c pass``), the least any Python hook costs;
- ``pre-commit run`` with one no-op hook (``entry: true``): pre-commit's own overhead;
- ``pre-commit run`` with ``flux-semver-check`` (``repo: local``, this environment's entry
  point, so that no hook environment is built): what a commit waits for;
- the hook's entry point alone, as pre-commit calls it (``PRE_COMMIT=1``, the staged file).

The hook adds the difference between the two ``pre-commit run`` times. The goal: under 0.3 s.

The package's bytecode is written first, as pip writes it into pre-commit's hook environment
(an environment with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile every module on
every run). The four commands take turns, round after round, so that a load that comes and
goes on a shared machine weighs on each alike; each row is the best of its runs (the least
disturbed), and the medians are printed beside.

    python bench/hook.py [--files 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan import CONFIG as FLUX_SEMVER_CONFIG  # the scan benchmark's tree, config and timer
from scan import generate, timed

GOAL = 0.3
HOOK = """\
      - id: {id}
        name: {id}
        entry: '{entry}'
        language: system
        types_or: [yaml]
        require_serial: true
        always_run: true
"""
CONFIG = "repos:\n  - repo: local\n    hooks:\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
            *args,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _bytecode() -> None:
    """Compile the package as pip does when it installs it (the hook environment has it)."""
    for name in ("flux_semver", "flux_semver.hooks"):
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


Timing = tuple[float, float, str]


def _rounds(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[Timing, Timing]]:
    """(best, median) of ``repeat`` runs of each command, the commands taking turns."""
    runs: dict[str, list[Timing]] = {label: [] for label in commands}
    for _ in range(repeat):
        for label, argv in commands.items():
            runs[label].append(timed(argv, 1))
    return {
        label: (
            (min(t[0] for t in done), min(t[1] for t in done), done[-1][2]),
            (
                statistics.median(t[0] for t in done),
                statistics.median(t[1] for t in done),
                done[-1][2],
            ),
        )
        for label, done in runs.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    entry = str(Path(sys.executable).parent / "flux-semver-check")
    _bytecode()
    with tempfile.TemporaryDirectory(prefix="flux-semver-hook-bench-") as tmp:
        root = Path(tmp) / "gitops"
        generate(root, args.files)
        (root / ".flux-semver.yaml").write_text(FLUX_SEMVER_CONFIG)
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "tree")
        changed = next(root.glob("clusters/staging/apps/*/image-automation.yaml"))
        changed.write_text(changed.read_text().replace('"1.4.x"', '"1.5.x"'))
        rel = changed.relative_to(root).as_posix()
        _git(root, "add", rel)
        (root / ".pre-commit-config.yaml").write_text(
            CONFIG
            + HOOK.format(id="noop", entry="true")
            + HOOK.format(id="flux-semver-check", entry=entry)
        )
        _git(root, "add", ".pre-commit-config.yaml")
        os.environ["PRE_COMMIT_HOME"] = str(Path(tmp) / "cache")
        pre_commit = [sys.executable, "-m", "pre_commit", "run"]
        here = Path.cwd()
        os.chdir(root)
        try:
            timed([*pre_commit, "noop"], 1)  # pre-commit's first run sets up its cache
            commands = {
                "python -c pass (bare start-up)": [sys.executable, "-c", "pass"],
                "pre-commit run, a no-op hook": [*pre_commit, "noop"],
                "pre-commit run, flux-semver-check": [*pre_commit, "flux-semver-check"],
                "flux-semver-check alone (PRE_COMMIT=1)": ["env", "PRE_COMMIT=1", entry, rel],
            }
            found = _rounds(commands, args.repeat)
        finally:
            os.chdir(here)
        for label in ("pre-commit run, a no-op hook", "pre-commit run, flux-semver-check"):
            out = found[label][0][2]
            if "Passed" not in out and "Failed" not in out:
                sys.exit(f"{label}: the hook did not run: {out[-500:]}")
    print(
        f"tree: {args.files} YAML files, one staged policy file; {os.cpu_count()} CPUs; "
        f"best of {args.repeat} runs each, taking turns (medians in brackets)"
    )
    print(f"{'command':<40} {'wall s':>7} {'cpu s':>7}   {'(median wall, cpu)':>18}")
    for label, (best, median) in found.items():
        print(f"{label:<40} {best[0]:>7.3f} {best[1]:>7.3f}   ({median[0]:.3f}, {median[1]:.3f})")
    bare = found["python -c pass (bare start-up)"][0]
    noop = found["pre-commit run, a no-op hook"][0]
    hooked = found["pre-commit run, flux-semver-check"][0]
    alone = found["flux-semver-check alone (PRE_COMMIT=1)"][0]
    added = hooked[0] - noop[0]
    print(
        f"the hook adds {added:.3f} s to pre-commit's {noop[0]:.3f} s "
        f"({alone[0] / bare[0]:.1f}x bare Python start-up on its own)"
    )
    goal = added < GOAL
    print(f"goal (the hook adds under {GOAL} s, wall time): {'met' if goal else 'NOT met'}")
    return 0 if goal else 1


if __name__ == "__main__":
    sys.exit(main())
