"""The plan of a release: what each stage's rule does to each of the app's policies.

The release matrix of README: How a release flows, as a function. Per policy, the
stage's rule for the release type gives the action:

- ``auto``: the range admits the version and Flux deploys it with no Git change (``auto``),
  or it does not and the stage waits (``hold``);
- ``follow``: the range is rewritten to admit the version, in its own notation (``update``),
  unless it already admits what it should (``unchanged``);
- ``hold``: the stage waits (``hold``); naming the stage with ``--stage`` overrides this, as a
  person asking for that stage is "promote after pre-prod testing". A range that
  already admits the version cannot hold it: Flux deploys it, so that is ``auto`` too.

A range that pins the version itself is ``unchanged`` under any rule.

An update of a gated stage (``after: pre-prod``) that would admit a version its gate does not
admit, after this same plan, is ``blocked``. Every change carries a one-line reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from flux_semver.errors import PlanError
from flux_semver.model import (
    Action,
    Config,
    Plan,
    PlanChange,
    Policy,
    ReleaseType,
    Stage,
    release_words,
)
from flux_semver.release import blockers, tracks
from flux_semver.release.classify import classify, compare
from flux_semver.repo.editing import unwritable
from flux_semver.repo.manifests import Repository
from flux_semver.semver import notation
from flux_semver.semver.ranges import InvalidRange, Range, clip, lookalike
from flux_semver.semver.version import InvalidVersion, Version

RELEASE_TYPE_CHOICES = ("auto", "patch", "minor", "major")
_RELEASE_TYPES: dict[str, ReleaseType] = {
    "patch": "patch", "minor": "minor", "major": "major", "prerelease": "prerelease"
}


def parse_version(text: str) -> Version:
    """The release version, or a PlanError that says what a version looks like."""
    try:
        return Version.parse(text)
    except InvalidVersion as exc:
        hint = lookalike(text) or "give one like 1.3.0 or v1.3.0"
        why = clip(str(exc), 240)
        raise PlanError(f"{clip(text)!r} is not a semantic version ({why}); {hint}") from exc


def resolve_app(repo: Repository, app: str | None) -> str:
    """The app a command is about: the one given, or the repository's only app."""
    apps = sorted(repo.apps())
    if app is not None:
        if app not in apps:
            known = ", ".join(apps) if apps else "none"
            raise PlanError(
                f"no semver ImagePolicy belongs to app {app!r} (apps in this repository: "
                f"{known}); pass one of them to --image"
            )
        return app
    if len(apps) == 1:
        return apps[0]
    if not apps:
        raise PlanError(
            "no semver ImagePolicy found in this repository; run flux-semver policies to see "
            "what was found, or pass -C DIR to point at the GitOps repository"
        )
    raise PlanError(f"this repository has several apps ({', '.join(apps)}); pass --image APP")


def check_stages(config: Config, stages: Iterable[str] | None) -> tuple[str, ...] | None:
    """The ``--stage`` names, each checked against the config (None when none were given)."""
    if stages is None:
        return None
    chosen = tuple(dict.fromkeys(stages))
    if not chosen:
        return None
    for name in chosen:
        if name not in config.stage_names:
            raise PlanError(
                f"unknown stage {name!r}; the stages are {', '.join(config.stage_names)}"
            )
    return chosen


def semver_policies(repo: Repository, app: str) -> list[Policy]:
    """The app's policies a plan can rewrite: semver ones that are not Kustomize patches."""
    return [
        p
        for p in repo.policies_for(app)
        if p.kind == "semver" and not p.patch and p.range_text is not None
    ]


def _parse(text: str) -> Range | None:
    try:
        return Range(text)
    except InvalidRange:
        return None


def _floors(policies: Iterable[Policy]) -> list[Version]:
    floors = []
    for policy in policies:
        rng = _parse(policy.range_text or "")
        if rng is not None and rng.floor is not None:
            floors.append(rng.floor)
    return floors


def _change(policy: Policy, action: Action, reason: str, to: str | None = None) -> PlanChange:
    return PlanChange(
        stage=policy.stage or "",
        file=policy.file,
        line=policy.range_line or policy.line,
        column=policy.range_column or 1,
        policy=policy.ref,
        from_range=policy.range_text or "",
        to_range=to,
        action=action,
        reason=reason,
    )


_RANK = {"patch": 0, "minor": 1, "major": 2}


def _step(rng: Range, version: Version, release_type: ReleaseType) -> ReleaseType:
    """The release type as this stage sees it: a patch of 1.3 is a minor step for a stage
    still on 1.2, and that stage's rule for minor releases applies."""
    floor = rng.floor
    if release_type not in _RANK or floor is None or floor > version or rng.admits(version):
        return release_type
    own = compare(version, floor)
    return own if _RANK[own] > _RANK[release_type] else release_type


