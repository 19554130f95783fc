"""The action's ``command: check``: the rules through the reporters every face uses — the
``github`` reporter's annotations in the log, the Markdown one in the job summary.

Only 10 annotations per type show on a step, so the summary carries every finding; the
exit code is 1 when any finding is an error, which makes the job a required status check.
Paths are given relative to the workspace, as annotations need them.
"""

from __future__ import annotations

from msgspec.structs import replace

from flux_semver import rules
from flux_semver.github.inputs import ActionInputs
from flux_semver.github.report import Report
from flux_semver.github.runner import Runner
from flux_semver.github.runner_env import RunnerEnv
from flux_semver.reporters import findings_markdown, github


def check(inputs: ActionInputs, where: RunnerEnv, runner: Runner, report: Report) -> None:
    """Run every rule over the workspace's GitOps tree; exit code 1 on any error."""
    root = inputs.root(where.workspace)
    result = rules.check(root, inputs.config_path(root))
    result = replace(
        result,
        findings=tuple(replace(f, file=inputs.workspace_path(f.file)) for f in result.findings),
    )
    runner.commands(github.render(result))
    report.summary.append(findings_markdown.render(result))
    if result.failed():
        report.exit_code = 1
