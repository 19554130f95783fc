"""Release classification: is a new version a patch, a minor, a major or a prerelease?

README: How a release flows. Compare the version with the greatest floor (lowest admitted
version, or the pinned version) among the app's policies that is not above it. A version that is
already some stage's floor (being promoted further, ``promote 1.3.0 --stage prod``) is
compared with the greatest floor below it, so it keeps the type it was released with.
A version older than every floor is not a release but a rollback.
"""

from __future__ import annotations

from collections.abc import Iterable

from flux_semver.errors import PlanError
from flux_semver.model import ReleaseType
from flux_semver.semver.version import Version


def compare(version: Version, base: Version) -> ReleaseType:
    """The release type of ``version`` against ``base`` by the first number that differs."""
    if version.major != base.major:
        return "major"
    if version.minor != base.minor:
        return "minor"
    return "patch"


def classify(version: Version, floors: Iterable[Version], app: str = "the app") -> ReleaseType:
    """The release type of ``version`` given the floors of the app's policies.

    Raises PlanError when the version is older than every floor, or when no policy has a
    floor to compare with.
    """
    if version.is_prerelease:
        return "prerelease"
    known = sorted(set(floors))
    if not known:
        raise PlanError(
            f"no range of {app} has a lowest version to compare {version} with; "
            "pass --release-type patch|minor|major"
        )
    below = [floor for floor in known if floor < version]
    at_or_below = [floor for floor in known if floor <= version]
    if not at_or_below:
        lowest = ", ".join(str(f) for f in known)
        raise PlanError(
            f"{version} is older than every version {app} runs ({lowest}): that is a rollback, "
            f"not a release; use flux-semver rollback --image {app} --stage STAGE"
        )
    base = below[-1] if below else at_or_below[-1]
    return compare(version, base)
