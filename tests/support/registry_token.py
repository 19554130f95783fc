"""A small token service for the real registry's token auth (the Docker/OCI bearer flow).

The CNCF registry, configured with ``auth: token``, answers 401 with ``Bearer realm=…,
service=…,scope=…`` and accepts only JWTs signed by a key whose certificate is in its
``rootcertbundle``. This service holds such a key (RSA, a self-signed certificate written for
the registry) and serves ``GET /token?service=&scope=`` on 127.0.0.1: basic credentials get
pull access to every repository, anonymous callers to the public ones, wrong credentials a
401. Every request is logged.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

USER = "token-user"
PASSWORD = "token-pass-7"
SERVICE = "flux-semver-tests"
ISSUER = "flux-semver-test-issuer"


def _key_id(public_der: bytes) -> str:
    """libtrust's key ID (what the registry matches ``kid`` against)."""
    digest = base64.b32encode(hashlib.sha256(public_der).digest()[:30]).decode()
    return ":".join(digest[i : i + 4] for i in range(0, 48, 4))


@dataclass
class TokenService:
    key: rsa.RSAPrivateKey
    certificate: bytes  # PEM, for the registry's rootcertbundle
    kid: str
    public: set[str] = field(default_factory=set)
    log: list[tuple[str, str | None]] = field(default_factory=list)
    realm: str = ""

    @classmethod
    def create(cls) -> TokenService:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(key, cert.public_bytes(serialization.Encoding.PEM), _key_id(spki))

    def mint(self, account: str, repository: str, actions: list[str]) -> str:
        now = int(dt.datetime.now(dt.UTC).timestamp())
        claims = {
            "iss": ISSUER,
            "sub": account,
            "aud": SERVICE,
            "iat": now,
            "nbf": now - 10,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            "access": [{"type": "repository", "name": repository, "actions": actions}]
            if repository
            else [],
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def config(self, directory: Path) -> str:
        """The registry config's ``auth:`` block (the certificate written beside it)."""
        bundle = directory / "token-cert.pem"
        bundle.write_bytes(self.certificate)
        return (
            f"auth:\n  token:\n    realm: {self.realm}\n    service: {SERVICE}\n"
            f"    issuer: {ISSUER}\n    rootcertbundle: {bundle}\n"
        )


class _Handler(BaseHTTPRequestHandler):
    service: TokenService

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        auth = self.headers.get("Authorization")
        self.service.log.append((self.path, auth))
        query = parse_qs(url.query)
        scope = query.get("scope", [""])[0]
        repository = scope.split(":")[1] if scope.count(":") == 2 else ""
        if url.path != "/token" or query.get("service") != [SERVICE]:
            self._json(400, {"details": "unknown service"})
            return
        if auth is not None:
            pair = base64.b64decode(auth.removeprefix("Basic ")).decode()
            if pair != f"{USER}:{PASSWORD}":
                self._json(401, {"details": "incorrect username or password"})
                return
            token = self.service.mint(USER, repository, ["pull"])
        else:
            allowed = repository in self.service.public
            token = self.service.mint("", repository if allowed else "", ["pull"])
        self._json(200, {"token": token, "access_token": token, "expires_in": 300})


@contextmanager
def serving() -> Iterator[TokenService]:
    service = TokenService.create()
    handler = type("Handler", (_Handler,), {"service": service})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    service.realm = f"http://127.0.0.1:{httpd.server_address[1]}/token"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
