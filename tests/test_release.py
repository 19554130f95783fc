"""Release classification against the floors of the app's policies (README: How a release flows)."""

from __future__ import annotations

import pytest

from flux_semver.errors import PlanError
from flux_semver.release.classify import classify
from flux_semver.semver.version import Version


def _v(text: str) -> Version:
    return Version.parse(text)


# The example repository runs dev 1.2.x, pre-prod 1.2.x, prod 1.2.3: floors 1.2.0, 1.2.0, 1.2.3.
EXAMPLE = ["1.2.0", "1.2.0", "1.2.3"]


@pytest.mark.parametrize(
    ("floors", "version", "expected"),
    [
        (EXAMPLE, "1.2.4", "patch"),
        (EXAMPLE, "1.2.3", "patch"),
        (EXAMPLE, "1.3.0", "minor"),
        (EXAMPLE, "v1.3.0", "minor"),
        (EXAMPLE, "2.0.0", "major"),
        (EXAMPLE, "1.2.4-rc.1", "prerelease"),
        # after the minor reached pre-prod: 1.2.x, 1.3.x, 1.2.3
        (["1.2.0", "1.3.0", "1.2.3"], "2.0.0", "major"),
        (["1.2.0", "1.3.0", "1.2.3"], "1.3.1", "patch"),
        # promoting 1.3.0 on to prod keeps the type it was released with
        (["1.2.0", "1.3.0", "1.2.3"], "1.3.0", "minor"),
        # a hotfix on an older line compares with the greatest floor not above it
        (["1.2.0", "1.3.0"], "1.2.9", "patch"),
        (["2.0.0"], "2.0.0", "patch"),
    ],
)
def test_release_type(floors: list[str], version: str, expected: str) -> None:
    assert classify(_v(version), [_v(f) for f in floors], "myapp") == expected


def test_older_than_every_floor_points_to_rollback() -> None:
    with pytest.raises(PlanError) as caught:
        classify(_v("1.1.0"), [_v(f) for f in EXAMPLE], "myapp")
    message = str(caught.value)
    assert "1.1.0" in message
    assert "flux-semver rollback --image myapp" in message


def test_no_floor_asks_for_a_release_type() -> None:
    with pytest.raises(PlanError, match="--release-type"):
        classify(_v("1.0.0"), [], "myapp")
