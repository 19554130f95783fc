"""Fixtures shared by the test modules (helpers live in ``tests/support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.action_runner import OWNER, REPO, TOKEN, Runner
from tests.support.checkout import copy_checkout, git, git_env
from tests.support.github_server import github_server
from tests.support.precommit import Hooks
from tests.support.suite import INTEGRATION, SLOWEST_FIRST


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    """A simulated Actions runner and a GitHub on 127.0.0.1 around a GitOps repository."""
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        yield Runner(tmp_path, server)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in INTEGRATION:
            item.add_marker(pytest.mark.integration)
    rank = {stem: i for i, stem in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: the rest as found


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooks]:
    base = tmp_path_factory.mktemp("pre-commit")
    env = git_env(base / "home")
    env["PRE_COMMIT_HOME"] = str(base / "cache")
    env.pop("PRE_COMMIT", None)
    env.pop("GITHUB_ACTIONS", None)
    repo = copy_checkout(base / "flux-semver", env)
    yield Hooks(repo, git(repo, env, "rev-parse", "HEAD").strip(), env)
