"""Semver ranges exactly as Flux evaluates them (Masterminds/semver v3 constraints).

Grammar (what ``NewConstraint`` accepts):

* a range is OR groups split on ``||``; a group is comparators split by whitespace or commas;
* a comparator is an operator (``=``, ``!=``, ``>``, ``<``, ``>=``/``=>``, ``<=``/``=<``,
  ``~``/``~>``, ``^`` or none) and a version that may be partial (``1``, ``1.2``) or hold the
  wildcards ``x``, ``X``, ``*``; a ``v`` prefix, a prerelease and build metadata may follow;
* ``A - B`` (spaces around the hyphen) means ``>= A, <= B``;
* whitespace is ASCII only (space, tab, CR, LF, FF);
* since Masterminds v3.5.0 (image-reflector-controller v1.2, Flux 2.9): at most 512 bytes
  (checked before the hyphen rewrite), at most 32 OR groups, and no comparator version over
  256 bytes (``constraint parser error``).

Semantics (what ``Constraints.Check`` answers, with Flux's ``IncludePrerelease=false``):

* a prerelease version is considered only by an OR group in which some comparator names a
  prerelease (``>=1.2.0-0``); every other group skips it;
* ``1.2.x``/``1.2``/``~1.2`` admit 1.2.*, ``1.x``/``1``/``~1``/``^1.2`` admit 1.*, ``^0.2.3``
  admits 0.2.*, ``^0.0.3`` only 0.0.3; ``>1.2`` means ``>=1.3.0``; ``<=1.2`` means ``<1.3.0``;
  ``!=1.x`` excludes every 1.*.

Besides ``admits``, a :class:`Range` knows the set of *release* versions it admits as sorted
disjoint intervals (prereleases are left out of that set: whether one is admitted depends on
the opt-in above, see :meth:`Range.admits`). From them come the floor, the ceiling, whether it
pins one version, its window and comparisons between ranges.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Literal, NamedTuple

import msgspec
import re2

from flux_semver.errors import FluxSemverError
from flux_semver.semver.intervals import ALL, EMPTY, Interval, IntervalSet, Triple, next_patch
from flux_semver.semver.version import (
    MAX_VERSION_BYTES,
    VERSION_TOO_LONG,
    InvalidVersion,
    Version,
    too_long,
)
from flux_semver.shorten import shorten

__all__ = [
    "Ceiling",
    "Comparator",
    "InvalidRange",
    "Range",
    "Window",
    "clip",
    "go_quote",
    "lookalike",
]

Window = Literal["exact", "patch", "minor", "open"]

# -- the grammar, as Masterminds writes it -------------------------------------------------
# Go's \s is ASCII [\t\n\f\r ]; spelled out so Python's Unicode-aware \s cannot widen it.
_WS = r"[\t\n\f\r ]"
# A comparator's version. The "|" inside the classes is a literal, as in upstream: "1|2" is a
# (bad) major that only fails later, with "constraint parser error".
_CV = (
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
# Operators in upstream's alternation order (leftmost-first choice depends on it).
_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"

_ATOM = re.compile(rf"{_WS}*({_OPS}){_WS}*({_CV}){_WS}*", re.ASCII)
_FIND = re.compile(rf"({_OPS}){_WS}*({_CV})", re.ASCII)
# RE2 here too: with backtracking, finding hyphens in a long run of digits is quadratic
# (10,000 characters took seconds).
_HYPHEN = re2.compile(rf"{_WS}*({_CV}){_WS}+-{_WS}+({_CV}){_WS}*")
# Whole-group validation. Compiled with RE2 (linear time: the nested repetitions would make
# a backtracking engine exponential on long runs of blanks), over UTF-8 bytes like Go.
_VALID_GROUP = (
    rf"({_WS}*({_OPS}){_WS}*({_CV}){_WS}*)((?:{_WS}+|,{_WS}*)({_OPS}){_WS}*({_CV}){_WS}*)*"
)


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    return options


_VALID = re2.compile(_VALID_GROUP.encode(), options=_re2_options())

PARSER_ERROR = "constraint parser error"
# Masterminds v3.5.0 MaxConstraintLen / MaxConstraintGroups and their errors.
MAX_RANGE_BYTES = 512
MAX_RANGE_GROUPS = 32
RANGE_TOO_LONG = f"constraint string is too long (max {MAX_RANGE_BYTES} bytes)"
TOO_MANY_GROUPS = f"too many constraint groups (max {MAX_RANGE_GROUPS})"
PRERELEASE_SKIPPED = (
    "{v} is a prerelease version and the constraint is only looking for release versions"
)

# Failure messages, as upstream words them ({v}: the version, {c}: the comparator's version).
_MESSAGES: dict[str, str] = {
    "pre": PRERELEASE_SKIPPED,
    "eq": "{v} is equal to {c}",
    "le": "{v} is less than or equal to {c}",
    "ge": "{v} is greater than or equal to {c}",
    "lt": "{v} is less than {c}",
    "gt": "{v} is greater than {c}",
    "ne": "{v} is not equal to {c}",
    "major": "{v} does not have same major version as {c}",
    "minor": "{v} does not have same major and minor version as {c}",
    "caret0": (
        "{v} does not have same minor version as {c}. Expected minor versions to match when "
        "constraint major version is 0"
    ),
    "caret_minor": "{v} does not have same minor version as {c}",
    "caret_patch": (
        "{v} does not equal {c}. Expect version and constraint to equal when major and minor "
        "versions are 0"
    ),
}

# operator as written -> what it does
_KIND = {
    "": "eq",
    "=": "eq",
    "!=": "ne",
    ">": "gt",
    "<": "lt",
    ">=": "ge",
    "=>": "ge",
    "<=": "le",
    "=<": "le",
    "~": "tilde",
    "~>": "tilde",
    "^": "caret",
}


def go_quote(text: str) -> str:
    """``text`` quoted as Go's ``%q`` quotes it (what upstream error messages show)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif 0xD800 <= code <= 0xDFFF:  # not UTF-8: Go would see (and escape) raw bytes
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


