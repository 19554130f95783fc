"""Interval arithmetic over release versions."""

from __future__ import annotations

from flux_semver.semver.intervals import ALL, EMPTY, Interval, IntervalSet
from flux_semver.semver.version import Version


def test_of_drops_empty_intervals() -> None:
    assert IntervalSet.of((1, 2, 0), (1, 2, 0)) == EMPTY
    assert IntervalSet.of((1, 3, 0), (1, 2, 0)) == EMPTY
    assert not EMPTY
    assert IntervalSet.of((1, 2, 0), None)


def test_union_merges_overlapping_and_adjacent() -> None:
    a = IntervalSet.of((1, 0, 0), (1, 2, 0))
    b = IntervalSet.of((1, 2, 0), (1, 5, 0))
    c = IntervalSet.of((3, 0, 0), None)
    merged = IntervalSet.union_all([c, b, a])
    assert merged.intervals == (Interval((1, 0, 0), (1, 5, 0)), Interval((3, 0, 0), None))
    assert IntervalSet.union_all([merged, ALL]) == ALL


def test_intersect() -> None:
    a = IntervalSet.of((1, 0, 0), (2, 0, 0))
    b = IntervalSet.union_all(
        [IntervalSet.of((0, 5, 0), (1, 2, 0)), IntervalSet.of((1, 8, 0), None)]
    )
    assert a.intersect(b).intervals == (
        Interval((1, 0, 0), (1, 2, 0)),
        Interval((1, 8, 0), (2, 0, 0)),
    )
    assert a.intersect(EMPTY) == EMPTY
    assert a.intersect(ALL) == a


def test_complement_and_minus() -> None:
    a = IntervalSet.of((1, 0, 0), (2, 0, 0))
    assert a.complement().intervals == (Interval((0, 0, 0), (1, 0, 0)), Interval((2, 0, 0), None))
    assert a.complement().complement() == a
    assert ALL.complement() == EMPTY
    assert EMPTY.complement() == ALL
    assert ALL.minus(a) == a.complement()
    assert a.minus(ALL) == EMPTY


def test_membership_of_versions_and_triples() -> None:
    a = IntervalSet.of((1, 2, 0), (1, 3, 0))
    assert Version.parse("1.2.9") in a
    assert (1, 2, 0) in a
    assert (1, 3, 0) not in a
    assert "1.2.5" not in a


def test_bounds_and_reaching_above() -> None:
    a = IntervalSet.union_all(
        [IntervalSet.of((1, 0, 0), (1, 1, 0)), IntervalSet.of((2, 0, 0), (2, 0, 1))]
    )
    assert a.lowest == (1, 0, 0)
    assert a.upper == (2, 0, 1)
    assert a.bounded
    assert a.reaches_above((2, 0, 0))
    assert not a.reaches_above((2, 0, 1))
    assert not ALL.bounded
    assert ALL.reaches_above((99, 0, 0))


def test_interval_text() -> None:
    assert str(Interval((1, 2, 3), (1, 2, 4))) == "1.2.3"
    assert str(Interval((1, 2, 0), (1, 3, 0))) == ">=1.2.0 <1.3.0"
    assert str(Interval((1, 2, 0), None)) == ">=1.2.0"
    assert Interval((1, 2, 3), (1, 2, 4)).is_single
