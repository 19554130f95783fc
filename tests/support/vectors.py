"""The upstream test tables in ``tests/data/vectors``, loaded for parametrized tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parent.parent / "data" / "vectors"


def rows(file: str, table: str) -> list[dict[str, Any]]:
    """The rows of ``table`` in the vector file ``file``."""
    found: list[dict[str, Any]] = json.loads((VECTORS / file).read_text(encoding="utf-8"))[table]
    return found


def masterminds(table: str) -> list[dict[str, Any]]:
    """A table of Masterminds/semver's tests (masterminds_constraints.json)."""
    return rows("masterminds_constraints.json", table)


def flux(table: str) -> list[dict[str, Any]]:
    """A table of image-reflector-controller's tests (flux_semver_policy.json)."""
    return rows("flux_semver_policy.json", table)


def params(rows: list[dict[str, Any]], *keys: str) -> list[Any]:
    """One pytest.param per row, named by the row's fields so a failure says which row."""
    return [pytest.param(row, id=" ".join(repr(row.get(k)) for k in keys)) for row in rows]
