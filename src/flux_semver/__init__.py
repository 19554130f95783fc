"""flux-semver: the semantic-versioning release process for Flux CD ImagePolicies.

The public API (README: Range semantics)::

    from flux_semver import Version, Range, InvalidVersion, InvalidRange, latest_tag

The names are loaded on first use, so that a command which never touches them (a pre-commit
hook on a repository without ImagePolicies, ``--help``) does not pay for importing them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flux_semver.semver.ranges import InvalidRange, Range
    from flux_semver.semver.tags import latest_tag
    from flux_semver.semver.version import InvalidVersion, Version


__all__ = ["InvalidRange", "InvalidVersion", "Range", "Version", "latest_tag"]

_HOME = {
    "InvalidRange": "flux_semver.semver.ranges",
    "Range": "flux_semver.semver.ranges",
    "latest_tag": "flux_semver.semver.tags",
    "InvalidVersion": "flux_semver.semver.version",
    "Version": "flux_semver.semver.version",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'flux_semver' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
