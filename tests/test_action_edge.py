"""The action's outer edge is the edge of every face (``flux_semver.edge``): an input to fix
is exit 2, a bug exit 3 with the words every face uses, an interrupt 130; each is one annotated
line with the token hidden, and every output is written whatever happened."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from flux_semver.errors import ConfigError
from flux_semver.github.action import OUTPUT_NAMES, main
from flux_semver.github.api import GitHubError
from flux_semver.github.inputs import ActionInputs
from flux_semver.github.runner import Runner
from tests.support.action_runner import TOKEN, read_outputs


def _raising(exc: BaseException) -> Callable[[Mapping[str, Any]], ActionInputs]:
    def read(_event: Mapping[str, Any]) -> ActionInputs:
        raise exc

    return read


def _act(tmp_path: Path, exc: BaseException) -> tuple[int, list[str], dict[str, str], str]:
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.touch()
    summary.touch()
    env = {
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    log = io.StringIO()
    code = main(_raising(exc), env, Runner(env, log), TOKEN)
    return code, log.getvalue().splitlines(), read_outputs(output), summary.read_text()


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (
            RuntimeError(f"boom with {TOKEN} in it"),
            3,
            "::error title=flux-semver%3A unexpected error::RuntimeError: boom with *** in it "
            "(a bug in flux-semver: please report it with the workflow log)",
        ),
        (
            ConfigError(f"--image {TOKEN} is not an app"),
            2,
            "::error title=flux-semver%3A input error::the `image` input *** is not an app",
        ),
        (
            GitHubError("creating a pull request was refused (403)"),
            1,
            "::error title=flux-semver%3A GitHub refused::"
            "creating a pull request was refused (403)",
        ),
        (
            KeyboardInterrupt(),
            130,
            "::error title=flux-semver%3A interrupted::the run was interrupted",
        ),
    ],
    ids=["bug", "input error", "GitHub refused", "interrupted"],
)
def test_a_failure_is_one_annotated_line_and_the_edges_exit_code(
    tmp_path: Path, exc: BaseException, code: int, line: str
) -> None:
    got, log, outputs, summary = _act(tmp_path, exc)
    assert (got, log) == (code, [line])
    assert sorted(outputs) == sorted(OUTPUT_NAMES)
    assert outputs["plan"] == "{}"
    assert TOKEN not in summary
    assert summary.startswith("> [!CAUTION]\n> **flux-semver: ")
