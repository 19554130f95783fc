"""Where the action runs, as the runner's environment and the event payload describe it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec


class RunnerEnv(msgspec.Struct, frozen=True):
    """What the runner tells the action about where it runs."""

    workspace: Path
    repository: str
    api_url: str
    server_url: str
    graphql_url: str | None
    event_name: str
    event_default_branch: str | None
    fork_pull_request: bool = False  # a pull request from a fork: the token is read-only

    @classmethod
    def read(cls, env: Mapping[str, str], event: Mapping[str, Any]) -> RunnerEnv:
        workspace = env.get("GITHUB_WORKSPACE") or "."
        repo = event.get("repository")
        default = repo.get("default_branch") if isinstance(repo, dict) else None
        return cls(
            workspace=Path(workspace),
            repository=env.get("GITHUB_REPOSITORY", ""),
            api_url=env.get("GITHUB_API_URL") or "https://api.github.com",
            server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
            graphql_url=env.get("GITHUB_GRAPHQL_URL") or None,
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event_default_branch=default if isinstance(default, str) else None,
            fork_pull_request=_from_fork(env.get("GITHUB_EVENT_NAME", ""), event),
        )


def _from_fork(event_name: str, event: Mapping[str, Any]) -> bool:
    """Whether the event is a pull request whose head lives in another repository."""
    if event_name not in ("pull_request", "pull_request_review", "pull_request_target"):
        return False
    pull = event.get("pull_request")
    head = pull.get("head") if isinstance(pull, dict) else None
    head_repo = head.get("repo") if isinstance(head, dict) else None
    base = event.get("repository")
    if not isinstance(head_repo, dict):
        return True  # a deleted fork: nothing tells otherwise, and writes fail anyway
    if head_repo.get("fork") is True:
        return True
    return isinstance(base, dict) and head_repo.get("full_name") != base.get("full_name")
