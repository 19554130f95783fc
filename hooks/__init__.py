"""pre-commit hooks (README: pre-commit hooks): one thin ``main(argv) -> int`` per hook id.

This folder ships inside the wheel as ``flux_semver.hooks``.
"""

from __future__ import annotations

import importlib
import sys


def _import_msgspec() -> None:
    """Import msgspec, whose Structs are every value class of flux-semver, without
    typing_extensions, before any hook imports the library.

    msgspec imports typing_extensions when it is installed (jsonschema brings it), only for
    the type introspection its encoders and decoders use, and typing_extensions imports
    inspect: together a sixth of a hook's imports. A hook uses Structs alone, so msgspec is
    imported while typing_extensions reads as absent; it falls back to ``typing``. Should a
    msgspec ever need it to import at all, it is imported plainly. Only the hooks' short
    processes do this: the CLI and the action leave msgspec as it is."""
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