class InvalidRange(FluxSemverError):  # noqa: N818 -- a public name of the API
    """A range Flux would reject. ``str()`` is Masterminds' own error text."""

    def __init__(self, message: str, text: str = "", hint: str = "") -> None:
        self.text = text
        self.hint = (
            hint
            or lookalike(text)
            or (
                "write a Masterminds/semver range such as 1.2.x, ~1.2, ^1.2.0, "
                ">=1.2.0 <1.3.0 or 1.2.3"
            )
        )
        super().__init__(message)


def lookalike(text: str) -> str | None:
    """What to retype when a range holds a character that only looks like ASCII."""
    for column, ch in enumerate(text, 1):
        if ord(ch) < 0x80:
            continue
        name = unicodedata.name(ch, f"U+{ord(ch):04X}")
        plain = unicodedata.normalize("NFKC", ch)
        if ch.isspace():
            fix = "replace it with a plain space"
        elif plain.isascii() and plain.isprintable():
            fix = f"retype it as {plain!r}"
        else:
            fix = "ranges are plain ASCII: remove it"
        return f"column {column} holds U+{ord(ch):04X} {name}, not ASCII — {fix}"
    return None


def clip(text: str, limit: int = 80) -> str:
    """``text`` for an error line: at most ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{shorten(text, limit + 1)} ({len(text):,} characters)"


class Comparator(msgspec.Struct, frozen=True):
    """One comparator of a group, as written.

    ``op`` is the operator as written (``""`` for none, ``"=>"`` stays ``"=>"``); ``version``
    the version text as written (``"1.2.x"``, ``"v1.2"``); ``hyphen`` marks the two halves of
    an ``A - B`` range (``>=A`` and ``<=B``). ``bound`` is the version compared against, with
    wildcards and missing parts read as 0; ``minor_dirty``/``patch_dirty`` say from which part
    on the version was a wildcard or missing.
    """

    op: str
    version: str
    hyphen: bool = False
    # Derived from ``version``: equality and hashing leave them out (see __eq__).
    bound: Version = msgspec.field(default_factory=lambda: Version(0))
    dirty: bool = False
    minor_dirty: bool = False
    patch_dirty: bool = False

    # A Struct compares every field; two comparators are equal as written (op, version,
    # hyphen), whatever was derived from them.
    def __eq__(self, other: object) -> bool:
        if type(other) is not Comparator:
            return NotImplemented
        return (self.op, self.version, self.hyphen) == (other.op, other.version, other.hyphen)

    def __hash__(self) -> int:
        return hash((self.op, self.version, self.hyphen))

    @property
    def kind(self) -> str:
        """What it does: eq, ne, gt, lt, ge, le, tilde or caret."""
        return _KIND[self.op]

    @property
    def names_prerelease(self) -> bool:
        return bool(self.bound.prerelease)

    def __str__(self) -> str:
        return self.op + self.version

    def failure(self, v: Version, include_pre: bool) -> str:
        """ "" when ``v`` satisfies this comparator, else the key of the reason it does not."""
        if v.prerelease and not include_pre:
            return "pre"
        return _FAILURE[_KIND[self.op]](self, v)

    def releases(self) -> IntervalSet:
        """The release versions this comparator admits."""
        return _RELEASES[_KIND[self.op]](self)


# -- checks: one function per operator kind ------------------------------------------------


def _fail_tilde(c: Comparator, v: Version) -> str:
    con = c.bound
    if v < con:
        return "lt"
    if (
        con.major == 0
        and con.minor == 0
        and con.patch == 0
        and not c.minor_dirty
        and not c.patch_dirty
    ):
        return ""  # ~0.0.0 and ~* admit everything
    if v.major != con.major:
        return "major"
    if v.minor != con.minor and not c.minor_dirty:
        return "minor"
    return ""


def _fail_eq(c: Comparator, v: Version) -> str:
    if c.dirty:
        return _fail_tilde(c, v)
    return "" if v == c.bound else "ne"


def _fail_caret(c: Comparator, v: Version) -> str:
    con = c.bound
    if v < con:
        return "lt"
    if con.major > 0 or c.minor_dirty:
        return "" if v.major == con.major else "major"
    if v.major > 0:
        return "major"
    if con.minor > 0 or c.patch_dirty:
        return "" if v.minor == con.minor else "caret0"
    if v.minor > 0:
        return "caret_minor"
    return "" if v.patch == con.patch else "caret_patch"


def _fail_ne(c: Comparator, v: Version) -> str:
    con = c.bound
    if c.dirty:
        if con.major != v.major:
            return ""
        if con.minor != v.minor and not c.minor_dirty:
            return ""
        if c.minor_dirty:
            return "eq"
        if con.patch != v.patch and not c.patch_dirty:
            return ""
        if c.patch_dirty:
            if (v.prerelease or con.prerelease) and v.prerelease != con.prerelease:
                return ""
            return "eq"
    return "eq" if v == con else ""


def _fail_gt(c: Comparator, v: Version) -> str:
    con = c.bound
    if c.dirty:
        if v.major > con.major:
            return ""
        if v.major < con.major or c.minor_dirty:
            return "le"
        if c.patch_dirty:
            return "" if v.minor > con.minor else "le"
    return "" if v > con else "le"


def _fail_lt(c: Comparator, v: Version) -> str:
    return "" if v < c.bound else "ge"


def _fail_ge(c: Comparator, v: Version) -> str:
    return "" if v >= c.bound else "lt"


def _fail_le(c: Comparator, v: Version) -> str:
    con = c.bound
    if not c.dirty:
        return "" if v <= con else "gt"
    if v.major > con.major:
        return "gt"
    if v.major == con.major and v.minor > con.minor and not c.minor_dirty:
        return "gt"
    return ""


_FAILURE: dict[str, Callable[[Comparator, Version], str]] = {
    "eq": _fail_eq,
    "ne": _fail_ne,
    "gt": _fail_gt,
    "lt": _fail_lt,
    "ge": _fail_ge,
    "le": _fail_le,
    "tilde": _fail_tilde,
    "caret": _fail_caret,
}


# -- release sets: the same rules, read as intervals of (major, minor, patch) --------------


def _from(lower: Triple) -> IntervalSet:
    return IntervalSet.of(lower, None)


def _below(upper: Triple) -> IntervalSet:
    return IntervalSet.of((0, 0, 0), upper)


def _rel_tilde(c: Comparator) -> IntervalSet:
    t = c.bound.triple
    if t == (0, 0, 0) and not c.minor_dirty and not c.patch_dirty:
        return ALL
    upper = (t[0] + 1, 0, 0) if c.minor_dirty else (t[0], t[1] + 1, 0)
    return IntervalSet.of(t, upper)


def _rel_eq(c: Comparator) -> IntervalSet:
    if c.dirty:
        return _rel_tilde(c)
    if c.bound.prerelease:
        return EMPTY
    t = c.bound.triple
    return IntervalSet.of(t, next_patch(t))


def _rel_caret(c: Comparator) -> IntervalSet:
    t = c.bound.triple
    if t[0] > 0 or c.minor_dirty:
        upper = (t[0] + 1, 0, 0)
    elif t[1] > 0 or c.patch_dirty:
        upper = (0, t[1] + 1, 0)
    else:
        upper = next_patch(t)
    return IntervalSet.of(t, upper)


def _rel_ne(c: Comparator) -> IntervalSet:
    t = c.bound.triple
    if c.minor_dirty:
        return IntervalSet.of((t[0], 0, 0), (t[0] + 1, 0, 0)).complement()
    if c.bound.prerelease:
        return ALL
    if c.patch_dirty:
        return IntervalSet.of((t[0], t[1], 0), (t[0], t[1] + 1, 0)).complement()
    return IntervalSet.of(t, next_patch(t)).complement()


def _rel_gt(c: Comparator) -> IntervalSet:
    t = c.bound.triple
    if c.minor_dirty:
        return _from((t[0] + 1, 0, 0))
    if c.patch_dirty:
        return _from((t[0], t[1] + 1, 0))
    return _from(t if c.bound.prerelease else next_patch(t))


def _rel_lt(c: Comparator) -> IntervalSet:
    return _below(c.bound.triple)


def _rel_ge(c: Comparator) -> IntervalSet:
    return _from(c.bound.triple)


def _rel_le(c: Comparator) -> IntervalSet:
    t = c.bound.triple
    if c.minor_dirty:
        return _below((t[0] + 1, 0, 0))
    if c.dirty:
        return _below((t[0], t[1] + 1, 0))
    return _below(t if c.bound.prerelease else next_patch(t))


_RELEASES: dict[str, Callable[[Comparator], IntervalSet]] = {
    "eq": _rel_eq,
    "ne": _rel_ne,
    "gt": _rel_gt,
    "lt": _rel_lt,
    "ge": _rel_ge,
    "le": _rel_le,
    "tilde": _rel_tilde,
    "caret": _rel_caret,
}


# -- parsing ---------------------------------------------------------------------------------


def _is_x(part: str) -> bool:
    return part in ("x", "X", "*")


def _rewrite_hyphens(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Rewrite ``A - B`` into ``>= A, <= B `` as upstream does; also say where the rewrites went."""
    matches = [(m.group(0), m.group(1), m.group(11)) for m in _HYPHEN.finditer(text)]
    spans: list[tuple[int, int]] = []
    out = text
    for whole, low, high in matches:
        replacement = f">= {low}, <= {high} "
        at = out.find(whole)
        delta = len(replacement) - len(whole)
        spans = [(s + delta, e + delta) if s >= at + len(whole) else (s, e) for s, e in spans]
        out = out[:at] + replacement + out[at + len(whole) :]
        spans.append((at, at + len(replacement)))
    return out, spans


