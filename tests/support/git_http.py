"""A git server over HTTP for tests, as GitHub's is to the action: git's own ``http-backend``
(the smart HTTP protocol) behind a server on 127.0.0.1 that checks the token the way GitHub
does (HTTP basic auth, user ``x-access-token``).

A wrong token is answered 401; a token without ``contents: write`` (``writable=False``) may
fetch, and a push is answered 403 with GitHub's message, which git shows on ``remote:`` lines;
``bad_gateway`` pushes are answered 502.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass
class GitAccess:
    """Who may do what: the token GitHub accepts, and whether it may push."""

    token: str
    writable: bool = True
    bad_gateway: int = 0  # the next pushes answered 502, as a GitHub having a bad moment


class GitHttpServer:
    """The running server: ``base`` is what ``GITHUB_SERVER_URL`` should be, ``url`` the
    clone URL of the repository, as on GitHub (``BASE/OWNER/NAME.git``)."""

    def __init__(self, httpd: ThreadingHTTPServer, slug: str, access: GitAccess) -> None:
        self._httpd = httpd
        self.slug = slug
        self.access = access

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/{self.slug}.git"


class _Handler(BaseHTTPRequestHandler):
    bare: Path
    slug: str
    access: GitAccess

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        data = (message + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _refused(self, path: str, query: str) -> bool:
        """Answer what GitHub refuses (a wrong token, a push it may not make, a bad moment);
        True when it did."""
        expected = base64.b64encode(f"x-access-token:{self.access.token}".encode()).decode()
        if self.headers.get("Authorization", "").lower() != f"basic {expected}".lower():
            self._text(401, "Invalid username or token.", {"WWW-Authenticate": 'Basic realm="git"'})
            return True
        pushing = query == "service=git-receive-pack" or path.endswith("/git-receive-pack")
        if pushing and query and self.access.bad_gateway > 0:
            self.access.bad_gateway -= 1
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")  # git shows no remote: line for HTML
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return True
        if pushing and not self.access.writable:
            self._text(403, f"Permission to {self.slug}.git denied to github-actions[bot].")
            return True
        return False

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        body = self._body() if method == "POST" else b""
        prefix = f"/{self.slug}.git"
        if not split.path.startswith(prefix + "/"):
            self._text(404, "Repository not found.")
            return
        if self._refused(split.path, split.query):
            return
        env = {
            "PATH": os.environ["PATH"],
            "GIT_PROJECT_ROOT": str(self.bare),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.bare),
            "PATH_INFO": split.path[len(prefix) :],
            "QUERY_STRING": split.query,
            "REQUEST_METHOD": method,
            "REMOTE_USER": "x-access-token",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_HTTP_RECEIVE_PACK": "true",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        done = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        )
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        status = 200
        headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def git_http_server(
    bare: Path, access: GitAccess, slug: str = "acme/gitops", port: int = 0
) -> Iterator[GitHttpServer]:
    """Serve the bare repository ``bare`` as ``slug`` for the length of a ``with`` block (on
    ``port``, or a free one)."""
    handler = type("Handler", (_Handler,), {"bare": bare, "slug": slug, "access": access})
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield GitHttpServer(httpd, slug, access)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
