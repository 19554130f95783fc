"""The public API (README: Range semantics), as a user imports it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import flux_semver


def test_the_documented_names_import_from_the_package() -> None:
    from flux_semver import InvalidRange, InvalidVersion, Range, Version, latest_tag

    assert Range("1.2.x").admits(Version.parse("v1.2.7"))
    assert latest_tag("1.2.x", ["1.2.3", "v1.2.10", "1.3.0"]) == "v1.2.10"
    with pytest.raises(InvalidRange):
        Range(">= bar")
    with pytest.raises(InvalidVersion):
        Version.parse("not-a-version")
    assert sorted(flux_semver.__all__) == [
        "InvalidRange",
        "InvalidVersion",
        "Range",
        "Version",
        "latest_tag",
    ]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Constraint'"):
        flux_semver.Constraint  # noqa: B018


def test_importing_the_package_alone_does_not_load_the_range_engine() -> None:
    # hooks and --help start faster when the engine is loaded only on use
    code = "import sys, flux_semver; print('flux_semver.semver.ranges' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