def _decide(  # noqa: C901 - one branch per release kind; split with the release vocabulary
    policy: Policy, stage: Stage, version: Version, release_type: ReleaseType, explicit: bool
) -> PlanChange:
    """The change one policy gets, before gates are considered."""
    old = policy.range_text or ""
    rng = _parse(old)
    promote = f"flux-semver promote {version} --stage {stage.name}"
    if rng is None:
        return _change(
            policy, "hold", f"{old!r} does not parse in Flux; fix it first (flux-semver check)"
        )
    admits = rng.admits(version)
    step = _step(rng, version, release_type)
    rule = stage.rule_for(step)
    seen = "" if step == release_type else f"from {old}, {version} is a {step} step; "
    release_type = step  # a bigger step for this stage: its rule for that step applies
    if admits and (rule == "auto" or (rule == "hold" and not explicit)):
        # Flux deploys what the range admits, whatever the rule says: a hold cannot hold it
        if rng.exact == version:
            return _change(policy, "unchanged", f"{old} already pins {version}")
        reason = f"{old} admits {version}: Flux deploys it, no Git change"
        if rule == "hold":
            reason += (
                f" ({stage.name}'s rule for {release_words(release_type, plural=True)} is hold; "
                "narrow the range to hold it)"
            )
        return _change(policy, "auto", reason)
    if rule == "hold" and not explicit:
        waits = f"waits for {stage.after} to test it" if stage.after else "waits"
        return _change(
            policy,
            "hold",
            f"{seen}{waits}: {stage.name} holds {release_words(release_type, plural=True)}; "
            f"then run: {promote}",
        )
    if rule == "auto" and not explicit:
        return _change(
            policy,
            "hold",
            f"{seen}{old} does not admit {version} and {stage.name} takes "
            f"{release_words(release_type, plural=True)} "
            f"only as its range admits them; to move it run: {promote}",
        )
    if stage.exact and version.is_prerelease:
        return _change(
            policy,
            "hold",
            f"{stage.name} pins one release version; a prerelease such as {version} "
            "does not go there",
        )
    already = admits and (not stage.exact or rng.window == "exact")
    if already:
        return _change(policy, "unchanged", f"{old} already admits {version}")
    if rng.floor is not None and version < rng.floor:
        return _change(
            policy,
            "hold",
            f"{stage.name} already runs newer than {version} ({old}); going back is a rollback: "
            f"flux-semver rollback --image {policy.app} --stage {stage.name}",
        )
    rewrite = notation.follow(old, version, is_exact=stage.exact)
    if stage.exact:
        reason = f"pins {version}: {stage.name} runs one exact version"
    else:
        reason = f"follows the {release_words(release_type)} to {rewrite.text}"
    if rewrite.note:
        reason += f" ({rewrite.note})"
    return _change(policy, "update", reason, rewrite.text)


def _gate_reason(
    change: PlanChange, gate: str, gate_ranges: Sequence[tuple[Policy, str]], version: Version
) -> str | None:
    """Why ``change`` may not happen before its gate admits it, or None when it may."""
    new = _parse(change.to_range or "")
    if new is None:
        return f"{change.to_range!r} would not parse in Flux"
    if not gate_ranges:
        return (
            f"no policy of this app in {gate}, the stage {change.stage} comes after; "
            f"add one there first (FS007)"
        )
    for policy, text in gate_ranges:
        gate_range = _parse(text)
        if gate_range is None:
            return f"{gate} range {text!r} of {policy.ref} does not parse; fix it first"
        if new.admits_outside(gate_range) or not gate_range.admits(version):
            return (
                f"{change.to_range} goes beyond {gate}'s range {text} ({policy.ref}): "
                f"promote {gate} first (flux-semver promote {version} --stage {gate})"
            )
    return None


def _apply_gates(
    config: Config,
    policies: Sequence[Policy],
    changes: list[tuple[Policy, PlanChange]],
    version: Version,
) -> list[PlanChange]:
    """Mark updates of gated stages ``blocked`` until their gates (after the plan) admit them."""
    effective = {id(p): (p.range_text or "") for p in policies}
    for policy, change in changes:
        if change.action == "update":
            effective[id(policy)] = change.to_range or ""
    result = dict((id(p), c) for p, c in changes)
    moved = True
    while moved:
        moved = False
        for policy, _ in changes:
            change = result[id(policy)]
            gate = config.stage(change.stage).after
            if change.action != "update" or gate is None:
                continue
            gate_ranges = [(p, effective[id(p)]) for p in policies if p.stage == gate]
            why = _gate_reason(change, gate, gate_ranges, version)
            if why is not None:
                result[id(policy)] = replace(change, action="blocked", reason=why)
                effective[id(policy)] = policy.range_text or ""
                moved = True
    return [result[id(p)] for p, _ in changes]