def _comparator(atom: str, hyphen: bool) -> Comparator:
    m = _ATOM.fullmatch(atom)
    if m is None:  # the group regex already vouched for the atom; kept for exactness
        raise InvalidRange(f"improper constraint: {go_quote(atom)}", atom)
    op, orig, major, minor, patch, pre = m.group(1, 2, 3, 4, 5, 6)
    minor = minor or ""
    patch = patch or ""
    pre = pre or ""
    dirty = minor_dirty = patch_dirty = False
    ver = orig
    if _is_x(major):
        ver, dirty = f"0.0.0{pre}", True
    elif not minor or _is_x(minor[1:]):
        ver, dirty, minor_dirty = f"{major}.0.0{pre}", True, True
    elif not patch or _is_x(patch[1:]):
        ver, dirty, patch_dirty = f"{major}{minor}.0{pre}", True, True
    try:
        bound = Version.parse(ver)
    except InvalidVersion as exc:
        hint = (
            ""
            if exc.reason != VERSION_TOO_LONG
            else (f"Flux 2.9 reads no version over {MAX_VERSION_BYTES} bytes: shorten {clip(orig)}")
        )
        raise InvalidRange(PARSER_ERROR, atom, hint) from None
    return Comparator(op, orig, hyphen, bound, dirty, minor_dirty, patch_dirty)


