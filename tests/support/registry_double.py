"""A small registry with a token service, for what the real registry cannot be made to do.

A real HTTP server on 127.0.0.1 speaking the distribution API's tag listing behind the token
flow: ``/v2/<name>/tags/list`` answers 401 with a ``Bearer realm=…/token,service,scope``
challenge until it gets a token from ``/token`` (basic credentials for private images,
anonymous for public ones), pages tags with ``n``/``last`` and a relative ``Link`` header
(the CNCF registry 2.8 ignores ``n`` for tags), and can be told to fail: a 503 for the next
requests, a tags page that is not JSON. It also serves a Helm chart index at
``/charts/index.yaml``. Every request is logged.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

USER = "robot"
PASSWORD = "token-pass-9"
SERVICE = "double.test"


@dataclass
class State:
    images: dict[str, list[str]] = field(default_factory=dict)
    public: set[str] = field(default_factory=set)
    failures: list[int] = field(default_factory=list)  # statuses for the next tag requests
    malformed: set[str] = field(default_factory=set)  # images whose pages are not JSON
    max_page: int = 100  # the most tags one page holds, whatever n asks
    stall: float = 0.0  # seconds every tags answer waits first (a registry that hangs)
    next_host: str = ""  # a host the Link header sends the next page to (a hostile registry)
    charts: dict[str, list[str]] = field(default_factory=dict)  # /charts/index.yaml: versions
    log: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Authorization)
    issued: dict[str, set[str]] = field(default_factory=dict)  # token -> images it may pull
    lock: threading.Lock = field(default_factory=threading.Lock)

    def tag_requests(self, image: str) -> int:
        return sum(path.startswith(f"/v2/{image}/tags/list") for path, _ in self.log)


class _Handler(BaseHTTPRequestHandler):
    state: State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # A client that gave up (a timeout test) has nothing more to be told.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        with self.state.lock:
            self.state.log.append((self.path, self.headers.get("Authorization")))
        if url.path == "/token":
            self._token(parse_qs(url.query))
        elif url.path == "/charts/index.yaml":
            self._index()
        elif url.path.startswith("/v2/") and url.path.endswith("/tags/list"):
            self._tags(url.path[len("/v2/") : -len("/tags/list")], parse_qs(url.query))
        else:
            self._json(404, {"errors": [{"code": "NOT_FOUND"}]})

    def _index(self) -> None:
        """A Helm chart index, written as Helm writes it: newest version first."""
        lines = ["apiVersion: v1", "entries:"]
        for chart, versions in self.state.charts.items():
            lines.append(f"  {chart}:")
            for version in versions:
                lines += [
                    f"  - name: {chart}",
                    f"    version: {version}",
                    f"    urls: [{chart}-{version}.tgz]",
                ]
        self._send(200, ("\n".join(lines) + "\n").encode(), {"Content-Type": "text/yaml"})

    def _token(self, query: dict[str, list[str]]) -> None:
        scope = query.get("scope", [""])[0]
        image = scope.split(":")[1] if scope.count(":") == 2 else ""
        auth = self.headers.get("Authorization", "")
        allowed: set[str] = set()
        if auth.startswith("Basic "):
            pair = base64.b64decode(auth[6:]).decode()
            if pair != f"{USER}:{PASSWORD}" or query.get("service") != [SERVICE]:
                self._json(401, {"details": "incorrect username or password"})
                return
            allowed = set(self.state.images)
        else:
            allowed = set(self.state.public)
        token = f"t{len(self.state.issued)}-{image.replace('/', '.')}"
        with self.state.lock:
            self.state.issued[token] = allowed
        self._json(200, {"token": token, "expires_in": 300})

    def _tags(self, image: str, query: dict[str, list[str]]) -> None:
        host = self.headers.get("Host", "")
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
        if image not in self.state.issued.get(token, set()):
            challenge = (
                f'Bearer realm="http://{host}/token",service="{SERVICE}",'
                f'scope="repository:{image}:pull"'
            )
            self._json(401, {"errors": [{"code": "UNAUTHORIZED"}]}, {"WWW-Authenticate": challenge})
            return
        if self.state.stall:
            time.sleep(self.state.stall)
        with self.state.lock:
            failure = self.state.failures.pop(0) if self.state.failures else None
        if failure is not None:
            self._json(failure, {"errors": [{"code": "UNAVAILABLE"}]})
            return
        if image in self.state.malformed:
            self._send(
                200, b"<html>Service temporarily moved</html>", {"Content-Type": "text/html"}
            )
            return
        if image not in self.state.images:
            self._json(404, {"errors": [{"code": "NAME_UNKNOWN"}]})
            return
        tags = sorted(self.state.images[image])
        size = min(int(query.get("n", ["1000"])[0]), self.state.max_page)
        last = query.get("last", [""])[0]
        rest = [t for t in tags if t > last] if last else tags
        page, more = rest[:size], len(rest) > size
        headers = {}
        if more:
            origin = f"http://{self.state.next_host}" if self.state.next_host else ""
            headers["Link"] = (
                f'<{origin}/v2/{image}/tags/list?n={size}&last={quote(page[-1])}>; rel="next"'
            )
        self._json(200, {"name": image, "tags": page}, headers)


@contextmanager
def serving(state: State | None = None) -> Iterator[tuple[str, State]]:
    """(``127.0.0.1:PORT``, its state) while the server runs."""
    state = state or State()
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}", state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
