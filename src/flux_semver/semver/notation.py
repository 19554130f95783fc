"""The new range a stage gets for a release, written the way its old range was written.

As README: How a release flows shows: ``1.2.x``→``1.3.x``, ``~1.2``→``~1.3``, ``>=1.2.0 <1.3.0``→
``>=1.3.0 <1.4.0``, ``v1.2.3``→``v1.3.0``, ``=1.2.3``→``=1.3.0``. The old range's window
(exact, patch, minor, open) is kept; an exact stage always gets the version itself; a form
with no single window (``||`` unions, hyphen ranges, ``!=``) becomes the stage window in
``X.Y.x`` form, and :class:`Rewrite` carries a note saying so.

The rewrite works on the version literals of the old text: lower bounds take the new floor,
upper bounds the new ceiling, each keeping its ``v`` prefix, its number of components and its
wildcards. The result is then parsed back and must admit the version with the same window;
otherwise the plain stage window is used instead.
"""

from __future__ import annotations

import re

import msgspec

from flux_semver.semver.ranges import Range, range_or_none
from flux_semver.semver.version import Version

_LITERAL = re.compile(
    r"""
    (?P<op>[<>=!~^]*)\s*                      # the operator before the literal, if any
    (?P<lit>
      (?P<v>[vV])?
      (?P<nums>\d+(?:\.(?:\d+|[xX*]))*)       # numeric or wildcard components
      (?P<pre>-[0-9A-Za-z.-]+)?               # prerelease
      (?:\+[0-9A-Za-z.-]+)?                   # build metadata
    )
    """,
    re.VERBOSE,
)
_EXACT_FORM = re.compile(r"^(?P<op>=?)\s*(?P<v>[vV]?)\d+\.\d+\.\d+\S*$")
_NO_WINDOW = ("||", " - ", "!=")


class Rewrite(msgspec.Struct, frozen=True):
    """A stage's new range text, and a note when its old notation could not be kept."""

    text: str
    note: str | None = None


def _plain(version: Version) -> str:
    """The version as a range literal: canonical, without a ``v``."""
    text = str(version)
    return text[1:] if text[:1] in "vV" else text


def _numbers(version: Version) -> tuple[int, int, int]:
    return (version.major, version.minor, version.patch)


def exact(old: str, version: Version) -> Rewrite:
    """The version itself, keeping a ``=`` or ``v`` the old exact range was written with."""
    match = _EXACT_FORM.match(old.strip())
    if match is None:
        # keep the `v` its version literals were written with: v1.x.x pins v1.0.1
        literal = _LITERAL.search(old)
        new = f"{literal['v'] if literal and literal['v'] else ''}{_plain(version)}"
        return Rewrite(new, f"{old!r} was not one exact version; an exact stage pins {new}")
    return Rewrite(f"{match['op']}{match['v']}{_plain(version)}")


def stage_window(version: Version, is_exact: bool) -> str:
    """The stage window a form without a window of its own becomes: ``X.Y.x`` or V itself."""
    if is_exact:
        return _plain(version)
    major, minor, _ = _numbers(version)
    return f"{major}.{minor}.x"


def _render(numbers: tuple[int, int, int], literal: re.Match[str]) -> str:
    """``numbers`` written like ``literal``: same ``v``, component count and wildcards."""
    parts = literal["nums"].split(".")
    written = [
        part if part in ("x", "X", "*") else str(numbers[i]) for i, part in enumerate(parts[:3])
    ]
    pre = literal["pre"] if literal["pre"] == "-0" else ""
    return f"{literal['v'] or ''}{'.'.join(written)}{pre}"


def _bounds(
    window: str, floor: Version | None, version: Version
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The new floor and ceiling: the window's start, or the version where the old floor
    did not sit at its window's start (``~1.2.3`` follows as ``~1.3.4``)."""
    major, minor, patch = _numbers(version)
    if window == "patch":
        start, ceiling = (major, minor, 0), (major, minor + 1, 0)
        aligned = floor is None or floor.patch == 0
    elif window == "minor":
        start, ceiling = (major, 0, 0), (major + 1, 0, 0)
        aligned = floor is None or (floor.minor == 0 and floor.patch == 0)
    else:
        start, ceiling = (major, minor, patch), (major, minor, patch)
        aligned = False
    return (start if aligned else (major, minor, patch)), ceiling


def _fallback(old: str, version: Version, is_exact: bool, why: str) -> Rewrite:
    new = stage_window(version, is_exact)
    return Rewrite(new, f"{old!r} {why}; it becomes the stage window {new}")


def follow(old: str, version: Version, *, is_exact: bool = False) -> Rewrite:  # noqa: C901
    """The range a stage following ``version`` gets, in the notation of ``old``."""
    if is_exact:
        return exact(old, version)
    old_range = range_or_none(old)
    if old_range is None:
        return _fallback(old, version, is_exact, "does not parse")
    window = old_range.window
    if window is None or any(token in old for token in _NO_WINDOW):
        return _fallback(old, version, is_exact, "has no single window")
    if version.is_prerelease:  # a prerelease-only pin would admit no release at all
        return _prerelease(version, "patch" if window == "exact" else window)
    if window == "exact":
        return exact(old, version)
    new_floor, ceiling = _bounds(window, old_range.floor, version)

    def replace(match: re.Match[str]) -> str:
        op = match["op"]
        bound = ceiling if op.startswith("<") or op.startswith("=<") else new_floor
        kept = match.group(0)[: match.start("lit") - match.start()]  # operator and spaces
        return kept + _render(bound, match)

    text = _LITERAL.sub(replace, old)
    new_range = range_or_none(text)
    if new_range is None:
        return _fallback(old, version, is_exact, "could not keep its notation")
    if not new_range.admits(version):
        return _fallback(old, version, is_exact, "could not keep its notation")
    if new_range.window != window:
        if not _caret_leaves_zero(old, old_range, version, new_range):
            return _fallback(old, version, is_exact, "could not keep its notation")
        return Rewrite(
            text, f"{text} admits minor releases: a caret below 1.0.0 admitted patches only"
        )
    return Rewrite(text)


def _caret_leaves_zero(old: str, old_range: Range, version: Version, new: Range) -> bool:
    """``^0.1.x`` followed to 1.0.0: the caret is kept (``^1.0.x``), though on 1.x it admits
    minor releases, where on 0.x it admitted patches only."""
    floor = old_range.floor
    return (
        old.lstrip().startswith("^")
        and floor is not None
        and floor.major == 0
        and version.major >= 1
        and new.window == "minor"
    )


def _prerelease(version: Version, window: str) -> Rewrite:
    """A prerelease is admitted only by a bound that carries a prerelease itself."""
    major, minor, _ = _numbers(version)
    ceiling = f"{major}.{minor + 1}.0" if window == "patch" else f"{major + 1}.0.0"
    text = f">={_plain(version)} <{ceiling}"
    if window == "open":
        text = f">={_plain(version)}"
    return Rewrite(text, f"a prerelease needs a prerelease bound, so the range is {text}")
