"""A semver range that Flux cannot parse.

**Why.** image-reflector-controller parses `spec.policy.semver.range` with Masterminds/semver.
A range it rejects leaves the policy not ready: no tag is ever selected, so nothing deploys, and
the only sign is a condition on the cluster. flux-semver parses ranges exactly as Flux does and
reports Flux's own error before the change is merged.

Fails:

```yaml
policy:
  semver:
    range: "1.x.y"   # improper constraint
```

Passes:

```yaml
policy:
  semver:
    range: "1.2.x"
```

**Fix.** Write a range Flux accepts: an exact version (`1.2.3`), a wildcard (`1.2.x`), a tilde
or caret range (`~1.2`, `^1.2.0`) or explicit bounds (`>=1.2.0 <1.3.0`).
`flux-semver match RANGE VERSION` shows what a range admits.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity
from flux_semver.semver.ranges import InvalidRange, Range, clip

from ._support import semver
from .base import Scanned, finding

CODE = "FS001"
NAME = "invalid-range"
SEVERITY: Severity = "error"
SUMMARY = "a semver range would not parse in Flux"


def check(repo: Scanned) -> Iterator[Finding]:
    for policy in semver(repo.policies, patches=True):
        if policy.range_text is None:
            continue  # a missing range is a schema problem (FS004)
        try:
            Range(policy.range_text)
        except InvalidRange as exc:
            yield finding(
                CODE,
                NAME,
                SEVERITY,
                policy,
                f'Flux cannot parse the range "{clip(policy.range_text)}" ({clip(str(exc))}): '
                + (
                    exc.hint
                    if exc.hint.startswith("column ")
                    else 'write one it accepts, such as "1.2.x", "~1.2", "^1.2.0" '
                    'or ">=1.2.0 <1.3.0"'
                ),
            )
