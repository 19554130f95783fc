"""One app with two semver policies in one stage that have different ranges.

**Why.** A promotion rewrites every policy of the app in a stage, so two prod policies for the
same app (two clusters, two regions) are meant to move together. When their ranges differ, the
stage runs two versions at once and it is unclear which one the next release starts from. It can
be intended for a staged roll-out, hence a warning.

Fails:

```yaml
# clusters/prod-eu/podinfo.yaml
range: "1.3.2"
# clusters/prod-us/podinfo.yaml
range: "1.2.9"
```

Passes: both say `"1.3.2"`.

**Fix.** Make the ranges agree (`flux-semver promote` rewrites both), or, when they really are
different apps, give one the label `flux-semver/app: <name>`.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Policy, Severity

from ._support import by_app_and_stage, range_of, semver, where
from .base import Scanned, finding

CODE = "FS008"
NAME = "conflicting"
SEVERITY: Severity = "warning"
SUMMARY = "one app has two semver policies in one stage with different ranges"


def check(repo: Scanned) -> Iterator[Finding]:
    grouped = by_app_and_stage(p for p in semver(repo.policies) if _textual(p))
    for app, stages in grouped.items():
        for stage_name, policies in stages.items():
            first = policies[0]
            for other in policies[1:]:
                if _same(first, other):
                    continue
                yield finding(
                    CODE,
                    NAME,
                    SEVERITY,
                    other,
                    f'app "{app}" has another {stage_name} policy with a different range: '
                    f'"{other.range_text}" here, "{first.range_text}" in {where(first)} '
                    f"({first.ref}); make them agree, or label one "
                    '"flux-semver/app: <name>" if it is a different app',
                )


def _textual(policy: Policy) -> bool:
    """Whether the range is written as text; a missing range, a number or a mapping is
    FS004's to report, and has no range to compare."""
    value: object = policy.body
    for key in ("spec", "policy", "semver", "range"):
        value = value.get(key) if isinstance(value, dict) else None
    return policy.range_text is not None and isinstance(value, str)


def _same(a: Policy, b: Policy) -> bool:
    if a.range_text == b.range_text:
        return True
    ra, rb = range_of(a), range_of(b)
    if ra is None or rb is None:
        return False
    if ra == rb:
        return True
    # Spelt differently (v1.x.x, 1.x), admitting the same releases and no prereleases.
    neither_pre = not ra.includes_prereleases and not rb.includes_prereleases
    return neither_pre and ra.intervals == rb.intervals
