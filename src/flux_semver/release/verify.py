"""Verified promotion: may a gated stage take version V now? (README: Verified promotion)

Pure functions over data, with the clock given: ``evaluate`` checks the five conditions of a
gated stage's pull request, in order:

1. ``admitted`` — the gate stage admits V on the base branch, in a change before this one;
2. ``healthy`` — where the gate stage has ``verify.status``, Flux reported it healthy: the
   latest status of every matching context, on a base-branch commit that admits V, is
   ``success``; a ``failure`` or ``error`` there fails the gate, and the next success restarts
   the soak. A status on a commit that does not admit V, or with another context, counts for
   nothing;
3. ``soak`` — ``verify.soak`` has passed since the gate became healthy (since it admitted V,
   without ``verify.status``);
4. ``approvals`` — the reviews the stage requires for the release type: the latest review of
   each reviewer counts, bots and the pull request's author excluded;
5. ``freeze`` — no freeze window of the stage is open.

The result is ``success``, ``pending`` (what is missing, and until when where that is known)
or ``failure`` (why), with a line per condition for people and a short description for the
commit status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from flux_semver.github_limits import STATUS_DESCRIPTION
from flux_semver.model import Stage, iso_moment
from flux_semver.repo.windows import format_duration, open_window
from flux_semver.shorten import shorten

State = Literal["success", "pending", "failure"]
Check = Literal["admitted", "healthy", "soak", "approvals", "freeze"]
STATUS_CONTEXT = "flux-semver/gate"
# Release types that reach a gated stage without its gate having run them (a hotfix below the
# gate's line, a rollback): they wait for their approvals only.
UNGATED = ("hotfix", "rollback")


class BaseCommit(msgspec.Struct, frozen=True):
    """One commit of the base branch (first-parent history) and whether the gate admits V."""

    sha: str
    at: datetime  # when it landed on the base branch (committer date)
    admits: bool


class CommitStatus(msgspec.Struct, frozen=True):
    """One commit status as GitHub lists it (``GET .../commits/{ref}/statuses``)."""

    sha: str
    context: str
    state: str  # pending | success | failure | error
    created_at: datetime
    description: str = ""
    target_url: str | None = None


class Review(msgspec.Struct, frozen=True):
    """One pull request review as GitHub lists it (``GET .../pulls/{n}/reviews``)."""

    reviewer: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    submitted_at: datetime | None
    bot: bool = False


class Condition(msgspec.Struct, frozen=True):
    """One of the five conditions: met or not, and what it rests on."""

    check: Check
    met: bool
    detail: str
    at: datetime | None = None  # when it became true (or the event it rests on)
    until: datetime | None = None  # when a pending condition will be met by time alone
    link: str | None = None
    failed: bool = False  # not merely pending: the gate fails

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "met": self.met,
            "failed": self.failed,
            "detail": self.detail,
            "at": _iso(self.at),
            "until": _iso(self.until),
            "link": self.link,
        }


class GateResult(msgspec.Struct, frozen=True):
    """The gate's verdict for one stage, version and moment."""

    stage: str
    gate: str | None
    version: str
    release_type: str
    now: datetime
    state: State
    conditions: tuple[Condition, ...]
    healthy_commit: str | None = None
    soak: timedelta | None = None
    soak_elapsed: timedelta | None = None

    @property
    def missing(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if not c.met)

    @property
    def until(self) -> datetime | None:
        """When time alone could make the gate pass: the latest known wait, if every missing
        condition has one."""
        waits = [c.until for c in self.missing]
        if not waits or any(w is None for w in waits):
            return None
        return max(w for w in waits if w is not None)

    @property
    def description(self) -> str:
        """The commit status description: the first missing condition, short."""
        if self.state == "success":
            text = (
                f"{self.version} verified in {self.gate}"
                if self.gate
                else self.conditions[0].detail
            )
        else:
            first = self.missing[0]
            text = first.detail
            if len(self.missing) > 1:
                text += f" (+{len(self.missing) - 1} more)"
        return shorten(text, STATUS_DESCRIPTION.size)

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "gate": self.gate,
            "version": self.version,
            "release_type": self.release_type,
            "now": _iso(self.now),
            "state": self.state,
            "description": self.description,
            "until": _iso(self.until),
            "healthy_commit": self.healthy_commit,
            "soak_seconds": _seconds(self.soak),
            "soak_elapsed_seconds": _seconds(self.soak_elapsed),
            "conditions": [c.to_json() for c in self.conditions],
        }


