"""The action's inputs, read once and normalised: booleans, lists, paths, and the version the
triggering event names when the ``version`` input is empty.

Inputs come through a ``get_input(name) -> str`` function (actions-toolkit's, which reads
``INPUT_<NAME>`` with hyphens kept, as the Docker runner passes them). Anything that could
not be a version, an app name or a path inside the workspace is refused here with one line
that names the input and says what to write instead, before it reaches git or a shell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

import msgspec

from flux_semver.errors import FluxSemverError
from flux_semver.model import RELEASE_TYPE_CHOICES

Command = Literal["promote", "check", "rollback", "gate"]
PullRequestMode = Literal["per-stage", "single", "none"]
EvidencePolicy = Literal["report", "block"]

DEFAULT_AUTHOR = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"

# Every input of action.yml; entrypoint.py reads exactly these.
INPUT_NAMES: tuple[str, ...] = (
    "command",
    "version",
    "image",
    "release-type",
    "stages",
    "path",
    "config",
    "dry-run",
    "pull-requests",
    "base",
    "token",
    "labels",
    "auto-merge",
    "commit-author",
    "evidence-url",
    "evidence-junit",
    "evidence-metrics",
    "evidence-links",
    "evidence-notes",
    "evidence-policy",
    "registry-check",
    "registry-username",
    "registry-password",
)

_VERSION = re.compile(r"[vV]?[0-9][0-9A-Za-z.+-]{0,127}")
_APP = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?")
_STAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_BRANCH = re.compile(r"[A-Za-z0-9._/-]+")
_AUTHOR = re.compile(r"(?P<name>[^<>\n]+?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>")
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class InputError(FluxSemverError):
    """An action input (or the event it derives from) cannot be used as given."""


class ActionInputs(msgspec.Struct, frozen=True):
    """Everything the action was asked to do, normalised."""

    command: Command
    version: str | None
    version_source: str
    image: str | None
    release_type: str | None  # None: classify automatically
    stages: tuple[str, ...]
    path: str
    config: str | None
    dry_run: bool
    pull_requests: PullRequestMode
    base: str | None
    token: str
    labels: tuple[str, ...]
    auto_merge: bool
    author_name: str
    author_email: str
    evidence_url: str | None
    evidence_junit: tuple[str, ...]
    evidence_metrics: str | None
    evidence_links: tuple[tuple[str, str], ...]
    evidence_notes: str | None
    evidence_policy: EvidencePolicy
    registry_check: bool = False
    registry_username: str = ""
    registry_password: str = ""

    def root(self, workspace: Path) -> Path:
        """The GitOps repository root: the workspace, or ``path`` below it.

        Refused when it is no directory, or when it (a symlink) leads out of the workspace.
        """
        root = workspace / self.path if self.path != "." else workspace
        if not root.is_dir():
            raise InputError(f"input `path`: {self.path} is not a directory of the workspace")
        inside = workspace.resolve()
        real = root.resolve()
        if real != inside and inside not in real.parents:
            raise InputError(
                f"input `path`: {self.path} leads out of the workspace (a "
                "symlink); give the GitOps repository's directory itself"
            )
        return root

    def config_path(self, root: Path) -> Path | None:
        """The ``config`` input as a path below ``root`` (None: the repository's own)."""
        return root / self.config if self.config else None

    def workspace_path(self, file: str) -> str:
        """A path relative to the GitOps root as a path relative to the workspace."""
        return file if self.path == "." else f"{self.path.rstrip('/')}/{file}"


def _shown(value: str) -> str:
    """A value quoted for a one-line message (newlines and controls escaped)."""
    return json.dumps(value, ensure_ascii=False)


def parse_bool(name: str, raw: str, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(f"input `{name}`: {_shown(raw)} is not a boolean; write true or false")


def parse_list(raw: str, separators: str = ",\n") -> tuple[str, ...]:
    """Items separated by any of ``separators`` (whitespace when it holds a space)."""
    pattern = "[" + re.escape(separators) + ("\\s" if " " in separators else "") + "]+"
    return tuple(dict.fromkeys(p.strip() for p in re.split(pattern, raw) if p.strip()))


def _choice(name: str, raw: str, allowed: tuple[str, ...], default: str) -> str:
    value = raw.strip().lower() or default
    if value not in allowed:
        raise InputError(f"input `{name}`: {_shown(raw)} is not one of {', '.join(allowed)}")
    return value


def check_version(value: str, source: str) -> str:
    """A version as a tag names it; shell metacharacters, spaces and newlines are refused."""
    if not _VERSION.fullmatch(value):
        raise InputError(
            f"{source}: {_shown(value)} is not a version; give a semantic version such as "
            "2.0.0 or v2.0.0 (digits, letters, '.', '-' and '+' only)"
        )
    return value


def check_image(value: str, source: str) -> str:
    """An app name (an ImageRepository name), never a path or an image reference."""
    if not _APP.fullmatch(value) or ".." in value:
        raise InputError(
            f"{source}: {_shown(value)} is not an app name; give the name of the app's "
            "ImageRepository (the policies' spec.imageRepositoryRef.name, e.g. myapp), "
            "not a path or an image reference"
        )
    return value


def _relative(name: str, raw: str) -> str:
    value = raw.strip()
    pure = PurePosixPath(value.replace("\\", "/"))
    if "\n" in value or pure.is_absolute() or ".." in pure.parts:
        raise InputError(
            f"input `{name}`: {_shown(raw)} must be a path inside the "
            "workspace, relative to it, without '..'"
        )
    return str(pure)


def _author(raw: str) -> tuple[str, str]:
    match = _AUTHOR.fullmatch(raw.strip() or DEFAULT_AUTHOR)
    if match is None:
        raise InputError(
            f"input `commit-author`: {_shown(raw)} is not 'Name <email>'; "
            f"write e.g. {DEFAULT_AUTHOR}"
        )
    return match["name"].strip(), match["email"]


def _links(raw: str) -> tuple[tuple[str, str], ...]:
    links: list[tuple[str, str]] = []
    for item in parse_list(raw, "\n"):
        name, sep, url = item.partition("=")
        if not sep or not name.strip() or not _URL.fullmatch(url.strip()):
            raise InputError(
                f"input `evidence-links`: {_shown(item)} is not NAME=URL; write "
                "one per line, e.g. Grafana=https://grafana.example.com/d/1"
            )
        links.append((name.strip(), url.strip()))
    return tuple(links)


def _url(name: str, raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not _URL.fullmatch(value):
        raise InputError(f"{name}: {_shown(raw)} is not an http(s) URL")
    return value


def load_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The triggering event's payload (``GITHUB_EVENT_PATH``); empty when there is none."""
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(
            f"GITHUB_EVENT_PATH {path}: cannot read the event payload ({exc})"
        ) from None
    return data if isinstance(data, dict) else {}


def _payload(event: Mapping[str, Any], event_name: str) -> Mapping[str, Any]:
    if event_name != "repository_dispatch":
        return {}
    payload = event.get("client_payload")
    return payload if isinstance(payload, dict) else {}


def event_version(env: Mapping[str, str], event: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(version, where it came from)`` from the event, or None when it names none."""
    name = env.get("GITHUB_EVENT_NAME", "")
    if name == "release":
        release = event.get("release")
        tag = release.get("tag_name") if isinstance(release, dict) else None
        if isinstance(tag, str) and tag:
            return tag, "the release event's tag_name"
    if name == "repository_dispatch":
        version = _payload(event, name).get("version")
        if isinstance(version, str) and version:
            return version, "the repository_dispatch client_payload.version"
    ref = env.get("GITHUB_REF", "")
    if ref.startswith("refs/tags/") and len(ref) > len("refs/tags/"):
        return ref[len("refs/tags/") :], "the pushed tag GITHUB_REF"
    return None


def read_inputs(
    get_input: Callable[[str], str],
    env: Mapping[str, str],
    event: Mapping[str, Any] | None = None,
) -> ActionInputs:
    """Read and check every input; the version, image and evidence URL may come from the
    event (``event``, or read from ``GITHUB_EVENT_PATH`` when not given)."""
    raw = {name: get_input(name) for name in INPUT_NAMES}
    event = load_event(env) if event is None else event
    payload = _payload(event, env.get("GITHUB_EVENT_NAME", ""))

    command = _choice(
        "command", raw["command"], ("promote", "check", "rollback", "gate"), "promote"
    )
    version: str | None = None
    version_source = "input `version`"
    if raw["version"]:
        version = check_version(raw["version"], "input `version`")
    elif command == "promote":
        found = event_version(env, event)
        if found is not None:
            version = check_version(*found)
            version_source = found[1]

    image: str | None = None
    if raw["image"]:
        image = check_image(raw["image"], "input `image`")
    elif isinstance(payload.get("image"), str) and payload["image"]:
        image = check_image(payload["image"], "the repository_dispatch client_payload.image")

    evidence_url = _url("input `evidence-url`", raw["evidence-url"])
    if evidence_url is None and isinstance(payload.get("evidence_url"), str):
        evidence_url = _url(
            "the repository_dispatch client_payload.evidence_url", payload["evidence_url"]
        )

    release_type = _choice("release-type", raw["release-type"], RELEASE_TYPE_CHOICES, "auto")
    stages = parse_list(raw["stages"], ", \n")
    for stage in stages:
        if not _STAGE.fullmatch(stage):
            raise InputError(f"input `stages`: {_shown(stage)} is not a stage name")
    base = raw["base"].strip() or None
    if base is not None and (not _BRANCH.fullmatch(base) or ".." in base):
        raise InputError(f"input `base`: {_shown(base)} is not a branch name")
    config = _relative("config", raw["config"]) if raw["config"].strip() else None
    metrics = (
        _relative("evidence-metrics", raw["evidence-metrics"])
        if raw["evidence-metrics"].strip()
        else None
    )
    name, email = _author(raw["commit-author"])
    return ActionInputs(
        command=cast(Command, command),
        version=version,
        version_source=version_source,
        image=image,
        release_type=None if release_type == "auto" else release_type,
        stages=stages,
        path=_relative("path", raw["path"]) if raw["path"].strip() else ".",
        config=config,
        dry_run=parse_bool("dry-run", raw["dry-run"], False),
        pull_requests=cast(
            PullRequestMode,
            _choice(
                "pull-requests", raw["pull-requests"], ("per-stage", "single", "none"), "per-stage"
            ),
        ),
        base=base,
        token=raw["token"].strip(),
        labels=parse_list(raw["labels"]),
        auto_merge=parse_bool("auto-merge", raw["auto-merge"], False),
        author_name=name,
        author_email=email,
        evidence_url=evidence_url,
        evidence_junit=parse_list(raw["evidence-junit"], "\n"),
        evidence_metrics=metrics,
        evidence_links=_links(raw["evidence-links"]),
        evidence_notes=raw["evidence-notes"].strip() or None,
        evidence_policy=cast(
            EvidencePolicy,
            _choice("evidence-policy", raw["evidence-policy"], ("report", "block"), "report"),
        ),
        registry_check=parse_bool("registry-check", raw["registry-check"], False),
        **_registry_login(raw["registry-username"], raw["registry-password"]),
    )


def _registry_login(username: str, password: str) -> dict[str, str]:
    if bool(username.strip()) != bool(password):
        raise InputError(
            "inputs `registry-username` and `registry-password` go together: "
            "give both, or neither (then the Docker config, GITHUB_TOKEN for "
            "ghcr.io, or anonymous access is used)"
        )
    return {"registry_username": username.strip(), "registry_password": password}
