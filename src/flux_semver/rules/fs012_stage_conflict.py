"""A policy whose stage sources disagree.

**Why.** A policy's stage comes from its label, the config's `paths`, then its directories
(nearest first), its file name and its name, and the first source that names a stage wins.
When a later source names another stage (`clusters/production/dev-portal.yaml`: the
directory says prod, the name says dev), the policy may be treated as a stage you did not
mean, with that stage's rules and gate.

Fails:

```yaml
# clusters/production/dev-portal.yaml
metadata:
  name: dev-portal
```

Passes (the label confirms the stage):

```yaml
# clusters/production/dev-portal.yaml
metadata:
  name: dev-portal
  labels:
    flux-semver/stage: prod
```

**Fix.** Confirm the stage with the `flux-semver/stage` label, move the file to the directory of
the stage it belongs to, or give the stage `paths` in `.flux-semver.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity

from .base import Scanned, finding

CODE = "FS012"
NAME = "stage-conflict"
SEVERITY: Severity = "warning"
SUMMARY = "a policy's stage sources disagree (directory says prod, name says dev)"


def check(repo: Scanned) -> Iterator[Finding]:
    for policy in repo.policies:
        if policy.stage is None or policy.stage_conflict is None or policy.patch:
            continue
        yield finding(
            CODE,
            NAME,
            SEVERITY,
            policy,
            f"stage {policy.stage} from {policy.stage_source}, but {policy.stage_conflict}; "
            f"the first source wins: add the label flux-semver/stage: {policy.stage} to "
            "confirm it, or move the file to the directory of its stage",
            at_range=False,
        )
