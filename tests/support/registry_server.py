"""A real container registry for tests: the CNCF distribution registry (Debian package
``docker-registry``) on 127.0.0.1, with htpasswd basic auth, and images pushed through its API.

``python3 tasks.py test`` and ``.ci/run`` install the package where it is missing. The
registry runs from a config file written here (filesystem storage in a temporary directory,
bcrypt htpasswd made with the ``bcrypt`` package); images are pushed the way ``docker push``
does it: the config blob through a monolithic upload (POST, then PUT with the digest), then
one manifest PUT per tag.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import requests

from tests.support.registry_token import TokenService

USER = "ci"
PASSWORD = "registry-pass-1"
BINARY = "docker-registry"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Registry:
    """A running registry: its host (``127.0.0.1:PORT``) and a session that may push."""

    host: str
    session: requests.Session
    storage: Path  # the registry's filesystem storage root

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def push(self, repository: str, tags: Iterable[str]) -> None:
        """Push one small image under every tag (blob upload, then a manifest PUT per tag)."""
        config = json.dumps(
            {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
        ).encode()
        digest = self._upload(repository, config)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": digest,
                    "size": len(config),
                },
                "layers": [],
            }
        ).encode()
        for tag in tags:
            answer = self.session.put(
                f"{self.base}/v2/{repository}/manifests/{tag}",
                data=manifest,
                headers={"Content-Type": OCI_MANIFEST},
                timeout=10,
            )
            assert answer.status_code == 201, (tag, answer.status_code, answer.text)

    def retag(self, repository: str, tags: Iterable[str]) -> None:
        """Give the image already pushed to ``repository`` many more tags at once, in the
        registry's own storage layout (each tag's ``current/link`` names the manifest): what
        the tags list and a pull by tag read. Pushing 10,000 manifests would take minutes."""
        manifests = self.storage / "docker/registry/v2/repositories" / repository / "_manifests"
        digest = (next((manifests / "tags").iterdir()) / "current" / "link").read_bytes()
        for tag in tags:
            current = manifests / "tags" / tag / "current"
            current.mkdir(parents=True, exist_ok=True)
            (current / "link").write_bytes(digest)

    def _upload(self, repository: str, data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        started = self.session.post(f"{self.base}/v2/{repository}/blobs/uploads/", timeout=10)
        assert started.status_code == 202, started.text
        location = started.headers["Location"]
        if not location.startswith("http"):
            location = self.base + location
        joiner = "&" if "?" in location else "?"
        done = self.session.put(
            f"{location}{joiner}digest={digest}",
            data=data,
            timeout=10,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert done.status_code == 201, done.text
        return digest


def _config(directory: Path, port: int, token: TokenService | None) -> Path:
    if token is not None:
        auth = token.config(directory)
    else:
        htpasswd = directory / "htpasswd"
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        htpasswd.write_text(f"{USER}:{hashed}\n", encoding="utf-8")
        auth = f"auth:\n  htpasswd:\n    realm: flux-semver-tests\n    path: {htpasswd}\n"
    config = directory / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {directory / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n" + auth,
        encoding="utf-8",
    )
    return config


def _die_with_parent() -> None:
    """In the registry's process, before it runs: on Linux, end it when the test process ends,
    even killed (a killed pytest runs no fixture teardown and would leave it serving)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the fixture's teardown still stops it


@contextmanager
def running(
    directory: Path, token: TokenService | None = None, pusher: str = ""
) -> Iterator[Registry]:
    """Start the registry in ``directory``, with htpasswd basic auth, or with ``token``'s
    bearer-token auth (the session then pushes to ``pusher`` with a token minted for it);
    stop it (by its own process) on exit."""
    binary = shutil.which(BINARY)
    assert binary is not None, (
        "the CNCF distribution registry is not installed: run python3 tasks.py test (or "
        "apt-get install -y docker-registry) first"
    )
    port = free_port()
    config = _config(directory, port, token)
    log = (directory / "registry.log").open("wb")
    process = subprocess.Popen(
        [binary, "serve", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    session = requests.Session()
    if token is None:
        session.auth = (USER, PASSWORD)
    else:
        minted = token.mint("pusher", pusher, ["pull", "push"])
        session.headers["Authorization"] = f"Bearer {minted}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 401:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, (directory / "registry.log").read_text()
            assert time.monotonic() < deadline, "the registry did not start within 20 s"
            time.sleep(0.05)
        yield Registry(f"127.0.0.1:{port}", session, directory / "data")
    finally:
        session.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
