"""The GitHub REST and GraphQL calls the action makes, through PyGithub.

Every write is serial and wrapped in one retry loop: 5xx answers, a secondary rate limit and
connection failures are retried with exponential backoff (``FLUX_SEMVER_GITHUB_BACKOFF``
seconds is the base, default 1; it is also the pause between writes GitHub asks for). Each
retried unit is "find, then write", so a POST that GitHub applied before answering 502 is found
on the next attempt instead of being made twice. The two 403s people can fix get their own
errors: the repository setting that stops Actions from opening pull requests, and the
read-only token of a fork's pull request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import requests
from github import Auth, Github, GithubException
from github.PullRequest import PullRequest as _PyGithubPull

from flux_semver.errors import FluxSemverError

T = TypeVar("T")
Operation = Literal["created", "updated", "closed", "none"]

BODY_LIMIT = 65_536  # characters GitHub accepts in a pull request body or a comment
BACKOFF_ENV = "FLUX_SEMVER_GITHUB_BACKOFF"
ATTEMPTS = 6
_MAX_WAIT = 60.0


class GitHubError(FluxSemverError):
    """A GitHub API call failed in a way the person running the workflow must fix."""


class PullRequestsNotPermittedError(GitHubError):
    """The repository does not let GitHub Actions create pull requests with this token."""


class ReadOnlyTokenError(GitHubError):
    """The token may read but not write (a pull request from a fork): nothing can be posted."""


_NOT_PERMITTED_HELP = (
    "GitHub refused to open the pull request: GitHub Actions is not permitted to create or "
    "approve pull requests in this repository. Enable Settings → Actions → General → "
    '"Allow GitHub Actions to create and approve pull requests", or pass a personal access '
    "token or GitHub App token as the `token` input."
)


@dataclass(frozen=True)
class PullRequest:
    """What the action reports about one pull request."""

    number: int
    url: str
    node_id: str
    title: str
    body: str


def fit_body(text: str, limit: int = BODY_LIMIT) -> str:
    """Cut ``text`` to GitHub's body limit, saying so at the end when it had to."""
    if len(text) <= limit:
        return text
    note = "\n\n_… cut here: the full text is in the job summary of the workflow run._\n"
    return text[: limit - len(note)] + note


