#!/usr/bin/env python3
"""How long ``flux-semver check`` takes on the 10,000-file tree of ``bench/scan.py``, against
``flux-semver policies`` on the same tree.

``check`` does what ``policies`` does (load the config, scan every file) and then runs every
rule, schema validation of every ImagePolicy against its CRD included; FS015 finds nothing to
compare without ``--base``, so FS001-FS014 are what is measured. The goal: within 1.5x
of ``policies``, wall time.

    python bench/check.py [--files 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from scan import _tool, generate, timed

GOAL = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per command")
    args = parser.parse_args()
    flux_semver = _tool("flux-semver")
    with tempfile.TemporaryDirectory(prefix="flux-semver-bench-") as tmp:
        root = Path(tmp) / "gitops"
        policies = generate(root, args.files)
        listed = timed([flux_semver, "-C", str(root), "policies", "--format", "json"], args.repeat)
        checked = timed([flux_semver, "-C", str(root), "check", "--format", "json"], args.repeat)
    summary = json.loads(checked[2])["summary"]
    print(
        f"tree: {args.files} YAML files, {policies} ImagePolicies; check saw "
        f"{summary['files']} files, {summary['policies']} policies, {summary['errors']} errors, "
        f"{summary['warnings']} warnings; {os.cpu_count()} CPUs; medians of {args.repeat} runs"
    )
    print(
        f"{'command':<24} {'wall s':>7} {'cpu s':>7} {'wall x policies':>16} {'cpu x policies':>15}"
    )
    for label, (wall, cpu, _) in (("flux-semver policies", listed), ("flux-semver check", checked)):
        print(
            f"{label:<24} {wall:>7.3f} {cpu:>7.3f} {wall / listed[0]:>16.2f} "
            f"{cpu / listed[1]:>15.2f}"
        )
    ratio = checked[0] / listed[0]
    print(
        f"goal (check within {GOAL}x of policies, wall time): "
        f"{ratio:.2f}x, {'met' if ratio <= GOAL else 'NOT met'}"
    )
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
