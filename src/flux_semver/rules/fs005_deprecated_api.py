"""An ImagePolicy on apiVersion `v1beta1` or `v1beta2`.

**Why.** Flux promoted the image automation APIs to `v1` and has since removed `v1beta1` and
`v1beta2` from its CRDs: after a Flux upgrade such documents no longer apply. The fields
flux-semver uses are the same in `v1`, so the migration is one line.

Fails:

```yaml
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
```

Passes:

```yaml
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
```

**Fix.** Change the `apiVersion` to `image.toolkit.fluxcd.io/v1` (see Flux's migration notes for
fields renamed in other image automation kinds).
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity
from flux_semver.repo import crds

from .base import Scanned, finding

CODE = "FS005"
NAME = "deprecated-api"
SEVERITY: Severity = "warning"
SUMMARY = "apiVersion `v1beta1`/`v1beta2` (removed in current Flux; migrate to `v1`)"

_DEPRECATED = frozenset({f"{crds.GROUP}/v1beta1", f"{crds.GROUP}/v1beta2"})


def check(repo: Scanned) -> Iterator[Finding]:
    for policy in repo.policies:
        if policy.api_version in _DEPRECATED:
            yield finding(
                CODE,
                NAME,
                SEVERITY,
                policy,
                f"{policy.api_version} is removed in current Flux: write "
                f'"apiVersion: {crds.CURRENT_API_VERSION}"',
                at_range=False,
                at_api_version=True,
            )
