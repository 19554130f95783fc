"""The gate: ``after: pre-prod`` on a stage, defined once (README: The gate).

A gated stage may lag behind its gate stage, never lead it: it admits no release version
above the highest version its gate admits. ``check`` (FS003), ``plan``, ``promote``,
``rollback``, the hooks and the action all ask :func:`leads` and nothing else, so what one of
them allows none of the others refuses.

Within the gate, a version the gate's ranges do not admit (below their floor, or in a gap
between them) reaches the gated stage only as a ``hotfix``: :func:`admitted` tells the two
apart. Pure code over parsed ranges; it reads no file.
"""

from __future__ import annotations

from collections.abc import Sequence

from flux_semver.semver.intervals import IntervalSet
from flux_semver.semver.ranges import Range
from flux_semver.semver.version import Version


def leads(stage: Range, gates: Sequence[Range]) -> bool:
    """Whether ``stage`` admits a release version above the highest version any of
    ``gates`` admits: the one thing a gated stage may never do.

    With no gate range there is nothing to compare with (that is FS007, checked apart):
    False. An open gate (``>=1.0.0``) has no highest version, so nothing leads it.
    """
    if not gates:
        return False
    mine, theirs = stage.release_set, IntervalSet.union_all(g.release_set for g in gates)
    if not mine:
        return False
    if not theirs:
        return True
    bound = theirs.upper
    if bound is None:
        return False
    return mine.reaches_above(bound)


def admitted(version: Version, gates: Sequence[Range]) -> bool:
    """Whether one of the gate's ranges admits ``version`` (else it can only be a hotfix)."""
    return any(g.admits(version) for g in gates)


def is_open(rng: Range) -> bool:
    """Whether ``rng`` admits every future release (``>=1.0.0``, ``*``): a gate that protects
    nothing (FS013)."""
    return bool(rng.release_set) and rng.release_set.upper is None
