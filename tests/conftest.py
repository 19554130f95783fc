"""Fixtures shared by the test modules (helpers live in ``tests/support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.action_runner import OWNER, REPO, TOKEN, Runner
from tests.support.github_server import github_server


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    """A simulated Actions runner and a GitHub on 127.0.0.1 around a GitOps repository."""
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        yield Runner(tmp_path, server)


# Test files that build a hook environment or a wheel, or run the Action end to end: the
# integration set, left out by ``python3 tasks.py quick`` (``python3 tasks.py test`` runs them).
INTEGRATION = {"test_precommit", "test_wheel", "test_action_image", "test_action", "test_demo"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in INTEGRATION:
            item.add_marker(pytest.mark.integration)
