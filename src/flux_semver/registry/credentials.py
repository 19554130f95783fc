"""What to log in to a registry with, found the way a developer or a CI job already has it.

In this order, the first that applies wins:

1. ``FLUX_SEMVER_REGISTRY_TOKEN``: a bearer token, sent as it is;
2. ``FLUX_SEMVER_REGISTRY_USERNAME`` and ``FLUX_SEMVER_REGISTRY_PASSWORD``: basic credentials
   (used for a registry's basic auth, and for its token endpoint);
3. the Docker config file (``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``):
   the registry's ``credHelpers`` entry or the ``credsStore`` (``docker-credential-NAME get``),
   else its ``auths`` entry (``auth``, ``username``/``password``, ``registrytoken``);
4. ``GITHUB_TOKEN`` for ``ghcr.io`` (the username is ``GITHUB_ACTOR``, when set);
5. nothing: anonymous, which public images allow (the token flow still runs).
"""

from __future__ import annotations

import base64
import binascii
import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from flux_semver.registry import RegistryError
from flux_semver.registry.reference import DOCKER_HUB

TOKEN_ENV = "FLUX_SEMVER_REGISTRY_TOKEN"  # noqa: S105 - a variable name
USERNAME_ENV = "FLUX_SEMVER_REGISTRY_USERNAME"
PASSWORD_ENV = "FLUX_SEMVER_REGISTRY_PASSWORD"  # noqa: S105 - a variable name
_HELPER_TIMEOUT = 20.0


class Credentials(msgspec.Struct, frozen=True):
    """A username and password, or a bearer token, and where they came from (for messages)."""

    source: str = "no credentials"
    username: str | None = None
    password: str | None = None
    token: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.token is None and self.username is None

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Credentials(source={self.source!r})"


def find(registry: str, environ: Mapping[str, str], home: Path | None = None) -> Credentials:
    """The credentials for ``registry`` (a host[:port]) from the environment or Docker's file."""
    token = environ.get(TOKEN_ENV, "")
    if token:
        return Credentials(source=TOKEN_ENV, token=token)
    username, password = environ.get(USERNAME_ENV, ""), environ.get(PASSWORD_ENV, "")
    if username or password:
        if not (username and password):
            missing = PASSWORD_ENV if username else USERNAME_ENV
            raise RegistryError(
                f"{missing} is not set but its partner is — set both "
                f"{USERNAME_ENV} and {PASSWORD_ENV}, or neither"
            )
        return Credentials(
            source=f"{USERNAME_ENV}/{PASSWORD_ENV}", username=username, password=password
        )
    found = _docker_config(registry, environ, home)
    if found is not None:
        return found
    if registry == "ghcr.io" and environ.get("GITHUB_TOKEN"):
        return Credentials(
            source="GITHUB_TOKEN",
            username=environ.get("GITHUB_ACTOR") or "flux-semver",
            password=environ["GITHUB_TOKEN"],
        )
    return Credentials()


def config_path(environ: Mapping[str, str], home: Path | None = None) -> Path:
    """The Docker config file Docker itself would read."""
    directory = environ.get("DOCKER_CONFIG")
    if directory:
        return Path(directory) / "config.json"
    return (home or Path.home()) / ".docker" / "config.json"


def _host_of(key: str) -> str:
    """``https://index.docker.io/v1/`` -> ``index.docker.io``; ``docker.io`` -> the same."""
    host = key.split("://", 1)[-1].split("/", 1)[0]
    return DOCKER_HUB if host in ("docker.io", "registry-1.docker.io") else host


def _docker_config(  # noqa: C901
    registry: str,
    environ: Mapping[str, str],
    home: Path | None,
) -> Credentials | None:
    path = config_path(environ, home)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(
            f"{path}: cannot read the Docker config file ({exc}) — fix its "
            "permissions, or point DOCKER_CONFIG elsewhere"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(
            f"{path}:{exc.lineno}: the Docker config file is not valid JSON "
            f"({exc.msg}) — fix it, or run docker login again"
        ) from None
    if not isinstance(data, dict):
        raise RegistryError(
            f"{path}:1: the Docker config file is not a JSON object — fix it, "
            "or run docker login again"
        )
    helpers = data.get("credHelpers")
    if isinstance(helpers, dict):
        for key, helper in helpers.items():
            if _host_of(str(key)) == registry and isinstance(helper, str) and helper:
                return _from_helper(helper, str(key), path)
    auths = data.get("auths")
    entry: Any = None
    if isinstance(auths, dict):
        entry = next(
            (value for key, value in auths.items() if _host_of(str(key)) == registry), None
        )
    store = data.get("credsStore")
    if isinstance(store, str) and store and not _has_secret(entry):
        server = "https://index.docker.io/v1/" if registry == DOCKER_HUB else registry
        return _from_helper(store, server, path)
    if isinstance(entry, dict):
        return _from_entry(entry, registry, path)
    return None


def _has_secret(entry: Any) -> bool:
    return isinstance(entry, dict) and any(
        entry.get(k) for k in ("auth", "password", "registrytoken")
    )


def _from_entry(entry: dict[str, Any], registry: str, path: Path) -> Credentials | None:
    source = f"{path} (auths: {registry})"
    if isinstance(entry.get("registrytoken"), str) and entry["registrytoken"]:
        return Credentials(source=source, token=entry["registrytoken"])
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        username, sep, password = decoded.partition(":")
        if not sep or not username:
            raise RegistryError(
                f"{path}: auths entry for {registry}: 'auth' is not base64 "
                "of username:password — run docker login again"
            )
        return Credentials(source=source, username=username, password=password)
    name, secret = entry.get("username"), entry.get("password")
    if isinstance(name, str) and isinstance(secret, str) and name:
        return Credentials(source=source, username=name, password=secret)
    return None


def _from_helper(helper: str, server: str, path: Path) -> Credentials:
    program = f"docker-credential-{helper}"
    found = shutil.which(program)
    if found is None:
        raise RegistryError(
            f"{path}: names the credential helper {helper!r}, but {program} "
            "is not on PATH — install it, or set FLUX_SEMVER_REGISTRY_USERNAME "
            "and FLUX_SEMVER_REGISTRY_PASSWORD"
        )
    try:
        done = subprocess.run(
            [found, "get"],
            input=server,
            capture_output=True,
            text=True,
            timeout=_HELPER_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RegistryError(
            f"{program} get failed ({exc}) — check the helper, or set "
            "FLUX_SEMVER_REGISTRY_USERNAME and FLUX_SEMVER_REGISTRY_PASSWORD"
        ) from None
    if done.returncode != 0:
        return Credentials()  # the helper knows no credentials for this server
    try:
        data = json.loads(done.stdout)
        username, secret = str(data["Username"]), str(data["Secret"])
    except (json.JSONDecodeError, KeyError, TypeError):
        raise RegistryError(
            f"{program} get printed no credentials JSON — check the helper"
        ) from None
    return Credentials(source=f"{program} ({path})", username=username, password=secret)
