"""Which pull requests a run opens, updates, closes or leaves alone: a pure function of the
release and of what GitHub and origin hold before the run writes anything.

Rules (README: GitHub Action, "Across releases"):

- a stage that moves gets its branch ``flux-semver/<app>/<stage>`` (or ``.../release`` for
  ``pull-requests: single``) written for this release;
- never backwards: a branch carrying a newer release is left as it is; a release of an older
  line (a hotfix 1.4.5 while 2.0.0 is pending) gets the line's own branch
  (``flux-semver/<app>/<stage>-1.4.x``);
- never over a person's work: a branch whose tip flux-semver did not make is left alone;
- a pull request a person closed without merging stays closed for the release it carried;
- a stage with nothing left to change, a stage whose evidence fails under
  ``evidence-policy: block``, and the branches of the other ``pull-requests`` mode get their
  open pull requests closed, unless those carry a newer release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

from flux_semver.github.change import Change
from flux_semver.semver.version import InvalidVersion, Version

Mode = Literal["per-stage", "single", "none"]
Action = Literal["write", "close", "keep", "leave"]


class PullState(msgspec.Struct, frozen=True):
    """An open (or closed) pull request, as GitHub reports it."""

    number: int
    url: str
    title: str = ""
    body: str = ""
    labels: tuple[str, ...] = ()
    auto_merge: bool = False


class BranchState(msgspec.Struct, frozen=True):
    """One of the app's branches on origin, before the run writes anything."""

    tip: str | None = None  # its commit; None: no such branch
    ours: bool = True  # the tip is a commit flux-semver made (one parent, our trailers)
    version: str | None = None  # the release the tip carries (its trailer)
    open_pull: PullState | None = None
    closed_pull: PullState | None = None  # closed unmerged at this tip, by a person
    stages: tuple[str, ...] = ()  # the stages the tip changes (its trailers)


ABSENT = BranchState()


class Request(msgspec.Struct, frozen=True):
    """What the plan asks of the pull requests, stage by stage, in promotion order."""

    mode: Mode
    moving: tuple[str, ...]  # stages the release changes (and may be proposed)
    idle: tuple[str, ...]  # stages with nothing left to change
    held: tuple[str, ...] = ()  # stages failing evidence keeps from moving
    stages: tuple[str, ...] = ()  # every stage of the plan


class Target(msgspec.Struct, frozen=True):
    """One pull request's fate in this run. ``write``: build, push, open or update it;
    ``close``: close it; ``keep``: a newer release's, untouched; ``leave``: untouched, and the
    person running the workflow is told why."""

    action: Action
    branch: str
    stages: tuple[str, ...]
    reason: str = ""
    state: BranchState = ABSENT


def newer(pending: str | None, version: str) -> bool:
    """Whether ``pending`` is a higher version than ``version`` (False when either is no
    version, as a rollback's is not)."""
    try:
        return pending is not None and Version.parse(pending) > Version.parse(version)
    except InvalidVersion:
        return False


def _line(version: str) -> str | None:
    try:
        parsed = Version.parse(version)
    except InvalidVersion:
        return None
    return f"{parsed.major}.{parsed.minor}.x"


def _why_not(change: Change, branch: str, state: BranchState) -> tuple[Action, str] | None:
    """Why the run must not write ``branch`` (``keep`` or ``leave``), or None."""
    if state.tip is None:
        return None
    pull = state.open_pull
    which = f"#{pull.number}" if pull is not None else branch
    if not state.ours:
        return "leave", (
            f"{branch} has commits flux-semver did not make, so it is left as it "
            f"is; merge or close {which} (or delete the branch) and re-run"
        )
    if newer(state.version, change.version):
        return "keep", (
            f"{which} carries {state.version}, newer than {change.version}: left as it is"
        )
    closed = state.closed_pull
    if pull is None and closed is not None and state.version == change.version:
        return "leave", (
            f"#{closed.number} for {change.version} was closed without merging, "
            "so flux-semver leaves it closed; reopen it, or publish a newer release"
        )
    return None


