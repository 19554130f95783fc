"""Ranges against the Masterminds and image-reflector-controller tables; interval forms."""

from __future__ import annotations

from typing import Any

import pytest

from flux_semver import InvalidRange, Range, Version
from flux_semver.errors import FluxSemverError
from flux_semver.semver.ranges import Ceiling, Comparator, go_quote
from tests.support.upstream_check import check
from tests.support.vectors import flux, masterminds, params, rows

# Rows from TestConstraintCheck with api "parseConstraint" test upstream's unexported single-atom
# parser on the empty string, which NewConstraint (and so Flux) rejects; parse_errors covers that.
CHECK_ROWS = [r for r in masterminds("check") if r["api"] == "NewConstraint"]


@pytest.mark.parametrize("row", params(CHECK_ROWS, "constraint", "version"))
def test_admits_matches_masterminds_check(row: dict[str, Any]) -> None:
    rng = Range(row["constraint"])
    version = Version.parse(row["version"])
    assert rng.admits(version) is row["expected"]
    assert rng.admits(row["version"]) is row["expected"]
    # the comparator-by-comparator path gives the same answer as the interval fast path
    assert check(rng, version) is row["expected"]
    assert rng.explain(version)[0] is row["expected"]


def test_empty_range_is_rejected_by_new_constraint() -> None:
    with pytest.raises(InvalidRange) as info:
        Range("")
    assert str(info.value) == 'improper constraint: ""'


@pytest.mark.parametrize("row", params(masterminds("parse_errors"), "constraint"))
def test_rejected_ranges_give_masterminds_error_text(row: dict[str, Any]) -> None:
    with pytest.raises(InvalidRange) as info:
        Range(row["constraint"])
    assert str(info.value) == row["error"]


@pytest.mark.parametrize("row", params(masterminds("parse_ok"), "constraint"))
def test_accepted_ranges_parse_into_groups(row: dict[str, Any]) -> None:
    rng = Range(row["constraint"])
    assert len(rng.groups) == row["or_groups"]
    assert len(rng.groups[0]) == row["first_group_size"]
    assert str(rng) == row["string"]


@pytest.mark.parametrize("row", params(masterminds("parse_single_atom"), "input"))
def test_single_comparator_operator_and_bound(row: dict[str, Any]) -> None:
    (group,) = Range(row["input"]).groups
    (comparator,) = group
    assert comparator.op == row["operator"]
    assert str(comparator.bound) == row["version"]


@pytest.mark.parametrize("row", params(masterminds("constraint_string"), "constraint"))
def test_canonical_string_matches_masterminds_string(row: dict[str, Any]) -> None:
    assert str(Range(row["constraint"])) == row["string"]


