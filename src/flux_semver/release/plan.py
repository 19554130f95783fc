"""The plan of a release: what each stage's rule does to each of the app's policies.

The release matrix of README: How a release flows, as a function. Per policy, the
stage's rule for the release type gives the action:

- ``auto``: the range admits the version and Flux deploys it with no Git change (``auto``),
  or it does not and the stage waits (``hold``);
- ``follow``: the range is rewritten to admit the version, in its own notation (``update``),
  unless it already admits it (``auto``; an exact stage's open range is pinned all the same);
- ``hold``: the stage waits (``hold``); naming the stage with ``--stage`` overrides this, as a
  person asking for that stage is "promote after pre-prod testing". A range that
  already admits the version cannot hold it: Flux deploys it, so that is ``auto`` too.

A range that pins the version itself is ``unchanged`` under any rule.

Then the gate (README: The gate; :mod:`flux_semver.release.gate`) judges each write of a gated
stage (``after: pre-prod``): a range that would lead its gate, even after this plan, is
``blocked``; one whose version the gate takes only in this same plan ``waits`` for a later
change; a version below the gate's floor is a ``hotfix``. Every change carries a one-line
reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from msgspec.structs import replace

from flux_semver.errors import PlanError
from flux_semver.model import (
    RELEASE_RANK,
    RELEASE_TYPE_CHOICES,
    RELEASE_TYPES,
    WRITES,
    Action,
    Config,
    Plan,
    PlanChange,
    PlanKind,
    Policy,
    ReleaseType,
    Stage,
    release_words,
)
from flux_semver.release import blockers, tracks
from flux_semver.release import gate as gates
from flux_semver.release.classify import classify, compare
from flux_semver.repo.editing import unwritable
from flux_semver.repo.manifests import Repository, semver_policies
from flux_semver.semver import notation
from flux_semver.semver.ranges import Range, clip, lookalike, range_or_none
from flux_semver.semver.version import InvalidVersion, Version

__all__ = [
    "check_stages",
    "choose_app",
    "in_separate_changes",
    "make_plan",
    "parse_version",
    "plan_release",
]


def parse_version(text: str) -> Version:
    """The release version as Flux reads a tag (at least two dots: ``1.3`` is no version to
    Flux), or a PlanError that says what a version looks like."""
    try:
        version = Version.parse(text)
    except InvalidVersion as exc:
        hint = lookalike(text) or "give one like 1.3.0 or v1.3.0"
        why = clip(str(exc), 240)
        raise PlanError(f"{clip(text)!r} is not a semantic version ({why}); {hint}") from exc
    if text.count(".") < 2:
        raise PlanError(
            f"{clip(text)!r} is not a version Flux reads: a tag needs all three numbers "
            f"(Flux never reads a two-part tag as a version); write {version.major}."
            f"{version.minor}.{version.patch}"
        )
    return version


def choose_app(repo: Repository, app: str | None) -> str:
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


def _floors(policies: Iterable[Policy]) -> list[Version]:
    """What the stages run, to classify a release against: each pin and the floor of each
    narrow range (``1.2.x``). A wide window (``1.x``) or an open range (``>=0.0.0``) says
    little of what runs: their floors count only when no stage is narrower, and a 0.0.0 floor
    of an open range never does."""
    tiers: dict[int, list[Version]] = {0: [], 1: [], 2: []}
    for policy in policies:
        rng = range_or_none(policy.range_text)
        if rng is None or rng.floor is None:
            continue
        if gates.is_open(rng):
            if rng.floor != Version(0, 0, 0):
                tiers[2].append(rng.floor)
        else:
            tiers[1 if rng.window == "minor" else 0].append(rng.floor)
    return tiers[0] or tiers[1] or tiers[2]


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


def _step(rng: Range, version: Version, release_type: ReleaseType) -> ReleaseType:
    """The release type as this stage sees it: a patch of 1.3 is a minor step for a stage
    still on 1.2, and that stage's rule for minor releases applies."""
    floor = rng.floor
    if release_type not in RELEASE_RANK or floor is None or floor > version or rng.admits(version):
        return release_type
    own = compare(version, floor)
    return own if RELEASE_RANK[own] > RELEASE_RANK[release_type] else release_type