def backoff_base() -> float:
    """Seconds the first retry waits; tests set ``FLUX_SEMVER_GITHUB_BACKOFF=0``."""
    raw = os.environ.get(BACKOFF_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        raise GitHubError(f"{BACKOFF_ENV}={raw!r} is not a number of seconds; "
                          "set it to e.g. 1 or 0.5") from None
    return max(value, 0.0)


def _message(exc: GithubException) -> str:
    data = exc.data
    parts: list[str] = []
    if isinstance(data, dict):
        if isinstance(data.get("message"), str):
            parts.append(data["message"])
        for error in data.get("errors") or []:
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                parts.append(error["message"])
            elif isinstance(error, str):
                parts.append(error)
    elif exc.message:
        parts.append(exc.message)
    return " ".join(parts)


def _retry_after(exc: GithubException) -> float | None:
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _is_transient(exc: GithubException) -> bool:
    if exc.status >= 500:
        return True
    text = _message(exc).lower()
    limited = "secondary rate limit" in text or _retry_after(exc) is not None
    return exc.status in (403, 429) and limited


def _translate(exc: GithubException, what: str) -> GitHubError:
    text = _message(exc)
    lowered = text.lower()
    if exc.status == 403 and "not permitted to create or approve pull requests" in lowered:
        return PullRequestsNotPermittedError(_NOT_PERMITTED_HELP)
    if exc.status == 403 and "resource not accessible by integration" in lowered:
        return ReadOnlyTokenError(
            f"could not {what}: the token is read-only (a pull request from a fork gets one); "
            "run the action on push, release or repository_dispatch events, or pass a token "
            "with contents: write and pull-requests: write")
    if exc.status == 401:
        return GitHubError(f"could not {what}: GitHub rejected the token (401 {text}); "
                           "check the `token` input")
    return GitHubError(f"could not {what}: GitHub answered {exc.status} {text}".rstrip())


class GitHubClient:
    """One repository's pull requests, labels, comments and auto-merge, written serially."""

    def __init__(self, api_url: str, token: str, repository: str,
                 graphql_url: str | None = None, sleep: Callable[[float], None] = time.sleep):
        if "/" not in repository:
            raise GitHubError(f"GITHUB_REPOSITORY={repository!r} is not OWNER/NAME")
        self.owner = repository.split("/", 1)[0]
        self._base = backoff_base()
        self._sleep = sleep
        self._github = Github(auth=Auth.Token(token), base_url=api_url.rstrip("/"), retry=None,
                              seconds_between_requests=None,
                              seconds_between_writes=self._base or None, lazy=True)
        self._repo = self._github.get_repo(repository)  # lazy: no request until needed
        self._graphql_url = graphql_url or self._github.requester.graphql_url

    # -- the retry loop ---------------------------------------------------------------------
    def _call(self, what: str, unit: Callable[[], T]) -> T:
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            try:
                return unit()
            except GithubException as exc:
                if not _is_transient(exc) or last:
                    raise _translate(exc, what) from None
                wait = max(_retry_after(exc) or 0.0, self._base * 2**attempt)
            except (requests.exceptions.RetryError, requests.exceptions.ConnectionError,
                    requests.exceptions.Timeout) as exc:
                if last:
                    raise GitHubError(f"could not {what}: {type(exc).__name__}: {exc}; "
                                      "GitHub did not answer, re-run the workflow") from None
                wait = self._base * 2**attempt
            self._sleep(min(wait, _MAX_WAIT))
        raise AssertionError("unreachable")  # pragma: no cover

    def default_branch(self) -> str:
        """The repository's default branch (a read: allowed with any token)."""
        return self._call("read the repository", lambda: self._repo.default_branch)

    # -- pull requests ----------------------------------------------------------------------
    def _find(self, branch: str) -> _PyGithubPull | None:
        # Without the "OWNER:" prefix GitHub ignores the head filter and lists every PR.
        for pull in self._repo.get_pulls(state="open", head=f"{self.owner}:{branch}"):
            return pull
        return None

    @staticmethod
    def _value(pull: _PyGithubPull) -> PullRequest:
        return PullRequest(number=pull.number, url=pull.html_url, node_id=pull.node_id,
                           title=pull.title, body=pull.body or "")

    def find_open_pull(self, branch: str) -> PullRequest | None:
        """The open pull request whose head is ``branch`` in this repository, if any."""
        found = self._call(f"look up the pull request for {branch}", lambda: self._find(branch))
        return None if found is None else self._value(found)

    def upsert_pull(self, branch: str, base: str, title: str,
                    body: str) -> tuple[PullRequest, Operation]:
        """Update the open pull request of ``branch`` in place, or open one."""
        body = fit_body(body)

        def unit() -> tuple[PullRequest, Operation]:
            existing = self._find(branch)
            if existing is None:
                try:
                    created = self._repo.create_pull(title=title, body=body, base=base,
                                                     head=branch, maintainer_can_modify=True)
                    return self._value(created), "created"
                except GithubException as exc:
                    # Opened by a run at the same time, or by our own POST that GitHub
                    # applied before answering 5xx: find it and update it instead.
                    if exc.status != 422 or "already exists" not in _message(exc):
                        raise
                    existing = self._find(branch)
                    if existing is None:
                        raise
            existing.edit(title=title, body=body, base=base)
            return self._value(existing), "updated"

        return self._call(f"open or update the pull request for {branch}", unit)

    def close_pull(self, number: int, comment: str | None = None) -> None:
        """Close a pull request, then say why in a comment."""
        self._call(f"close pull request #{number}",
                   lambda: self._repo.get_pull(number).edit(state="closed"))
        if comment:
            text = fit_body(comment)
            self._call(f"comment on pull request #{number}",
                       lambda: self._repo.get_pull(number).create_issue_comment(text))

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        names = list(dict.fromkeys(label for label in labels if label))
        if not names:
            return
        self._call(f"label pull request #{number}",
                   lambda: self._repo.get_pull(number).add_to_labels(*names))

    # -- the sticky comment -----------------------------------------------------------------
    def upsert_sticky_comment(self, number: int, marker: str, body: str) -> Operation:
        """Edit the one comment of pull request ``number`` that carries ``marker``, or post it.

        The marker (a hidden HTML comment) is how the comment is found again: GitHub's
        ``GET /user`` answers 403 for the Actions token, so the bot's login is not known.
        """
        if marker not in body:
            body = f"{marker}\n{body}"
        body = fit_body(body)

        def unit() -> Operation:
            pull = self._repo.get_pull(number)
            for comment in pull.get_issue_comments():
                if marker in (comment.body or ""):
                    if comment.body != body:
                        comment.edit(body)
                        return "updated"
                    return "none"
            pull.create_issue_comment(body)
            return "created"

        return self._call(f"post the summary comment on pull request #{number}", unit)

    # -- auto-merge -------------------------------------------------------------------------
    def enable_auto_merge(self, pull: PullRequest, method: str = "SQUASH") -> str | None:
        """Turn on auto-merge; returns a warning instead of raising when GitHub says no."""
        query = ("mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {"
                 " enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId,"
                 " mergeMethod: $mergeMethod}) { pullRequest { number } } }")
        variables: dict[str, Any] = {"pullRequestId": pull.node_id, "mergeMethod": method}
        requester = self._github.requester

        def unit() -> None:
            _, data = requester.requestJsonAndCheck(
                "POST", self._graphql_url, input={"query": query, "variables": variables})
            errors = data.get("errors") if isinstance(data, dict) else None
            if errors:
                raise GithubException(400, data, None, "; ".join(
                    str(e.get("message", e)) for e in errors if isinstance(e, dict)))

        try:
            self._call(f"enable auto-merge on pull request #{pull.number}", unit)
        except GitHubError as exc:
            return (f"{exc} (auto-merge needs Settings → General → \"Allow auto-merge\" and a "
                    "branch protection rule; merge the pull request by hand)")
        return None

    # -- the gate: pull requests, commit statuses, reviews ----------------------------------
    def _rest(self, method: str, suffix: str, what: str, *,
              parameters: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
              ) -> Any:
        """One REST call under the repository's URL, in the retry loop; its JSON."""
        url = f"{self._repo.url}{suffix}"
        requester = self._github.requester

        def unit() -> Any:
            _, data = requester.requestJsonAndCheck(method, url, parameters=parameters,
                                                    input=body)
            return data

        return self._call(what, unit)

    def _pages(self, suffix: str, what: str, **parameters: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, 11):  # 1,000 items at most: far more than a gate reads
            chunk = self._rest("GET", suffix, what,
                               parameters={**parameters, "per_page": 100, "page": page})
            if not isinstance(chunk, list):
                break
            items += [item for item in chunk if isinstance(item, dict)]
            if len(chunk) < 100:
                break
        return items

    def open_pulls(self) -> list[dict[str, Any]]:
        """Every open pull request, as GitHub's JSON (``GET /pulls?state=open``)."""
        return self._pages("/pulls", "list the open pull requests", state="open")

    def commit_statuses(self, sha: str) -> list[dict[str, Any]]:
        """The statuses of a commit, newest first (``GET /commits/{ref}/statuses``)."""
        return self._pages(f"/commits/{sha}/statuses", f"read the statuses of {sha[:12]}")

    def reviews(self, number: int) -> list[dict[str, Any]]:
        """The reviews of a pull request, oldest first (``GET /pulls/{n}/reviews``)."""
        return self._pages(f"/pulls/{number}/reviews",
                           f"read the reviews of pull request #{number}")

    def create_status(self, sha: str, state: str, context: str, description: str,
                      target_url: str | None = None) -> None:
        """Post a commit status (``POST /statuses/{sha}``)."""
        body: dict[str, Any] = {"state": state, "context": context, "description": description}
        if target_url:
            body["target_url"] = target_url
        self._rest("POST", f"/statuses/{sha}", f"set the {context} status on {sha[:12]}",
                   body=body)
