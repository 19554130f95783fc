"""What the gate reads from GitHub: Flux's commit statuses on the base branch and the reviews of
a pull request, turned from GitHub's JSON into :mod:`flux_semver.release.verify` values.

:func:`with_github` takes any :class:`Reads`: the action passes its GitHub client (retries,
serial writes); ``flux-semver gate --token`` passes :class:`RestReader`, a small read-only
REST reader on ``requests`` (5xx and connection failures retried, one clear line otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import requests
from msgspec.structs import replace
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from flux_semver.errors import FluxSemverError
from flux_semver.model import iso_moment
from flux_semver.release.verify import CommitStatus, GateFacts, Review, admission

STATUS_COMMITS = 30  # the newest admitting commits whose statuses are read
_PAGES = 10  # 1,000 items at most: far more than a gate reads


class Reads(Protocol):
    """The two reads the gate makes (GitHub's JSON, newest status first)."""

    def commit_statuses(self, sha: str) -> list[dict[str, Any]]: ...

    def reviews(self, number: int) -> list[dict[str, Any]]: ...


class RestReader:
    """Read-only GitHub REST calls for ``flux-semver gate``: statuses, reviews, a branch's open
    pull request. ``api_url`` is ``https://api.github.com`` or ``https://HOST/api/v3``."""

    def __init__(self, api_url: str, token: str, repository: str, timeout: float = 30.0):
        if repository.count("/") != 1:
            raise FluxSemverError(f"--repository {repository!r} is not OWNER/NAME")
        self._base = f"{api_url.rstrip('/')}/repos/{repository}"
        self._owner = repository.split("/", 1)[0]
        self._timeout = timeout
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "User-Agent": "flux-semver",
            }
        )
        retry = Retry(
            total=3,
            backoff_factor=0.5,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        self._session.mount("http://", HTTPAdapter(max_retries=retry))
        self._session.mount("https://", HTTPAdapter(max_retries=retry))

    def _pages(self, suffix: str, **parameters: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, _PAGES + 1):
            url = self._base + suffix
            try:
                answer = self._session.get(
                    url, timeout=self._timeout, params={**parameters, "per_page": 100, "page": page}
                )
            except requests.RequestException as exc:
                raise FluxSemverError(
                    f"cannot reach GitHub at {url}: {type(exc).__name__}; "
                    "check --api-url and the network"
                ) from None
            if answer.status_code != 200:
                why = {
                    401: "the token was refused: check --token",
                    403: "the token may not read this repository",
                    404: "no such repository, or the token cannot see it: check --repository",
                }.get(answer.status_code, "try again later")
                raise FluxSemverError(f"GitHub answered {answer.status_code} for {url}: {why}")
            chunk = answer.json()
            if not isinstance(chunk, list):
                break
            items += [item for item in chunk if isinstance(item, dict)]
            if len(chunk) < 100:
                break
        return items

    def commit_statuses(self, sha: str) -> list[dict[str, Any]]:
        return self._pages(f"/commits/{sha}/statuses")

    def reviews(self, number: int) -> list[dict[str, Any]]:
        return self._pages(f"/pulls/{number}/reviews")

    def open_pull(self, branch: str) -> int | None:
        """The number of the open pull request whose head is ``branch`` here, if any."""
        found = self._pages("/pulls", state="open", head=f"{self._owner}:{branch}")
        return int(found[0]["number"]) if found else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return iso_moment(value).astimezone(UTC)
    except ValueError:
        return None


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
        found.append(
            CommitStatus(
                sha=sha,
                context=context,
                state=state,
                created_at=created,
                description=str(item.get("description") or ""),
                target_url=target if isinstance(target, str) else None,
            )
        )
    return found


def reviews_from(items: Iterable[Mapping[str, Any]]) -> list[Review]:
    """Reviews from ``GET /pulls/{n}/reviews`` JSON."""
    found = []
    for item in items:
        user = item.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("login"), str):
            continue  # a deleted account ("ghost") has no say
        found.append(
            Review(
                reviewer=user["login"],
                state=str(item.get("state", "")),
                submitted_at=_time(item.get("submitted_at")),
                bot=user.get("type") == "Bot" or user["login"].endswith("[bot]"),
            )
        )
    return found


def with_github(facts: GateFacts, client: Reads, pull: int | None, author: str | None) -> GateFacts:
    """``facts`` plus the statuses of the newest admitting base commits and, for a pull
    request, its reviews."""
    statuses: list[CommitStatus] = []
    gate = facts.gate
    if gate is not None and gate.verify is not None and gate.verify.status:
        for commit in admission(facts.history)[-STATUS_COMMITS:]:
            statuses += statuses_from(commit.sha, client.commit_statuses(commit.sha))
    reviews = reviews_from(client.reviews(pull)) if pull is not None else None
    return replace(facts, statuses=statuses, reviews=reviews, author=author)
