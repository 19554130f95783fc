"""The data every part of flux-semver passes around: stages, policies, findings, plans.

These are plain, frozen values. Modules that compute them (``config``, ``manifests``,
``rules``, ``plan``) import from here; nothing here imports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import msgspec

#: What a new version is, compared with what the stages run (README: How a release flows).
ReleaseType = Literal["patch", "minor", "major", "prerelease"]
#: What a plan does: a release of one of the types above, or a rollback (the action's plan that
#: puts ranges back). A hotfix is a release whose gated stages take a version below their gate's
#: floor; its changes carry the action ``hotfix`` and ``approval: {hotfix: ...}`` applies.
PlanKind = Literal["patch", "minor", "major", "prerelease", "hotfix", "rollback"]
RELEASE_TYPES: tuple[ReleaseType, ...] = ("patch", "minor", "major", "prerelease")
PLAN_KINDS: tuple[PlanKind, ...] = (*RELEASE_TYPES, "hotfix", "rollback")
#: ``--release-type`` values: ``auto`` classifies; the rest override the classification.
RELEASE_TYPE_CHOICES: tuple[str, ...] = ("auto", "patch", "minor", "major")
#: How big a step a release type is (prereleases, hotfixes and rollbacks are no step).
RELEASE_RANK: Mapping[str, int] = {"patch": 0, "minor": 1, "major": 2}
StageRule = Literal["auto", "follow", "hold"]
#: ``waits``: a gated stage whose gate takes the version in this same plan; it is written in a
#: later change. ``hotfix``: a gated stage takes a version below its gate's floor.
Action = Literal["auto", "update", "hotfix", "waits", "hold", "unchanged", "blocked"]
#: The actions that write a range.
WRITES: tuple[Action, ...] = ("update", "hotfix")
#: The actions whose change shows the range the stage would get (``from -> to``).
SHOWS_TARGET: tuple[Action, ...] = (*WRITES, "waits", "blocked")
Severity = Literal["error", "warning"]
Window = Literal["exact", "patch", "minor", "open"]
PolicyKind = Literal["semver", "alphabetical", "numerical", "none"]


def release_words(release_type: str, *, plural: bool = False) -> str:
    """A release type in words: "minor release(s)", but "prerelease(s)", never "prerelease
    release" (and "hotfix(es)", "rollback(s)" for those plans)."""
    if release_type == "hotfix":
        return "hotfixes" if plural else "hotfix"
    if release_type in ("prerelease", "rollback"):
        return release_type + ("s" if plural else "")
    return f"{release_type} release" + ("s" if plural else "")


def iso_moment(text: str) -> datetime:
    """An ISO 8601 time (``2026-12-01T15:00:00Z``), as every time flux-semver reads is read:
    one without an offset is UTC; one with an offset keeps it. Raises ``ValueError`` when
    ``text`` is no such time."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class FreezeWindow(msgspec.Struct, frozen=True):
    """One ``freeze:`` entry: a span of dates, or hours on some weekdays, in a time zone.
    When it is open is :func:`flux_semver.repo.windows.open_window`'s to say."""

    tz: str = "UTC"
    days: tuple[str, ...] = ()  # weekly: mon..sun
    start_time: time | None = None  # weekly: from
    end_time: time | None = None  # weekly: to; None with days means 24:00
    start_date: date | None = None  # dates: first day frozen
    end_date: date | None = None  # dates: last day frozen (inclusive)
    reason: str = ""

    @property
    def label(self) -> str:
        if self.start_date is not None:
            return f"{self.start_date.isoformat()} to {self.end_date} ({self.tz})"
        start = self.start_time.strftime("%H:%M") if self.start_time else "00:00"
        end = self.end_time.strftime("%H:%M") if self.end_time else "24:00"
        return f"{','.join(self.days)} {start}-{end} ({self.tz})"


class Verify(msgspec.Struct, frozen=True):
    """``verify:`` of a gate stage: the commit-status context Flux posts, and the soak time."""

    status: str | None = None  # a context prefix, e.g. "kustomization/apps"
    soak: timedelta | None = None


class Stage(msgspec.Struct, frozen=True):
    """One environment in promotion order (README: Configuration)."""

    name: str
    aliases: tuple[str, ...] = ()
    on: Mapping[str, StageRule] = msgspec.field(default_factory=dict)
    paths: tuple[str, ...] = ()
    exact: bool = False
    after: str | None = None
    approval: Mapping[str, str | int] = msgspec.field(default_factory=dict)
    verify: Verify | None = None
    freeze: tuple[FreezeWindow, ...] = ()

    def approvals_for(self, release_type: str) -> int:
        """How many approving reviews a pull request of this release type needs here."""
        value = self.approval.get(release_type, "none")
        if value == "required":
            return 1
        return value if isinstance(value, int) else 0

    def rule_for(self, release_type: str) -> StageRule:
        """The stage's rule for a release type; prereleases hold unless configured."""
        return self.on.get(release_type, "hold")


class Config(msgspec.Struct, frozen=True):
    """A loaded ``.flux-semver.yaml`` (or the defaults): stages in promotion order."""

    stages: tuple[Stage, ...]
    source: str | None = None  # the file it came from; None for the built-in defaults
    exclude: tuple[str, ...] = ()  # globs of files never read, relative to the root

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)


