"""Domain errors. Each says what is wrong and what to do; the faces turn them into exit codes."""

from __future__ import annotations


class FluxSemverError(ValueError):
    """Bad input a person can fix: printed as one line, exit code 2."""


class ConfigError(FluxSemverError):
    """``.flux-semver.yaml`` is not valid."""


class PlanError(FluxSemverError):
    """A release cannot be planned as asked (unknown app, older version, ...)."""


class GitError(FluxSemverError):
    """A git command failed or the repository history cannot answer."""

    stderr: str = ""  # git's whole complaint, when a git command failed
