"""Listing an image's tags through the OCI distribution API (``GET /v2/<name>/tags/list``).

Written on ``requests`` (with urllib3's ``Retry``) rather than on a registry SDK: the one
request this needs is small, and what matters around it — a timeout on every request, a few
quick retries with backoff on 429/5xx and dropped connections (honouring ``Retry-After``),
one clear line for each failure — is exactly what ``requests``/urllib3 do well and the Python
registry clients (``oras``: fixed 3-83 s sleeps, no timeout) do not.

Authentication follows the registry's ``WWW-Authenticate`` challenge: ``Basic`` gets the
credentials; ``Bearer realm=…,service=…,scope=…`` runs the token flow (the credentials go to
the realm, anonymous when there are none, and the token it returns goes to the registry). A
bearer token from the environment is sent as it is. Pages are followed through the ``Link``
header (``rel="next"``), relative or absolute, until there is none.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import msgspec
import requests
import yaml
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from flux_semver.registry import RegistryAuthError, RegistryError
from flux_semver.registry.credentials import Credentials
from flux_semver.registry.reference import ImageName

PAGE_SIZE = 1000
MAX_PAGES = 10_000  # 10 million tags: past that a registry is looping
USER_AGENT = "flux-semver"
_RETRY_STATUSES = (429, 500, 502, 503, 504)
_TIMEOUTS = (TimeoutError, Urllib3Timeout)
_CHALLENGE = re.compile(r'([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


class Settings(msgspec.Struct, frozen=True):
    """How patient to be: seconds per request, retries after the first try, backoff factor."""

    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    page_size: int = PAGE_SIZE


def challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="x",service="y"`` -> ("bearer", {"realm": "x", "service": "y"})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        key.lower(): (
            quoted.replace('\\"', '"')
            if quoted is not None and value == ""
            else value or quoted or ""
        )
        for key, quoted, value in _CHALLENGE.findall(rest)
    }
    return scheme.lower(), params


class RegistryClient:
    """Lists tags; one instance per run (its session keeps connections and tokens)."""

    def __init__(
        self, credentials_for: Callable[[str], Credentials], settings: Settings | None = None
    ) -> None:
        self.settings = settings or Settings()
        self._credentials_for = credentials_for
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        retry = Retry(
            total=self.settings.retries,
            connect=self.settings.retries,
            read=self.settings.retries,
            status=self.settings.retries,
            backoff_factor=self.settings.backoff,
            status_forcelist=_RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        # (registry, repository) -> the Authorization header that answered its challenge
        self._answers: dict[tuple[str, str], dict[str, str]] = {}
        self._credentials: dict[str, Credentials] = {}

    def close(self) -> None:
        self._session.close()

    def tags(self, image: ImageName) -> list[str]:
        """Every tag of ``image``, in the registry's order; raises RegistryError."""
        tags: list[str] = []
        for page in self._pages(image):
            tags.extend(page)
        return tags

    def _pages(self, image: ImageName) -> Iterator[list[str]]:
        url: str | None = (
            f"{image.base_url}/v2/{image.repository}/tags/list?n={self.settings.page_size}"
        )
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= MAX_PAGES:
                raise RegistryError(
                    f"{image}: the registry's tag pages do not end (page "
                    f"{len(seen) + 1} links back to {url}) — report this to "
                    "the registry's operator"
                )
            seen.add(url)
            response = self._get(image, url)
            yield _page(image, response)
            link = response.links.get("next", {}).get("url")
            following = urljoin(response.url or url, link) if link else None
            if following is not None and urlsplit(following).netloc != urlsplit(url).netloc:
                raise RegistryError(
                    f"{image}: the registry's next tags page is on another "
                    f"host ({urlsplit(following).netloc}); flux-semver sends "
                    "credentials to the registry only — report this to the "
                    "registry's operator"
                )
            url = following

    def _get(self, image: ImageName, url: str) -> requests.Response:
        credentials = self._credentials.get(image.registry)
        if credentials is None:  # found once per registry (a credential helper is a process)
            credentials = self._credentials[image.registry] = self._credentials_for(image.registry)
        key = (image.registry, image.repository)
        if credentials.token is not None:
            headers = {"Authorization": f"Bearer {credentials.token}"}
        else:
            headers = self._answers.get(key, {})
        response = self._send(image, url, headers)
        if response.status_code == 401 and credentials.token is None:
            # The first request, or a token that expired between pages: answer the challenge.
            self._answers[key] = headers = self._answer(image, response, credentials)
            response = self._send(image, url, headers)
        _raise_for(image, response, credentials)
        return response

    def chart_versions(self, url: str, chart: str) -> list[str]:
        """The versions of ``chart`` in the Helm chart index at ``url`` (``/index.yaml``), in
        the index's order (newest first, as Helm writes it); raises RegistryError."""
        index = url.rstrip("/") + "/index.yaml"
        host = urlsplit(index).netloc
        credentials = self._credentials.get(host)
        if credentials is None:
            credentials = self._credentials[host] = self._credentials_for(host)
        # Anonymous first, as for a registry: credentials go only to a host that asks for them.
        response = self._send(index, index, {})
        if response.status_code == 401 and not credentials.anonymous:
            auth = None
            if credentials.username is not None:
                auth = (credentials.username, credentials.password or "")
            headers = {"Authorization": f"Bearer {credentials.token}"} if credentials.token else {}
            response = self._send(index, index, headers, auth)
        if response.status_code in (401, 403):
            raise RegistryAuthError(
                f"{index}: the chart repository refused the request ({response.status_code}) — "
                "set FLUX_SEMVER_REGISTRY_USERNAME and FLUX_SEMVER_REGISTRY_PASSWORD"
                if credentials.anonymous
                else f"{index}: the chart repository refused the "
                f"credentials from {credentials.source} ({response.status_code})"
            )
        if response.status_code == 404:
            raise RegistryError(
                f"{index}: no chart index there (404) — check the HelmRepository's spec.url"
            )
        if response.status_code != 200:
            raise RegistryError(
                f"{index}: the chart repository answered "
                f"{response.status_code} after retrying — try again later"
            )
        return _chart_entries(index, response.content, chart)

    def _answer(
        self, image: ImageName, response: requests.Response, credentials: Credentials
    ) -> dict[str, str]:
        """The Authorization header that answers a 401's challenge."""
        scheme, params = challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic":
            if credentials.username is None:
                raise RegistryAuthError(_needs_credentials(image))
            pair = f"{credentials.username}:{credentials.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        if scheme != "bearer" or not params.get("realm"):
            raise RegistryError(
                f"{image}: the registry answered 401 without a challenge "
                "flux-semver understands — check the registry's address"
            )
        return {"Authorization": f"Bearer {self._token(image, params, credentials)}"}

    def _token(self, image: ImageName, params: dict[str, str], credentials: Credentials) -> str:
        query = {
            "service": params.get("service", ""),
            "scope": params.get("scope") or f"repository:{image.repository}:pull",
        }
        auth = None
        if credentials.username is not None:
            auth = (credentials.username, credentials.password or "")
        realm = params["realm"]
        try:
            answer = self._session.get(
                realm, params=query, auth=auth, timeout=self.settings.timeout
            )
        except requests.RequestException as exc:
            raise RegistryError(
                f"{image}: cannot reach the registry's token service {realm} "
                f"({_reason(exc)}) — check the network"
            ) from None
        if answer.status_code in (401, 403):
            raise RegistryAuthError(_refused(image, answer.status_code, credentials))
        if answer.status_code != 200:
            raise RegistryError(
                f"{image}: the token service {realm} answered "
                f"{answer.status_code} — try again later"
            )
        try:
            data = answer.json()
            token = data.get("token") or data.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise RegistryError(
                f"{image}: the token service {realm} answered without a token "
                "— check the registry's address"
            )
        return token

    def _send(
        self,
        image: ImageName | str,
        url: str,
        headers: dict[str, str],
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        """GET ``url``; ``image`` names what is read in messages (an image, an index URL)."""
        host = (
            f"the registry {image.registry}"
            if isinstance(image, ImageName)
            else f"the chart repository {urlsplit(url).netloc}"
        )
        try:
            return self._session.get(
                url, headers=headers, timeout=self.settings.timeout, allow_redirects=True, auth=auth
            )
        except requests.RequestException as exc:
            tries = self.settings.retries + 1
            cause = _cause(exc)
            timed_out = isinstance(cause, _TIMEOUTS) and not isinstance(cause, NewConnectionError)
            if isinstance(exc, requests.Timeout) or timed_out:
                raise RegistryError(
                    f"{image}: {host} did not answer within "
                    f"{self.settings.timeout:g} s ({tries} tries) — try again, or raise "
                    "FLUX_SEMVER_REGISTRY_TIMEOUT"
                ) from None
            if isinstance(exc, requests.exceptions.RetryError):
                raise RegistryError(
                    f"{image}: {host} kept failing "
                    f"({_reason(cause)}) after {tries} tries — try again "
                    "later"
                ) from None
            raise RegistryError(
                f"{image}: cannot reach {host} ({_reason(cause)}) after "
                f"{tries} tries — check the image name and that the registry is up"
            ) from None


def _cause(exc: BaseException) -> BaseException:
    """The innermost reason of a requests error (urllib3 wraps it in MaxRetryError)."""
    seen = exc
    for _ in range(5):
        inner = getattr(seen, "reason", None)
        if inner is None and seen.args and isinstance(seen.args[0], BaseException):
            inner = seen.args[0]
        if not isinstance(inner, BaseException):
            break
        seen = inner
    return seen


def _chart_entries(index: str, content: bytes, chart: str) -> list[str]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data: Any = yaml.load(content, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise RegistryError(
            f"{index}{line}: the chart index is not valid YAML — check the "
            "HelmRepository's spec.url"
        ) from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise RegistryError(
            f"{index}: not a Helm chart index (no 'entries') — check the HelmRepository's spec.url"
        )
    versions = entries.get(chart)
    if not isinstance(versions, list):
        raise RegistryError(
            f"{index}: the index has no chart {chart!r} — check the chart name (spec.chart)"
        )
    return [
        str(entry["version"])
        for entry in versions
        if isinstance(entry, dict) and entry.get("version") is not None
    ]


def _reason(exc: BaseException) -> str:
    """A short reason: 'Connection refused', 'Name or service not known'."""
    text = str(exc)
    if "] " in text:
        text = text.rsplit("] ", 1)[-1]
    elif ": " in text:
        text = text.rsplit(": ", 1)[-1]
    return text.strip("()'\" ")[:120] or type(exc).__name__


def _needs_credentials(image: ImageName) -> str:
    return (
        f"{image}: the registry needs credentials (401) — set "
        "FLUX_SEMVER_REGISTRY_USERNAME and FLUX_SEMVER_REGISTRY_PASSWORD, or docker login "
        f"{image.registry}"
    )


def _refused(image: ImageName, status: int, credentials: Credentials) -> str:
    if credentials.anonymous:
        return _needs_credentials(image).replace("(401)", f"({status})")
    return (
        f"{image}: the registry refused the credentials from {credentials.source} "
        f"({status}) — check them, and that they may pull {image.repository}"
    )


def _errors(response: requests.Response) -> str:
    """The codes of a distribution error body: 'NAME_UNKNOWN', or ''."""
    try:
        body = response.json()
        codes = [str(e.get("code")) for e in body.get("errors", []) if isinstance(e, dict)]
    except (ValueError, AttributeError, TypeError):
        return ""
    return ", ".join(c for c in codes if c and c != "None")


def _raise_for(image: ImageName, response: requests.Response, credentials: Credentials) -> None:
    status = response.status_code
    if status == 200:
        return
    codes = _errors(response)
    detail = f"{status} {codes}".strip()
    if status in (401, 403):
        raise RegistryAuthError(_refused(image, status, credentials))
    if status == 404:
        raise RegistryError(
            f"{image}: the registry has no such image ({detail}) — check "
            "the image name (ImageRepository spec.image)"
        )
    if status == 429 or status >= 500:
        raise RegistryError(
            f"{image}: the registry {image.registry} answered {detail} "
            "after retrying — try again later"
        )
    raise RegistryError(
        f"{image}: the registry {image.registry} answered {detail} to the "
        "tags list — check the image name"
    )


def _page(image: ImageName, response: requests.Response) -> list[str]:
    """The tags of one page; anything but ``{"tags": [strings]}`` is one clear error."""
    try:
        data: Any = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        data = None
        shown = response.content[:60].decode("utf-8", "replace")
        raise RegistryError(
            f"{image}: the registry's tags page is not JSON (starts "
            f"{shown!r}) — check that {image.registry} is a container "
            "registry"
        ) from None
    if not isinstance(data, dict) or "tags" not in data:
        raise RegistryError(
            f"{image}: the registry's tags page has no 'tags' list — check "
            f"that {image.registry} is a container registry"
        )
    tags = data["tags"]
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise RegistryError(
            f"{image}: the registry's tags page holds something other than "
            "a list of tag strings — report this to the registry's operator"
        )
    return tags
