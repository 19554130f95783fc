"""The action from start to end: read the inputs, run the command they name, write the outputs.

``main`` is what ``entrypoint.py`` calls: ``check`` (:mod:`.checking`) or ``promote`` and
``rollback`` (:mod:`.release`). A failure is classified by :mod:`flux_semver.edge`, the edge
of every face (2 for an input to fix, 3 for anything unexpected, 130 when interrupted; the
action adds 1 when GitHub refuses), and becomes one annotated line with the token hidden;
whatever happened — an input error included — the job summary, the summary file and every
output of action.yml are written, true to what was done. Files the run created in the
workspace are handed back to the workspace's owner.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flux_semver import edge
from flux_semver.evidence import escape
from flux_semver.github.api import GitHubError
from flux_semver.github.inputs import ActionInputs, load_event
from flux_semver.github.ownership import hand_back
from flux_semver.github.report import Report
from flux_semver.github.runner import Runner
from flux_semver.github.runner_env import RunnerEnv
from flux_semver.github.wording import in_input_terms

OUTPUT_NAMES = ("release-type", "plan", "changed-files", "pull-requests", "summary-file")

#: What a bug report from the action should carry.
EVIDENCE = "the workflow log"
_TITLES = {
    edge.FINDINGS: "flux-semver: GitHub refused",
    edge.INPUT_ERROR: "flux-semver: input error",
    edge.INTERRUPTED: "flux-semver: interrupted",
    edge.UNEXPECTED: "flux-semver: unexpected error",
}


def main(
    read: Callable[[Mapping[str, Any]], ActionInputs],
    env: Mapping[str, str],
    runner: Runner,
    secret: str = "",
) -> int:
    """Read the event and the inputs (``read`` gets the event, read once), run their
    command, write every output; return the exit code."""
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    report = Report()
    try:
        code = _run(read, env, runner, report, secret)
    finally:
        _finish(workspace, runner, report)
        hand_back(workspace)
    return code


def _run(
    read: Callable[[Mapping[str, Any]], ActionInputs],
    env: Mapping[str, str],
    runner: Runner,
    report: Report,
    secret: str,
) -> int:
    secrets = [secret]
    try:
        event = load_event(env)
        inputs = read(event)
        if inputs.registry_password:
            runner.mask(inputs.registry_password)
            secrets.append(inputs.registry_password)
        where = RunnerEnv.read(env, event)
        # Each command imports what it needs: `check` loads every rule and its schemas,
        # `promote` and `rollback` the GitHub client; neither pays for the other's.
        if inputs.command == "check":
            from flux_semver.github.checking import check

            check(inputs, where, runner, report)
        elif inputs.command == "gate":
            from flux_semver.github.gate import gate

            gate(inputs, where, runner, report, event, env)
        else:
            from flux_semver.github.release import release

            release(inputs, where, runner, report)
        return report.exit_code
    except (Exception, KeyboardInterrupt) as exc:  # the outer edge: flux_semver.edge decides
        failure = edge.classify(exc, evidence=EVIDENCE)
        code, message = failure.code, failure.detail or "the run was interrupted"
        if isinstance(exc, GitHubError):
            code = edge.FINDINGS  # the workflow's token or the repository's settings refused
        elif code == edge.INPUT_ERROR:
            message = in_input_terms(message)
        title = _TITLES[code]
    for hidden in filter(None, secrets):
        message = message.replace(hidden, "***")
    runner.annotate("error", message, title=title)
    report.summary.append(f"> [!CAUTION]\n> **{title}:** {escape.inline(message)}\n")
    return code


def changed_files_output(files: list[str]) -> str:
    """One file a line; a name with a line break or a quote is written as a JSON string, so
    no name can forge a line of its own."""
    return "\n".join(
        json.dumps(f, ensure_ascii=False) if any(c in f for c in '\n\r"') or f != f.strip() else f
        for f in files
    )


def _finish(workspace: Path, runner: Runner, report: Report) -> None:
    text = "\n\n".join(report.summary)
    summary_path = _summary_path(workspace)
    if text:
        runner.append_summary(text)
    try:
        target = workspace / summary_path
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(text + ("\n" if text else ""), encoding="utf-8")
        temporary.replace(target)
    except OSError as exc:
        runner.annotate(
            "warning",
            f"could not write the summary file {summary_path}: {exc.strerror}",
            title="flux-semver: summary file",
        )
        summary_path = ""
    plan_json = json.dumps(report.plan.to_json()) if report.plan is not None else "{}"
    values = {
        "release-type": report.release_type,
        "plan": plan_json,
        "changed-files": changed_files_output(report.changed_files),
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
