"""The action from start to end: run the command the inputs name, then write the outputs.

``run`` is what ``entrypoint.py`` calls: ``check`` (:mod:`.checking`) or ``promote`` and
``rollback`` (:mod:`.release`). Whatever happens, the job summary, the summary file and every
output of action.yml are written at the end.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flux_semver.github.checking import check
from flux_semver.github.gate import gate
from flux_semver.github.inputs import ActionInputs
from flux_semver.github.outcome import Report
from flux_semver.github.release import release
from flux_semver.github.runner import Runner
from flux_semver.github.where import RunnerEnv

OUTPUT_NAMES = ("release-type", "plan", "changed-files", "pull-requests", "summary-file")


def run(inputs: ActionInputs, env: Mapping[str, str], event: Mapping[str, Any],
        runner: Runner) -> int:
    """Run the command the inputs name; write outputs and the summary; return the exit code."""
    where = RunnerEnv.read(env, event)
    report = Report()
    try:
        if inputs.command == "check":
            check(inputs, where, runner, report)
        elif inputs.command == "gate":
            gate(inputs, where, runner, report, event, env)
        else:
            release(inputs, where, runner, report)
    finally:
        _finish(where, runner, report)
    return report.exit_code


def _finish(where: RunnerEnv, runner: Runner, report: Report) -> None:
    text = "\n\n".join(report.summary)
    summary_path = _summary_path(where.workspace)
    if text:
        runner.append_summary(text)
    target = where.workspace / summary_path
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(text + ("\n" if text else ""), encoding="utf-8")
    temporary.replace(target)
    plan_json = json.dumps(report.plan.to_json()) if report.plan is not None else "{}"
    values = {
        "release-type": report.release_type,
        "plan": plan_json,
        "changed-files": "\n".join(report.changed_files),
        "pull-requests": json.dumps([p.to_json() for p in report.pulls]),
        "summary-file": summary_path,
    }
    for name in OUTPUT_NAMES:
        runner.set_output(name, values[name])


def _summary_path(workspace: Path) -> str:
    """Inside ``.git`` when there is one, so no later ``git add -A`` picks it up."""
    if (workspace / ".git").is_dir():
        return ".git/flux-semver/summary.md"
    return "flux-semver-summary.md"