class Policy(msgspec.Struct, frozen=True):
    """One semver range Flux evaluates (an ImagePolicy, or another kind of README: Kinds),
    as Flux applies it in its stage.

    ``file`` is relative to the repository root, with ``/`` separators. ``line`` is the
    1-based line where the document's ``kind: ImagePolicy`` stands; ``range_line`` and
    ``range_column`` (1-based) point at the first character of the range value (its
    opening quote, when quoted). ``stage_source`` says in words where ``stage`` came from.
    """

    file: str
    line: int
    document: int  # 0-based index of the YAML document in its file
    name: str
    namespace: str | None
    api_version: str
    kind: PolicyKind
    range_text: str | None
    range_line: int | None
    range_column: int | None
    app: str | None
    stage: str | None
    stage_source: str
    labels: Mapping[str, str] = msgspec.field(default_factory=dict)
    # a later stage source that names another stage, in words (FS012); None when they agree
    stage_conflict: str | None = None
    filter_pattern: str | None = None
    filter_extract: str | None = None
    patch: bool = False  # a Kustomize patch targeting an ImagePolicy: reported, never rewritten
    body: Mapping[str, Any] = msgspec.field(default_factory=dict)  # the document as plain data
    # 1-based position of the apiVersion value (FS005 points there); None when not written
    api_version_line: int | None = None
    api_version_column: int | None = None
    # The Flux kind that holds the range (README: Kinds): ImagePolicy, HelmRelease, HelmChart,
    # OCIRepository or GitRepository.
    resource: str = "ImagePolicy"
    # Where the effective range is written, when that is not the kind's own field of the
    # document (a Kustomize patch, a post-build substitution variable): the keys (and list
    # indexes) from document ``document`` of ``file`` to the value; ``inline`` leads to an
    # inline patch (a YAML string) that ``value_path`` is then read inside; ``value_span`` is
    # the part of the value that is the range (a substitution's default).
    value_path: tuple[str | int, ...] = ()
    inline: tuple[str | int, ...] = ()
    value_span: tuple[int, int] | None = None
    # Where the effective range comes from, in words (an overlay's patch, a variable), or why
    # it cannot be known (a Secret's value); None for a range written in the document itself.
    origin: str | None = None
    # Set when the range is written in a base that other stages share: why it is not edited
    # there, and the exact patch to add to this stage's overlay instead.
    shared: str | None = None
    # (name, namespace) a patch in that overlay targets this policy by (Kustomize applies an
    # overlay's namespace and name prefix after its patches)
    patch_target: tuple[str, str | None] = ("", None)
    # whether that overlay's ``patches`` can take one more entry (then promote adds it)
    extendable: bool = False

    @property
    def ref(self) -> str:
        """``namespace/name`` as people write it (``name`` alone without a namespace); other
        kinds than ImagePolicy are prefixed with their kind: ``HelmRelease/podinfo/podinfo``."""
        ref = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return ref if self.resource == "ImagePolicy" else f"{self.resource}/{ref}"


class FileError(msgspec.Struct, frozen=True):
    """A file that could not be read or parsed; the scan goes on without it."""

    file: str
    line: int
    column: int
    message: str
    mentions_policy: bool  # the file's text mentions ImagePolicy (FS009 applies)
    template: bool = False  # a Helm or Go template: flux-semver could never edit it anyway


class Finding(msgspec.Struct, frozen=True):
    """One problem a rule found, pointing at the offending value."""

    code: str
    name: str
    severity: Severity
    file: str
    line: int
    column: int
    policy: str | None
    stage: str | None
    message: str
    # Other files whose content this finding depends on (a gate stage's policy for FS003): a
    # change to one of them is reported with this finding even though it points elsewhere.
    related: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "policy": self.policy,
            "stage": self.stage,
            "message": self.message,
        }


class PlanChange(msgspec.Struct, frozen=True):
    """What a release does to one policy (README: flux-semver plan, its JSON)."""

    stage: str
    file: str
    line: int
    column: int
    policy: str
    from_range: str
    to_range: str | None  # None unless action is "update" (or "blocked": what it would be)
    action: Action
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "file": self.file,
            "line": self.line,
            "policy": self.policy,
            "from": self.from_range,
            "to": self.to_range,
            "action": self.action,
            "reason": self.reason,
        }


class Plan(msgspec.Struct, frozen=True):
    """The changes one release makes to one app's policies, in stage order."""

    app: str
    version: str
    release_type: PlanKind
    changes: tuple[PlanChange, ...]
    approval_required: bool = False
    # the app's policies that belong to no stage: a plan cannot see them, and says so
    unmapped: int = 0

    @property
    def blocked(self) -> bool:
        return any(c.action == "blocked" for c in self.changes)

    @property
    def updates(self) -> tuple[PlanChange, ...]:
        """The changes that write a range (``update`` and ``hotfix``)."""
        return tuple(c for c in self.changes if c.action in WRITES)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "version": self.version,
            "release_type": self.release_type,
            "approval_required": self.approval_required,
            "unmapped": self.unmapped,
            "changes": [c.to_json() for c in self.changes],
        }
