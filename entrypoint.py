#!/usr/bin/env python3
"""The flux-semver GitHub Action's entry point (the container runs ``python entrypoint.py``).

Thin on purpose: mask the token before anything else is printed, let git work on a workspace
another user owns, then hand the inputs (read through actions-toolkit: ``INPUT_DRY-RUN`` keeps
its hyphen, as the Docker runner passes it) to :func:`flux_semver.github.action.main`, which
runs the command, turns failures into one annotated line and an exit code, and writes every
output whatever happened. Should anything escape even that, :func:`flux_semver.edge.guard`
makes it one line and exit 3, as for the CLI and the hooks.
"""

from __future__ import annotations

import base64
import os
import sys

from actions_toolkit import core

from flux_semver.edge import guard
from flux_semver.github.action import EVIDENCE
from flux_semver.github.action import main as run_action
from flux_semver.github.gitops import trusted
from flux_semver.github.inputs import read_inputs
from flux_semver.github.runner import Runner


def _input(name: str) -> str:
    value: str = core.get_input(name)
    return value


def main() -> int:
    # Root in the container, on a workspace the runner's user owns: let every git call in.
    os.environ.update(trusted(os.environ))
    runner = Runner(os.environ)
    token = _input("token").strip()
    if token:
        runner.mask(token)
        # git gets the token as a basic-auth header: hide that form too, should a user's
        # GIT_TRACE_CURL or GIT_CURL_VERBOSE print it.
        runner.mask(base64.b64encode(f"x-access-token:{token}".encode()).decode())
    return run_action(
        lambda event: read_inputs(_input, os.environ, event), os.environ, runner, token
    )


if __name__ == "__main__":
    sys.exit(guard(main, evidence=EVIDENCE))
