#!/usr/bin/env python3
"""The flux-semver GitHub Action's entry point (the container runs ``python entrypoint.py``).

Thin on purpose: read the inputs through actions-toolkit (``INPUT_DRY-RUN`` keeps its hyphen,
as the Docker runner passes it), hand them to :func:`flux_semver.github.action.run`, and turn
failures into one annotated line and an exit code: 1 when GitHub or the release refuses
(including the Actions-may-not-create-pull-requests setting), 2 for an input to fix, 3 for
anything unexpected. The token is masked before anything else is printed.
"""

from __future__ import annotations

import base64
import os
import sys

from actions_toolkit import core

from flux_semver.errors import FluxSemverError
from flux_semver.evidence import escape
from flux_semver.github.action import run
from flux_semver.github.api import GitHubError
from flux_semver.github.gitops import trusted
from flux_semver.github.inputs import load_event, read_inputs
from flux_semver.github.runner import Runner


def _input(name: str) -> str:
    value: str = core.get_input(name)
    return value


def main() -> int:
    # Root in the container, on a workspace the runner's user owns: let every git call in.
    os.environ.update(trusted(os.environ))
    runner = Runner(os.environ)
    token = _input("token")
    if token:
        runner.mask(token)
        # git gets the token as a basic-auth header: hide that form too, should a user's
        # GIT_TRACE_CURL or GIT_CURL_VERBOSE print it.
        runner.mask(base64.b64encode(f"x-access-token:{token}".encode()).decode())
    try:
        inputs = read_inputs(_input, os.environ)
        if inputs.registry_password:
            runner.mask(inputs.registry_password)
        return run(inputs, os.environ, load_event(os.environ), runner)
    except GitHubError as exc:
        code, title = 1, "flux-semver: GitHub refused"
        message = str(exc)
    except FluxSemverError as exc:
        code, title = 2, "flux-semver: input error"
        message = str(exc)
    except Exception as exc:  # the one outer edge: anything else is a bug to report
        code, title = 3, "flux-semver: unexpected error"
        message = f"{type(exc).__name__}: {exc}; please report this with the workflow log"
    if token:
        message = message.replace(token, "***")
    runner.annotate("error", message, title=title)
    runner.append_summary(f"> [!CAUTION]\n> **{title}:** {escape.inline(message)}\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
