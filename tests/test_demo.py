"""The README's main command tells the release story end to end, and leaves examples/ alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.snapshot import snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_demo_runs_the_release_story() -> None:
    before = snapshot(EXAMPLES, "*", skip=("__pycache__",))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    steps = [
        "$ flux-semver policies",
        # patch 1.2.4: dev and pre-prod deploy it themselves, prod is pinned to it
        "$ flux-semver promote 1.2.4",
        "1.2.3 -> 1.2.4",
        "changed: clusters/prod/imagepolicy.yaml",
        # prod may not take the minor before pre-prod
        "$ flux-semver promote 1.3.0 --stage prod",
        "blocked",
        # minor 1.3.0 moves pre-prod only
        "$ flux-semver promote 1.3.0",
        "1.2.x -> 1.3.x",
        "changed: clusters/pre-prod/imagepolicy.yaml",
        # once pre-prod admits it, prod gets it
        "$ flux-semver promote 1.3.0 --stage prod",
        "1.2.4 -> 1.3.0",
        # the major moves every stage, with approval
        "$ flux-semver plan 2.0.0 --format markdown",
        "Approval required",
        "$ flux-semver promote 2.0.0",
        "1.x -> 2.x",
        "1.3.x -> 2.0.x",
        "waits",  # prod takes it in a later change
        "$ flux-semver promote 2.0.0 --stage prod",
        "1.3.0 -> 2.0.0",
        "$ flux-semver history --image myapp",
        "release 2.0.0 (major)",
        # an emergency rollback: prod alone goes back, pre-prod keeps 2.0.x
        "$ flux-semver rollback --image myapp --stage prod",
        "2.0.0 -> 1.3.0",
        "changed: clusters/prod/imagepolicy.yaml",
        # and the repository passes check with prod behind pre-prod
        "$ flux-semver check",
        "no problems",
        # a rollback never goes forward
        "$ flux-semver rollback --image myapp --stage prod --to 2.1.0",
        "refused: --to 2.1.0 would admit versions above 1.3.0: a rollback never goes forward",
        "(exit code 1)",
    ]
    position = 0
    for step in steps:
        found = out.find(step, position)
        assert found >= 0, f"{step!r} missing after position {position}:\n{out}"
        position = found + len(step)
    # which tag Flux deploys: from examples/tags.txt, prod ends back on 1.3.0
    deploys = [line.split() for line in out.splitlines() if " -> " in line and line[:2] == "  "]
    assert ["pre-prod", "1.3.x", "->", "1.3.1"] in deploys
    assert deploys[-2:] == [["pre-prod", "2.0.x", "->", "2.0.0"], ["prod", "1.3.0", "->", "1.3.0"]]
    rollback = out[out.index("emergency rollback") :]
    assert "FS003" not in rollback and "warning" not in rollback
    assert snapshot(EXAMPLES, "*", skip=("__pycache__",)) == before
