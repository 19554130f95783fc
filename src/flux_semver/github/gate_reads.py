"""What the gate reads from GitHub: Flux's commit statuses on the base branch and the reviews of
a pull request, turned from GitHub's JSON into :mod:`flux_semver.release.verify` values.

Shared by ``flux-semver gate`` (with a token) and the action's ``command: gate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flux_semver.github.api import GitHubClient
from flux_semver.release.verify import CommitStatus, GateFacts, Review, admission

STATUS_COMMITS = 30  # the newest admitting commits whose statuses are read


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def statuses_from(sha: str, items: Iterable[Mapping[str, Any]]) -> list[CommitStatus]:
    """Commit statuses from ``GET /commits/{ref}/statuses`` JSON (items without a time or a
    context are left out)."""
    found = []
    for item in items:
        created = _time(item.get("created_at"))
        context, state = item.get("context"), item.get("state")
        if created is None or not isinstance(context, str) or not isinstance(state, str):
            continue
        target = item.get("target_url")
        found.append(CommitStatus(sha=sha, context=context, state=state, created_at=created,
                                  description=str(item.get("description") or ""),
                                  target_url=target if isinstance(target, str) else None))
    return found


def reviews_from(items: Iterable[Mapping[str, Any]]) -> list[Review]:
    """Reviews from ``GET /pulls/{n}/reviews`` JSON."""
    found = []
    for item in items:
        user = item.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("login"), str):
            continue  # a deleted account ("ghost") has no say
        found.append(Review(reviewer=user["login"], state=str(item.get("state", "")),
                            submitted_at=_time(item.get("submitted_at")),
                            bot=user.get("type") == "Bot" or user["login"].endswith("[bot]")))
    return found


def with_github(facts: GateFacts, client: GitHubClient, pull: int | None,
                author: str | None) -> GateFacts:
    """``facts`` plus the statuses of the newest admitting base commits and, for a pull
    request, its reviews."""
    statuses: list[CommitStatus] = []
    gate = facts.gate
    if gate is not None and gate.verify is not None and gate.verify.status:
        for commit in admission(facts.history)[-STATUS_COMMITS:]:
            statuses += statuses_from(commit.sha, client.commit_statuses(commit.sha))
    reviews = reviews_from(client.reviews(pull)) if pull is not None else None
    return replace(facts, statuses=statuses, reviews=reviews, author=author)
