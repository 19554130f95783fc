"""A small GitHub for tests: a real HTTP server on 127.0.0.1 speaking the REST and GraphQL
endpoints the action calls, keeping state the way GitHub does.

It serves under a GitHub Enterprise-style prefix (``/api/v3`` for REST, ``/api/graphql`` for
GraphQL) so the tests also prove the action never assumes api.github.com. It checks the token,
refuses a second open pull request for the same head with GitHub's 422, refuses a pull request
whose head branch was never pushed (when it knows the bare repository), and can be told to fail
the next requests (502, the Actions-may-not-create-PRs 403, a secondary or primary rate limit, a
read-only token, a connection reset half-way through an answer). Every request is logged so tests
can assert what was (not) written.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

REST_PREFIX = "/api/v3"
GRAPHQL_PATH = "/api/graphql"

ACTIONS_NOT_PERMITTED = "GitHub Actions is not permitted to create or approve pull requests."
READ_ONLY = "Resource not accessible by integration"
SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
PRIMARY_RATE_LIMIT = "API rate limit exceeded for installation ID 4242."


@dataclass
class Fault:
    """Fail the next ``times`` requests that match ``method`` and ``path`` (a regex)."""

    # "502", "502-applied", "actions-not-permitted", "rate-limit", "read-only", "drop",
    # "too-many" (429 without Retry-After), "validation" (422 with GitHub's errors[]),
    # "primary-rate-limit" (403, x-ratelimit-remaining: 0), "primary-rate-limit-429",
    # "reset" (the connection reset: a TCP RST instead of an answer), "cut" (the connection
    # closed half-way through the answer's body)
    kind: str
    method: str | None = None
    path: str | None = None
    times: int = 1
    retry_after: str = "0"  # the Retry-After header of a "rate-limit" answer
    reset_at: int = 0  # the x-ratelimit-reset of a primary limit (seconds since the epoch)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class Logged:
    method: str
    path: str
    body: Any
    authorization: list[str] = field(default_factory=list)  # every Authorization header sent
    at: float = 0.0  # when it arrived (time.time())


@dataclass
class State:
    owner: str
    repo: str
    token: str
    default_branch: str = "main"
    bare_repo: Path | None = None
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    auto_merge: list[int] = field(default_factory=list)
    auto_merge_allowed: bool = True
    statuses: list[dict[str, Any]] = field(default_factory=list)  # commit statuses, oldest first
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    now: str = "2026-01-01T00:00:00Z"  # the clock statuses and reviews are stamped with
    next_status: int = 5000
    faults: list[Fault] = field(default_factory=list)
    log: list[Logged] = field(default_factory=list)
    next_number: int = 1
    next_comment: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)


class GitHubServer:
    """The running server; ``url`` is what ``GITHUB_API_URL`` should be."""

    def __init__(self, state: State, httpd: ThreadingHTTPServer) -> None:
        self.state = state
        self._httpd = httpd

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return self.base + REST_PREFIX

    @property
    def graphql_url(self) -> str:
        return self.base + GRAPHQL_PATH

    def fail(
        self,
        kind: str,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        retry_after: str = "0",
        reset_at: int = 0,
    ) -> None:
        with self.state.lock:
            self.state.faults.append(Fault(kind, method, path, times, retry_after, reset_at))

    def down(self) -> None:
        """Stop answering: the port is closed, a connection to it is refused."""
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def requests(self) -> list[Logged]:
        with self.state.lock:
            return list(self.state.log)

    @property
    def writes(self) -> list[Logged]:
        return [r for r in self.requests if r.method != "GET"]

    def open_pulls(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [p for p in self.state.pulls.values() if p["state"] == "open"]

    def pull(self, number: int) -> dict[str, Any]:
        with self.state.lock:
            return self.state.pulls[number]

    def set_clock(self, moment: str) -> None:
        """The time GitHub stamps on the statuses and reviews created from now on."""
        with self.state.lock:
            self.state.now = moment

    def review(self, number: int, login: str, state: str, user_type: str = "User") -> None:
        """A review submitted now, shaped as ``GET /pulls/{n}/reviews`` lists it."""
        with self.state.lock:
            found = self.state.reviews.setdefault(number, [])
            rid = 80_000 + len(found)
            found.append(
                {
                    "id": rid,
                    "node_id": f"PRR_{rid}",
                    "user": {"login": login, "id": 900 + len(found), "type": user_type},
                    "body": "",
                    "state": state,
                    "author_association": "MEMBER",
                    "html_url": f"https://github.test/{self.state.owner}/{self.state.repo}/pull/"
                    f"{number}#pullrequestreview-{rid}",
                    "pull_request_url": f"{self.url}/repos/{self.state.owner}/{self.state.repo}/"
                    f"pulls/{number}",
                    "submitted_at": self.state.now,
                    "commit_id": "0" * 40,
                }
            )

    def merge(self, number: int) -> None:
        """Mark a pull request merged (the test moves the base branch itself)."""
        with self.state.lock:
            self.state.pulls[number]["state"] = "closed"

    def statuses_of(self, sha: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [s for s in self.state.statuses if s["sha"] == sha]

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        with self.state.lock:
            return [c for c in self.state.comments.values() if c["issue"] == number]


def _label(name: str) -> dict[str, Any]:
    return {"name": name, "color": "ededed", "description": None, "default": False}


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeGitHub/1.0"
    state: State  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    # -- plumbing ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        state = self.state
        with state.lock:
            state.log.append(
                Logged(
                    method,
                    split.path,
                    body,
                    self.headers.get_all("Authorization") or [],
                    time.time(),
                )
            )
            fault = next((f for f in state.faults if f.matches(method, split.path)), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    state.faults.remove(fault)
        auth = self.headers.get("Authorization", "")
        if auth not in (f"token {state.token}", f"Bearer {state.token}"):
            self._send(401, {"message": "Bad credentials"})
            return
        if fault is not None and fault.kind == "drop":  # hang up without an answer
            self.close_connection = True
            return
        if fault is not None and fault.kind != "502-applied":
            self._send_fault(fault)
            return
        try:
            with state.lock:
                status, payload = self._route(method, split.path, parse_qs(split.query), body)
        except KeyError:
            status, payload = 404, {"message": "Not Found"}
        if fault is not None:  # the write happened, but the caller sees a bad gateway
            self._send_fault(Fault("502"))
            return
        self._send(status, payload)

    def _send_fault(self, fault: Fault) -> None:
        kind = fault.kind
        if kind == "502":
            self._send(502, {"message": "Server Error"})
        elif kind == "actions-not-permitted":
            self._send(
                403,
                {
                    "message": ACTIONS_NOT_PERMITTED,
                    "documentation_url": "https://docs.github.com/rest",
                },
            )
        elif kind == "rate-limit":
            self._send(403, {"message": SECONDARY_RATE_LIMIT}, {"Retry-After": fault.retry_after})
        elif kind in ("primary-rate-limit", "primary-rate-limit-429"):
            self._send(
                429 if kind.endswith("429") else 403,
                {
                    "message": PRIMARY_RATE_LIMIT,
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits",
                },
                {
                    "x-ratelimit-limit": "5000",
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-used": "5000",
                    "x-ratelimit-reset": str(fault.reset_at),
                    "x-ratelimit-resource": "core",
                },
            )
        elif kind == "reset":  # no answer: a TCP RST (SO_LINGER 0, then close)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif kind == "cut":  # headers and a piece of the body, then the connection is gone
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(b'{"number": ')
            self.wfile.flush()
            self.close_connection = True
        elif kind == "read-only":
            self._send(403, {"message": READ_ONLY})
        elif kind == "too-many":  # a 429 with no Retry-After header
            self._send(429, {"message": "Too Many Requests"})
        elif kind == "validation":
            self._send(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "PullRequest", "field": "base", "code": "invalid"}],
                },
            )
        else:
            raise AssertionError(f"unknown fault {kind}")

    # -- routes -----------------------------------------------------------------------------
    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        state = self.state
        if path == GRAPHQL_PATH and method == "POST":
            return self._graphql(body)
        if path == f"{REST_PREFIX}/user":  # as for GitHub's Actions (installation) token
            return 403, {"message": READ_ONLY}
        repo_prefix = f"{REST_PREFIX}/repos/{state.owner}/{state.repo}"
        if not path.startswith(repo_prefix):
            return 404, {"message": "Not Found"}
        rest = path[len(repo_prefix) :]
        routes: list[tuple[str, str, Any]] = [
            ("GET", r"", self._get_repo),
            ("GET", r"/pulls", self._list_pulls),
            ("POST", r"/pulls", self._create_pull),
            ("GET", r"/pulls/(\d+)", self._get_pull),
            ("PATCH", r"/pulls/(\d+)", self._patch_pull),
            ("GET", r"/issues/(\d+)", self._get_issue),
            ("POST", r"/issues/(\d+)/labels", self._add_labels),
            ("DELETE", r"/issues/(\d+)/labels/([^/]+)", self._remove_label),
            ("GET", r"/issues/(\d+)/comments", self._list_comments),
            ("POST", r"/issues/(\d+)/comments", self._create_comment),
            ("PATCH", r"/issues/comments/(\d+)", self._patch_comment),
            ("POST", r"/statuses/([0-9a-f]{40})", self._create_status),
            ("GET", r"/commits/([^/]+)/statuses", self._list_statuses),
            ("GET", r"/commits/([^/]+)/status", self._combined_status),
            ("GET", r"/pulls/(\d+)/reviews", self._list_reviews),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, rest)
            if verb == method and match:
                result: tuple[int, Any] = handler(*match.groups(), query=query, body=body)
                return result
        return 404, {"message": "Not Found"}

    def _api(self, suffix: str) -> str:
        host, port = cast("tuple[str, int]", self.server.server_address)[:2]
        repo = f"{self.state.owner}/{self.state.repo}"
        return f"http://{host!s}:{port!s}{REST_PREFIX}/repos/{repo}{suffix}"

    def _repo_json(self) -> dict[str, Any]:
        state = self.state
        return {
            "id": 1,
            "node_id": "R_1",
            "name": state.repo,
            "full_name": f"{state.owner}/{state.repo}",
            "owner": {"login": state.owner, "id": 2, "type": "Organization"},
            "default_branch": state.default_branch,
            "url": self._api(""),
            "html_url": f"https://github.test/{state.owner}/{state.repo}",
            "allow_auto_merge": state.auto_merge_allowed,
        }

    def _pull_json(self, pull: dict[str, Any]) -> dict[str, Any]:
        number = pull["number"]
        return {
            "id": 10_000 + number,
            "node_id": f"PR_{number}",
            "number": number,
            "state": pull["state"],
            "title": pull["title"],
            "body": pull["body"],
            "url": self._api(f"/pulls/{number}"),
            "issue_url": self._api(f"/issues/{number}"),
            "html_url": f"https://github.test/{self.state.owner}/{self.state.repo}/pull/{number}",
            "head": {
                "ref": pull["head"],
                "label": f"{self.state.owner}:{pull['head']}",
                "sha": self._head_sha(pull),
            },
            "user": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
            "base": {"ref": pull["base"], "label": f"{self.state.owner}:{pull['base']}"},
            "labels": [_label(n) for n in pull["labels"]],
            "draft": False,
            "merged": pull.get("merged", False),
            "merged_at": "2026-01-01T00:00:00Z" if pull.get("merged") else None,
            "auto_merge": (
                {"enabled_by": {"login": "github-actions[bot]"}, "merge_method": "squash"}
                if pull.get("auto_merge")
                else None
            ),
        }

    def _head_sha(self, pull: dict[str, Any]) -> str | None:
        """An open pull request follows its branch; a closed one keeps the tip it closed at."""
        if pull["state"] != "open" or self.state.bare_repo is None:
            return pull.get("head_sha") or None
        return tip(self.state.bare_repo, pull["head"]) or pull.get("head_sha") or None

    def _get_repo(self, **_: Any) -> tuple[int, Any]:
        return 200, self._repo_json()

    def _list_pulls(self, query: dict[str, list[str]], **_: Any) -> tuple[int, Any]:
        wanted_state = query.get("state", ["open"])[0]
        head = query.get("head", [""])[0]
        pulls = list(self.state.pulls.values())
        if wanted_state != "all":
            pulls = [p for p in pulls if p["state"] == wanted_state]
        if ":" in head:  # like GitHub: without "owner:" the filter is silently ignored
            owner, branch = head.split(":", 1)
            pulls = [p for p in pulls if owner == self.state.owner and p["head"] == branch]
        return 200, [self._pull_json(p) for p in sorted(pulls, key=lambda p: -p["number"])]

    def _create_pull(self, body: dict[str, Any], **_: Any) -> tuple[int, Any]:
        head, base = body["head"], body["base"]
        branch = head.split(":", 1)[-1]
        if any(p["head"] == branch and p["state"] == "open" for p in self.state.pulls.values()):
            return 422, {
                "message": "Validation Failed",
                "errors": [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": "A pull request already exists for "
                        f"{self.state.owner}:{branch}.",
                    }
                ],
            }
        if self.state.bare_repo is not None and not _has_branch(self.state.bare_repo, branch):
            return 422, {
                "message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            }
        number = self.state.next_number
        self.state.next_number += 1
        self.state.pulls[number] = {
            "number": number,
            "state": "open",
            "title": body["title"],
            "body": body.get("body") or "",
            "head": branch,
            "base": base,
            "labels": [],
        }
        return 201, self._pull_json(self.state.pulls[number])

    def _get_pull(self, number: str, **_: Any) -> tuple[int, Any]:
        return 200, self._pull_json(self.state.pulls[int(number)])

    def _patch_pull(self, number: str, body: dict[str, Any], **_: Any) -> tuple[int, Any]:
        pull = self.state.pulls[int(number)]
        if body.get("state") == "closed" and pull["state"] == "open":
            pull["head_sha"] = self._head_sha(pull)
            pull["auto_merge"] = False
        for key in ("title", "body", "state", "base"):
            if key in body:
                pull[key] = body[key]
        return 200, self._pull_json(pull)

    def _get_issue(self, number: str, **_: Any) -> tuple[int, Any]:
        pull = self.state.pulls[int(number)]
        return 200, {
            "number": pull["number"],
            "title": pull["title"],
            "state": pull["state"],
            "labels": [_label(n) for n in pull["labels"]],
            "url": self._api(f"/issues/{number}"),
        }

    def _add_labels(self, number: str, body: Any, **_: Any) -> tuple[int, Any]:
        pull = self.state.pulls[int(number)]
        names = body["labels"] if isinstance(body, dict) else body
        for name in names:
            if name not in pull["labels"]:
                pull["labels"].append(name)
        return 200, [_label(n) for n in pull["labels"]]

    def _remove_label(self, number: str, name: str, **_: Any) -> tuple[int, Any]:
        pull = self.state.pulls[int(number)]
        name = unquote(name)
        if name not in pull["labels"]:
            return 404, {"message": "Label does not exist"}
        pull["labels"].remove(name)
        return 200, [_label(n) for n in pull["labels"]]

    def _comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": comment["id"],
            "body": comment["body"],
            "url": self._api(f"/issues/comments/{comment['id']}"),
            "html_url": f"https://github.test/c/{comment['id']}",
            "user": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
        }

    def _list_comments(self, number: str, **_: Any) -> tuple[int, Any]:
        found = [c for c in self.state.comments.values() if c["issue"] == int(number)]
        return 200, [self._comment_json(c) for c in found]

    def _create_comment(self, number: str, body: dict[str, Any], **_: Any) -> tuple[int, Any]:
        if int(number) not in self.state.pulls:
            return 404, {"message": "Not Found"}
        cid = self.state.next_comment
        self.state.next_comment += 1
        self.state.comments[cid] = {"id": cid, "issue": int(number), "body": body["body"]}
        return 201, self._comment_json(self.state.comments[cid])

    def _patch_comment(self, cid: str, body: dict[str, Any], **_: Any) -> tuple[int, Any]:
        comment = self.state.comments[int(cid)]
        comment["body"] = body["body"]
        return 200, self._comment_json(comment)

    # -- commit statuses and reviews (GitHub's REST shapes) ----------------------------------
    def _status_json(self, status: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self._api(f"/statuses/{status['sha']}"),
            "avatar_url": "https://avatars.githubusercontent.com/u/2?v=4",
            "id": status["id"],
            "node_id": f"SC_{status['id']}",
            "state": status["state"],
            "description": status["description"],
            "target_url": status["target_url"],
            "context": status["context"],
            "created_at": status["created_at"],
            "updated_at": status["created_at"],
            "creator": {"login": status["creator"], "id": 3, "type": "User"},
        }

    def _create_status(self, sha: str, body: dict[str, Any], **_: Any) -> tuple[int, Any]:
        if body.get("state") not in ("error", "failure", "pending", "success"):
            return 422, {
                "message": "Validation Failed",
                "errors": [{"resource": "Status", "field": "state", "code": "custom"}],
            }
        description = body.get("description")
        if isinstance(description, str) and len(description) > 140:
            return 422, {
                "message": "Validation Failed",
                "errors": [
                    {
                        "resource": "Status",
                        "code": "custom",
                        "field": "description",
                        "message": "description is too long (maximum is 140 characters)",
                    }
                ],
            }
        status = {
            "id": self.state.next_status,
            "sha": sha,
            "state": body["state"],
            "context": body.get("context") or "default",
            "description": description,
            "target_url": body.get("target_url"),
            "created_at": self.state.now,
            "creator": "flux-bot",
        }
        self.state.next_status += 1
        self.state.statuses.append(status)
        return 201, self._status_json(status)

    def _statuses_of(self, ref: str) -> list[dict[str, Any]]:
        return [s for s in reversed(self.state.statuses) if s["sha"] == ref]  # newest first

    def _list_statuses(self, ref: str, query: dict[str, list[str]], **_: Any) -> tuple[int, Any]:
        found = self._statuses_of(ref)
        per_page = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        chunk = found[(page - 1) * per_page : page * per_page]
        return 200, [self._status_json(s) for s in chunk]

    def _combined_status(self, ref: str, **_: Any) -> tuple[int, Any]:
        latest: dict[str, dict[str, Any]] = {}
        for status in self._statuses_of(ref):
            latest.setdefault(status["context"], status)
        states = {s["state"] for s in latest.values()}
        state = (
            "failure"
            if states & {"failure", "error"}
            else "pending"
            if not states or "pending" in states
            else "success"
        )
        return 200, {
            "state": state,
            "statuses": [self._status_json(s) for s in latest.values()],
            "sha": ref,
            "total_count": len(latest),
            "repository": self._repo_json(),
            "commit_url": self._api(f"/commits/{ref}"),
            "url": self._api(f"/commits/{ref}/status"),
        }

    def _list_reviews(self, number: str, query: dict[str, list[str]], **_: Any) -> tuple[int, Any]:
        if int(number) not in self.state.pulls:
            return 404, {"message": "Not Found"}
        found = self.state.reviews.get(int(number), [])
        page = int(query.get("page", ["1"])[0])
        return 200, found if page == 1 else []

    def _graphql(self, body: dict[str, Any]) -> tuple[int, Any]:
        query = body.get("query", "")
        enable = "enablePullRequestAutoMerge" in query
        if not enable and "disablePullRequestAutoMerge" not in query:
            return 200, {"errors": [{"message": "unsupported query in the test server"}]}
        node = body.get("variables", {}).get("pullRequestId", "")
        match = re.fullmatch(r"PR_(\d+)", str(node))
        if not match or int(match.group(1)) not in self.state.pulls:
            return 200, {
                "data": None,
                "errors": [{"type": "NOT_FOUND", "message": f"Could not resolve {node}"}],
            }
        if not enable:
            self.state.pulls[int(match.group(1))]["auto_merge"] = False
            return 200, {
                "data": {
                    "disablePullRequestAutoMerge": {"pullRequest": {"number": int(match.group(1))}}
                }
            }
        if not self.state.auto_merge_allowed:
            return 200, {
                "data": {"enablePullRequestAutoMerge": None},
                "errors": [
                    {"message": "Pull request Auto merge is not allowed for this repository"}
                ],
            }
        number = int(match.group(1))
        self.state.auto_merge.append(number)
        self.state.pulls[number]["auto_merge"] = True
        return 200, {
            "data": {
                "enablePullRequestAutoMerge": {
                    "pullRequest": {
                        "number": number,
                        "autoMergeRequest": {"enabledAt": "2026-01-01T00:00:00Z"},
                    }
                }
            }
        }


def tip(bare: Path, branch: str) -> str | None:
    """The commit ``branch`` points at in the bare repository ``bare``, or None."""
    done = subprocess.run(
        ["git", "--git-dir", str(bare), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _has_branch(bare: Path, branch: str) -> bool:
    return tip(bare, branch) is not None


@contextmanager
def github_server(
    owner: str = "acme",
    repo: str = "gitops",
    token: str = "test-token",  # noqa: S107 - a test token
    bare_repo: Path | None = None,
) -> Iterator[GitHubServer]:
    """Run the server on a free port of 127.0.0.1 for the length of a ``with`` block."""
    state = State(owner=owner, repo=repo, token=token, bare_repo=bare_repo)
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield GitHubServer(state, httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
