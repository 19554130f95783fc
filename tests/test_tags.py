"""Tag selection against image-reflector-controller's policy and filter tables."""

from __future__ import annotations

from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flux_semver import InvalidRange, latest_tag
from flux_semver.errors import FluxSemverError
from flux_semver.semver.tags import InvalidPattern, TagFilter
from tests.support.vectors import flux, params


@pytest.mark.parametrize("row", params(flux("cases"), "label", "range"))
def test_latest_tag_matches_semver_policy(row: dict[str, Any]) -> None:
    if row["range"] == "*-*":  # the controller stalls with InvalidPolicy; we raise
        with pytest.raises(InvalidRange):
            latest_tag(row["range"], row["tags"])
    elif row["error"]:  # the controller reports "no tag"; we return None
        assert latest_tag(row["range"], row["tags"]) is None
    else:
        assert latest_tag(row["range"], row["tags"]) == row["expected"]


SEMVER_FILTER_ROWS = [r for r in flux("filter_cases") if r["policy"] == "semver"]


@pytest.mark.parametrize("row", params(SEMVER_FILTER_ROWS, "label", "pattern"))
def test_latest_tag_with_filter_tags(row: dict[str, Any]) -> None:
    if row["error"]:
        with pytest.raises(InvalidPattern) as info:
            latest_tag(row["range"], row["tags"], row["pattern"], row["extract"])
        assert "invalid regular expression pattern" in str(info.value)
        assert isinstance(info.value, FluxSemverError)
    else:
        got = latest_tag(row["range"], row["tags"], row["pattern"], row["extract"])
        assert got == row["expected"]


@pytest.mark.parametrize("row", params(flux("filter_only_cases"), "label"))
def test_regex_filter_items(row: dict[str, Any]) -> None:
    kept = TagFilter(row["pattern"], row["extract"]).apply(row["tags"])
    assert sorted(kept) == row["expected_items"]
    for key, original in kept.items():
        assert original in row["tags"]
        assert key == original or row["extract"]


def test_equal_versions_first_in_descending_string_order_wins() -> None:
    (row,) = flux("sort_cases")
    # descending string order puts "v1.2.4" before "1.2.4"; the first of equals is kept
    assert latest_tag(row["constraint"], row["tags"]) == "v1.2.4"
    assert latest_tag("1.2.x", ["1.2.4", "v1.2.4"]) == "v1.2.4"
    assert latest_tag("1.2.x", ["v1.2.4", "1.2.4"]) == "v1.2.4"
    assert latest_tag("1.2.x", ["1.2.4+b", "1.2.4+a"]) == "1.2.4+b"


def test_tags_need_two_dots() -> None:
    assert latest_tag("*", ["1", "v2", "1.5", "0.1.0"]) == "0.1.0"
    assert latest_tag("*", ["1", "v2", "1.5"]) is None


def test_prereleases_only_with_opt_in() -> None:
    tags = ["1.2.0", "1.3.0-rc.1"]
    assert latest_tag(">=1.0.0", tags) == "1.2.0"
    assert latest_tag(">=1.0.0-0", tags) == "1.3.0-rc.1"


def test_extract_reports_the_original_tag() -> None:
    tags = ["main-1.2.0-abc", "main-1.3.0-def", "dev-9.0.0-xyz"]
    got = latest_tag("1.x", tags, r"^main-(?P<v>\d+\.\d+\.\d+)-", "$v")
    assert got == "main-1.3.0-def"


def test_of_tags_extracting_alike_the_smallest_string_is_kept() -> None:
    # The controller stores tags sorted descending by bytes and its filter keeps the last tag
    # per extracted text: "1.0.0-a" over "1.0.0-b", in either order given.
    for tags in (["1.0.0-a", "1.0.0-b"], ["1.0.0-b", "1.0.0-a"]):
        assert TagFilter(r"^(\d+\.\d+\.\d+)-", "$1").apply(tags) == {"1.0.0": "1.0.0-a"}


@pytest.mark.parametrize("tags", [["1.2.4", "v1.2.4"], ["v1.2.4", "1.2.4"]])
def test_filter_tags_tie_picks_what_flux_picks(tags: list[str]) -> None:
    # Without filterTags the first of equal versions in descending order wins (v1.2.4); with an
    # extract both tags become "1.2.4" and the filter keeps the smaller original, 1.2.4.
    assert latest_tag("*", tags, pattern="^v?(.*)$", extract="$1") == "1.2.4"
    assert latest_tag("*", tags) == "v1.2.4"


