"""A semver policy that belongs to no stage.

**Why.** flux-semver decides what a release does to a policy by the policy's stage. A policy
whose stage it cannot tell is left out of every plan: a release never reaches it, and the gate
rules cannot protect it. A stage comes from the label `flux-semver/stage`, from the config's
`paths` globs, or from the policy's directories, file name or name matched against each stage's
`aliases`. (A label that names no stage is FS011, an error.)

Fails (`apps/podinfo-policy.yaml`, nothing names a stage):

```yaml
metadata:
  name: podinfo
```

Passes:

```yaml
metadata:
  name: podinfo
  labels:
    flux-semver/stage: prod
```

**Fix.** Add the `flux-semver/stage` label, move or rename the file under a directory named
after the stage (`clusters/production/`), add the name your repository uses to the stage's
`aliases`, or give the stage `paths` in `.flux-semver.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity
from flux_semver.repo.stages import STAGE_LABEL

from ._support import semver
from .base import Scanned, finding

CODE = "FS006"
NAME = "unmapped"
SEVERITY: Severity = "warning"
SUMMARY = "a semver policy belongs to no stage"


def check(repo: Scanned) -> Iterator[Finding]:
    config = repo.config
    stages = ", ".join(config.stage_names)
    for policy in semver(repo.policies):
        if policy.stage is None and STAGE_LABEL not in policy.labels:  # a bad label is FS011
            yield finding(
                CODE,
                NAME,
                SEVERITY,
                policy,
                f"no stage for this policy ({policy.stage_source}): add the label "
                f'"flux-semver/stage" with one of {stages}, name its file or directory after '
                "a stage, or add paths or aliases for it in .flux-semver.yaml",
            )
