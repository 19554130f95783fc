"""The action's ``command: check``: the rules as annotations, the full list in the job summary.

Only 10 annotations per type show on a step, so the summary carries every finding; the
exit code is 1 when any finding is an error, which makes the job a required status check.
"""

from __future__ import annotations

from flux_semver import rules
from flux_semver.evidence import escape
from flux_semver.github.inputs import ActionInputs
from flux_semver.github.report import Report
from flux_semver.github.runner import Runner
from flux_semver.github.runner_env import RunnerEnv


def check(inputs: ActionInputs, where: RunnerEnv, runner: Runner, report: Report) -> None:
    """Run every rule over the workspace's GitOps tree; exit code 1 on any error."""
    root = inputs.root(where.workspace)
    result = rules.check(root, inputs.config_path(root))
    for finding in result.findings:
        runner.annotate(finding.severity, f"{finding.code} {finding.name}: {finding.message}",
                        file=inputs.workspace_path(finding.file), line=finding.line,
                        col=finding.column, title=f"flux-semver {finding.code}")
    lines = ["## flux-semver check", "",
             f"{result.files} files, {result.policies} ImagePolicies: "
             f"{result.errors} errors, {result.warnings} warnings.", ""]
    if result.findings:
        lines += ["| | Code | File | Policy | Stage | Message |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for f in result.findings:
            icon = "❌" if f.severity == "error" else "⚠️"
            where_text = escape.code(f"{inputs.workspace_path(f.file)}:{f.line}:{f.column}",
                                     in_table=True)
            lines.append(f"| {icon} | {f.code} {escape.inline(f.name)} | {where_text} | "
                         f"{escape.inline(f.policy or '')} | {escape.inline(f.stage or '')} | "
                         f"{escape.inline(f.message)} |")
    else:
        lines.append("No findings: every policy is valid and no stage skips its gate.")
    report.summary.append("\n".join(lines))
    runner.info(f"flux-semver check: {result.errors} errors, {result.warnings} warnings "
                f"in {result.policies} policies")
    if result.failed():
        report.exit_code = 1
