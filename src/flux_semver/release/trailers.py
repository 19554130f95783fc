"""Commit messages that carry the audit trail of a promotion, and the reader for them.

A promotion commit ends with git trailers::

    Flux-Semver-App: myapp
    Flux-Semver-Stage: pre-prod
    Flux-Semver-Release: 1.3.0 (minor)
    Flux-Semver-Previous: pre-prod 1.2.x
    Evidence: https://ci.example.com/runs/42

``Flux-Semver-Stage`` and ``Flux-Semver-Previous`` repeat once per stage the commit
changes; ``Previous`` is the stage name, one space, then the range exactly as it was.
``flux-semver history`` and ``rollback`` read these back with :func:`parse`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import msgspec

from flux_semver.model import Plan

APP = "Flux-Semver-App"
STAGE = "Flux-Semver-Stage"
RELEASE = "Flux-Semver-Release"
PREVIOUS = "Flux-Semver-Previous"
EVIDENCE = "Evidence"

_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(?P<value>.*?)\s*$")
_RELEASE = re.compile(r"^(?P<version>\S+)(?:\s+\((?P<type>[a-z]+)\))?$")


class Trailers(msgspec.Struct, frozen=True):
    """What a commit's flux-semver trailers say (empty values when it has none)."""

    app: str | None = None
    stages: tuple[str, ...] = ()
    version: str | None = None
    release_type: str | None = None
    previous: dict[str, str] = msgspec.field(default_factory=dict)  # stage -> range as it was
    evidence: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        return self.app is not None or bool(self.stages) or self.version is not None


def _one_line(value: str) -> str:
    return " ".join(value.split())


def commit_message(
    plan: Plan, stages: Iterable[str] | None = None, evidence_url: str | None = None
) -> str:
    """The commit message for the plan's updates in ``stages`` (all of its stages when None).

    The subject says what changes; the body lists each policy's old and new range; the
    trailers make the commit readable by ``flux-semver history``.
    """
    wanted = None if stages is None else set(stages)
    updates = [c for c in plan.updates if wanted is None or c.stage in wanted]
    touched = list(dict.fromkeys(c.stage for c in updates))
    if not touched and wanted:
        touched = [c.stage for c in plan.changes if c.stage in wanted] or sorted(wanted)
        touched = list(dict.fromkeys(touched))
    where = ", ".join(touched) if touched else "no stage"
    subject = f"flux-semver: promote {plan.app} {plan.version} ({plan.release_type}) to {where}"
    body = [
        f"{c.stage}: {c.policy} {c.from_range} -> {c.to_range} ({c.file}:{c.line})" for c in updates
    ]
    trailers = [f"{APP}: {_one_line(plan.app)}"]
    trailers += [f"{STAGE}: {stage}" for stage in touched]
    trailers.append(f"{RELEASE}: {_one_line(plan.version)} ({plan.release_type})")
    previous: dict[str, str] = {}
    for change in updates:
        previous.setdefault(change.stage, change.from_range)
    trailers += [f"{PREVIOUS}: {stage} {_one_line(rng)}" for stage, rng in previous.items()]
    if evidence_url:
        trailers.append(f"{EVIDENCE}: {_one_line(evidence_url)}")
    parts = [subject]
    if body:
        parts.append("\n".join(body))
    parts.append("\n".join(trailers))
    return "\n\n".join(parts) + "\n"


def parse(message: str) -> Trailers:
    """Read the flux-semver trailers of a commit message (the last paragraph's ``Key: value``)."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return Trailers()
    app: str | None = None
    stages: list[str] = []
    version: str | None = None
    release_type: str | None = None
    previous: dict[str, str] = {}
    evidence: list[str] = []
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line)
        if match is None:
            continue
        key, value = match["key"].lower(), match["value"]
        if key == APP.lower():
            app = value
        elif key == STAGE.lower():
            stages.append(value)
        elif key == RELEASE.lower():
            release = _RELEASE.match(value)
            if release is not None:
                version, release_type = release["version"], release["type"]
        elif key == PREVIOUS.lower():
            stage, _, rng = value.partition(" ")
            previous[stage] = rng
        elif key == EVIDENCE.lower() and value:
            evidence.append(value)
    return Trailers(app, tuple(stages), version, release_type, previous, tuple(evidence))
