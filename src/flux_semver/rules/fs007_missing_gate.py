"""An app with a policy in a gated stage but none in its gate stage.

**Why.** `after: pre-prod` means prod takes only what pre-prod has admitted. An app that has a
prod policy and no pre-prod policy skips pre-prod entirely: there is nothing to compare prod's
range with, so FS003 cannot hold it back. Usually the pre-prod policy is missing, or it points at
another image repository, or its stage could not be told (see FS006).

Fails (only `clusters/prod/podinfo.yaml` has a policy for `podinfo`):

```yaml
spec:
  imageRepositoryRef: {name: podinfo}
```

Passes: `clusters/pre-prod/podinfo.yaml` also has a policy with
`imageRepositoryRef: {name: podinfo}`.

**Fix.** Add the gate stage's ImagePolicy for the app, or tie the existing one to the app with
the label `flux-semver/app: <app>` when the two policies reference differently named
ImageRepositories.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity

from ._support import by_app_and_stage, stage_of
from .base import Scanned, finding

CODE = "FS007"
NAME = "missing-gate"
SEVERITY: Severity = "error"
SUMMARY = "an app has a policy in a gated stage but none in its gate stage"


def check(repo: Scanned) -> Iterator[Finding]:
    config = repo.config
    grouped = by_app_and_stage(p for p in repo.policies if not p.patch)
    for app, stages in grouped.items():
        for stage_name, policies in stages.items():
            stage = stage_of(config, stage_name)
            if stage is None or stage.after is None or stage.after in stages:
                continue
            for policy in policies:
                yield finding(
                    CODE,
                    NAME,
                    SEVERITY,
                    policy,
                    f'app "{app}" has a {stage_name} policy but no {stage.after} policy, so '
                    f"nothing holds {stage_name} behind {stage.after}: add a {stage.after} "
                    f'ImagePolicy for "{app}", or label the existing one "flux-semver/app: {app}"',
                )
