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

**Fix.** Pin the version that pre-prod has verified. The message names one when it can
work it out without the registry's tags: the version this policy pinned at `HEAD` in git when
pre-prod admits it (you widened a pin by mistake), else the version pre-prod pins, else the
highest version both ranges admit when both end at a release they admit (`>=1.2.0 <=1.2.5`);
otherwise it asks for one exact version pre-prod admits (the tag pre-prod runs now), never a
floor such as "0.0.0" that would be a downgrade. `flux-semver promote` writes exact versions
into exact stages for you. To let a stage take ranges, set `exact: false` on it in
`.flux-semver.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flux_semver.errors import GitError
from flux_semver.model import Finding, Policy, Severity
from flux_semver.repo import git, yaml_positions
from flux_semver.semver.ranges import Range, range_or_none
from flux_semver.semver.version import Version

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
    firing: list[tuple[Policy, Range, str | None, list[Range]]] = []
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
        firing.append((policy, own, gate_name, gates))
    head = _Head(getattr(repo, "root", None), {p.file for p, *_ in firing if not p.patch})
    for policy, own, gate_name, gates in firing:
        yield finding(
            CODE, NAME, SEVERITY, policy, _message(policy, own, gate_name, gates, head.pin(policy))
        )


class _Head:
    """The exact versions policies pinned at ``HEAD``, read from git only when FS002 fires."""

    def __init__(self, root: object, files: set[str]) -> None:
        self.files: dict[str, bytes | None] = {}
        if not isinstance(root, Path) or not files:
            return
        try:  # one git process for all the files
            shown = git.show_files(root, [("HEAD", file) for file in sorted(files)])
        except GitError:  # not a git repository, or no commit yet: no HEAD to ask
            return
        self.files = {file: blob for (_, file), blob in shown.items()}

    def pin(self, policy: Policy) -> Version | None:
        raw = None if policy.patch else self.files.get(policy.file)
        if raw is None:
            return None
        try:
            documents = yaml_positions.load(yaml_positions.decode(raw)[1])
        except yaml_positions.YamlError:
            return None
        if policy.document >= len(documents):
            return None
        then = documents[policy.document].data
        if _at(then, "kind") != "ImagePolicy" or _at(then, "metadata", "name") != policy.name:
            return None  # the document moved or was renamed since: no pin to go back to
        text = _at(then, "spec", "policy", "semver", "range")
        old = range_or_none(text) if isinstance(text, str) else None
        return old.exact if old is not None else None


def _at(data: object, *keys: str) -> object:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _message(
    policy: Policy,
    own: Range,
    gate_name: str | None,
    gates: list[Range],
    pinned_at_head: Version | None = None,
) -> str:
    head = f"{policy.stage} must pin one version"
    was = f'"{policy.range_text}"'
    if pinned_at_head is not None and all(g.admits(pinned_at_head) for g in gates):
        also = f", which {gate_name} admits" if gates else ""
        return (
            f'{head}: write "{pinned_at_head}" (the version {policy.stage} pinned at HEAD'
            f"{also}), not {was}"
        )
    pins = [g.exact for g in gates if g.exact is not None and own.admits(g.exact)]
    if pins:
        return f'{head}: write "{max(pins)}" (the version {gate_name} pins), not {was}'
    highest = _highest(own, gates)
    if highest is not None and gates:
        return (
            f'{head}: write "{highest}" (the highest version both {policy.stage} and '
            f"{gate_name} admit; pin the one {gate_name} has verified), not {was}"
        )
    if highest is not None:
        return (
            f'{head}: write "{highest}" (the highest version {was} admits; pin the one '
            f"you have verified), not {was}"
        )
    if gates:
        return (
            f"{head}: write one exact version that {gate_name} admits (e.g. the tag "
            f"{gate_name} runs now), not {was}"
        )
    return f"{head}: write one exact version (e.g. the tag {policy.stage} runs now), not {was}"


def _highest(own: Range, gates: list[Range]) -> Version | None:
    """The highest release every range admits, when their common set ends at an admitted
    release (``<=1.2.5``); None when it ends below a bound such as ``<1.3.0`` (the version
    before it is not knowable without tags) or is unbounded or empty."""
    common = own.release_set
    for gate in gates:
        common = common.intersect(gate.release_set)
    upper = common.upper
    if upper is None or upper[2] == 0:
        return None
    version = Version(upper[0], upper[1], upper[2] - 1)
    return version if is_release(version) else None
