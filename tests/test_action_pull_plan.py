"""Which pull requests a run opens, updates, closes or leaves: the pure decision, from tables of
(release, request, what origin and GitHub hold) to targets."""

from __future__ import annotations

import pytest

from flux_semver.github.change import Release, Rollback
from flux_semver.github.pull_plan import (
    BranchState,
    PullState,
    Request,
    Target,
    decide,
    newer,
)
from flux_semver.model import Plan

STAGES = ("dev", "pre-prod", "prod")
B = "flux-semver/myapp/"


def _release(version: str, kind: str = "major") -> Release:
    return Release(
        Plan(
            app="myapp",
            version=version,
            release_type=kind,  # type: ignore[arg-type]
            changes=(),
        )
    )


def _open(version: str, number: int, ours: bool = True) -> BranchState:
    return BranchState(
        tip=f"c{number}",
        ours=ours,
        version=version,
        open_pull=PullState(number, f"https://github.test/pull/{number}"),
    )


def _summary(targets: tuple[Target, ...]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(t.action, t.branch.removeprefix(B), t.stages) for t in targets]


ALL_MOVE = Request("per-stage", STAGES, (), (), STAGES)
PROD_ONLY = Request("per-stage", ("prod",), ("dev", "pre-prod"), (), STAGES)


@pytest.mark.parametrize(
    ("version", "request_", "branches", "expected"),
    [
        # nothing on origin: one pull request per moving stage
        (
            "2.0.0",
            ALL_MOVE,
            {},
            [
                ("write", "dev", ("dev",)),
                ("write", "pre-prod", ("pre-prod",)),
                ("write", "prod", ("prod",)),
            ],
        ),
        # a newer release of the same line is pending: an older re-run leaves it
        ("2.0.0", PROD_ONLY, {B + "prod": _open("2.0.1", 3)}, [("keep", "prod", ("prod",))]),
        # an older line (a hotfix) while a major is pending: the line's own branch, and the
        # major's idle stages are not closed
        (
            "1.4.5",
            PROD_ONLY,
            {
                B + "dev": _open("2.0.0", 1),
                B + "pre-prod": _open("2.0.0", 2),
                B + "prod": _open("2.0.0", 3),
            },
            [
                ("write", "prod-1.4.x", ("prod",)),
                ("keep", "dev", ("dev",)),
                ("keep", "pre-prod", ("pre-prod",)),
            ],
        ),
        # a later release in the hotfix line updates the line's branch
        (
            "1.4.6",
            PROD_ONLY,
            {B + "prod": _open("2.0.0", 3), B + "prod-1.4.x": _open("1.4.5", 4)},
            [("write", "prod-1.4.x", ("prod",))],
        ),
        # an older pending release is replaced; idle stages of older releases are closed
        (
            "2.0.1",
            PROD_ONLY,
            {B + "prod": _open("2.0.0", 3), B + "dev": _open("2.0.0", 1)},
            [("write", "prod", ("prod",)), ("close", "dev", ("dev",))],
        ),
        # a person's commit on the branch: left alone, and never closed
        (
            "2.0.1",
            PROD_ONLY,
            {B + "prod": _open("2.0.0", 3, ours=False), B + "dev": _open("2.0.0", 1, ours=False)},
            [("leave", "prod", ("prod",)), ("leave", "dev", ("dev",))],
        ),
        # failing evidence holds prod back: its open pull request closes
        (
            "2.0.0",
            Request("per-stage", ("dev", "pre-prod"), (), ("prod",), STAGES),
            {B + "prod": _open("2.0.0", 3)},
            [
                ("write", "dev", ("dev",)),
                ("write", "pre-prod", ("pre-prod",)),
                ("close", "prod", ("prod",)),
            ],
        ),
        # switching to one pull request closes the per-stage ones
        (
            "2.0.0",
            Request("single", STAGES, (), (), STAGES),
            {B + "dev": _open("2.0.0", 1), B + "prod": _open("2.0.0", 3)},
            [
                ("write", "release", STAGES),
                ("close", "dev", ("dev",)),
                ("close", "prod", ("prod",)),
            ],
        ),
        # and back
        (
            "2.0.0",
            ALL_MOVE,
            {B + "release": _open("2.0.0", 9)},
            [
                ("write", "dev", ("dev",)),
                ("write", "pre-prod", ("pre-prod",)),
                ("write", "prod", ("prod",)),
                ("close", "release", STAGES),
            ],
        ),
        # pull-requests: none touches nothing
        ("2.0.0", Request("none", STAGES, (), (), STAGES), {B + "dev": _open("1.0.0", 1)}, []),
    ],
)
def test_decide(
    version: str,
    request_: Request,
    branches: dict[str, BranchState],
    expected: list[tuple[str, str, tuple[str, ...]]],
) -> None:
    assert _summary(decide(_release(version), request_, branches)) == expected


def test_a_pull_request_a_person_closed_stays_closed_until_the_release_changes() -> None:
    closed = BranchState(
        tip="c5", ours=True, version="2.0.0", closed_pull=PullState(5, "https://github.test/pull/5")
    )
    request = Request("per-stage", ("dev",), (), (), ("dev",))
    [same] = decide(_release("2.0.0"), request, {B + "dev": closed})
    assert (same.action, "#5" in same.reason) == ("leave", True)
    [newer_release] = decide(_release("2.0.1"), request, {B + "dev": closed})
    assert newer_release.action == "write"


def test_a_rollback_writes_its_own_branches_whatever_version_is_pending() -> None:
    rollback = Rollback(Plan(app="myapp", version="previous", release_type="rollback", changes=()))
    request = Request("per-stage", ("prod",), (), (), ("prod",))
    [target] = decide(rollback, request, {B + "prod": _open("2.0.0", 3)})
    assert (target.action, target.branch) == ("write", B + "rollback-prod")


@pytest.mark.parametrize(
    ("pending", "version", "expected"),
    [
        ("2.0.1", "2.0.0", True),
        ("2.0.0", "2.0.1", False),
        ("2.0.0", "2.0.0", False),
        ("v2.0.0", "1.9.9", True),
        (None, "1.0.0", False),
        ("2.0.0", "previous", False),
        ("2.0.0-rc.1", "2.0.0", False),
    ],
)
def test_newer(pending: str | None, version: str, expected: bool) -> None:
    assert newer(pending, version) is expected
