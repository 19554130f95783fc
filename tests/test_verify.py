"""The gate's five conditions as tables: pure functions, a clock given by each row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flux_semver.model import FreezeWindow, Stage, Verify, iso_moment
from flux_semver.release.github_reads import statuses_from
from flux_semver.release.verify import (
    BaseCommit,
    CommitStatus,
    GateFacts,
    Review,
    admission,
    context_matches,
    evaluate,
)
from flux_semver.repo.windows import (
    WindowError,
    format_duration,
    freeze_window,
    open_window,
    parse_duration,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


PRE = Stage("pre-prod", verify=Verify(status="kustomization/apps", soak=timedelta(hours=24)))
PROD = Stage("prod", after="pre-prod", approval={"major": "required", "hotfix": 2})
# before the merge (does not admit), the merge at T0, a later commit at T0+2h
HISTORY = (
    BaseCommit("a" * 40, h(-5), False),
    BaseCommit("b" * 40, T0, True),
    BaseCommit("c" * 40, h(2), True),
)


def flux(
    sha: str, hours: float, state: str = "success", context: str = "kustomization/apps/0c9c2e41"
) -> CommitStatus:
    description = {
        "success": "reconciliation succeeded",
        "failure": "health check failed",
        "pending": "progressing",
    }.get(state, state)
    return CommitStatus(sha * 40, context, state, h(hours), description)


def facts(
    statuses: list[CommitStatus] | None = None,
    reviews: list[Review] | None = None,
    release_type: str = "patch",
    prod: Stage = PROD,
    history: tuple[BaseCommit, ...] = HISTORY,
) -> GateFacts:
    return GateFacts(
        stage=prod,
        gate=PRE,
        version="2.0.0",
        release_type=release_type,
        history=history,
        statuses=statuses,
        reviews=reviews,
        author="flux-bot",
    )


@pytest.mark.parametrize(
    ("context", "prefix", "expected"),
    [
        ("kustomization/apps/0c9c2e41", "kustomization/apps", True),  # current Flux
        ("kustomization/apps", "kustomization/apps", True),  # older Flux
        ("cluster-eu/kustomization/apps", "kustomization/apps", True),  # older, with a summary
        ("Kustomization/Apps/0C9C2E41", "kustomization/apps", True),
        ("kustomization/apps-canary/0c9c2e41", "kustomization/apps", False),
        ("kustomization/apps/0c9c2e41/extra", "kustomization/apps", False),
        ("ci/build", "kustomization/apps", False),
        ("helmrelease/apps/0c9c2e41", "kustomization/apps", False),
        ("kustomization/apps/0c9c2e41", "kustomization/apps/0c9c2e41", True),
        ("kustomization/apps/ffffffff", "kustomization/apps/0c9c2e41", False),
    ],
)
def test_context_matches_flux_contexts_only(context: str, prefix: str, expected: bool) -> None:
    assert context_matches(context, prefix) is expected


@pytest.mark.parametrize(
    ("admits", "expected"),
    [
        ((False, True, True), ("b", "c")),
        ((True, False, True), ("c",)),  # taken, dropped, taken again: counted from the last time
        ((True, True, False), ()),  # the tip does not admit: nothing
        ((), ()),
    ],
)
def test_admission_is_the_run_of_admitting_commits_ending_at_the_tip(
    admits: tuple[bool, ...], expected: tuple[str, ...]
) -> None:
    history = [BaseCommit(chr(ord("a") + i), h(i), a) for i, a in enumerate(admits)]
    assert tuple(c.sha for c in admission(history)) == expected


def _state(result_facts: GateFacts, hours: float) -> tuple[str, str]:
    result = evaluate(result_facts, h(hours))
    return result.state, result.description


@pytest.mark.parametrize(
    ("statuses", "hours", "state", "description"),
    [
        ([], 1, "pending", "waiting for Flux to report pre-prod healthy"),
        # a status on the commit before the merge (it does not admit 2.0.0) counts for nothing
        ([flux("a", 0.1)], 30, "pending", "waiting for Flux"),
        # a forged context counts for nothing
        ([flux("b", 0.1, context="ci/flux")], 30, "pending", "waiting for Flux"),
        (
            [flux("b", 0.1, context="kustomization/apps-canary/0c9c2e41")],
            30,
            "pending",
            "waiting for Flux",
        ),
        # pending is not a verdict
        ([flux("b", 0.05, "pending")], 30, "pending", "waiting for Flux"),
        (
            [flux("b", 0.1)],
            1,
            "pending",
            "soak in pre-prod until 2026-03-03 09:06 UTC (23h6m left)",
        ),
        ([flux("b", 0.1)], 24.1, "success", "2.0.0 verified in pre-prod"),
        # a later commit's success keeps the soak that started earlier
        ([flux("b", 0.1), flux("c", 2.1)], 24.2, "success", "2.0.0 verified in pre-prod"),
        # a failure after success fails the gate ...
        (
            [flux("b", 0.1), flux("b", 5, "failure")],
            30,
            "failure",
            "Flux reports pre-prod failing (kustomization/apps/0c9c2e41: health check failed)",
        ),
        ([flux("b", 0.1), flux("c", 5, "error")], 30, "failure", "Flux reports pre-prod failing"),
        # ... and the next success restarts the soak
        (
            [flux("b", 0.1), flux("b", 5, "failure"), flux("c", 6)],
            29,
            "pending",
            "soak in pre-prod until 2026-03-03 15:00 UTC (1h left)",
        ),
        ([flux("b", 0.1), flux("b", 5, "failure"), flux("c", 6)], 30, "success", "2.0.0 verified"),
        # two clusters (two Providers) report: both must be healthy, the soak from the later
        (
            [flux("b", 0.1), flux("b", 3, context="kustomization/apps/7d1e0f00")],
            25,
            "pending",
            "soak in pre-prod until 2026-03-03 12:00 UTC",
        ),
        (
            [flux("b", 0.1), flux("b", 3, "failure", context="kustomization/apps/7d1e0f00")],
            25,
            "failure",
            "Flux reports pre-prod failing (kustomization/apps/7d1e0f00",
        ),
        # one cluster failing fails the gate even while another has not reported yet
        (
            [
                flux("b", 0.1, "pending"),
                flux("b", 3, "failure", context="kustomization/apps/7d1e0f00"),
            ],
            25,
            "failure",
            "Flux reports pre-prod failing",
        ),
        (
            [flux("b", 0.1), flux("b", 3, "pending", context="kustomization/apps/7d1e0f00")],
            25,
            "pending",
            "waiting for Flux",
        ),
        # evaluated as at an earlier time, a later failure has not happened yet
        ([flux("b", 0.1), flux("b", 30, "failure")], 25, "success", "2.0.0 verified"),
    ],
)
def test_flux_status_and_soak(
    statuses: list[CommitStatus], hours: float, state: str, description: str
) -> None:
    got_state, got = _state(facts(statuses, []), hours)
    assert (got_state, got[: len(description)]) == (state, description)


def test_the_gate_waits_for_its_stage_to_take_the_version_first() -> None:
    history = (BaseCommit("a" * 40, h(-5), False),)
    result = evaluate(facts([flux("a", 0.1)], [], history=history), h(48))
    assert result.state == "pending"
    assert result.description.startswith("pre-prod does not admit 2.0.0 on the base branch yet")
    assert [c.check for c in result.missing] == ["admitted", "healthy", "soak"]


def test_without_a_token_statuses_and_reviews_are_missing_not_assumed() -> None:
    result = evaluate(facts(None, None, release_type="major"), h(48))
    assert result.state == "pending"
    assert result.missing[0].detail.startswith("cannot read Flux's commit statuses")
    assert "without a GitHub token" in result.missing[-1].detail


def review(who: str, state: str, hours: float, bot: bool = False) -> Review:
    return Review(who, state, h(hours), bot)


@pytest.mark.parametrize(
    ("release_type", "reviews", "state", "description"),
    [
        ("patch", [], "success", "2.0.0 verified"),  # patches need no approval
        ("major", [], "pending", "0 of 1 required approval(s)"),
        ("major", [review("alice", "APPROVED", 1)], "success", "2.0.0 verified"),
        ("major", [review("flux-semver[bot]", "APPROVED", 1, bot=True)], "pending", "0 of 1"),
        ("major", [review("flux-bot", "APPROVED", 1)], "pending", "0 of 1"),  # the PR's author
        # the latest review of each reviewer counts; a comment changes nothing
        ("major", [review("alice", "APPROVED", 1), review("alice", "COMMENTED", 2)], "success", ""),
        (
            "major",
            [review("alice", "APPROVED", 1), review("alice", "DISMISSED", 2)],
            "pending",
            "0 of 1",
        ),
        (
            "major",
            [review("alice", "APPROVED", 1), review("bob", "CHANGES_REQUESTED", 2)],
            "pending",
            "changes requested by bob",
        ),
        (
            "major",
            [review("bob", "CHANGES_REQUESTED", 1), review("bob", "APPROVED", 2)],
            "success",
            "",
        ),
        ("major", [review("alice", "APPROVED", 40)], "pending", "0 of 1"),  # not given yet at 30h
        ("major", [Review("alice", "PENDING", None), review("bob", "APPROVED", 1)], "success", ""),
        (
            "hotfix",
            [review("alice", "APPROVED", 1)],
            "pending",
            "1 of 2 required approval(s) (approved by alice)",
        ),
        (
            "hotfix",
            [review("alice", "APPROVED", 1), review("carol", "APPROVED", 1.5)],
            "success",
            "",
        ),
    ],
)
def test_approvals(release_type: str, reviews: list[Review], state: str, description: str) -> None:
    got_state, got = _state(facts([flux("b", 0.1)], reviews, release_type), 30)
    assert (got_state, got[: len(description)]) == (state, description)


FRIDAY_BERLIN = freeze_window(
    {"days": ["fri"], "from": "15:00", "to": "24:00", "tz": "Europe/Berlin"}
)
NIGHTS = freeze_window({"days": ["mon", "tue"], "from": "22:00", "to": "06:00"})
HOLIDAYS = freeze_window(
    {"from": "2026-12-21", "to": "2027-01-03", "tz": "Europe/Berlin", "reason": "year-end freeze"}
)


@pytest.mark.parametrize(
    ("window", "now", "until"),
    [
        (FRIDAY_BERLIN, "2026-03-06T13:59:00+00:00", None),  # 14:59 in Berlin
        (FRIDAY_BERLIN, "2026-03-06T14:00:00+00:00", "2026-03-06T23:00:00+00:00"),
        (FRIDAY_BERLIN, "2026-03-06T22:59:00+00:00", "2026-03-06T23:00:00+00:00"),
        (FRIDAY_BERLIN, "2026-03-06T23:00:00+00:00", None),
        (FRIDAY_BERLIN, "2026-07-03T13:30:00+00:00", "2026-07-03T22:00:00+00:00"),  # summer time
        (NIGHTS, "2026-03-02T23:00:00+00:00", "2026-03-03T06:00:00+00:00"),  # Monday night
        (NIGHTS, "2026-03-04T05:00:00+00:00", "2026-03-04T06:00:00+00:00"),  # Tuesday's night
        (NIGHTS, "2026-03-05T05:00:00+00:00", None),  # Wednesday's early hours: not listed
        (HOLIDAYS, "2026-12-20T22:59:00+00:00", None),
        (HOLIDAYS, "2026-12-20T23:00:00+00:00", "2027-01-03T23:00:00+00:00"),
        (HOLIDAYS, "2027-01-03T22:00:00+00:00", "2027-01-03T23:00:00+00:00"),  # the last day too
    ],
)
def test_freeze_windows(window: FreezeWindow, now: str, until: str | None) -> None:
    found = open_window([window], datetime.fromisoformat(now))
    assert (found[1].astimezone(UTC).isoformat() if found else None) == until


def test_an_open_freeze_holds_the_gate_until_it_closes() -> None:
    prod = Stage("prod", after="pre-prod", freeze=(HOLIDAYS,))
    result = evaluate(facts([flux("b", 0.1)], [], prod=prod), datetime(2026, 12, 24, tzinfo=UTC))
    assert result.state == "pending"
    assert result.description == (
        "prod is frozen until 2027-01-04 00:00 CET (2026-12-21 to "
        "2027-01-03 (Europe/Berlin)): year-end freeze"
    )
    assert result.until == datetime(2027, 1, 3, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("24h", 24),
        ("90m", 1.5),
        ("1h30m", 1.5),
        ("2d", 48),
        ("1d12h", 36),
        ("45s", 0.0125),
    ],
)
def test_durations(text: str, hours: float) -> None:
    assert parse_duration(text) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["24hours", "1 day", "", "h", "-1h", "24H", "1.5h"])
def test_durations_people_get_wrong(text: str) -> None:
    with pytest.raises(WindowError, match="write it like 24h"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(hours=23, minutes=10), "23h10m"),
        (timedelta(days=1, hours=2), "1d2h"),
        (timedelta(seconds=30), "30s"),
        (timedelta(0), "0m"),
    ],
)
def test_format_duration(span: timedelta, text: str) -> None:
    assert format_duration(span) == text


def test_the_status_description_fits_githubs_140_characters() -> None:
    long_context = "kustomization/" + "a" * 200
    stage = Stage("pre-prod", verify=Verify(status=long_context))
    gated = GateFacts(
        stage=PROD,
        gate=stage,
        version="2.0.0",
        release_type="patch",
        history=HISTORY,
        statuses=[flux("b", 1, "failure", context=long_context)],
        reviews=[],
    )
    result = evaluate(gated, h(2))
    assert result.state == "failure"
    assert len(result.description) == 140
    assert result.description.endswith("…")


def test_a_hotfix_waits_for_its_approvals_not_for_the_gate() -> None:
    never = (BaseCommit("a" * 40, h(-5), False),)  # the gate runs a newer line
    hotfix = evaluate(facts([], [review("alice", "APPROVED", 1)], "hotfix", history=never), h(2))
    assert (hotfix.state, hotfix.description) == (
        "pending",
        "1 of 2 required approval(s) (approved by alice)",
    )
    assert hotfix.gate is None
    assert hotfix.conditions[0].detail == "a hotfix does not wait for a gate stage"


def test_a_rollback_waits_for_no_gate_but_for_its_approvals() -> None:
    prod = Stage("prod", after="pre-prod", approval={"rollback": "required"})
    rollback = GateFacts(
        stage=prod, gate=None, version="1.2.3", release_type="rollback", history=(), reviews=[]
    )
    assert evaluate(rollback, h(0)).description == "0 of 1 required approval(s)"
    approved = GateFacts(
        stage=prod,
        gate=None,
        version="1.2.3",
        release_type="rollback",
        history=(),
        reviews=[review("alice", "APPROVED", 0)],
    )
    result = evaluate(approved, h(1))
    assert (result.state, result.description) == (
        "success",
        "a rollback does not wait for a gate stage",
    )


def test_the_gate_and_its_stage_in_one_change_fail_with_the_way_out() -> None:
    together = GateFacts(
        stage=PROD,
        gate=PRE,
        version="2.0.0",
        release_type="patch",
        history=HISTORY[:1],
        statuses=[],
        reviews=[],
        same_change=True,
    )
    result = evaluate(together, h(1))
    assert result.state == "failure"
    assert result.description == (
        "pre-prod and prod take 2.0.0 in one pull request; pre-prod cannot run it first — use "
        "pull-requests: per-stage (+2 more)"
    )


def test_every_time_read_is_iso_8601_and_one_without_an_offset_is_utc() -> None:
    assert iso_moment("2026-03-02T09:00:00") == T0
    assert iso_moment("2026-03-02T09:00:00Z") == T0
    assert iso_moment("2026-03-02T11:00:00+02:00") == T0
    with pytest.raises(ValueError, match="Invalid isoformat"):
        iso_moment("Monday 9am")
    items: list[dict[str, str | None]] = [
        {"context": "a", "state": "success", "created_at": "2026-03-02T09:00:00"},
        {"context": "b", "state": "success", "created_at": "2026-03-02T11:00:00+02:00"},
        {"context": "c", "state": "success", "created_at": "yesterday"},
        {"context": "d", "state": "success", "created_at": None},
    ]
    statuses = statuses_from("b" * 40, items)
    assert [(s.context, s.created_at) for s in statuses] == [("a", T0), ("b", T0)]
    assert all(s.created_at.utcoffset() == timedelta(0) for s in statuses)
