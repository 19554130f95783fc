"""Hypothesis strategies for versions and Flux ranges, shared by the property and fuzz tests."""

from __future__ import annotations

from hypothesis import strategies as st

from flux_semver import Version

_NUMBER = st.integers(min_value=0, max_value=4)
_IDENTIFIER = st.sampled_from(["0", "1", "2", "10", "alpha", "beta", "rc", "x-1", "-2"])
_PRERELEASE = st.lists(_IDENTIFIER, min_size=1, max_size=3).map(".".join)

versions = st.builds(
    Version,
    _NUMBER,
    _NUMBER,
    _NUMBER,
    st.one_of(st.just(""), _PRERELEASE),
    st.sampled_from(["", "build.1"]),
)
releases = st.builds(Version, _NUMBER, _NUMBER, _NUMBER)

_PART = st.sampled_from(["0", "1", "2", "3", "x", "X", "*"])
_OP = st.sampled_from(["", "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^"])


@st.composite
def partial_versions(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_PART, min_size=1, max_size=3))
    text = draw(st.sampled_from(["", "v"])) + ".".join(parts)
    text += draw(st.sampled_from(["", "", "", "-0", "-alpha", "-rc.1", "-1"]))
    text += draw(st.sampled_from(["", "", "", "+meta"]))
    return text


@st.composite
def comparators(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return f"{draw(partial_versions())} - {draw(partial_versions())}"
    return draw(_OP) + draw(st.sampled_from(["", "", " "])) + draw(partial_versions())


@st.composite
def range_texts(draw: st.DrawFn) -> str:
    groups = []
    for _ in range(draw(st.integers(1, 3))):
        atoms = draw(st.lists(comparators(), min_size=1, max_size=3))
        sep = draw(st.sampled_from([" ", ", ", ",", "  "]))
        groups.append(sep.join(atoms))
    return " || ".join(groups)