def _decide(  # noqa: C901 - one branch per release kind; split with the release vocabulary
    policy: Policy, stage: Stage, version: Version, release_type: ReleaseType, explicit: bool
) -> PlanChange:
    """The change one policy gets, before gates are considered."""
    old = policy.range_text or ""
    rng = range_or_none(old)
    promote = f"flux-semver promote {version} --stage {stage.name}"
    if rng is None:
        return _change(
            policy, "hold", f"{old!r} does not parse in Flux; fix it first (flux-semver check)"
        )
    if stage.exact and version.is_prerelease:
        return _change(
            policy,
            "hold",
            f"{stage.name} pins one release version; a prerelease such as {version} "
            "does not go there",
        )
    if rng.exact == version:
        return _change(policy, "unchanged", f"{old} already pins {version}")
    admits = rng.admits(version)
    if not explicit and not admits and rng.floor is not None and version < rng.floor:
        return _change(
            policy,
            "hold",
            f"{stage.name} already runs a newer line ({old}); {version} is for the stages "
            "still behind it",
        )
    step = _step(rng, version, release_type)
    rule = stage.rule_for(step)
    seen = "" if step == release_type else f"from {old}, {version} is a {step} step; "
    release_type = step  # a bigger step for this stage: its rule for that step applies
    if admits and (rule == "auto" or (rule == "hold" and not explicit)):
        # Flux deploys what the range admits, whatever the rule says: a hold cannot hold it
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
    if admits and (not stage.exact or rng.window == "exact"):
        return _change(policy, "auto", f"{old} admits {version}: Flux deploys it, no Git change")
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


def _gate_ranges(policies: Sequence[Policy], texts: dict[int, str], gate: str) -> list[Range]:
    return [
        r for p in policies if p.stage == gate if (r := range_or_none(texts[id(p)])) is not None
    ]


def _judge(
    change: PlanChange,
    gate: str,
    before: Sequence[Range],
    after: Sequence[Range],
    version: Version,
) -> tuple[Action, str] | None:
    """What the gate makes of a write of a gated stage: None to let it stand as it is, or
    the action (``blocked``, ``waits``, ``hotfix``) and its reason."""
    new = range_or_none(change.to_range)
    if new is None:
        return "blocked", f"{change.to_range!r} would not parse in Flux"
    if not before and not after:
        return "blocked", (
            f"no policy of this app in {gate}, the stage {change.stage} comes after; "
            f"add one there first (FS007)"
        )
    if gates.leads(new, after):
        shown = " or ".join(str(r.text) for r in after)
        return "blocked", (
            f"{change.to_range} goes beyond {gate}'s range {shown}: promote {gate} first "
            f"(flux-semver promote {version} --stage {gate})"
        )
    if gates.leads(new, before) or (
        not gates.admitted(version, before) and gates.admitted(version, after)
    ):
        return "waits", (
            f"waits for {gate} to take {version} first (this plan changes {gate}); once that "
            f"change is merged, run: flux-semver promote {version} --stage {change.stage}"
        )
    open_gates = [r.text for r in before if gates.is_open(r)]
    if open_gates and len(open_gates) == len(before):
        return "update", (
            f"{change.reason}; {gate}'s range {' or '.join(open_gates)} admits every version, "
            f"so its gate protects nothing (FS013): bound {gate}'s range"
        )
    if not gates.admitted(version, before):
        return "hotfix", (
            f"{change.reason}; a hotfix: {gate} does not run {version}, it already runs a newer "
            "line"
        )
    return None


def _apply_gates(
    config: Config,
    policies: Sequence[Policy],
    changes: list[tuple[Policy, PlanChange]],
    version: Version,
) -> list[PlanChange]:
    """Judge every write of a gated stage by the gate (:mod:`flux_semver.release.gate`), as
    its gate stage stands now and after this plan."""
    now = {id(p): (p.range_text or "") for p in policies}
    effective = dict(now)
    for policy, change in changes:
        if change.action in WRITES:
            effective[id(policy)] = change.to_range or ""
    original = {id(p): c for p, c in changes}
    result = dict(original)
    moved = True
    while moved:  # a stage that waits or is blocked keeps its range: judge the rest again
        moved = False
        for policy, _ in changes:
            change = original[id(policy)]
            gate = config.stage(change.stage).after
            settled = result[id(policy)].action in ("blocked", "waits")
            if change.action != "update" or gate is None or settled:
                continue
            judged = _judge(
                change,
                gate,
                _gate_ranges(policies, now, gate),
                _gate_ranges(policies, effective, gate),
                version,
            )
            if judged is None:
                result[id(policy)] = change
                continue
            action, reason = judged
            result[id(policy)] = replace(change, action=action, reason=reason)
            if action in ("blocked", "waits"):
                effective[id(policy)] = policy.range_text or ""
                moved = True
    return [result[id(p)] for p, _ in changes]


def _not_semver(policy: Policy, stage: Stage) -> PlanChange:
    """A policy of an exact or gated stage that orders tags instead of versions (FS010)."""
    why = "pins one version" if stage.exact else f"is gated by {stage.after}"
    return _change(
        policy,
        "blocked",
        f"{stage.name} {why}, but {policy.ref} uses {policy.kind} ordering, not semver "
        "(FS010): give it a semver range so flux-semver can pin the release there",
    )


def _unwritten(
    changes: Sequence[tuple[Policy, PlanChange]], final: list[PlanChange]
) -> list[PlanChange]:
    """An update that cannot be written where the range is (a base other stages share) is
    ``blocked``, its reason the patch to add instead: a plan never suggests what promote
    would refuse."""
    out = []
    for (policy, _), change in zip(changes, final, strict=True):
        why = unwritable(policy, change.to_range or "") if change.action in WRITES else None
        if why is not None:
            change = replace(change, action="blocked", reason=why)
        elif change.action in WRITES and policy.shared is not None:
            change = replace(
                change,
                reason=f"{change.reason} (in a patch added to "
                f"{policy.shared}: the range is in a base other stages share)",
            )
        out.append(change)
    return out