@pytest.mark.parametrize("tags", [["1.2.3", "1.2.3+b1"], ["1.2.3+b1", "1.2.3"]])
def test_filter_tags_tie_on_build_metadata(tags: list[str]) -> None:
    assert latest_tag("*", tags, pattern=r"^(.*?)(\+.*)?$", extract="$1") == "1.2.3"


def test_pattern_matches_anywhere_in_the_tag() -> None:
    assert latest_tag("*", ["x-1.0.0", "2.0.0"], r"1\.0") is None  # x-1.0.0 is no version
    assert latest_tag("*", ["x-1.0.0", "2.0.0"], r"(\d+\.\d+\.\d+)", "$1") == "2.0.0"
    assert latest_tag("<2", ["x-1.0.0", "2.0.0"], r"(\d+\.\d+\.\d+)", "$1") == "x-1.0.0"
    assert TagFilter("0\\.1").apply(["v0.1.2", "1.2.0"]) == {"v0.1.2": "v0.1.2"}


@pytest.mark.parametrize(
    ("template", "expanded"),
    [
        ("$1", "1.2"),
        ("${1}", "1.2"),
        ("${1}x", "1.2x"),
        ("$1x", ""),  # a group named "1x", which does not exist
        ("$major.$minor", "1.2"),
        ("${major}-${minor}", "1-2"),
        ("$$1", "$1"),
        ("v$", "v$"),
        ("$-", "$-"),
        ("${1", "${1"),
        ("$0", "app-1.2"),
        ("$01", ""),  # leading zeros make it a name, not a number
        ("$9", ""),
        ("$nope", ""),
    ],
)
def test_extract_expands_like_go(template: str, expanded: str) -> None:
    flt = TagFilter(r"app-(?P<full>(?P<major>\d+)\.(?P<minor>\d+))", template)
    kept = flt.apply(["app-1.2"])
    assert list(kept) == [expanded]


def test_re2_syntax_is_what_flux_accepts() -> None:
    # lookarounds and backreferences are not RE2: Flux rejects them, so do we
    for pattern in ("(?=1)", r"(a)\1"):
        with pytest.raises(InvalidPattern):
            TagFilter(pattern)
    assert TagFilter(r"^\d+\.\d+\.\d+$").apply(["1.2.3", "1.2"]) == {"1.2.3": "1.2.3"}


_TAG = st.builds(
    lambda prefix, v, nums, pre, meta: f"{prefix}{v}{nums}{pre}{meta}",
    st.sampled_from(["", "", "main-", "dev-"]),
    st.sampled_from(["", "v"]),
    st.sampled_from(["1.2.3", "1.2.4", "1.02.4", "2.0.0", "1.2", "10.0.0"]),
    st.sampled_from(["", "", "-rc.1", "-rc.2", "-0"]),
    st.sampled_from(["", "", "+b1", "+b2"]),
)
_FILTERS = [
    (None, None),
    ("^v?(.*)$", "$1"),
    (r"^(?:main-|dev-)?v?(?P<ver>[0-9.]+(?:-[a-z0-9.]+)?)", "$ver"),
    (r"^(.*?)(\+.*)?$", "$1"),
    (r"^main-", None),
]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_TAG, min_size=1, max_size=8),
    st.sampled_from(["*", ">=1.0.0-0", "1.2.x", "<2.0.0", "~1.2.3"]),
    st.sampled_from(_FILTERS),
    st.randoms(use_true_random=False),
)
def test_latest_tag_does_not_depend_on_the_order_of_the_tags(
    tags: list[str], range_text: str, flt: tuple[str | None, str | None], rnd: Random
) -> None:
    pattern, extract = flt
    shuffled = list(tags)
    rnd.shuffle(shuffled)
    first = latest_tag(range_text, tags, pattern, extract)
    assert latest_tag(range_text, shuffled, pattern, extract) == first
    assert latest_tag(range_text, list(reversed(tags)), pattern, extract) == first
    assert first is None or first in tags