@pytest.mark.parametrize("row", params(masterminds("rewrite_range"), "input"))
def test_hyphen_ranges_become_inclusive_bounds(row: dict[str, Any]) -> None:
    rng = Range(row["input"])
    assert rng == Range(row["rewritten"])
    hyphen = [c for g in rng.groups for c in g if c.hyphen]
    assert [c.op for c in hyphen] == [">=", "<="] * (len(hyphen) // 2)
    assert len(hyphen) == 2 * row["input"].count(" - ")


@pytest.mark.parametrize("row", params(flux("range_validity"), "range"))
def test_range_validity_matches_image_reflector_controller(row: dict[str, Any]) -> None:
    if row["valid"]:
        Range(row["range"])
    else:
        with pytest.raises(InvalidRange):
            Range(row["range"])


def test_prerelease_opt_in_is_per_or_group() -> None:
    rng = Range(">=1.0.0-0 <1.1.0 || >=2.0.0")
    assert rng.admits("1.0.5-rc.1")
    assert not rng.admits("2.0.1-rc.1")
    assert rng.admits("2.0.1")
    assert rng.includes_prereleases


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("a", '"a"'),
        ('a"b', '"a\\"b"'),
        ("\t\n", '"\\t\\n"'),
        ("\x01", '"\\x01"'),
        ("\u00a0", '"\\u00a0"'),
        ("é", '"é"'),
        ("\U0001f600", '"\U0001f600"'),
        ("\U000e0001", '"\\U000e0001"'),
    ],
)
def test_error_text_quotes_like_go(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_unicode_whitespace_is_not_a_separator() -> None:
    # Go's \s is ASCII only: a no-break space between comparators is an error
    with pytest.raises(InvalidRange) as info:
        Range(">=1.0.0\u00a0<2.0.0")
    assert str(info.value) == 'improper constraint: ">=1.0.0\\u00a0<2.0.0"'
    assert Range(">=1.0.0\t<2.0.0").admits("1.5.0")


def test_trailing_newline_is_allowed_as_whitespace() -> None:
    assert Range("1.2.x\n").admits("1.2.9")


def test_long_runs_of_blanks_are_rejected_quickly() -> None:
    # the group regex would be exponential in a backtracking engine
    text = "1 " + "     1" * 80 + " !"  # 485 bytes: under the 512-byte limit, so parsed
    with pytest.raises(InvalidRange):
        Range(text)


@pytest.mark.parametrize("value", [None, 12, b"1.2.3"])
def test_non_text_is_an_invalid_range(value: object) -> None:
    with pytest.raises(InvalidRange):
        Range(value)  # type: ignore[arg-type]


def test_invalid_range_is_an_input_error_with_a_hint() -> None:
    with pytest.raises(FluxSemverError) as info:
        Range("1.2.3.4")
    assert isinstance(info.value, ValueError)
    assert "1.2.x" in info.value.hint  # type: ignore[attr-defined]


# -- equality, hashing -------------------------------------------------------------------------


def test_equal_when_canonical_forms_are_equal() -> None:
    assert Range(">= 1.2.3, < 2.0") == Range(">=1.2.3 <2.0")
    assert len({Range(">= 1.2.3, < 2.0"), Range(">=1.2.3   <2.0")}) == 1
    assert Range("1.2.x") != Range("~1.2")  # same versions, different notation
    assert Range("1.2.x").text == "1.2.x"


def test_range_is_immutable() -> None:
    rng = Range("1.2.x")
    with pytest.raises(AttributeError):
        rng.text = "2.x"


def test_a_comparator_is_equal_and_hashed_as_written_not_by_what_is_derived() -> None:
    [[parsed]] = Range("^1.2").groups
    bare = Comparator("^", "1.2")  # bound, dirty, minor_dirty, patch_dirty left at defaults
    assert parsed.bound == Version(1, 2, 0)
    assert parsed.patch_dirty
    assert parsed == bare
    assert not parsed != bare  # noqa: SIM202 - the != operator itself
    assert len({parsed, bare}) == 1
    assert parsed != Comparator("^", "1.2", hyphen=True)
    assert parsed != Comparator("~", "1.2")
    with pytest.raises(AttributeError):
        parsed.version = "2.0"  # type: ignore[misc]


# -- intervals and what the rest of the product asks -------------------------------------------


@pytest.mark.parametrize(
    ("text", "floor", "ceiling", "exact", "window"),
    [
        ("1.2.3", "1.2.3", ("1.2.3", True), "1.2.3", "exact"),
        ("=1.2.3", "1.2.3", ("1.2.3", True), "1.2.3", "exact"),
        ("v1.2.3", "1.2.3", ("1.2.3", True), "1.2.3", "exact"),
        (">=1.2.3 <=1.2.3", "1.2.3", ("1.2.3", True), "1.2.3", "exact"),
        ("1.2.x", "1.2.0", ("1.3.0", False), None, "patch"),
        ("~1.2", "1.2.0", ("1.3.0", False), None, "patch"),
        ("~1.2.3", "1.2.3", ("1.3.0", False), None, "patch"),
        (">=2.0.0 <2.1.0", "2.0.0", ("2.1.0", False), None, "patch"),
        ("^0.2.3", "0.2.3", ("0.3.0", False), None, "patch"),
        ("2.x", "2.0.0", ("3.0.0", False), None, "minor"),
        ("^2.0.0", "2.0.0", ("3.0.0", False), None, "minor"),
        ("^1.2.3", "1.2.3", ("2.0.0", False), None, "minor"),
        (">=2.0.0 <3.0.0", "2.0.0", ("3.0.0", False), None, "minor"),
        ("~1", "1.0.0", ("2.0.0", False), None, "minor"),
        (">=2.0.0", "2.0.0", None, None, "open"),
        ("*", "0.0.0", None, None, "open"),
        (">1.2", "1.3.0", None, None, "open"),
        ("^0.0.3", "0.0.3", ("0.0.3", True), "0.0.3", "exact"),
        (">=1.2.0 <1.2.5", "1.2.0", ("1.2.4", True), None, None),
        ("<=1.2", "0.0.0", ("1.3.0", False), None, None),
        ("1.2.x || 1.3.x", "1.2.0", ("1.4.0", False), None, None),
        ("=1.2.3-rc.1", None, None, None, None),
        (">2.0.0 <2.0.1", None, None, None, None),
    ],
)
def test_floor_ceiling_exact_window(
    text: str,
    floor: str | None,
    ceiling: tuple[str, bool] | None,
    exact: str | None,
    window: str | None,
) -> None:
    rng = Range(text)
    assert (None if rng.floor is None else str(rng.floor)) == floor
    expected_ceiling = None if ceiling is None else Ceiling(Version.parse(ceiling[0]), ceiling[1])
    assert rng.ceiling == expected_ceiling
    assert (None if rng.exact is None else str(rng.exact)) == exact
    assert rng.window == window


def test_not_equal_wildcard_splits_the_releases() -> None:
    rng = Range("!=1.x")
    assert [str(i) for i in rng.intervals] == [">=0.0.0 <1.0.0", ">=2.0.0"]
    assert not rng.admits("1.9.9")
    assert rng.admits("0.9.9")


def test_intervals_leave_prereleases_out_of_the_set() -> None:
    rng = Range(">=1.2.0-0 <1.3.0")
    assert [str(i) for i in rng.intervals] == [">=1.2.0 <1.3.0"]
    assert rng.admits("1.2.5-rc.1")


@pytest.mark.parametrize(
    ("mine", "theirs", "outside", "above"),
    [
        ("1.2.3", "1.2.x", False, False),
        ("1.3.0", "1.2.x", True, True),
        ("1.1.9", "1.2.x", True, False),
        ("1.x", "1.2.x", True, True),
        (">=1.0.0", "*", False, False),
        ("*", ">=1.0.0", True, False),
        ("1.2.x", "=1.2.3-rc.1", True, True),
        ("=1.2.3-rc.1", "1.2.x", False, False),
        ("1.2.x || 2.0.0", "1.x", True, True),
        (">=1.2.0 <1.2.5", "1.2.x", False, False),
    ],
)
def test_comparing_ranges(mine: str, theirs: str, outside: bool, above: bool) -> None:
    a, b = Range(mine), Range(theirs)
    assert a.admits_outside(b) is outside
    assert a.admits_above(b) is above


def test_highest_picks_the_newest_admitted() -> None:
    versions = [Version.parse(t) for t in ("1.2.0", "1.2.9", "1.3.0", "1.2.10-rc.1")]
    assert str(Range("1.2.x").highest(versions)) == "1.2.9"
    assert Range("3.x").highest(versions) is None


# -- explanations --------------------------------------------------------------------------------


def test_explain_a_skipped_prerelease() -> None:
    admitted, reason = Range("1.3.x").explain("1.3.0-rc.1")
    assert not admitted
    assert reason == "1.3.0-rc.1 is a prerelease; this range names no prerelease, so Flux skips it"


def test_explain_names_the_failing_comparator() -> None:
    admitted, reason = Range(">=1.2.0 <1.3.0").explain("1.3.0")
    assert not admitted
    assert "1.3.0 is greater than or equal to 1.3.0" in reason


def test_explain_an_admitted_prerelease_mentions_the_opt_in() -> None:
    admitted, reason = Range(">=1.3.0-0").explain("1.3.0-rc.1")
    assert admitted
    assert "names a prerelease" in reason


def test_explain_each_group_of_a_union() -> None:
    admitted, reason = Range("1.2.x || 2.x").explain("3.0.0")
    assert not admitted
    assert "group 1:" in reason and "group 2:" in reason


def test_explain_an_unreadable_version() -> None:
    assert Range("*").explain("latest") == (
        False,
        "'latest' is not a version Flux can read (invalid semantic version)",
    )


def test_a_version_too_long_for_64_bits_is_a_parser_error() -> None:
    with pytest.raises(InvalidRange) as info:
        Range("1" * 30)
    assert str(info.value) == "constraint parser error"
    with pytest.raises(InvalidRange) as info:
        Range("1" * 10_000)
    assert str(info.value) == "constraint string is too long (max 512 bytes)"


DIFFERENTIAL = rows("masterminds_differential.json", "rows")


@pytest.mark.parametrize("row", params(DIFFERENTIAL, "range"))
def test_generated_ranges_match_masterminds_go_code(row: dict[str, Any]) -> None:
    if not row["valid"]:
        with pytest.raises(InvalidRange):
            Range(row["range"])
        return
    rng = Range(row["range"])
    assert str(rng) == row["string"]
    for version, admitted in row["check"].items():
        assert rng.admits(version) is admitted, version


# -- Masterminds v3.5.0 (Flux 2.9) limits ---------------------------------------------------


def test_a_range_of_512_bytes_is_read_and_513_is_too_long() -> None:
    assert Range(">=1.0.0" + " " * 505).floor == Version(1, 0, 0)
    with pytest.raises(InvalidRange) as info:
        Range(">=1.0.0" + " " * 506)
    assert str(info.value) == "constraint string is too long (max 512 bytes)"
    assert "512 bytes" in info.value.hint


def test_the_range_length_is_counted_in_bytes_before_the_hyphen_rewrite() -> None:
    # 2-byte characters: 504 + 2 * 4 = 512 bytes is judged by the grammar, 514 is too long
    with pytest.raises(InvalidRange) as info:
        Range("1.0.0 - 2.0.0" + " " * 491 + "éééé")
    assert str(info.value).startswith("improper constraint")
    with pytest.raises(InvalidRange) as info:
        Range("1.0.0 - 2.0.0" + " " * 491 + "ééééé")
    assert str(info.value) == "constraint string is too long (max 512 bytes)"
    # the rewrite lengthens "1 - 2" into ">= 1, <= 2 ": still judged on the text as written
    spaced = "1.0.0 - 2.0.0" + " " * 499
    assert len(spaced) == 512
    assert Range(spaced).admits("1.5.0")


def test_32_or_groups_are_read_and_33_are_too_many() -> None:
    assert Range("||".join(["1"] * 32)).admits("1.9.0")
    with pytest.raises(InvalidRange) as info:
        Range("||".join(["1"] * 33))
    assert str(info.value) == "too many constraint groups (max 32)"
    with pytest.raises(InvalidRange, match="too many constraint groups"):
        Range("||" * 32)  # empty groups count too


def test_a_comparator_version_over_256_bytes_is_a_parser_error() -> None:
    assert Range("1.2.3-" + "a" * 250).exact is None  # names a prerelease: admits no release
    assert Range("1.2.3-" + "a" * 250).admits("1.2.3-" + "a" * 250)
    with pytest.raises(InvalidRange) as info:
        Range("1.2.3-" + "a" * 251)
    assert str(info.value) == "constraint parser error"
    assert "256 bytes" in info.value.hint
