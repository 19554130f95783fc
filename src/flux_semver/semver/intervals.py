"""Sets of release versions as unions of half-open intervals.

A release version is its ``(major, minor, patch)`` triple. Because the triples are discrete,
every bound a range can express (``>``, ``>=``, ``<``, ``<=``, wildcards, ``~``, ``^``) is a
half-open interval ``[lower, upper)`` with ``upper`` ``None`` for "no upper bound". An
:class:`IntervalSet` is a sorted tuple of disjoint, non-adjacent intervals; intersection,
union and difference are plain merges.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from flux_semver.semver.version import Version

__all__ = ["ALL", "EMPTY", "Interval", "IntervalSet", "Triple", "next_patch"]

Triple = tuple[int, int, int]
ZERO: Triple = (0, 0, 0)


def next_patch(t: Triple) -> Triple:
    """The least triple above ``t``."""
    return (t[0], t[1], t[2] + 1)


class Interval(msgspec.Struct, frozen=True):
    """Release versions ``lower <= v < upper`` (``upper`` None: no upper bound)."""

    lower: Triple
    upper: Triple | None

    @property
    def is_single(self) -> bool:
        return self.upper == next_patch(self.lower)

    def __contains__(self, item: object) -> bool:
        t = item.triple if isinstance(item, Version) else item
        if not isinstance(t, tuple):
            return False
        return self.lower <= t and (self.upper is None or t < self.upper)

    def __str__(self) -> str:
        low = ".".join(map(str, self.lower))
        if self.upper is None:
            return f">={low}"
        if self.is_single:
            return low
        return f">={low} <{'.'.join(map(str, self.upper))}"


def _sort_key(i: Interval) -> tuple[Triple, bool, Triple]:
    return (i.lower, i.upper is None, i.upper or (0, 0, 0))


class IntervalSet(msgspec.Struct, frozen=True):
    """A union of disjoint, sorted, non-adjacent intervals."""

    intervals: tuple[Interval, ...]

    @staticmethod
    def of(lower: Triple, upper: Triple | None) -> IntervalSet:
        if upper is not None and not lower < upper:
            return EMPTY
        return IntervalSet((Interval(lower, upper),))

    @staticmethod
    def union_all(parts: Iterable[IntervalSet]) -> IntervalSet:
        pieces = sorted((i for p in parts for i in p.intervals), key=_sort_key)
        merged: list[Interval] = []
        for piece in pieces:
            if merged:
                last = merged[-1]
                if last.upper is None or piece.lower <= last.upper:
                    upper = (
                        None
                        if last.upper is None or piece.upper is None
                        else max(last.upper, piece.upper)
                    )
                    merged[-1] = Interval(last.lower, upper)
                    continue
            merged.append(piece)
        return IntervalSet(tuple(merged))

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def __contains__(self, item: object) -> bool:
        return any(item in i for i in self.intervals)

    def intersect(self, other: IntervalSet) -> IntervalSet:
        out: list[Interval] = []
        for a in self.intervals:
            for b in other.intervals:
                lower = max(a.lower, b.lower)
                if a.upper is None:
                    upper = b.upper
                elif b.upper is None:
                    upper = a.upper
                else:
                    upper = min(a.upper, b.upper)
                if upper is None or lower < upper:
                    out.append(Interval(lower, upper))
        return IntervalSet.union_all([IntervalSet(tuple(out))])

    def complement(self) -> IntervalSet:
        out: list[Interval] = []
        cursor: Triple | None = ZERO
        for i in self.intervals:
            if cursor is None:
                break
            if cursor < i.lower:
                out.append(Interval(cursor, i.lower))
            cursor = i.upper
        if cursor is not None:
            out.append(Interval(cursor, None))
        return IntervalSet(tuple(out))

    def minus(self, other: IntervalSet) -> IntervalSet:
        return self.intersect(other.complement())

    @property
    def lowest(self) -> Triple | None:
        return self.intervals[0].lower if self.intervals else None

    @property
    def upper(self) -> Triple | None:
        """Exclusive upper bound of the whole set (None: unbounded or empty)."""
        return self.intervals[-1].upper if self.intervals else None

    @property
    def bounded(self) -> bool:
        return not self.intervals or self.intervals[-1].upper is not None

    def reaches_above(self, bound: Triple) -> bool:
        """Whether the set holds a triple >= ``bound``."""
        return any(i.upper is None or max(i.lower, bound) < i.upper for i in self.intervals)


EMPTY = IntervalSet(())
ALL = IntervalSet((Interval(ZERO, None),))
