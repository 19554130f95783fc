"""An image name read as image-reflector-controller reads ``ImageRepository.spec.image``.

Flux parses the name with go-containerregistry: the first path component is the registry
when it holds a ``.`` or a ``:`` or is ``localhost``, otherwise the image lives on Docker Hub
(``index.docker.io``), where a one-component name gets ``library/``. A scheme
(``https://``), a tag (``:1.2.3``) or a digest is an error there, and so it is here.
Plain HTTP is used for ``spec.insecure`` and for loopback hosts, as go-containerregistry does.
"""

from __future__ import annotations

import ipaddress
import re

import msgspec

from flux_semver.registry import RegistryError

DOCKER_HUB = "index.docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
# One path component of a repository name (the distribution reference grammar).
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]+)?")


class ImageName(msgspec.Struct, frozen=True):
    """``registry/repository``, with the implied parts made explicit."""

    registry: str
    repository: str
    insecure: bool = False

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def base_url(self) -> str:
        """Where the registry's API lives: ``https://host`` (``http`` when insecure/loopback)."""
        scheme = "http" if self.insecure or _loopback(self.registry) else "https"
        return f"{scheme}://{self.registry}"


def _loopback(registry: str) -> bool:
    host = registry.rsplit(":", 1)[0] if not registry.endswith("]") else registry
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse(text: str, *, insecure: bool = False) -> ImageName:  # noqa: C901
    """The image name ``text`` (``ghcr.io/org/app``, ``nginx``); raises RegistryError."""
    value = text.strip()
    if not value:
        raise RegistryError(
            "the image name is empty — write it as registry/repository, e.g. ghcr.io/org/app"
        )
    if "://" in value:
        scheme = value.split("://", 1)[0]
        raise RegistryError(
            f"image {value!r} should not include a URL scheme — remove '{scheme}://'"
        )
    if "@" in value:
        raise RegistryError(
            f"image {value!r} should not include a digest — remove '@{value.split('@', 1)[1]}'"
        )
    first, _, rest = value.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
        if not _HOST.fullmatch(registry):
            raise RegistryError(f"image {value!r}: {registry!r} is not a registry host name")
    else:
        registry, path = DOCKER_HUB, value
    if registry in _HUB_ALIASES:
        registry = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        raise RegistryError(
            f"image {value!r} should not include a tag — remove "
            f"':{last.split(':', 1)[1]}' (Flux lists the tags itself)"
        )
    for component in path.split("/"):
        if not _COMPONENT.fullmatch(component):
            raise RegistryError(
                f"image {value!r}: {component!r} is not a valid repository name component "
                "(lower-case letters, digits and single . _ - separators)"
            )
    return ImageName(registry, path, insecure)
