"""One change that makes a gated stage admit a version its gate did not admit before it.

**Why.** "Nothing reaches prod that pre-prod has not run" is about time, not only ranges: when
one commit or pull request moves pre-prod *and* prod to 2.0.0, both ranges agree afterwards
(FS003 is silent), yet prod took 2.0.0 before pre-prod ever ran it. A gated stage must take a
version in a change after the one in which its gate took it. This rule needs the state before
the change: `flux-semver check --base REV` (a branch, tag or commit), and the pre-commit hooks
compare with `HEAD` (the staged change) or pre-commit's `--from-ref`. A hotfix below the gate's
floor is no such case; a policy that is new in the change is not judged.

Fails (one commit, pre-prod `1.3.x` → `2.0.x` and prod `1.3.2` → `2.0.0`):

```yaml
# clusters/pre-prod/podinfo.yaml
range: "2.0.x"
# clusters/prod/podinfo.yaml
range: "2.0.0"
```

Passes: the same, with prod's line changed in a later commit than pre-prod's.

**Fix.** Split the change: merge the gate stage's change first, then pin the gated stage in a
later one. `flux-semver promote` does this for you: its plan shows the gated stage as `waits`
with the command to run once the gate's change is in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flux_semver.model import Finding, Severity
from flux_semver.semver.intervals import IntervalSet
from flux_semver.semver.ranges import range_or_none
from flux_semver.semver.version import Version

from ._support import by_app_and_stage, range_of, semver, stage_of, where
from .base import Scanned, finding

if TYPE_CHECKING:
    from flux_semver.repo.baseline import Baseline

CODE = "FS015"
NAME = "same-change"
SEVERITY: Severity = "error"
SUMMARY = (
    "one change (commit range or PR) makes a gated stage admit V that its gate did not "
    "admit before that change"
)


def _union(texts: list[str | None]) -> IntervalSet:
    sets = [r.release_set for t in texts if (r := range_or_none(t)) is not None]
    return IntervalSet.union_all(sets)


def check(repo: Scanned) -> Iterator[Finding]:
    base: Baseline | None = getattr(repo, "base", None)
    if base is None:
        return  # no base to compare with: check without --base
    grouped = by_app_and_stage(semver(repo.policies))
    for policy in semver(repo.policies):
        stage = stage_of(repo.config, policy.stage)
        own = range_of(policy)
        before = range_or_none(base.range_of(policy))
        if stage is None or stage.after is None or own is None or before is None:
            continue
        gate_policies = grouped.get(policy.app or "", {}).get(stage.after, [])
        gate_then = _union([base.range_of(p) for p in gate_policies])
        gate_now = _union([p.range_text for p in gate_policies])
        # new to this stage, admitted by its gate only since this change
        taken = own.release_set.minus(before.release_set).intersect(gate_now).minus(gate_then)
        floor = gate_then.lowest
        if floor is not None:  # below the gate's floor is a hotfix, not a skipped gate
            taken = taken.intersect(IntervalSet.of(floor, None))
        if not taken or taken.lowest is None:
            continue
        version = Version(*taken.lowest)
        shown = ", ".join(f'"{t}"' for p in gate_policies if (t := base.range_of(p))) or "nothing"
        yield finding(
            CODE,
            NAME,
            SEVERITY,
            policy,
            f"{stage.name} takes {version} in the same change in which {stage.after} first "
            f"admits it ({stage.after} had {shown} at {base.rev}, now "
            f'"{gate_policies[0].range_text}" in {where(gate_policies[0])}): merge '
            f"{stage.after}'s change first, then run flux-semver promote {version} --stage "
            f"{stage.name} in a later change",
            related=tuple(sorted({p.file for p in gate_policies})),
        )
