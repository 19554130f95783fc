"""A stage's new range keeps the old range's notation and window (README: How a release flows)."""

from __future__ import annotations

import pytest

from flux_semver.semver.notation import follow
from flux_semver.semver.ranges import Range
from flux_semver.semver.version import Version

# (old range, released version, stage is exact, new range) -- written by hand from the spec.
KEPT = [
    # the forms README: How a release flows names
    ("1.2.x", "1.3.0", False, "1.3.x"),
    ("~1.2", "1.3.0", False, "~1.3"),
    (">=1.2.0 <1.3.0", "1.3.0", False, ">=1.3.0 <1.4.0"),
    ("v1.2.3", "1.3.0", True, "v1.3.0"),
    ("=1.2.3", "1.3.0", True, "=1.3.0"),
    ("1.2.3", "1.2.4", True, "1.2.4"),
    # the major release of the README's story
    ("1.2.x", "2.0.0", False, "2.0.x"),
    ("1.3.x", "2.0.0", False, "2.0.x"),
    ("1.2.3", "2.0.0", True, "2.0.0"),
    # wildcards and short forms keep their spelling
    ("1.2.X", "1.3.0", False, "1.3.X"),
    ("1.2.*", "1.3.0", False, "1.3.*"),
    ("1.2", "1.3.0", False, "1.3"),
    ("v1.2.x", "2.0.0", False, "v2.0.x"),
    ("1.x", "2.0.0", False, "2.x"),
    ("1.x.x", "2.0.0", False, "2.x.x"),
    ("1", "2.0.0", False, "2"),
    # tilde, tilde-arrow and caret
    ("~1.2.0", "1.3.0", False, "~1.3.0"),
    ("~>1.2", "2.0.0", False, "~>2.0"),
    ("~1.2.3", "1.3.4", False, "~1.3.4"),
    ("^1.0.0", "2.0.0", False, "^2.0.0"),
    ("^1", "2.0.0", False, "^2"),
    # comparator pairs: comma, spacing and v prefixes stay
    (">=1.2.0, <1.3.0", "1.3.0", False, ">=1.3.0, <1.4.0"),
    (">= 1.2.0 < 1.3.0", "1.3.0", False, ">= 1.3.0 < 1.4.0"),
    (">=v1.2.0 <v1.3.0", "1.3.0", False, ">=v1.3.0 <v1.4.0"),
    (">=1.0.0 <2.0.0", "2.0.0", False, ">=2.0.0 <3.0.0"),
    (">=1.2 <1.3", "1.3.0", False, ">=1.3 <1.4"),
    # an exact pin in a stage that is not exact stays an exact pin
    ("1.2.3", "1.2.4", False, "1.2.4"),
    ("=v1.2.3", "1.3.0", True, "=v1.3.0"),
    # a patch floor inside the window is followed by the released version
    (">=1.2.3 <1.3.0", "1.3.2", False, ">=1.3.2 <1.4.0"),
]


@pytest.mark.parametrize(("old", "version", "exact", "new"), KEPT)
def test_notation_and_window_are_kept(old: str, version: str, exact: bool, new: str) -> None:
    rewrite = follow(old, Version.parse(version), is_exact=exact)
    assert rewrite.text == new
    assert rewrite.note is None
    rng = Range(rewrite.text)
    assert rng.admits(Version.parse(version))
    assert rng.window == ("exact" if exact else Range(old).window)


# Forms without one window become the stage window in X.Y.x form; the note says so.
FALLBACK = [
    ("1.2.x || 1.3.x", "2.0.0", False, "2.0.x"),
    ("1.2.x || 1.3.x", "2.0.0", True, "2.0.0"),
    ("1.2.0 - 1.2.9", "1.3.0", False, "1.3.x"),
    ("1.2.x, !=1.2.5", "1.3.0", False, "1.3.x"),
    ("not a range", "1.3.0", False, "1.3.x"),
]


@pytest.mark.parametrize(("old", "version", "exact", "new"), FALLBACK)
def test_forms_without_a_window_become_the_stage_window(
    old: str, version: str, exact: bool, new: str
) -> None:
    rewrite = follow(old, Version.parse(version), is_exact=exact)
    assert rewrite.text == new
    if not exact:
        assert rewrite.note is not None
        assert old in rewrite.note
        assert new in rewrite.note


def test_exact_stage_with_a_wide_range_gets_the_version_and_says_why() -> None:
    rewrite = follow("1.2.x", Version.parse("1.2.4"), is_exact=True)
    assert rewrite.text == "1.2.4"
    assert rewrite.note is not None and "exact" in rewrite.note


def test_version_written_with_v_is_pinned_without_it_unless_the_range_had_one() -> None:
    assert follow("1.2.3", Version.parse("v1.3.0"), is_exact=True).text == "1.3.0"
    assert follow("v1.2.3", Version.parse("v1.3.0"), is_exact=True).text == "v1.3.0"


def test_prerelease_gets_a_bound_that_admits_it() -> None:
    version = Version.parse("2.0.0-rc.1")
    rewrite = follow("1.2.x", version, is_exact=False)
    assert Range(rewrite.text).admits(version)
    assert rewrite.note is not None