class GateFacts(msgspec.Struct, frozen=True):
    """What the gate is evaluated from. ``statuses``/``reviews`` None: not read (no token)."""

    stage: Stage
    gate: Stage | None
    version: str
    release_type: str
    history: Sequence[BaseCommit]  # first-parent base history, oldest first
    statuses: Sequence[CommitStatus] | None = None
    reviews: Sequence[Review] | None = None
    author: str | None = None  # the pull request's author: never counts as an approver
    commit_url: Mapping[str, str] = msgspec.field(default_factory=dict)  # sha -> page
    same_change: bool = False  # the change also moves the gate stage (one pull request)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def _span(value: Any) -> timedelta | None:
    return None if value is None else timedelta(seconds=int(value))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def context_matches(context: str, prefix: str) -> bool:
    """Whether a status context is Flux's report for ``verify.status``.

    Current notification-controller writes ``<kind>/<name>/<provider uid prefix>``; older ones
    ``<kind>/<name>``, or ``<summary>/<kind>/<name>``. Segments are compared whole, so
    ``kustomization/apps`` matches ``kustomization/apps/0c9c2e41`` but not
    ``kustomization/apps-canary/0c9c2e41``.
    """
    want = prefix.strip("/").lower().split("/")
    parts = context.lower().split("/")
    if parts[: len(want)] == want and len(parts) <= len(want) + 1:
        return True
    return len(parts) == len(want) + 1 and parts[1:] == want  # <summary>/<kind>/<name>


def admission(history: Sequence[BaseCommit]) -> tuple[BaseCommit, ...]:
    """The base commits since the gate last started admitting V (empty when the tip does not)."""
    run: list[BaseCommit] = []
    for commit in reversed(history):
        if not commit.admits:
            break
        run.append(commit)
    return tuple(reversed(run))


def _health(
    statuses: Iterable[CommitStatus], admitting: set[str], prefix: str, now: datetime
) -> tuple[datetime | None, CommitStatus | None, CommitStatus | None]:
    """(healthy since, the status that made it healthy, the failure that fails it).

    Every matching context counts (one per cluster reporting the stage): a failure in any
    fails the gate; a context that has not decided yet keeps it waiting; else it is healthy
    since the latest of their first successes after their last failure.
    """
    by_context: dict[str, list[CommitStatus]] = {}
    for status in statuses:
        if (
            status.sha in admitting
            and status.created_at <= now
            and context_matches(status.context, prefix)
        ):
            by_context.setdefault(status.context, []).append(status)
    since: datetime | None = None
    proof: CommitStatus | None = None
    waiting = False
    failing: CommitStatus | None = None
    for context in sorted(by_context):
        ordered = sorted(by_context[context], key=lambda s: s.created_at)
        decided = [s for s in ordered if s.state in ("success", "failure", "error")]
        if not decided:
            waiting = True
            continue
        if decided[-1].state != "success":
            failing = failing or decided[-1]
            continue
        start = len(decided)
        while start > 0 and decided[start - 1].state == "success":
            start -= 1
        first = decided[start]
        if since is None or first.created_at > since:
            since, proof = first.created_at, first
    if failing is not None:
        return None, None, failing
    if waiting:
        return None, None, None
    return since, proof, None


