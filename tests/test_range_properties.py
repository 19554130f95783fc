"""Properties of the range engine on generated ranges and versions (hypothesis).

FLUX_SEMVER_FUZZ_EXAMPLES sets how many examples each property tries (default 100, as
Hypothesis's own default: each run draws new ones, so the runs add up).
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from flux_semver import InvalidRange, Range, Version
from tests.support.strategies import range_texts, releases, versions
from tests.support.upstream_check import check

EXAMPLES = int(os.environ.get("FLUX_SEMVER_FUZZ_EXAMPLES", "100"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None)


def _parsed(text: str) -> Range | None:
    try:
        return Range(text)
    except InvalidRange:
        return None


@SETTINGS
@given(range_texts(), releases)
def test_admits_agrees_with_the_interval_form(text: str, version: Version) -> None:
    rng = _parsed(text)
    if rng is None:
        return
    by_comparators = check(rng, version)
    in_intervals = any(version in interval for interval in rng.intervals)
    assert by_comparators == in_intervals
    assert rng.admits(version) == by_comparators


@SETTINGS
@given(range_texts(), versions)
def test_fast_admits_agrees_with_comparator_checks(text: str, version: Version) -> None:
    rng = _parsed(text)
    if rng is None:
        return
    assert rng.admits(version) == check(rng, version)
    assert rng.explain(version)[0] == check(rng, version)


@SETTINGS
@given(range_texts(), versions)
def test_a_prerelease_needs_a_group_that_names_one(text: str, version: Version) -> None:
    rng = _parsed(text)
    if rng is None or not version.is_prerelease:
        return
    if rng.admits(version):
        assert rng.includes_prereleases


@SETTINGS
@given(range_texts(), st.lists(releases, max_size=4))
def test_canonical_text_parses_back_to_an_equal_range(
    text: str,
    probes: list[Version],
) -> None:
    rng = _parsed(text)
    if rng is None:
        return
    again = Range(str(rng))
    assert again == rng
    assert hash(again) == hash(rng)
    assert str(again) == str(rng)
    assert again.intervals == rng.intervals
    for v in probes:
        assert again.admits(v) == rng.admits(v)


@SETTINGS
@given(range_texts(), range_texts())
def test_range_comparisons_follow_the_sets(a_text: str, b_text: str) -> None:
    a, b = _parsed(a_text), _parsed(b_text)
    if a is None or b is None:
        return
    assert not a.admits_outside(a)
    assert not a.admits_above(a)
    if a.admits_above(b):
        assert a.admits_outside(b)
    if a.exact is not None:
        assert a.floor == a.exact
        assert a.window == "exact"
    if a.floor is not None:
        assert a.admits(a.floor)


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789.xX*vV-+|,<>=!~^ \t\n\u00a0abc", max_size=40),
    )
)
def test_range_raises_only_invalid_range(text: str) -> None:
    try:
        rng = Range(text)
    except InvalidRange as exc:
        assert str(exc)
        return
    assert Range(str(rng)) == rng


@SETTINGS
@given(versions, versions, versions)
def test_ordering_is_a_total_order(a: Version, b: Version, c: Version) -> None:
    assert [a < b, a == b, a > b].count(True) == 1
    assert (a <= b) == (a < b or a == b)
    assert a.compare(b) == -b.compare(a)
    if a <= b and b <= c:
        assert a <= c
    if a == b:
        assert hash(a) == hash(b)


@SETTINGS
@given(versions)
def test_prereleases_sort_below_their_release_and_above_the_previous(v: Version) -> None:
    if v.is_prerelease:
        assert v < v.release()
        assert Version(v.major, v.minor, v.patch, "0") <= v
        below = Version(v.major, v.minor, v.patch - 1) if v.patch else None
        if below is not None:
            assert below < v
    assert Version.parse(str(v)) == v
    assert str(Version.parse(str(v))) == str(v)
