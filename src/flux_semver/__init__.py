"""flux-semver: the semantic-versioning release process for Flux CD ImagePolicies.

The public API (DESIGN.md section 2)::

    from flux_semver import Version, Range, InvalidVersion, InvalidRange, latest_tag
"""

from flux_semver.ranges import InvalidRange, Range
from flux_semver.tags import latest_tag
from flux_semver.version import InvalidVersion, Version

__all__ = ["InvalidRange", "InvalidVersion", "Range", "Version", "latest_tag"]
