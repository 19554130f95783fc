"""A gate stage that admits every future version.

**Why.** A gated stage (prod, `after: pre-prod`) may take only what its gate stage admits.
When the gate's range is open (`>=1.0.0`, `*`, `x`), it admits every version ever released, so
nothing is above it: any version may go straight to prod and the gate protects nothing. Open
ranges also hide what pre-prod really runs.

Fails:

```yaml
# clusters/pre-prod/podinfo.yaml
range: ">=1.0.0"
```

Passes:

```yaml
# clusters/pre-prod/podinfo.yaml
range: "1.3.x"
```

**Fix.** Give the gate stage a range with an upper bound, the line it tests (`1.3.x`, `1.x`);
`flux-semver promote` moves it along for each release.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity
from flux_semver.release import gate

from ._support import range_of, semver
from .base import Scanned, finding

CODE = "FS013"
NAME = "open-gate"
SEVERITY: Severity = "warning"
SUMMARY = "a gate stage admits every future version (`>=1.0.0`): the gate protects nothing"


def check(repo: Scanned) -> Iterator[Finding]:
    gated_by = {s.after: s.name for s in repo.config.stages if s.after is not None}
    for policy in semver(repo.policies, patches=True):
        rng = range_of(policy)
        if policy.stage not in gated_by or rng is None or not gate.is_open(rng):
            continue
        floor = rng.floor
        line = f"{floor.major}.{floor.minor}.x" if floor is not None and floor.major else "1.3.x"
        yield finding(
            CODE,
            NAME,
            SEVERITY,
            policy,
            f'{policy.stage} admits every future version ("{policy.range_text}"), so '
            f"{gated_by[policy.stage]} may take any release that {policy.stage} never ran; "
            f'bound the range to the line {policy.stage} tests, such as "{line}"',
        )
