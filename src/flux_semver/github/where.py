"""Where the action runs, as the runner's environment and the event payload describe it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunnerEnv:
    """What the runner tells the action about where it runs."""

    workspace: Path
    repository: str
    api_url: str
    server_url: str
    graphql_url: str | None
    event_name: str
    event_default_branch: str | None

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
        )
