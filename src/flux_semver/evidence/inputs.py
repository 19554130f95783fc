"""Read the evidence inputs people type or pipe in: the plan JSON, ``NAME=URL`` pairs.

The plan is the JSON ``flux-semver plan --format json`` prints (``Plan.to_json()``);
errors say which field is wrong and how to get a good file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, get_args

from flux_semver.errors import FluxSemverError
from flux_semver.evidence.model import Link
from flux_semver.model import PLAN_KINDS, Action, Plan, PlanChange

_REMEDY = "write it with `flux-semver plan VERSION --format json`"
_ACTIONS: tuple[str, ...] = get_args(Action)


class PlanFileError(FluxSemverError):
    """A plan file that is not the JSON ``flux-semver plan --format json`` prints."""


class LinkError(FluxSemverError):
    """A ``NAME=URL`` option that is not one."""


def load_plan_text(text: str, name: str) -> Plan:
    """A plan from JSON text; ``name`` (the file) prefixes every error."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            f"{name}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); {_REMEDY}"
        ) from exc
    except RecursionError:
        raise PlanFileError(f"{name}: JSON nested too deeply to read; {_REMEDY}") from None
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    try:
        return plan_from_json(data)
    except PlanFileError as exc:
        raise PlanFileError(f"{name}: {exc}") from exc


def plan_from_json(data: Any) -> Plan:
    """The :class:`~flux_semver.model.Plan` a ``Plan.to_json()`` dictionary describes."""
    if not isinstance(data, dict):
        raise PlanFileError(f"the plan must be one JSON object, not {_kind(data)}; {_REMEDY}")
    app = _text(data, "app", "")
    version = _text(data, "version", "")
    chosen = _choice(data, "release_type", "", PLAN_KINDS)
    release_type = next(k for k in PLAN_KINDS if k == chosen)
    approval = data.get("approval_required", False)
    if not isinstance(approval, bool):
        raise PlanFileError(f"approval_required must be true or false, not {_kind(approval)}")
    changes = data.get("changes")
    if not isinstance(changes, list):
        raise PlanFileError(f"changes must be a list of changes, not {_kind(changes)}; {_REMEDY}")
    return Plan(
        app=app,
        version=version,
        release_type=release_type,
        changes=tuple(_change(item, f"changes[{i}].") for i, item in enumerate(changes)),
        approval_required=approval,
    )


def _change(item: Any, where: str) -> PlanChange:
    if not isinstance(item, dict):
        raise PlanFileError(f"{where.rstrip('.')} must be an object, not {_kind(item)}")
    line = item.get("line")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise PlanFileError(f"{where}line must be a line number (1 or more), not {_kind(line)}")
    to_range = item.get("to")
    if to_range is not None and not isinstance(to_range, str):
        raise PlanFileError(f"{where}to must be a range or null, not {_kind(to_range)}")
    return PlanChange(
        stage=_text(item, "stage", where),
        file=_text(item, "file", where),
        line=line,
        column=0,  # the plan JSON carries no column; 0 means "not known"
        policy=_text(item, "policy", where),
        from_range=_text(item, "from", where),
        to_range=to_range,
        action=_choice(item, "action", where, _ACTIONS),  # type: ignore[arg-type]
        reason=_text(item, "reason", where, required=False),
    )


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        missing = (
            "is missing" if key not in data else f"must be a non-empty string, not {_kind(value)}"
        )
        raise PlanFileError(f"{where}{key} {missing}; {_REMEDY}")
    return value


def _choice(data: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
    value = _text(data, key, where)
    if value not in allowed:
        raise PlanFileError(
            f"{where}{key} must be one of {', '.join(allowed)}, not {json.dumps(value)}"
        )
    return value


def _kind(raw: Any) -> str:
    if isinstance(raw, bool) or raw is None:
        return json.dumps(raw)
    if isinstance(raw, str):
        return json.dumps(raw[:40])
    if isinstance(raw, dict):
        return "an object"
    if isinstance(raw, list):
        return "a list"
    return "a string" if isinstance(raw, str) else type(raw).__name__


def parse_pair(text: str, option: str, left: str) -> tuple[str, str]:
    """Split ``LEFT=URL`` (``option`` and ``left`` name them in errors); the URL must be web."""
    name, sep, url = text.partition("=")
    name, url = name.strip(), url.strip()
    if not sep or not name or not url:
        raise LinkError(
            f"{option} {text!r}: write it as {left}=URL, for example "
            f"{option} {'grafana' if left == 'NAME' else 'prod'}=https://..."
        )
    if not url.lower().startswith(("https://", "http://")):
        raise LinkError(f"{option} {text!r}: the URL must start with https:// or http://")
    return name, url


def parse_links(texts: Iterable[str]) -> tuple[Link, ...]:
    """``--link NAME=URL`` values as links, in the order given."""
    return tuple(Link(*parse_pair(text, "--link", "NAME")) for text in texts)


def parse_pull_requests(texts: Iterable[str]) -> dict[str, str]:
    """``--pr STAGE=URL`` values as a stage -> URL mapping."""
    return dict(parse_pair(text, "--pr", "STAGE") for text in texts)