def _write(
    change: Change, name: str, stages: tuple[str, ...], branches: Mapping[str, BranchState]
) -> Target:
    branch = change.branch(name)
    state = branches.get(branch, ABSENT)
    refusal = _why_not(change, branch, state)
    if refusal is None:
        return Target("write", branch, stages, state=state)
    line = _line(change.version)
    if (
        refusal[0] == "keep"
        and change.kind == "release"
        and line is not None
        and state.version is not None
        and _line(state.version) != line
    ):
        # An older line than the pending release: a hotfix, on its own branch.
        hotfix = change.branch(f"{name}-{line}")
        hotfix_state = branches.get(hotfix, ABSENT)
        hotfix_refusal = _why_not(change, hotfix, hotfix_state)
        if hotfix_refusal is None:
            return Target(
                "write",
                hotfix,
                stages,
                f"{state.version} is pending on {branch}: {change.version} goes to "
                f"the {line} line's own branch",
                hotfix_state,
            )
        return Target(hotfix_refusal[0], hotfix, stages, hotfix_refusal[1], hotfix_state)
    return Target(refusal[0], branch, stages, refusal[1], state)


def _close(
    change: Change,
    branch: str,
    stages: tuple[str, ...],
    why: str,
    branches: Mapping[str, BranchState],
) -> Target | None:
    """Close the open pull request of ``branch``, unless it is not ours to close."""
    state = branches.get(branch, ABSENT)
    if state.open_pull is None:
        return None
    # The output names the pull request for the stages it carries (a single one may carry
    # only some of them), not for every stage of the plan.
    stages = tuple(s for s in stages if s in state.stages) or stages
    if not state.ours:
        return Target(
            "leave",
            branch,
            stages,
            f"{branch} has commits flux-semver did not "
            f"make: #{state.open_pull.number} is left open ({why})",
            state,
        )
    if newer(state.version, change.version):
        return Target(
            "keep",
            branch,
            stages,
            f"#{state.open_pull.number} carries "
            f"{state.version}, newer than {change.version}: left open",
            state,
        )
    return Target("close", branch, stages, why, state)


def decide(
    change: Change, request: Request, branches: Mapping[str, BranchState]
) -> tuple[Target, ...]:
    """Every pull request this run writes, closes or leaves, in promotion order."""
    if request.mode == "none":
        return ()
    targets: list[Target] = []
    version = f"{change.app} {change.version}"
    if request.mode == "single":
        if request.moving:
            targets.append(_write(change, "release", request.moving, branches))
        elif set(request.idle) >= set(request.stages):
            _add(
                targets,
                _close(
                    change,
                    change.branch("release"),
                    request.stages,
                    f"for {version} nothing is left to change",
                    branches,
                ),
            )
        others: Sequence[tuple[str, tuple[str, ...]]] = [(s, (s,)) for s in request.stages]
    else:
        targets += [_write(change, stage, (stage,), branches) for stage in request.moving]
        for stage in request.idle:
            _add(
                targets,
                _close(
                    change,
                    change.branch(stage),
                    (stage,),
                    f"for {version} nothing is left to change in `{stage}` "
                    "(its range already admits it)",
                    branches,
                ),
            )
        for stage in request.held:
            _add(
                targets,
                _close(
                    change,
                    change.branch(stage),
                    (stage,),
                    f"the evidence for {version} fails (evidence-policy: "
                    f"block): `{stage}` must not take it",
                    branches,
                ),
            )
        others = [("release", request.stages)]
    for name, stages in others:
        _add(
            targets,
            _close(
                change,
                change.branch(name),
                stages,
                f"`pull-requests: {request.mode}` replaces it for {version}",
                branches,
            ),
        )
    return tuple(targets)


def _add(targets: list[Target], target: Target | None) -> None:
    if target is not None:
        targets.append(target)
