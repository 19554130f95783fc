"""The action from start to end: read the inputs, run the command they name, write the outputs.

``main`` is what ``entrypoint.py`` calls: ``check`` (:mod:`.checking`) or ``promote`` and
``rollback`` (:mod:`.release`). It is the action's one outer edge: a failure becomes one
annotated line and an exit code (1 when GitHub or the release refuses, 2 for an input to fix,
3 for anything unexpected), and whatever happened — an input error included — the job summary,
the summary file and every output of action.yml are written, true to what was done. Files the
run created in the workspace are handed back to the workspace's owner.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from flux_semver.errors import FluxSemverError
from flux_semver.evidence import escape
from flux_semver.github.api import GitHubError
from flux_semver.github.inputs import ActionInputs, load_event
from flux_semver.github.ownership import hand_back
from flux_semver.github.report import Report
from flux_semver.github.runner import Runner
from flux_semver.github.runner_env import RunnerEnv
from flux_semver.github.wording import in_input_terms

OUTPUT_NAMES = ("release-type", "plan", "changed-files", "pull-requests", "summary-file")


def main(
    read: Callable[[], ActionInputs], env: Mapping[str, str], runner: Runner, secret: str = ""
) -> int:
    """Read the inputs, run their command, write every output; return the exit code."""
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    report = Report()
    try:
        code = _run(read, env, runner, report, secret)
    finally:
        _finish(workspace, runner, report)
        hand_back(workspace)
    return code


def _run(
    read: Callable[[], ActionInputs],
    env: Mapping[str, str],
    runner: Runner,
    report: Report,
    secret: str,
) -> int:
    secrets = [secret]
    try:
        inputs = read()
        if inputs.registry_password:
            runner.mask(inputs.registry_password)
            secrets.append(inputs.registry_password)
        event = load_event(env)
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
    except GitHubError as exc:
        code, title, message = 1, "flux-semver: GitHub refused", str(exc)
    except FluxSemverError as exc:
        code, title, message = 2, "flux-semver: input error", in_input_terms(str(exc))
    except Exception as exc:  # the one outer edge: anything else is a bug to report
        code, title = 3, "flux-semver: unexpected error"
        message = f"{type(exc).__name__}: {exc}; please report this with the workflow log"
    for hidden in filter(None, secrets):
        message = message.replace(hidden, "***")
    runner.annotate("error", message, title=title)
    report.summary.append(f"> [!CAUTION]\n> **{title}:** {escape.inline(message)}\n")
    return code


def run(inputs: ActionInputs, env: Mapping[str, str], runner: Runner) -> int:
    """Run the command of already-read ``inputs`` (see :func:`main`)."""
    return main(lambda: inputs, env, runner)


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
