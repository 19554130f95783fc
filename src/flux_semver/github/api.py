"""The GitHub REST and GraphQL calls the action makes, through PyGithub.

Every write is serial and wrapped in one retry loop: 5xx answers, a secondary rate limit, a
primary one that resets within a minute and connection failures (refused, reset, an answer cut
off) are retried with exponential backoff (``FLUX_SEMVER_GITHUB_BACKOFF``
seconds is the base, default 1; it is also the pause between writes GitHub asks for). Each
retried unit is "find, then write", so a POST that GitHub applied before answering 502 is found
on the next attempt instead of being made twice. The two 403s people can fix get their own
errors: the repository setting that stops Actions from opening pull requests, and the
read-only token of a fork's pull request.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from http.client import IncompleteRead, RemoteDisconnected
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import msgspec
import requests
from github import Auth, Github, GithubException

from flux_semver.errors import FluxSemverError
from flux_semver.github_limits import PR_BODY

T = TypeVar("T")
Operation = Literal["created", "updated", "closed", "none"]

BODY_LIMIT = PR_BODY.size  # characters GitHub accepts in a pull request body or a comment
BACKOFF_ENV = "FLUX_SEMVER_GITHUB_BACKOFF"
ATTEMPTS = 6
_MAX_WAIT = 60.0
_PER_PAGE = 100  # the most GitHub lists in one page


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


class PullRequest(msgspec.Struct, frozen=True):
    """What the action reports about one pull request."""

    number: int
    url: str
    node_id: str
    title: str
    body: str
    labels: tuple[str, ...] = ()
    auto_merge: bool = False
    head_sha: str = ""


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
        raise GitHubError(
            f"{BACKOFF_ENV}={raw!r} is not a number of seconds; set it to e.g. 1 or 0.5"
        ) from None
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
            elif isinstance(error, dict):  # {"resource", "field", "code"}: say them
                said = [str(error[k]) for k in ("resource", "field", "code") if error.get(k)]
                if said:
                    parts.append(f"({' '.join(said)})")
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


def _rate_reset_at(exc: GithubException) -> float | None:
    """When a primary rate limit resets (seconds since the epoch), when the answer is one."""
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    if exc.status not in (403, 429) or headers.get("x-ratelimit-remaining") != "0":
        return None
    try:
        return float(headers.get("x-ratelimit-reset", ""))
    except ValueError:
        return None


def _rate_reset(exc: GithubException) -> float | None:
    """Seconds until a primary rate limit resets, when the answer is one."""
    at = _rate_reset_at(exc)
    return None if at is None else max(at - time.time(), 0.0)


def _no_answer(exc: BaseException) -> str:
    """What went wrong with a request that got no usable answer, in words (never the repr
    of urllib3's connection objects)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, ConnectionResetError):
            return "connection reset"
        if isinstance(current, socket.gaierror):
            return "host name not found"
        if isinstance(current, (requests.exceptions.Timeout, TimeoutError, socket.timeout)):
            return "timed out"
        if isinstance(current, (requests.exceptions.ChunkedEncodingError, IncompleteRead)):
            return "the answer was cut off"
        if isinstance(current, RemoteDisconnected):
            return "the connection closed without an answer"
        if isinstance(current, requests.exceptions.SSLError):
            return "TLS failed"
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += [a for a in current.args if isinstance(a, BaseException)]
        pending += [e for e in linked if isinstance(e, BaseException)]
    return "the connection failed"


def _is_rate_limit(exc: GithubException) -> bool:
    """A secondary rate limit (or a 429), whatever headers came with it."""
    secondary = exc.status == 403 and "secondary rate limit" in _message(exc).lower()
    return exc.status == 429 or secondary


def _is_transient(exc: GithubException) -> bool:
    if exc.status >= 500 or exc.status == 429:
        return True
    text = _message(exc).lower()
    limited = (
        "secondary rate limit" in text
        or _retry_after(exc) is not None
        or _rate_reset(exc) is not None
    )
    return exc.status == 403 and limited


def _when(at: float) -> str:
    """The UTC time ``at`` (seconds since the epoch) and how long that is from now."""
    wait = max(at - time.time(), 0.0)
    if wait < 90:
        span = f"{wait:.0f} s"
    elif wait < 90 * 60:
        span = f"{wait / 60:.0f} min"
    else:
        span = f"{wait / 3600:.1f} h"
    return f"{time.strftime('%H:%M:%S UTC', time.gmtime(at))}, {span} from now"


def _rate_limited(exc: GithubException, what: str, at: float) -> GitHubError:
    """A primary rate limit: which limit, when it resets, what to do."""
    return GitHubError(
        f"could not {what}: GitHub's API rate limit for this token is used up ({exc.status} "
        f"{_message(exc)}); it resets at {_when(at)}: re-run the workflow after that, or "
        "pass a token with a limit of its own (a GitHub App token) as the `token` input"
    )


def _too_long(exc: GithubException, what: str) -> GitHubError | None:
    """A wait GitHub asks for that is longer than a workflow step should sleep."""
    wait = _retry_after(exc)
    if wait is None:
        at = _rate_reset_at(exc)
        if at is not None and at - time.time() > _MAX_WAIT:
            return _rate_limited(exc, what, at)
        return None
    if wait <= _MAX_WAIT:
        return None
    return GitHubError(
        f"could not {what}: GitHub asks to wait {wait:.0f} s (a secondary rate limit), until "
        f"{_when(time.time() + wait)}; re-run the workflow after that, or use a token of its own "
        "(a GitHub App token) for a separate limit"
    )


def _translate(exc: GithubException, what: str) -> GitHubError:
    text = _message(exc)
    lowered = text.lower()
    if exc.status == 403 and "not permitted to create or approve pull requests" in lowered:
        return PullRequestsNotPermittedError(_NOT_PERMITTED_HELP)
    if exc.status == 403 and "resource not accessible by integration" in lowered:
        return ReadOnlyTokenError(
            f"could not {what}: GitHub answered 403 {text}: the token lacks "
            "`pull-requests: write` (add `permissions: {contents: write, pull-requests: "
            "write}` to the job, or pass a token that has them; a pull request from a fork "
            "only ever gets a read-only token)"
        )
    if exc.status == 401:
        return GitHubError(
            f"could not {what}: GitHub rejected the token (401 {text}); check the `token` input"
        )
    reset_at = _rate_reset_at(exc)
    if reset_at is not None:
        return _rate_limited(exc, what, reset_at)
    if _is_rate_limit(exc):
        return GitHubError(
            f"could not {what}: GitHub's secondary rate limit still refused after {ATTEMPTS} "
            f"attempts ({exc.status} {text}); re-run the workflow in a few minutes, or pass a "
            "token with a limit of its own (a GitHub App token) as the `token` input"
        )
    return GitHubError(f"could not {what}: GitHub answered {exc.status} {text}".rstrip())


def pull_request_from_json(data: Mapping[str, Any]) -> PullRequest:
    """A pull request from GitHub's JSON for it (``GET /pulls``, ``POST /pulls``, ...)."""
    return PullRequest(
        number=int(data["number"]),
        url=str(data.get("html_url") or ""),
        node_id=str(data.get("node_id") or ""),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        labels=tuple(
            str(label.get("name")) for label in data.get("labels") or [] if isinstance(label, dict)
        ),
        auto_merge=bool(data.get("auto_merge")),
        head_sha=str((data.get("head") or {}).get("sha") or ""),
    )


def _paged(get: Callable[[dict[str, int]], Any], pages: int) -> list[dict[str, Any]]:
    """The objects of a REST listing, ``get`` called with each page's ``per_page`` and
    ``page`` until a short page or ``pages`` pages."""
    found: list[dict[str, Any]] = []
    for page in range(1, pages + 1):
        batch = get({"per_page": _PER_PAGE, "page": page})
        if not isinstance(batch, list):
            break
        found += [item for item in batch if isinstance(item, dict)]
        if len(batch) < _PER_PAGE:
            break
    return found


class GitHubClient:
    """One repository's pull requests, labels, comments and auto-merge, written serially."""

    def __init__(
        self,
        api_url: str,
        token: str,
        repository: str,
        graphql_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if "/" not in repository:
            raise GitHubError(f"GITHUB_REPOSITORY={repository!r} is not OWNER/NAME")
        self.owner = repository.split("/", 1)[0]
        self._api_url = api_url.rstrip("/")
        self._base = backoff_base()
        self._sleep = sleep
        self._github = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=self._base or None,
            lazy=True,
        )
        self._repo = self._github.get_repo(repository)  # lazy: no request until needed
        self._graphql_url = graphql_url or self._github.requester.graphql_url

    # -- the retry loop ---------------------------------------------------------------------
    def _call(self, what: str, unit: Callable[[], T]) -> T:
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            try:
                return unit()
            except GithubException as exc:
                too_long = _too_long(exc, what)
                if too_long is not None:
                    raise too_long from None
                if not _is_transient(exc) or last:
                    raise _translate(exc, what) from None
                # GitHub: honour Retry-After, else wait for the primary limit's reset, else
                # (a rate limit that names no wait) wait a minute; otherwise back off.
                asked = _retry_after(exc)
                if asked is None:
                    asked = _rate_reset(exc)
                if asked is None and _is_rate_limit(exc):
                    asked = _MAX_WAIT * self._base
                wait = max(asked or 0.0, self._base * 2**attempt)
            except requests.exceptions.RequestException as exc:
                # Refused, reset, cut off half-way, timed out: no answer to act on. Each
                # unit is "find, then write", so trying it again makes nothing twice.
                if last:
                    raise GitHubError(
                        f"could not {what}: no answer from GitHub's API at {self._api_url} "
                        f"({_no_answer(exc)}) in {ATTEMPTS} attempts; check that "
                        "GITHUB_API_URL is right and GitHub is up, then re-run the workflow"
                    ) from None
                wait = self._base * 2**attempt
            self._sleep(min(wait, _MAX_WAIT))
        raise AssertionError("unreachable")  # pragma: no cover

    def default_branch(self) -> str:
        """The repository's default branch (a read: allowed with any token)."""
        return self._call("read the repository", lambda: self._repo.default_branch)

    # -- pull requests ----------------------------------------------------------------------
    def _pulls(self, branch: str, state: str) -> list[dict[str, Any]]:
        # Without the "OWNER:" prefix GitHub ignores the head filter and lists every PR.
        data = self._raw(
            "GET",
            "/pulls",
            parameters={"state": state, "head": f"{self.owner}:{branch}", "per_page": 30},
        )
        return [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []

    def _find(self, branch: str) -> PullRequest | None:
        found = self._pulls(branch, "open")
        return pull_request_from_json(found[0]) if found else None

    def find_closed_pull(self, branch: str, head_sha: str) -> PullRequest | None:
        """The newest pull request of ``branch`` closed without merging at ``head_sha``."""

        def unit() -> PullRequest | None:
            for data in self._pulls(branch, "closed"):
                value = pull_request_from_json(data)
                merged = data.get("merged") or data.get("merged_at")
                if not merged and value.head_sha == head_sha:
                    return value
            return None

        return self._call(f"look up the closed pull requests of {branch}", unit)

    def find_open_pull(self, branch: str) -> PullRequest | None:
        """The open pull request whose head is ``branch`` in this repository, if any."""
        return self._call(f"look up the pull request for {branch}", lambda: self._find(branch))

    def _raw(
        self,
        method: str,
        suffix: str,
        body: dict[str, Any] | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> Any:
        """One REST call on this repository, without PyGithub fetching the object first and
        outside the retry loop (for the units that :meth:`_call` retries whole)."""
        _, data = self._github.requester.requestJsonAndCheck(
            method, f"{self._repo.url}{suffix}", parameters=parameters, input=body
        )
        return data

    def upsert_pull(
        self,
        branch: str,
        base: str,
        title: str,
        body: str,
        number: int | None = None,
        absent: bool = False,
    ) -> tuple[PullRequest, Operation]:
        """Update the open pull request of ``branch`` in place, or open one. A caller that
        knows it (``number``), or knows there is none (``absent``), saves the look-up."""
        body = fit_body(body)
        looked_up = [absent]

        def unit() -> tuple[PullRequest, Operation]:
            known = number
            if known is None and not looked_up[0]:
                existing = self._find(branch)
                known = None if existing is None else existing.number
            if known is None:
                try:
                    created = self._raw(
                        "POST",
                        "/pulls",
                        {
                            "title": title,
                            "body": body,
                            "base": base,
                            "head": branch,
                            "maintainer_can_modify": True,
                        },
                    )
                    return pull_request_from_json(created), "created"
                except GithubException as exc:
                    # Opened by a run at the same time, or by our own POST that GitHub
                    # applied before answering 5xx: find it and update it instead.
                    if exc.status != 422 or "already exists" not in _message(exc):
                        raise
                    existing = self._find(branch)
                    if existing is None:
                        raise
                    known = existing.number
                finally:
                    looked_up[0] = False  # a retry looks again: the POST may have applied
            edited = self._raw(
                "PATCH", f"/pulls/{known}", {"title": title, "body": body, "base": base}
            )
            return pull_request_from_json(edited), "updated"

        return self._call(f"open or update the pull request for {branch}", unit)

    def _comments(self, number: int) -> list[dict[str, Any]]:
        """Every comment of an issue or pull request (5,000 at most), outside the retry loop:
        its callers retry the whole find-then-write."""
        suffix = f"/issues/{number}/comments"
        return _paged(lambda page: self._raw("GET", suffix, parameters=page), 50)

    def close_pull(self, number: int, comment: str | None = None) -> None:
        """Say why in a comment (posted once, even when GitHub answers 5xx after posting),
        then close the pull request."""
        if comment:
            text = fit_body(comment)

            def post() -> None:
                if not any(c.get("body") == text for c in self._comments(number)):
                    self._raw("POST", f"/issues/{number}/comments", {"body": text})

            self._call(f"comment on pull request #{number}", post)
        self._call(
            f"close pull request #{number}",
            lambda: self._raw("PATCH", f"/pulls/{number}", {"state": "closed"}),
        )

    def remove_labels(self, number: int, labels: Iterable[str]) -> None:
        for name in labels:

            def unit(name: str = name) -> None:
                try:
                    self._raw("DELETE", f"/issues/{number}/labels/{quote(name, safe='')}")
                except GithubException as exc:
                    if exc.status != 404:  # already gone: what was wanted
                        raise

            self._call(f"remove label {name} from pull request #{number}", unit)

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        names = list(dict.fromkeys(label for label in labels if label))
        if not names:
            return
        self._call(
            f"label pull request #{number}",
            lambda: self._raw("POST", f"/issues/{number}/labels", {"labels": names}),
        )

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
            for comment in self._comments(number):
                if marker in str(comment.get("body") or ""):
                    if comment.get("body") != body:
                        self._raw("PATCH", f"/issues/comments/{comment['id']}", {"body": body})
                        return "updated"
                    return "none"
            self._raw("POST", f"/issues/{number}/comments", {"body": body})
            return "created"

        return self._call(f"post the summary comment on pull request #{number}", unit)

    # -- auto-merge -------------------------------------------------------------------------
    def _auto_merge(self, pull: PullRequest, enable: bool, method: str) -> None:
        name = "enablePullRequestAutoMerge" if enable else "disablePullRequestAutoMerge"
        merge = ", mergeMethod: $mergeMethod" if enable else ""
        params = ", $mergeMethod: PullRequestMergeMethod!" if enable else ""
        query = (
            f"mutation($pullRequestId: ID!{params}) {{ {name}(input: "
            f"{{pullRequestId: $pullRequestId{merge}}}) {{ pullRequest {{ number }} }} }}"
        )
        variables: dict[str, Any] = {"pullRequestId": pull.node_id}
        if enable:
            variables["mergeMethod"] = method
        requester = self._github.requester

        def unit() -> None:
            _, data = requester.requestJsonAndCheck(
                "POST", self._graphql_url, input={"query": query, "variables": variables}
            )
            errors = data.get("errors") if isinstance(data, dict) else None
            if errors:
                raise GithubException(
                    400,
                    data,
                    None,
                    "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict)),
                )

        verb = "enable" if enable else "disable"
        self._call(f"{verb} auto-merge on pull request #{pull.number}", unit)

    def enable_auto_merge(self, pull: PullRequest, method: str = "SQUASH") -> str | None:
        """Turn on auto-merge; returns a warning instead of raising when GitHub says no."""
        try:
            self._auto_merge(pull, True, method)
        except GitHubError as exc:
            return (
                f'{exc} (auto-merge needs Settings → General → "Allow auto-merge" and a '
                "branch protection rule; merge the pull request by hand)"
            )
        return None

    def disable_auto_merge(self, pull: PullRequest) -> None:
        """Turn auto-merge off: a failure is an error, as the pull request would merge."""
        self._auto_merge(pull, False, "")

    # -- the gate: pull requests, commit statuses, reviews ----------------------------------
    def _rest(
        self,
        method: str,
        suffix: str,
        what: str,
        *,
        parameters: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """One REST call under the repository's URL, in the retry loop; its JSON."""
        url = f"{self._repo.url}{suffix}"
        requester = self._github.requester

        def unit() -> Any:
            _, data = requester.requestJsonAndCheck(method, url, parameters=parameters, input=body)
            return data

        return self._call(what, unit)

    def _pages(self, suffix: str, what: str, **parameters: Any) -> list[dict[str, Any]]:
        """Every item of a listing, each page in the retry loop; 1,000 at most: far more
        than a gate reads."""
        return _paged(
            lambda page: self._rest("GET", suffix, what, parameters={**parameters, **page}), 10
        )

    def open_pulls(self) -> list[dict[str, Any]]:
        """Every open pull request, as GitHub's JSON (``GET /pulls?state=open``)."""
        return self._pages("/pulls", "list the open pull requests", state="open")

    def commit_statuses(self, sha: str) -> list[dict[str, Any]]:
        """The statuses of a commit, newest first (``GET /commits/{ref}/statuses``)."""
        return self._pages(f"/commits/{sha}/statuses", f"read the statuses of {sha[:12]}")

    def reviews(self, number: int) -> list[dict[str, Any]]:
        """The reviews of a pull request, oldest first (``GET /pulls/{n}/reviews``)."""
        return self._pages(
            f"/pulls/{number}/reviews", f"read the reviews of pull request #{number}"
        )

    def create_status(
        self, sha: str, state: str, context: str, description: str, target_url: str | None = None
    ) -> None:
        """Post a commit status (``POST /statuses/{sha}``)."""
        body: dict[str, Any] = {"state": state, "context": context, "description": description}
        if target_url:
            body["target_url"] = target_url
        self._rest("POST", f"/statuses/{sha}", f"set the {context} status on {sha[:12]}", body=body)
