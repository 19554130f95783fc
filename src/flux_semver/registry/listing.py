"""Tag sources and one listing per source per run.

A :class:`TagSource` says what to list (``key``), where it was asked for (``where``: an
ImageRepository's ``file:line``, or ``--registry``), how (``list_with``) and which of the
listed tags Flux keeps (``kept``). Today there is :class:`OciImage` (an ImageRepository's
image). A HelmRelease/HelmChart's chart index (``index.yaml`` of a HelmRepository: its
``entries[chart][].version``) or an OCIRepository's tags (the same OCI listing, no exclusion
list) are further sources with the same four members; :class:`Listings` caches them alike,
and ``deploys`` chooses among their versions with ``latest_tag`` as it does for images.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

import msgspec

from flux_semver.registry import RegistryAuthError, RegistryError, credentials, exclusion
from flux_semver.registry.client import RegistryClient, Settings
from flux_semver.registry.reference import ImageName, parse
from flux_semver.repo.image_repositories import ImageRepository

TIMEOUT_ENV = "FLUX_SEMVER_REGISTRY_TIMEOUT"
RETRIES_ENV = "FLUX_SEMVER_REGISTRY_RETRIES"


class TagSource(Protocol):
    """Something whose tags (versions) Flux chooses among."""

    @property
    def key(self) -> str: ...

    @property
    def where(self) -> str: ...

    def list_with(self, client: RegistryClient) -> list[str]:
        """Every tag (version) the source holds, as listed."""
        ...

    def kept(self, tags: list[str]) -> list[str]:
        """The listed tags Flux keeps (an ImageRepository's exclusion list, say)."""
        ...


class OciImage(msgspec.Struct, frozen=True):
    """An image repository's tags, minus what its exclusion list drops (Flux's default too)."""

    image: ImageName
    exclusion_list: tuple[str, ...] | None = None
    where: str = "--registry"
    provider: str = "generic"  # spec.provider: aws, azure and gcp log in through the cloud
    # image-reflector-controller's exclusion list; an OCIRepository or an OCI HelmRepository
    # (source-controller) lists every tag.
    excludes: bool = True

    @property
    def key(self) -> str:
        return f"oci://{self.image}"

    def __str__(self) -> str:
        return str(self.image)

    def list_with(self, client: RegistryClient) -> list[str]:
        return client.tags(self.image)

    def kept(self, tags: list[str]) -> list[str]:
        if not self.excludes:
            return tags
        return exclusion.apply(tags, self.exclusion_list, f"{self.where}: spec.exclusionList")


class ChartIndex(msgspec.Struct, frozen=True):
    """A chart's versions in a HelmRepository's ``index.yaml`` (HTTP or HTTPS)."""

    url: str
    chart: str
    where: str

    @property
    def key(self) -> str:
        return f"{self.url}#{self.chart}"

    def __str__(self) -> str:
        return f"{self.url.rstrip('/')}/index.yaml ({self.chart})"

    def list_with(self, client: RegistryClient) -> list[str]:
        return client.chart_versions(self.url, self.chart)

    def kept(self, tags: list[str]) -> list[str]:
        return tags


def from_oci_url(url: str, where: str, insecure: bool = False) -> OciImage:
    """The tags behind ``oci://host/path`` (an OCIRepository, an OCI HelmRepository's chart)."""
    try:
        image = parse(url.removeprefix("oci://"), insecure=insecure)
    except RegistryError as exc:
        raise RegistryError(f"{where}: {url}: {exc}") from None
    return OciImage(image, None, where, excludes=False)


def from_image_repository(repository: ImageRepository) -> OciImage:
    """The tag source an ImageRepository describes; its file:line prefixes a bad image name."""
    try:
        image = parse(repository.image, insecure=repository.insecure)
    except RegistryError as exc:
        raise RegistryError(f"{repository.where}: spec.image: {exc}") from None
    return OciImage(image, repository.exclusion_list, repository.where, repository.provider)


def settings_from(environ: Mapping[str, str]) -> Settings:
    """Timeout and retries from FLUX_SEMVER_REGISTRY_TIMEOUT / _RETRIES (defaults 30 s, 3)."""
    defaults = Settings()
    try:
        timeout = float(environ.get(TIMEOUT_ENV) or defaults.timeout)
        retries = int(environ.get(RETRIES_ENV) or defaults.retries)
    except ValueError:
        raise RegistryError(
            f"{TIMEOUT_ENV} must be seconds (e.g. 30) and {RETRIES_ENV} a whole number (e.g. 3)"
        ) from None
    if timeout <= 0 or retries < 0:
        raise RegistryError(f"{TIMEOUT_ENV} must be above 0 and {RETRIES_ENV} at least 0")
    return Settings(timeout=timeout, retries=retries)


class Listings:
    """Each source listed at most once per run; later asks are answered from memory."""

    def __init__(
        self, client: RegistryClient | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        env = os.environ if environ is None else environ
        self.client = client or RegistryClient(
            lambda host: credentials.find(host, env), settings_from(env)
        )
        self._raw: dict[str, list[str]] = {}

    def tags(self, source: TagSource) -> list[str]:
        """The source's tags as Flux stores them (after the exclusion list)."""
        raw = self._raw.get(source.key)
        if raw is None:
            where = "" if source.where == "--registry" else f"{source.where}: "
            try:
                raw = source.list_with(self.client)
            except RegistryAuthError as exc:
                provider = getattr(source, "provider", "generic")
                hint = (
                    ""
                    if provider == "generic"
                    else (
                        f" (spec.provider: {provider}: flux-semver does not log in to the cloud "
                        "itself; docker login with the cloud's credential helper first)"
                    )
                )
                raise RegistryAuthError(f"{where}{exc}{hint}") from None
            except RegistryError as exc:
                raise RegistryError(f"{where}{exc}") from None
            self._raw[source.key] = raw
        return source.kept(raw)

    @property
    def listed(self) -> int:
        """How many sources were listed (each once)."""
        return len(self._raw)

    def close(self) -> None:
        self.client.close()
