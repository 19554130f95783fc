"""Fixtures shared by the test modules (helpers live in ``tests/support``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.action_runner import OWNER, REPO, TOKEN, Runner
from tests.support.checkout import copy_checkout, git, git_env
from tests.support.github_server import github_server
from tests.support.precommit import Hooks


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output as into a pipe: a COLUMNS the test runner exports (xdist's workers do) would make
    ``policies`` fit its table to it; a test that wants a width sets COLUMNS itself."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    """A simulated Actions runner and a GitHub on 127.0.0.1 around a GitOps repository."""
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        yield Runner(tmp_path, server)



@pytest.fixture(autouse=True)
def _no_terminal_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """No COLUMNS or LINES from whatever ran before in this process (a library, an earlier
    test on the same xdist worker): ``policies`` fits its table to COLUMNS when set."""
    for name in ("COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
        os.unsetenv(name)

# Test files that build a hook environment or a wheel, or run the Action end to end: the
# integration set, left out by ``python3 tasks.py quick`` (``python3 tasks.py test`` runs them).
INTEGRATION = {
    "test_precommit", "test_precommit_try_repo", "test_wheel", "test_action_image", "test_demo",
    "test_action", "test_action_gate", "test_action_registry",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in INTEGRATION:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooks]:
    base = tmp_path_factory.mktemp("pre-commit")
    env = git_env(base / "home")
    env["PRE_COMMIT_HOME"] = str(base / "cache")
    env.pop("PRE_COMMIT", None)
    env.pop("GITHUB_ACTIONS", None)
    repo = copy_checkout(base / "flux-semver", env)
    yield Hooks(repo, git(repo, env, "rev-parse", "HEAD").strip(), env)
