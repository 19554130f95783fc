#!/usr/bin/env python3
"""How much a flux-semver pre-commit hook adds to a commit in a 10,000-file repository.

Generates the scan benchmark's tree (``bench/scan.py``) as a git repository, stages a change
to one policy file, and times whole processes on it:

- bare Python start-up (``python -c pass``), the least any Python hook costs;
- ``pre-commit run`` with one no-op hook (``entry: true``): pre-commit's own overhead;
- ``pre-commit run`` with ``flux-semver-check`` (``repo: local``, this environment's entry
  point, so that no hook environment is built): what a commit waits for;
- the hook's entry point alone, as pre-commit calls it (``PRE_COMMIT=1``, the staged file).

The hook adds the difference between the two ``pre-commit run`` times. The goal: under 0.3 s.

    python bench/hook.py [--files 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan import generate, timed  # the same tree and timer as the scan benchmark

GOAL = 0.3
CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: {id}
        name: {id}
        entry: {entry}
        language: system
        types_or: [yaml]
        require_serial: true
        always_run: true
"""


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


def _pre_commit(root: Path, hook_id: str, entry: str, repeat: int) -> tuple[float, float, str]:
    (root / ".pre-commit-config.yaml").write_text(CONFIG.format(id=hook_id, entry=entry))
    _git(root, "add", ".pre-commit-config.yaml")
    return timed([sys.executable, "-m", "pre_commit", "run", hook_id], repeat)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    entry = str(Path(sys.executable).parent / "flux-semver-check")
    with tempfile.TemporaryDirectory(prefix="flux-semver-hook-bench-") as tmp:
        root = Path(tmp) / "gitops"
        generate(root, args.files)
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "tree")
        changed = next(root.glob("clusters/staging/apps/*/image-automation.yaml"))
        changed.write_text(changed.read_text().replace('"1.4.x"', '"1.5.x"'))
        rel = changed.relative_to(root).as_posix()
        _git(root, "add", rel)
        os.environ["PRE_COMMIT_HOME"] = str(Path(tmp) / "cache")
        here = Path.cwd()
        os.chdir(root)
        try:
            bare = timed([sys.executable, "-c", "pass"], args.repeat)
            noop = _pre_commit(root, "noop", "true", args.repeat)
            hooked = _pre_commit(root, "flux-semver-check", entry, args.repeat)
            os.environ["PRE_COMMIT"] = "1"
            alone = timed([entry, rel], args.repeat)
            del os.environ["PRE_COMMIT"]
        finally:
            os.chdir(here)
        if "Passed" not in hooked[2] and "Failed" not in hooked[2]:
            sys.exit(f"the hook did not run: {hooked[2][-500:]}")
    print(
        f"tree: {args.files} YAML files, one staged policy file; {os.cpu_count()} CPUs; "
        f"medians of {args.repeat} runs"
    )
    print(f"{'command':<40} {'wall s':>7} {'cpu s':>7}")
    rows = [
        ("python -c pass (bare start-up)", bare),
        ("pre-commit run, a no-op hook", noop),
        ("pre-commit run, flux-semver-check", hooked),
        ("flux-semver-check alone (PRE_COMMIT=1)", alone),
    ]
    for label, (wall, cpu, _) in rows:
        print(f"{label:<40} {wall:>7.3f} {cpu:>7.3f}")
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
