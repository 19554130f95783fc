"""A policy in an `exact` stage that admits more than one version.

**Why.** The default configuration marks prod `exact: true`: prod pins one image version, and
every change to prod is a one-line pull request that says which version goes live (the
release process's best practice). A range such as `1.x` in prod lets Flux deploy whatever the newest
matching tag is, the moment it is pushed, with no review and no record of which version runs.

Fails (`clusters/prod/podinfo.yaml`):

```yaml
policy:
  semver:
    range: "1.x"
```

Passes:

```yaml
policy:
  semver:
    range: "1.3.2"
```

**Fix.** Pin the version that pre-prod has verified: the message names one when it can work it
out (the version pre-prod pins, or the lowest version both ranges admit). `flux-semver promote`
writes exact versions into exact stages for you. To let a stage take ranges, set `exact: false`
on it in `.flux-semver.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Policy, Severity
from flux_semver.ranges import Range
from flux_semver.version import Version

from ._support import by_app_and_stage, is_release, range_of, semver, stage_of
from .base import Scanned, finding

CODE = "FS002"
NAME = "not-exact"
SEVERITY: Severity = "error"
SUMMARY = "a policy in an `exact` stage admits more than one version"


def check(repo: Scanned) -> Iterator[Finding]:
    config = repo.config
    policies = semver(repo.policies, patches=True)
    grouped = by_app_and_stage(semver(repo.policies))
    for policy in policies:
        stage = stage_of(config, policy.stage)
        own = range_of(policy)
        if stage is None or not stage.exact or own is None or own.exact is not None:
            continue
        gate_name = stage.after
        gates: list[Range] = []
        if gate_name is not None and policy.app is not None:
            found = (range_of(p) for p in grouped.get(policy.app, {}).get(gate_name, []))
            gates = [g for g in found if g is not None]
        yield finding(CODE, NAME, SEVERITY, policy, _message(policy, own, gate_name, gates))


def _message(policy: Policy, own: Range, gate_name: str | None, gates: list[Range]) -> str:
    head = f"{policy.stage} must pin one version"
    suggestion = _suggest(own, gates)
    if suggestion is None:
        return f'{head}: write an exact version such as "1.2.3", not "{policy.range_text}"'
    version, pinned = suggestion
    if gates and pinned:
        why = f"the version {gate_name} pins"
    elif gates:
        why = f"the lowest version both {policy.stage} and {gate_name} admit; pin the one " \
            f"{gate_name} has verified"
    else:
        why = f'the lowest version "{policy.range_text}" admits; pin the one you have verified'
    return f'{head}: write "{version}" ({why}), not "{policy.range_text}"'


def _suggest(own: Range, gates: list[Range]) -> tuple[Version, bool] | None:
    """A version to pin, and whether it is the gate's own pin."""
    if gates:
        pins = [g.exact for g in gates if g.exact is not None and own.admits(g.exact)]
        if pins:
            return max(pins), True
        floors = [
            v
            for g in gates
            for v in (g.floor, own.floor)
            if v is not None and is_release(v) and own.admits(v) and g.admits(v)
        ]
        return (max(floors), False) if floors else None
    floor = own.floor
    if own.ceiling is not None and floor is not None and is_release(floor):
        return floor, False  # an open range's floor (">=0.0.0") would be no advice
    return None