class _Parsed(msgspec.Struct, frozen=True):
    groups: tuple[tuple[Comparator, ...], ...]
    include_pre: tuple[bool, ...]
    canonical: str
    releases: IntervalSet
    uppers: tuple[Triple | None, ...]
    lowers: tuple[Triple, ...]


@lru_cache(maxsize=4096)
def _parse(text: str) -> _Parsed:
    if too_long(text, MAX_RANGE_BYTES):
        raise InvalidRange(
            RANGE_TOO_LONG,
            text,
            f"Flux 2.9 refuses a range over {MAX_RANGE_BYTES} bytes: shorten it",
        )
    rewritten, spans = _rewrite_hyphens(text)
    if rewritten.count("||") >= MAX_RANGE_GROUPS:
        raise InvalidRange(
            TOO_MANY_GROUPS,
            text,
            f"Flux 2.9 refuses a range of more than {MAX_RANGE_GROUPS} "
            "||-separated groups: merge some",
        )
    spans.sort()
    starts = [s for s, _ in spans]

    def from_hyphen(at: int) -> bool:
        i = bisect_right(starts, at) - 1
        return i >= 0 and at < spans[i][1]

    groups: list[tuple[Comparator, ...]] = []
    offset = 0
    for segment in rewritten.split("||"):
        if _VALID.fullmatch(segment.encode("utf-8", "surrogatepass")) is None:
            raise InvalidRange(f"improper constraint: {go_quote(segment)}", text)
        atoms = [
            _comparator(m.group(0), bool(spans) and from_hyphen(offset + m.start()))
            for m in _FIND.finditer(segment)
        ]
        if not atoms:
            atoms = [_comparator(segment, False)]
        groups.append(tuple(atoms))
        offset += len(segment) + 2
    include_pre = tuple(any(c.names_prerelease for c in g) for g in groups)
    canonical = " || ".join(" ".join(map(str, g)) for g in groups)
    group_sets = []
    for g in groups:
        acc = ALL
        for c in g:
            acc = acc.intersect(c.releases())
        group_sets.append(acc)
    releases = IntervalSet.union_all(group_sets)
    return _Parsed(
        tuple(groups),
        include_pre,
        canonical,
        releases,
        tuple(i.upper for i in releases.intervals),
        tuple(i.lower for i in releases.intervals),
    )


