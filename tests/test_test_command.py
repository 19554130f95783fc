"""The test command's own set-up: the test files tests/support/suite.py names (the integration
set, the slowest files started first) exist, and the command keeps that order."""

from __future__ import annotations

from pathlib import Path

import tasks
from tests.support.suite import INTEGRATION, SLOWEST_FIRST

TESTS = Path(__file__).resolve().parent


def test_every_file_conftest_names_exists() -> None:
    named = set(INTEGRATION) | set(SLOWEST_FIRST)
    missing = sorted(stem for stem in named if not (TESTS / f"{stem}.py").is_file())
    assert missing == [], f"renamed or deleted: update tests/support/suite.py ({missing})"
    assert len(set(SLOWEST_FIRST)) == len(SLOWEST_FIRST)


def test_the_test_command_hands_out_whole_files_in_conftests_order() -> None:
    assert tasks.PARALLEL[tasks.PARALLEL.index("--dist") + 1] == "loadfile"
    assert "--no-loadscope-reorder" in tasks.PARALLEL