def _approvals(
    reviews: Sequence[Review], author: str | None, now: datetime
) -> tuple[list[str], list[str]]:
    """(approvers, reviewers asking for changes), from each reviewer's latest review given by
    ``now`` (a review still being written has no time and does not count)."""
    latest: dict[str, Review] = {}
    given = [r for r in reviews if r.submitted_at is not None and r.submitted_at <= now]
    for review in sorted(given, key=lambda r: r.submitted_at or now):
        if review.bot or review.reviewer == author or review.state in ("COMMENTED", "PENDING"):
            continue
        latest[review.reviewer] = review
    approved = sorted(r for r, v in latest.items() if v.state == "APPROVED")
    blocking = sorted(r for r, v in latest.items() if v.state == "CHANGES_REQUESTED")
    return approved, blocking


def evaluate(facts: GateFacts, now: datetime) -> GateResult:  # noqa: C901
    """The gate's verdict at ``now`` (an aware datetime)."""
    stage, gate, version = facts.stage, facts.gate, facts.version
    if facts.release_type in UNGATED:
        gate = None  # below the gate's line, or back to what ran: the approvals decide
    conditions: list[Condition] = []
    healthy_commit: str | None = None
    soak_elapsed: timedelta | None = None
    verify = gate.verify if gate is not None else None
    soak = verify.soak if verify is not None else None
    start: datetime | None = None
    if gate is None:
        why = (
            f"a {facts.release_type} does not wait for a gate stage"
            if facts.release_type in UNGATED
            else f"{stage.name} has no gate stage"
        )
        conditions.append(Condition("admitted", True, why))
    else:
        run = admission(facts.history)
        if facts.same_change:
            run = ()
            conditions.append(
                Condition(
                    "admitted",
                    False,
                    f"{gate.name} and {stage.name} take {version} in one pull "
                    f"request; {gate.name} cannot run it first — use pull-requests: per-stage",
                    failed=True,
                )
            )
        elif not run:
            conditions.append(
                Condition(
                    "admitted",
                    False,
                    f"{gate.name} does not admit {version} on the base branch "
                    f"yet: merge the {gate.name} pull request first",
                )
            )
        else:
            first = run[0]
            conditions.append(
                Condition(
                    "admitted",
                    True,
                    f"{gate.name} admits {version} since commit {first.sha[:12]}",
                    at=first.at,
                    link=facts.commit_url.get(first.sha),
                )
            )
            start = first.at
        if verify is not None and verify.status:
            start = None
            if not run:
                conditions.append(
                    Condition(
                        "healthy",
                        False,
                        f"waiting for Flux to report {gate.name} "
                        f"({verify.status}) on a commit that admits {version}",
                    )
                )
            elif facts.statuses is None:
                conditions.append(
                    Condition(
                        "healthy",
                        False,
                        f"cannot read Flux's commit statuses ({verify.status}) "
                        "without a GitHub token",
                    )
                )
            else:
                admitting = {c.sha for c in run}
                since, proof, failing = _health(facts.statuses, admitting, verify.status, now)
                if failing is not None:
                    conditions.append(
                        Condition(
                            "healthy",
                            False,
                            f"Flux reports {gate.name} failing ({failing.context}: "
                            f"{failing.description or failing.state}) since "
                            f"{_when(failing.created_at)}",
                            at=failing.created_at,
                            link=failing.target_url or facts.commit_url.get(failing.sha),
                            failed=True,
                        )
                    )
                elif since is None or proof is None:
                    conditions.append(
                        Condition(
                            "healthy",
                            False,
                            f"waiting for Flux to report {gate.name} healthy "
                            f"({verify.status}) on a commit that admits {version}",
                        )
                    )
                else:
                    healthy_commit = proof.sha
                    start = since
                    conditions.append(
                        Condition(
                            "healthy",
                            True,
                            f"Flux reported {gate.name} healthy ({proof.context}: "
                            f"{proof.description or proof.state}) on {proof.sha[:12]}",
                            at=since,
                            link=proof.target_url or facts.commit_url.get(proof.sha),
                        )
                    )
        if soak is not None:
            if start is None:
                conditions.append(
                    Condition(
                        "soak",
                        False,
                        f"soak of {format_duration(soak)} in {gate.name} starts once "
                        f"{gate.name} runs {version}",
                    )
                )
            else:
                ends = start + soak
                soak_elapsed = max(now - start, timedelta(0))
                if now >= ends:
                    conditions.append(
                        Condition(
                            "soak",
                            True,
                            f"{gate.name} ran {version} for "
                            f"{format_duration(soak_elapsed)} (soak {format_duration(soak)})",
                            at=ends,
                        )
                    )
                else:
                    conditions.append(
                        Condition(
                            "soak",
                            False,
                            f"soak in {gate.name} until {_when(ends)} "
                            f"({format_duration(ends - now)} left)",
                            at=start,
                            until=ends,
                        )
                    )
    conditions.append(_approval_condition(facts, now))
    frozen = open_window(stage.freeze, now)
    if frozen is None:
        conditions.append(Condition("freeze", True, f"no freeze window of {stage.name} is open"))
    else:
        window, ends = frozen
        why = f": {window.reason}" if window.reason else ""
        conditions.append(
            Condition(
                "freeze",
                False,
                f"{stage.name} is frozen until {_when(ends)} ({window.label}){why}",
                until=ends,
            )
        )
    state: State = "success"
    if any(c.failed for c in conditions):
        state = "failure"
    elif any(not c.met for c in conditions):
        state = "pending"
    return GateResult(
        stage=stage.name,
        gate=gate.name if gate else None,
        version=version,
        release_type=facts.release_type,
        now=now,
        state=state,
        conditions=tuple(conditions),
        healthy_commit=healthy_commit,
        soak=soak,
        soak_elapsed=soak_elapsed,
    )