def _unwritten(changes: Sequence[tuple[Policy, PlanChange]],
               final: list[PlanChange]) -> list[PlanChange]:
    """An update that cannot be written where the range is (a base other stages share) is
    ``blocked``, its reason the patch to add instead: a plan never suggests what promote
    would refuse."""
    out = []
    for (policy, _), change in zip(changes, final, strict=True):
        why = unwritable(policy, change.to_range or "") if change.action == "update" else None
        if why is not None:
            change = replace(change, action="blocked", reason=why)
        elif change.action == "update" and policy.shared is not None:
            change = replace(change, reason=f"{change.reason} (in a patch added to "
                             f"{policy.shared}: the range is in a base other stages share)")
        out.append(change)
    return out


def plan_release(
    config: Config,
    policies: Sequence[Policy],
    app: str,
    version: Version,
    stages: Sequence[str] | None = None,
    release_type: ReleaseType | None = None,
) -> Plan:
    """The plan for ``version`` of ``app`` over its ``policies`` (pure: nothing is read)."""
    kind = release_type or classify(version, _floors(policies), app)
    order = {name: i for i, name in enumerate(config.stage_names)}
    staged = sorted(
        (p for p in policies if p.stage in order),
        key=lambda p: (order[p.stage or ""], p.file, p.line),
    )
    changes = [
        (p, _decide(p, config.stage(p.stage or ""), version, kind,
                    explicit=stages is not None and p.stage in stages))
        for p in staged
        if stages is None or p.stage in stages
    ]
    final = _unwritten(changes, _apply_gates(config, staged, changes, version))
    approval = any(
        c.action == "update" and config.stage(c.stage).approvals_for(kind) > 0
        for c in final
    )
    return Plan(app, str(version), kind, tuple(final), approval_required=approval)


def make_plan(
    repo: Repository,
    version: str | Version,
    app: str | None = None,
    stages: Iterable[str] | None = None,
    release_type: str | None = None,
) -> Plan:
    """The plan for releasing ``version``: the library entry point of ``plan`` and ``promote``.

    ``release_type`` is ``patch``, ``minor`` or ``major`` to override the classification
    (``auto`` or None classifies). Raises PlanError for an unknown app or stage, a bad
    version, or a version older than everything deployed.
    """
    config = repo.config
    try:
        chosen_app = resolve_app(repo, app)
    except PlanError:
        blockers.require_readable(repo, None)  # a file that cannot be read may hide the app
        raise
    blockers.require_readable(repo, chosen_app)
    policies = semver_policies(repo, chosen_app)
    parsed = version if isinstance(version, Version) else _release_version(policies, version)
    chosen = check_stages(config, stages)
    kind: ReleaseType | None = None
    if release_type not in (None, "auto"):
        kind = _RELEASE_TYPES.get(release_type or "")
        if kind is None:
            raise PlanError(
                f"unknown release type {release_type!r}; use auto, patch, minor or major"
            )
    tag = version if isinstance(version, str) else str(version)
    on_track, off_track = tracks.split(policies, tag.strip(), parsed)
    if not on_track and off_track:
        reasons = "; ".join(f"{o.policy.ref} ({o.policy.file}): {o.reason}" for o in off_track)
        raise PlanError(f"no policy of {chosen_app} can select {tag.strip()}: {reasons}; give "
                        "the version as the tag those filters keep")
    plan = plan_release(config, on_track, chosen_app, parsed, chosen, kind)
    return _with_other_tracks(plan, off_track, config, chosen)


def _release_version(policies: Sequence[Policy], text: str) -> Version:
    """The version given, or the one a track's tag stands for (``live-1.2.3``: 1.2.3)."""
    try:
        return parse_version(text)
    except PlanError:
        found = tracks.version_in(policies, text.strip())
        if found is None:
            raise
        return found


def _with_other_tracks(plan: Plan, off_track: Sequence[tracks.OffTrack], config: Config,
                       stages: Sequence[str] | None) -> Plan:
    """The plan with an ``unchanged`` entry, saying why, for each policy of another track."""
    if not off_track:
        return plan
    order = {name: i for i, name in enumerate(config.stage_names)}
    others = [_change(o.policy, "unchanged", o.reason) for o in off_track
              if o.policy.stage in order and (stages is None or o.policy.stage in stages)]
    changes = sorted([*plan.changes, *others], key=lambda c: order[c.stage])
    return replace(plan, changes=tuple(changes))