def plan_release(
    config: Config,
    policies: Sequence[Policy],
    app: str,
    version: Version,
    stages: Sequence[str] | None = None,
    release_type: ReleaseType | None = None,
    *,
    others: Sequence[Policy] = (),
) -> Plan:
    """The plan for ``version`` of ``app`` over its semver ``policies`` (pure: nothing is
    read). ``others`` are the app's remaining policies: those of no stage are counted, and
    those of an exact or gated stage that are not semver block the plan (FS010)."""
    kind = release_type or classify(version, _floors(policies), app)
    order = {name: i for i, name in enumerate(config.stage_names)}
    staged = sorted(
        (p for p in policies if p.stage in order),
        key=lambda p: (order[p.stage or ""], p.file, p.line),
    )
    changes = [
        (
            p,
            _decide(
                p,
                config.stage(p.stage or ""),
                version,
                kind,
                explicit=stages is not None and p.stage in stages,
            ),
        )
        for p in staged
        if stages is None or p.stage in stages
    ]
    final = _unwritten(changes, _apply_gates(config, staged, changes, version))
    for policy in others:
        if policy.stage in order and (stages is None or policy.stage in stages):
            stage = config.stage(policy.stage or "")
            if policy.kind in ("alphabetical", "numerical") and (stage.exact or stage.after):
                final.append(_not_semver(policy, stage))
    final.sort(key=lambda c: order[c.stage])
    approval = any(
        config.stage(c.stage).approvals_for("hotfix" if c.action == "hotfix" else kind) > 0
        for c in final
        if c.action in (*WRITES, "waits")
    )
    hotfix = any(c.action == "hotfix" for c in final) and not any(
        c.action == "update" for c in final
    )
    plan_kind: PlanKind = "hotfix" if hotfix else kind
    unmapped = sum(1 for p in (*policies, *others) if p.stage is None)
    return Plan(
        app, str(version), plan_kind, tuple(final), approval_required=approval, unmapped=unmapped
    )


def in_separate_changes(plan: Plan) -> Plan:
    """The plan when each stage's write goes into a change of its own that merges after its
    gate's (the action's per-stage pull requests): a stage that ``waits`` is written, in its
    own change, and the reason says which must merge first. FS015 judges each change apart."""
    changes = tuple(
        replace(
            c,
            action="update",
            reason=f"{c.reason.split(';', 1)[0].replace('waits for', 'needs')}; in its own "
            "change, merged after that one",
        )
        if c.action == "waits"
        else c
        for c in plan.changes
    )
    return replace(plan, changes=changes)


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
        chosen_app = choose_app(repo, app)
    except PlanError:
        blockers.require_readable(repo, None)  # a file that cannot be read may hide the app
        raise
    blockers.require_readable(repo, chosen_app)
    policies = semver_policies(repo, chosen_app)
    parsed = version if isinstance(version, Version) else _release_version(policies, version)
    chosen = check_stages(config, stages)
    kind: ReleaseType | None = None
    if release_type not in (None, "auto"):
        kind = next((t for t in RELEASE_TYPES if t == release_type), None)
        if kind is None or release_type not in RELEASE_TYPE_CHOICES:
            raise PlanError(
                f"unknown release type {release_type!r}; use {', '.join(RELEASE_TYPE_CHOICES)}"
            )
    tag = version if isinstance(version, str) else str(version)
    on_track, off_track = tracks.split(policies, tag.strip(), parsed)
    if not on_track and off_track:
        reasons = "; ".join(f"{o.policy.ref} ({o.policy.file}): {o.reason}" for o in off_track)
        raise PlanError(
            f"no policy of {chosen_app} can select {tag.strip()}: {reasons}; give "
            "the version as the tag those filters keep"
        )
    taken = {id(p) for p in policies}
    others = [p for p in repo.policies_for(chosen_app) if id(p) not in taken and not p.patch]
    plan = plan_release(config, on_track, chosen_app, parsed, chosen, kind, others=others)
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


def _with_other_tracks(
    plan: Plan, off_track: Sequence[tracks.OffTrack], config: Config, stages: Sequence[str] | None
) -> Plan:
    """The plan with an ``unchanged`` entry, saying why, for each policy of another track."""
    if not off_track:
        return plan
    order = {name: i for i, name in enumerate(config.stage_names)}
    others = [
        _change(o.policy, "unchanged", o.reason)
        for o in off_track
        if o.policy.stage in order and (stages is None or o.policy.stage in stages)
    ]
    changes = sorted([*plan.changes, *others], key=lambda c: order[c.stage])
    return replace(plan, changes=tuple(changes))
