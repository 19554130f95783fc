"""A policy in an exact or gated stage that orders tags instead of versions.

**Why.** Prod's promise is "one pinned version, and nothing pre-prod has not run". An
`alphabetical` or `numerical` policy tracks whatever tag sorts last (`main-<sha>-<ts>`,
`latest`): it pins nothing, and no gate can compare it with pre-prod. flux-semver rewrites only
semver policies, so a release would leave such a stage out without a word.

Fails (prod is `exact`):

```yaml
# clusters/prod/podinfo.yaml
policy:
  alphabetical:
    order: asc
```

Passes:

```yaml
# clusters/prod/podinfo.yaml
policy:
  semver:
    range: "1.3.2"
```

**Fix.** Give the policy a semver range (the version the stage runs now), tag releases with
semantic versions, or, if the stage really is not part of the release process, set
`exact: false` and `after: null` for it in `.flux-semver.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity

from ._support import stage_of
from .base import Scanned, finding

CODE = "FS010"
NAME = "not-semver"
SEVERITY: Severity = "error"
SUMMARY = (
    "a policy in an `exact` or gated stage uses `alphabetical`/`numerical` (prod would "
    "track tags, not pinned versions)"
)


def check(repo: Scanned) -> Iterator[Finding]:
    for policy in repo.policies:
        stage = stage_of(repo.config, policy.stage)
        if stage is None or policy.kind not in ("alphabetical", "numerical"):
            continue
        if not (stage.exact or stage.after):
            continue
        why = "pins one version" if stage.exact else f"takes only what {stage.after} has run"
        yield finding(
            CODE,
            NAME,
            SEVERITY,
            policy,
            f"{stage.name} {why}, but this policy uses {policy.kind} ordering: it follows "
            "whichever tag sorts last and no release reaches it; write a semver range "
            'instead (policy: {semver: {range: "1.2.3"}})',
            at_range=False,
        )
