"""flux-semver: the semantic-versioning release process for Flux CD ImagePolicies.

The public API (README: Range semantics)::

    from flux_semver import Version, Range, InvalidVersion, InvalidRange, latest_tag

The names are loaded on first use, so that a command which never touches them (a pre-commit
hook on a repository without ImagePolicies, ``--help``) does not pay for importing them.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flux_semver.semver.ranges import InvalidRange, Range
    from flux_semver.semver.tags import latest_tag
    from flux_semver.semver.version import InvalidVersion, Version


def _import_msgspec() -> None:
    """Import msgspec, whose Structs are every value class here, without typing_extensions.

    msgspec imports typing_extensions when it is installed (jsonschema brings it), only for
    the type introspection its encoders and decoders use, and typing_extensions imports
    inspect: together a sixth of a pre-commit hook's imports. flux-semver uses Structs alone,
    so msgspec is imported while typing_extensions reads as absent; it falls back to
    ``typing``. Should a msgspec ever need it to import at all, it is imported plainly."""
    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return
    sys.modules["typing_extensions"] = None  # type: ignore[assignment]  # "not installed"
    try:
        importlib.import_module("msgspec")
    except ImportError:
        pass
    finally:
        del sys.modules["typing_extensions"]
    importlib.import_module("msgspec")  # done already, unless the above failed


_import_msgspec()

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
