"""Masterminds' ``Constraints.Check`` loop, written out for the tests.

:meth:`flux_semver.Range.admits` answers from intervals; this walks the OR groups comparator by
comparator as upstream does, so the tests can hold the two against each other.
"""

from __future__ import annotations

from flux_semver import Range, Version


def check(rng: Range, version: Version) -> bool:
    """Whether some OR group admits ``version``; a group considers prereleases only when one
    of its comparators names a prerelease (Flux's ``IncludePrerelease`` is false)."""
    for group in rng.groups:
        include = any(c.names_prerelease for c in group)
        if all(not c.failure(version, include) for c in group):
            return True
    return False
