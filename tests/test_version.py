"""Version parsing and ordering against the Masterminds and fluxcd/pkg tables."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from flux_semver import InvalidVersion, Version
from flux_semver.errors import FluxSemverError
from tests.support.vectors import flux, masterminds, params


@pytest.mark.parametrize("row", params(masterminds("version_parse"), "input"))
def test_lenient_parse_matches_masterminds_new_version(row: dict[str, Any]) -> None:
    text = row["input"]
    if row["valid"]:
        v = Version.parse(text)
        assert str(v) == row["normalized"]
        assert v.prerelease == row.get("prerelease", "")
        assert v.metadata == row.get("metadata", "")
        assert v.original == text
    else:
        with pytest.raises(InvalidVersion) as info:
            Version.parse(text)
        assert info.value.reason == row["error"]


@pytest.mark.parametrize("row", params(masterminds("version_parse"), "input"))
def test_strict_parse_matches_strict_new_version(row: dict[str, Any]) -> None:
    if row["strict_valid"]:
        assert str(Version.parse_strict(row["input"])) == row["normalized"]
    else:
        with pytest.raises(InvalidVersion):
            Version.parse_strict(row["input"])


@pytest.mark.parametrize("row", params(masterminds("version_parse"), "input"))
def test_tag_parse_matches_flux_parse_version(row: dict[str, Any]) -> None:
    if row["flux_valid"]:
        assert str(Version.parse_tag(row["input"])) == row["normalized"]
    else:
        with pytest.raises(InvalidVersion):
            Version.parse_tag(row["input"])


@pytest.mark.parametrize("row", params(flux("parse_version"), "input"))
def test_tag_parse_matches_fluxcd_pkg_table(row: dict[str, Any]) -> None:
    if row["valid"]:
        assert Version.parse_tag(row["input"]).original == row["input"]
    else:
        with pytest.raises(InvalidVersion):
            Version.parse_tag(row["input"])


@pytest.mark.parametrize("row", params(masterminds("validate_prerelease"), "prerelease"))
def test_prerelease_identifiers_are_validated(row: dict[str, Any]) -> None:
    text = f"1.0.0-{row['prerelease']}"
    if row["error_sentinel"] == "nil":
        assert Version.parse(text).prerelease == row["prerelease"]
    else:
        with pytest.raises(InvalidVersion):
            Version.parse(text)


@pytest.mark.parametrize("row", params(masterminds("validate_metadata"), "metadata"))
def test_metadata_identifiers_are_validated(row: dict[str, Any]) -> None:
    text = f"1.0.0+{row['metadata']}"
    if row["error_sentinel"] == "nil":
        assert Version.parse(text).metadata == row["metadata"]
    else:
        with pytest.raises(InvalidVersion):
            Version.parse(text)


_OPS = {
    "Compare": lambda a, b: (a > b) - (a < b),
    "LessThan": lambda a, b: a < b,
    "LessThanEqual": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEqual": lambda a, b: a >= b,
    "Equal": lambda a, b: a == b,
}


@pytest.mark.parametrize("row", params(masterminds("compare"), "v1", "op", "v2"))
def test_ordering_matches_masterminds_compare(row: dict[str, Any]) -> None:
    a, b = Version.parse(row["v1"]), Version.parse(row["v2"])
    assert _OPS[row["op"]](a, b) == row["expected"]
    if row["op"] == "Compare":
        assert a.compare(b) == row["expected"]


def test_metadata_is_ignored_by_equality_and_hash() -> None:
    a, b = Version.parse("1.2.3+build.1"), Version.parse("1.2.3+build.2")
    assert a == b
    assert len({a, b}) == 1
    assert str(a) != str(b)


def test_sorting_puts_prereleases_below_their_release() -> None:
    texts = [
        "1.0.0",
        "1.0.0-rc.1",
        "1.0.0-beta.11",
        "1.0.0-beta.2",
        "1.0.0-beta",
        "1.0.0-alpha.1",
        "1.0.0-alpha",
        "1.0.0-alpha.beta",
        "0.9.9",
    ]
    ordered = [str(v) for v in sorted(Version.parse(t) for t in texts)]
    assert ordered == [
        "0.9.9",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ]


def test_numbers_beyond_64_bits_are_rejected_like_go_parse_uint() -> None:
    assert Version.parse("18446744073709551615.0.0").major == 2**64 - 1
    with pytest.raises(InvalidVersion) as info:
        Version.parse("18446744073709551616.0.0")
    assert "value out of range" in info.value.reason


def test_huge_numeric_prerelease_identifiers_compare_as_text() -> None:
    # strconv.ParseUint fails on them, so Masterminds compares them as words (above numbers)
    huge = Version.parse("1.0.0-18446744073709551616")
    assert huge > Version.parse("1.0.0-99")
    assert huge < Version.parse("1.0.0-a")


def test_trailing_newline_is_not_a_version() -> None:
    # Go's "$" only matches at the very end, unlike Python's
    with pytest.raises(InvalidVersion):
        Version.parse("1.2.3\n")


def test_uppercase_v_prefix_is_rejected() -> None:
    with pytest.raises(InvalidVersion):
        Version.parse("V1.2.3")


def test_release_drops_prerelease_and_metadata() -> None:
    v = Version.parse("v1.2.3-rc.1+sha.5")
    assert v.is_prerelease
    assert str(v.release()) == "1.2.3"
    assert not v.release().is_prerelease
    assert v.original == "v1.2.3-rc.1+sha.5"


def test_version_is_immutable_and_picklable() -> None:
    v = Version.parse("v1.2.3-rc.1")
    with pytest.raises(AttributeError):
        v.major = 2
    again = pickle.loads(pickle.dumps(v))  # noqa: S301 - our own data
    assert again == v
    assert again.original == "v1.2.3-rc.1"


def test_error_is_an_input_error_that_says_what_to_write() -> None:
    with pytest.raises(FluxSemverError) as info:
        Version.parse("latest")
    assert "'latest'" in str(info.value)
    assert "1.2.3" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_tag_rule_explains_the_two_dots() -> None:
    with pytest.raises(InvalidVersion) as info:
        Version.parse_tag("v1.2")
    assert "two dots" in str(info.value)


def test_long_numbers_are_out_of_range_or_too_long_not_a_crash() -> None:
    with pytest.raises(InvalidVersion) as info:
        Version.parse("1" * 250)
    assert "value out of range" in info.value.reason
    with pytest.raises(InvalidVersion) as info:
        Version.parse("1" * 10_000)
    assert info.value.reason == "version string is too long (max 256 bytes)"
    # leading zeros do not count against the 64 bits
    assert Version.parse("0" * 30 + "1.2.3").triple == (1, 2, 3)
    # a long numeric prerelease identifier compares as text, like any that overflows
    assert Version.parse("1.0.0-" + "9" * 250) > Version.parse("1.0.0-5")


# -- Masterminds v3.5.0 (Flux 2.9): a version is at most 256 bytes -------------------------


@pytest.mark.parametrize("parse", [Version.parse, Version.parse_strict, Version.parse_tag])
def test_a_version_of_256_bytes_is_read_and_257_is_too_long(parse: Any) -> None:
    at_limit = "1.2.3-" + "a" * 250
    assert len(at_limit.encode()) == 256
    assert parse(at_limit).prerelease == "a" * 250
    with pytest.raises(InvalidVersion) as info:
        parse(at_limit + "a")
    assert info.value.reason == "version string is too long (max 256 bytes)"
    assert "256 bytes" in str(info.value)
    assert len(str(info.value)) < 250  # the text is clipped on the one error line


def test_the_length_is_counted_in_bytes_and_checked_first() -> None:
    # 132 characters, 257 bytes: Masterminds says "too long", not "invalid semantic version"
    text = "1.2.3-" + "é" * 125 + "a"
    assert len(text) == 132 and len(text.encode()) == 257
    with pytest.raises(InvalidVersion) as info:
        Version.parse(text)
    assert info.value.reason == "version string is too long (max 256 bytes)"
    shorter = "1.2.3-" + "é" * 125  # 256 bytes: the grammar speaks
    with pytest.raises(InvalidVersion) as info:
        Version.parse(shorter)
    assert info.value.reason == "invalid semantic version"


# -- the constructor: text is parsed, numbers are checked --------------------------------


def test_the_constructor_parses_text_as_parse_does() -> None:
    assert str(Version("1.2.3")) == "1.2.3"
    assert Version("v1.02") == Version.parse("v1.02") == Version(1, 2, 0)
    assert Version("1.2.3-rc.1+b").prerelease == "rc.1"
    assert repr(Version("v1.2.3")) == "Version('v1.2.3')"
    with pytest.raises(InvalidVersion):
        Version("foo")
    with pytest.raises(TypeError):
        Version("1.2.3", 4)


@pytest.mark.parametrize(
    "args",
    [
        (1.5,),
        (True,),
        (None,),
        (1, "2"),
        (1, 2, 3.0),
        (1, 2, 3, 4),
        (1, 2, 3, "", b"m"),
        (1, 2, 3, "", "", 7),
    ],
)
def test_the_constructor_refuses_wrong_types(args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        Version(*args)


@pytest.mark.parametrize(
    "args",
    [
        (-1,),
        (1, -2),
        (1, 2, 3, "01"),
        (1, 2, 3, "a..b"),
        (1, 2, 3, "", "m+n"),
        (1, 2, 3, "", "", "1.2.4"),
    ],
)
def test_the_constructor_refuses_values_no_version_has(args: tuple[Any, ...]) -> None:
    with pytest.raises(InvalidVersion):
        Version(*args)


def test_the_constructor_builds_from_valid_parts() -> None:
    v = Version(1, 3, 0, "rc.1", "build.7")
    assert str(v) == "1.3.0-rc.1+build.7"
    assert Version(1, 2, 3, original="v1.2.3").original == "v1.2.3"
    again = pickle.loads(pickle.dumps(Version.parse("v1.02.3-rc.1+m")))  # noqa: S301 - ours
    assert again.original == "v1.02.3-rc.1+m"
