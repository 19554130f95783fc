"""A stage that admits a version above everything its gate stage admits.

**Why.** `after: pre-prod` on prod (the default) means nothing reaches prod that pre-prod has not
admitted first: the release process's rule that ranges never skip pre-prod. When prod's range
reaches above every version pre-prod's range admits, the next release can go to prod without
ever running in pre-prod. flux-semver compares the ranges as intervals, per app; prod may lag
behind pre-prod (a release waiting for approval, a hotfix of an older line, a rollback), but
never lead it. This is the one gate `plan`, `promote`, `rollback`, the hooks and the action
apply too (README: The gate).

Fails (pre-prod still on 1.2, prod already on 1.3):

```yaml
# clusters/pre-prod/podinfo.yaml
range: "1.2.x"
# clusters/prod/podinfo.yaml
range: "1.3.0"
```

Passes:

```yaml
# clusters/pre-prod/podinfo.yaml
range: "1.3.x"
# clusters/prod/podinfo.yaml
range: "1.3.0"
```

**Fix.** Promote through the gate first: widen or move the gate stage's range (`flux-semver
promote` does both in order), or pin this stage to a version the gate admits. A release PR for
prod fails this check until the pre-prod PR it depends on has merged.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Policy, Severity
from flux_semver.release import gate as gates
from flux_semver.semver.ranges import Range

from ._support import by_app_and_stage, range_of, semver, stage_of, where
from .base import Scanned, finding

CODE = "FS003"
NAME = "skips-stage"
SEVERITY: Severity = "error"
SUMMARY = "a stage admits a version above everything its gate stage admits"


def check(repo: Scanned) -> Iterator[Finding]:
    config = repo.config
    grouped = by_app_and_stage(semver(repo.policies))
    for policy in semver(repo.policies, patches=True):
        stage = stage_of(config, policy.stage)
        own = range_of(policy)
        if stage is None or stage.after is None or own is None or policy.app is None:
            continue
        gate_policies = [
            (p, r)
            for p in grouped.get(policy.app, {}).get(stage.after, [])
            if (r := range_of(p)) is not None
        ]
        if not gate_policies:
            continue  # no gate policy is FS007; an unparsable one is FS001
        if gates.leads(own, [r for _, r in gate_policies]):
            gate_policy, gate = max(
                gate_policies, key=lambda pair: pair[1].release_set.upper or (0, 0, 0)
            )
            yield finding(
                CODE,
                NAME,
                SEVERITY,
                policy,
                _message(policy, stage.after, stage.exact, gate_policy, gate),
                related=tuple(sorted({p.file for p, _ in gate_policies})),
            )


def _message(policy: Policy, gate_name: str, exact: bool, gate_policy: Policy, gate: Range) -> str:
    head = (
        f'{policy.stage} admits versions above everything {gate_name} admits: "{policy.range_text}"'
        f' here, "{gate_policy.range_text}" in {gate_name} ({where(gate_policy)})'
    )
    if exact:
        # Only a version the gate pins is named: a floor would be a downgrade, and FS002 on the
        # same line may name the version this stage pinned before.
        pin = gate.exact
        if pin is not None and not pin.is_prerelease:
            fix = f'pin "{pin}" (the version {gate_name} pins)'
        else:
            fix = f"pin a version {gate_name} admits (the one it runs)"
    else:
        fix = f'write a range within {gate_name}\'s, such as "{gate_policy.range_text}"'
    return f"{head}; promote {gate_name} first, or {fix}"