class Ceiling(NamedTuple):
    """The upper end of what a range admits: a version and whether it is admitted itself."""

    version: Version
    inclusive: bool


class Range:
    """A Flux semver range: immutable, hashable, equal when the canonical forms are equal."""

    __slots__ = ("_p", "text")

    text: str
    _p: _Parsed

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise InvalidRange(f"improper constraint: {go_quote(str(text))}", str(text))
        try:
            parsed = _parse(text)
        except InvalidRange:
            raise
        except (ValueError, UnicodeError, RecursionError, OverflowError) as exc:
            # Never anything but InvalidRange, whatever the text.
            raise InvalidRange(f"improper constraint: {go_quote(text)}", text) from exc
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "_p", parsed)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Range is immutable; cannot set {name}")

    def __reduce__(self) -> tuple[type[Range], tuple[str]]:
        return (Range, (self.text,))

    # -- structure -----------------------------------------------------------------------

    @property
    def groups(self) -> tuple[tuple[Comparator, ...], ...]:
        """OR groups of AND-ed comparators, as parsed."""
        return self._p.groups

    @property
    def includes_prereleases(self) -> bool:
        """Whether some OR group names a prerelease (and so considers prereleases)."""
        return any(self._p.include_pre)

    def __str__(self) -> str:
        return self._p.canonical

    def __repr__(self) -> str:
        return f"Range({self.text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return self._p.canonical == other._p.canonical

    def __hash__(self) -> int:
        return hash(self._p.canonical)

    # -- membership ------------------------------------------------------------------------

    def admits(self, version: Version | str) -> bool:
        """Whether Flux's ``Constraints.Check`` admits ``version``.

        A string is parsed leniently (as ``NewVersion``); one that does not parse is not
        admitted.
        """
        if isinstance(version, str):
            try:
                version = Version.parse(version)
            except InvalidVersion:
                return False
        if not version.prerelease:
            i = bisect_right(self._p.lowers, version.triple) - 1
            if i < 0:
                return False
            upper = self._p.uppers[i]
            return upper is None or version.triple < upper
        for include, group in zip(self._p.include_pre, self.groups, strict=True):
            if include and all(not c.failure(version, True) for c in group):
                return True
        return False

    def explain(self, version: Version | str) -> tuple[bool, str]:
        """Whether ``version`` is admitted, and one line that says why."""
        if isinstance(version, str):
            try:
                version = Version.parse(version)
            except InvalidVersion as exc:
                return False, f"{exc.text!r} is not a version Flux can read ({exc.reason})"
        groups = self.groups
        reasons: list[str] = []
        for include, group in zip(self._p.include_pre, groups, strict=True):
            failures = [(c, c.failure(version, include)) for c in group]
            failed = [(c, key) for c, key in failures if key]
            if not failed:
                where = "" if len(groups) == 1 else f" (OR group {' '.join(map(str, group))})"
                opt_in = (
                    "; this range names a prerelease, so Flux considers prereleases"
                    if version.prerelease
                    else ""
                )
                return True, f"{version} is admitted by {self}{where}{opt_in}"
            c, key = failed[0]
            reasons.append(_MESSAGES[key].format(v=version, c=c.version))
        if version.prerelease and not self.includes_prereleases:
            return False, (
                f"{version} is a prerelease; this range names no prerelease, so Flux skips it"
            )
        if len(reasons) == 1:
            return False, f"{version} is not admitted by {self}: {reasons[0]}"
        joined = "; ".join(f"group {n}: {r}" for n, r in enumerate(reasons, 1))
        return False, f"{version} is not admitted by {self}: {joined}"

    def highest(self, versions: Iterable[Version]) -> Version | None:
        """The newest admitted version (the first of equal ones), or None."""
        best: Version | None = None
        for v in versions:
            if (best is None or v > best) and self.admits(v):
                best = v
        return best

    # -- the set of release versions -----------------------------------------------------

    @property
    def release_set(self) -> IntervalSet:
        return self._p.releases

    @property
    def intervals(self) -> tuple[Interval, ...]:
        """Release versions admitted, as sorted disjoint half-open intervals.

        Prereleases are not part of this set: a group that names a prerelease also admits
        the prereleases between its bounds (see :meth:`admits`).
        """
        return self._p.releases.intervals

    @property
    def floor(self) -> Version | None:
        """The lowest admitted release version, or None when none is admitted."""
        low = self._p.releases.lowest
        return None if low is None else Version(*low)

    @property
    def ceiling(self) -> Ceiling | None:
        """The upper end of the admitted releases; None when unbounded (or nothing admitted).

        ``<=1.2.3`` and ``1.2.3`` give ``(1.2.3, inclusive)``; ``<1.3.0``, ``1.2.x`` and
        ``~1.2`` give ``(1.3.0, exclusive)``.
        """
        intervals = self._p.releases.intervals
        if not intervals or intervals[-1].upper is None:
            return None
        upper = intervals[-1].upper
        if upper[2] > 0:
            return Ceiling(Version(upper[0], upper[1], upper[2] - 1), True)
        return Ceiling(Version(*upper), False)

    @property
    def exact(self) -> Version | None:
        """The one release version admitted, when exactly one is."""
        intervals = self._p.releases.intervals
        if len(intervals) == 1 and intervals[0].is_single:
            return Version(*intervals[0].lower)
        return None

    @property
    def window(self) -> Window | None:
        """``exact``, ``patch``, ``minor`` or ``open`` (README: Range semantics); None otherwise.

        One admitted release is ``exact``. Otherwise only a single OR group with one interval
        of releases has a window: ``[X.Y.Z, X.Y+1.0)`` is ``patch``, ``[X.Y.Z, X+1.0.0)`` is
        ``minor``, no upper bound is ``open``.
        """
        intervals = self._p.releases.intervals
        if len(intervals) != 1:
            return None
        only = intervals[0]
        if only.is_single:
            return "exact"
        if len(self.groups) != 1:
            return None
        low, high = only.lower, only.upper
        if high is None:
            return "open"
        if high == (low[0], low[1] + 1, 0):
            return "patch"
        if high == (low[0] + 1, 0, 0):
            return "minor"
        return None

    def admits_outside(self, other: Range) -> bool:
        """Whether this range admits some release version that ``other`` does not."""
        return bool(self._p.releases.minus(other._p.releases))

    def admits_above(self, other: Range) -> bool:
        """Whether this range admits a release version above everything ``other`` admits."""
        mine, theirs = self._p.releases, other._p.releases
        if not mine:
            return False
        if not theirs:
            return True
        if not theirs.bounded:
            return False
        bound = theirs.upper
        assert bound is not None
        return mine.reaches_above(bound)


@functools.lru_cache(maxsize=4096)
def _cached(text: str) -> Range | None:
    try:
        return Range(text)
    except InvalidRange:
        return None


def parse_given(text: str) -> Range:
    """A range a person typed (an argument, an option): the range, or one error line that
    quotes it, carries Masterminds' message and says what to write instead."""
    try:
        return Range(text)
    except InvalidRange as exc:
        raise FluxSemverError(
            f"invalid range {clip(text)!r}: {clip(str(exc))}; {exc.hint}"
        ) from None


def range_or_none(text: str | None) -> Range | None:
    """The range ``text`` means, or None when there is no text or Flux would not parse it
    (FS001 reports that). Parsed once per distinct text."""
    return None if text is None else _cached(text)
