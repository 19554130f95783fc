"""Verified promotion's config keys: ``verify``, ``approval`` counts, ``freeze`` windows — read,
and refused in one line (file, line, what is wrong, how to fix it) with exit code 2."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from flux_semver.cli import main
from flux_semver.repo import config

GOOD = """\
stages:
  - name: dev
  - name: pre-prod
    verify: {status: kustomization/apps, soak: 1d12h}
  - name: prod
    after: pre-prod
    approval: {major: 2, hotfix: required, patch: none}
    freeze:
      - {days: [fri], from: "15:00", to: "24:00", tz: Europe/Berlin}
      - {from: 2026-12-21, to: 2027-01-03, reason: year-end}
"""


def test_verify_approval_and_freeze_are_read(tmp_path: Path) -> None:
    (tmp_path / ".flux-semver.yaml").write_text(GOOD)
    loaded = config.load(tmp_path)
    pre, prod = loaded.stage("pre-prod"), loaded.stage("prod")
    assert pre.verify is not None
    assert pre.verify.status == "kustomization/apps"
    assert pre.verify.soak == timedelta(hours=36)
    assert [prod.approvals_for(t) for t in ("major", "hotfix", "patch", "minor")] == [2, 1, 0, 0]
    assert [w.label for w in prod.freeze] == [
        "fri 15:00-24:00 (Europe/Berlin)",
        "2026-12-21 to 2027-01-03 (UTC)",
    ]


BAD = [
    (
        "soak: 1d12h",
        "soak: 24hours",
        ":4: stages[1].verify.soak: unknown duration '24hours' — write it like 24h, 90m, 1h30m "
        "or 2d",
    ),
    (
        "tz: Europe/Berlin",
        "tz: Europe/Atlantis",
        ":9: stages[2].freeze[0]: unknown time zone 'Europe/Atlantis' — use an IANA name such as "
        "Europe/Berlin, America/New_York or UTC",
    ),
    (
        "    after: pre-prod\n",
        "    after: null\n",
        ":4: stages[1].verify is set on 'pre-prod', but no stage is gated by it (no `after: "
        "pre-prod`) — move verify to the gate stage, or add `after: pre-prod` to the stage that "
        "must wait for it (one of dev, prod)",
    ),
    (
        'to: "24:00"',
        'to: "25:00"',
        ":9: stages[2].freeze[0]: to is '25:00' — hours go 00-23 (24:00 only as `to`), minutes "
        "00-59",
    ),
    (
        "to: 2027-01-03",
        "to: 2026-01-03",
        ":10: stages[2].freeze[1]: to (2026-01-03) is before from (2026-12-21) — swap them",
    ),
    (
        "days: [fri]",
        "days: [friday]",
        ":9: stages[2].freeze[0].days[0] is 'friday' — use one of: mon, tue, wed, thu, fri, sat, "
        "sun",
    ),
    (
        "major: 2",
        "major: two",
        ":7: stages[2].approval.major is 'two' — use required, none or a number of approving "
        "reviews such as 2",
    ),
    (
        "soak: 1d12h}",
        "wait: 1d}",
        ":4: unknown key 'wait' in stages[1].verify — allowed keys are soak, status; check "
        "the spelling",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_values_are_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    assert old in GOOD
    (tmp_path / ".flux-semver.yaml").write_text(GOOD.replace(old, new))
    assert main(["-C", str(tmp_path), "policies"]) == 2
    err = capsys.readouterr().err
    assert err == f"flux-semver: error: .flux-semver.yaml{message}\n"