def _approval_condition(facts: GateFacts, now: datetime) -> Condition:
    needed = facts.stage.approvals_for(facts.release_type)
    if needed == 0:
        return Condition(
            "approvals",
            True,
            f"no approval required for a {facts.release_type} release in {facts.stage.name}",
        )
    if facts.reviews is None:
        return Condition(
            "approvals",
            False,
            f"{needed} approval(s) required; cannot read "
            "reviews without a GitHub token and an open pull request",
        )
    approved, blocking = _approvals(facts.reviews, facts.author, now)
    if blocking:
        return Condition("approvals", False, f"changes requested by {', '.join(blocking)}")
    if len(approved) < needed:
        have = f" (approved by {', '.join(approved)})" if approved else ""
        return Condition(
            "approvals", False, f"{len(approved)} of {needed} required approval(s){have}"
        )
    return Condition("approvals", True, f"approved by {', '.join(approved)}")


def result_from_json(data: Any) -> GateResult:
    """A verdict read back from ``flux-semver gate --format json``; ValueError says what is
    wrong with it."""
    if not isinstance(data, dict):
        raise ValueError("expected the JSON object `flux-semver gate --format json` prints")
    try:
        conditions = tuple(
            Condition(
                check=c["check"],
                met=bool(c["met"]),
                detail=str(c["detail"]),
                at=_parsed(c.get("at")),
                until=_parsed(c.get("until")),
                link=c.get("link") if isinstance(c.get("link"), str) else None,
                failed=bool(c.get("failed", False)),
            )
            for c in data["conditions"]
        )
        state = data["state"]
        if state not in ("success", "pending", "failure") or any(
            c.check not in ("admitted", "healthy", "soak", "approvals", "freeze")
            for c in conditions
        ):
            raise ValueError(f"unknown state {state!r} or condition")
        now = _parsed(data["now"])
        if now is None:
            raise ValueError("no `now`")
        return GateResult(
            stage=str(data["stage"]),
            gate=data.get("gate"),
            version=str(data["version"]),
            release_type=str(data["release_type"]),
            now=now,
            state=state,
            conditions=conditions,
            healthy_commit=data.get("healthy_commit"),
            soak=_span(data.get("soak_seconds")),
            soak_elapsed=_span(data.get("soak_elapsed_seconds")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"missing or malformed value ({exc})") from None


def _parsed(value: Any) -> datetime | None:
    return None if value is None else iso_moment(str(value))
