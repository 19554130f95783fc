"""The action's ``registry-check`` input: the plan checked against the registry before any
branch is pushed. A stage pinned to a tag that does not exist stops the run (exit 1, an
annotation naming the nearest tags); what Flux deploys per stage goes into the summary."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flux_semver.github.inputs import ActionInputs
from flux_semver.github.report import Report
from flux_semver.github.runner import Runner
from flux_semver.model import Plan
from flux_semver.registry.credentials import PASSWORD_ENV, USERNAME_ENV
from flux_semver.registry.review import Review, review
from flux_semver.repo.manifests import Repository
from flux_semver.reporters import deploys as deploys_report


def registry_environ(inputs: ActionInputs, env: Mapping[str, str]) -> dict[str, str]:
    """The environment the registry credentials are read from: the ``registry-username`` and
    ``registry-password`` inputs when given, and the action's token as GITHUB_TOKEN (ghcr.io)."""
    environ = dict(env)
    if inputs.registry_username:
        environ[USERNAME_ENV] = inputs.registry_username
        environ[PASSWORD_ENV] = inputs.registry_password
    if not environ.get("GITHUB_TOKEN") and inputs.token:
        environ["GITHUB_TOKEN"] = inputs.token
    return environ


def check(
    inputs: ActionInputs, repo: Repository, plan: Plan, env: Mapping[str, str] | None = None
) -> Review:
    """The plan checked against the registry (credentials: inputs, then the environment)."""
    return review(repo, plan, registry_environ(inputs, os.environ if env is None else env))


def report(checked: Review, report: Report, runner: Runner) -> bool:
    """Put the review into the summary and annotations; True when the run must stop."""
    report.summary.append(deploys_report.markdown(checked.deployments))
    for deployment in checked.deployments:
        if deployment.warning:
            runner.annotate(
                "warning",
                f"{deployment.stage}: {deployment.warning}",
                file=deployment.file,
                line=deployment.line,
                title="flux-semver: registry",
            )
    for pin in checked.missing:
        runner.annotate(
            "error",
            pin.message(),
            file=pin.change.file,
            line=pin.change.line,
            title="flux-semver: no such tag",
        )
    if checked.missing:
        report.exit_code = 1
    return bool(checked.missing)
