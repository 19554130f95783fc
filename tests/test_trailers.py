"""Commit messages written for promotions carry trailers that read back to the same facts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from flux_semver.model import Plan, PlanChange
from flux_semver.release import trailers


def _change(stage: str, old: str, new: str | None, action: str = "update") -> PlanChange:
    return PlanChange(
        stage=stage,
        file=f"clusters/{stage}/imagepolicy.yaml",
        line=12,
        column=14,
        policy=f"flux-system/myapp-{stage}",
        from_range=old,
        to_range=new,
        action=action,  # type: ignore[arg-type]
        reason="because",
    )


MAJOR = Plan(
    app="myapp",
    version="2.0.0",
    release_type="major",
    changes=(
        _change("dev", "1.2.x", "2.0.x"),
        _change("pre-prod", ">=1.3.0 <1.4.0", ">=2.0.0 <2.1.0"),
        _change("prod", "1.2.3", "2.0.0"),
    ),
    approval_required=True,
)


def test_one_stage_message_reads_back() -> None:
    message = trailers.commit_message(MAJOR, ["pre-prod"], evidence_url="https://ci.example/42")
    read = trailers.parse(message)
    assert read.app == "myapp"
    assert read.stages == ("pre-prod",)
    assert read.version == "2.0.0"
    assert read.release_type == "major"
    assert read.previous == {"pre-prod": ">=1.3.0 <1.4.0"}
    assert read.evidence == ("https://ci.example/42",)
    assert message.splitlines()[0] == ("flux-semver: promote myapp 2.0.0 (major) to pre-prod")
    assert "dev" not in message.split("\n\n")[1]


def test_all_stages_message_lists_each_previous_range() -> None:
    read = trailers.parse(trailers.commit_message(MAJOR))
    assert read.stages == ("dev", "pre-prod", "prod")
    assert read.previous == {"dev": "1.2.x", "pre-prod": ">=1.3.0 <1.4.0", "prod": "1.2.3"}
    assert read.evidence == ()


def test_evidence_with_newlines_stays_one_trailer() -> None:
    message = trailers.commit_message(MAJOR, ["prod"], evidence_url="https://a.example/x\nEvil: 1")
    read = trailers.parse(message)
    assert read.evidence == ("https://a.example/x Evil: 1",)


def test_message_without_trailers_reads_as_absent() -> None:
    assert not trailers.parse("Fix a typo\n\nSee the issue for details.").present
    read = trailers.parse("Update prod to 1.2.4")
    assert not read.present
    assert read.previous == {}


def test_git_itself_sees_the_trailers(tmp_path: Path) -> None:
    """git interpret-trailers agrees that the last paragraph is a trailer block."""
    message = trailers.commit_message(MAJOR, ["prod"], evidence_url="https://ci.example/7")
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    parsed = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message,
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    ).stdout.splitlines()
    assert parsed == [
        "Flux-Semver-App: myapp",
        "Flux-Semver-Stage: prod",
        "Flux-Semver-Release: 2.0.0 (major)",
        "Flux-Semver-Previous: prod 1.2.3",
        "Evidence: https://ci.example/7",
    ]
