"""A patch added to a stage's overlay, for a range written in a base other stages share.

The base is never edited (it would move every stage that builds it). Instead the stage's own
kustomization gets one more ``patches`` entry, written like a hand-written one: a ``target``
(kind, name and, where the base gives one, namespace) and an inline JSON 6902 ``add`` of the
range, in a literal block, so that the next release edits it in place. The entry goes after
the last entry of a block ``patches:`` list, with its indentation, or into a new ``patches:``
at the end of the file; the file's line endings stay. The result is parsed again and must be
the old data with only that entry added.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from flux_semver.model import Policy
from flux_semver.repo import kinds, yaml_positions


def extendable(node: yaml.Node | None, documents: int) -> bool:
    """Whether a kustomization's ``patches`` can take one more entry: a one-document file
    whose ``patches`` is absent or a non-empty block list."""
    if documents != 1 or not isinstance(node, yaml.MappingNode):
        return False
    found = yaml_positions.entry(node, "patches")
    if found is None:
        return True
    value = found[1]
    return isinstance(value, yaml.SequenceNode) and not value.flow_style and bool(value.value)


def entry(policy: Policy, new_range: str) -> dict[str, Any]:
    """The ``patches`` entry as data: what the file must read back as."""
    name, namespace = policy.patch_target
    target = {"kind": policy.resource, "name": name or policy.name}
    if namespace:
        target["namespace"] = namespace
    pointer = "/" + "/".join(kinds.KINDS[policy.resource].range_path)
    return {
        "target": target,
        "patch": f"- op: add\n  path: {pointer}\n  value: {json.dumps(new_range)}\n",
    }


def _lines(data: dict[str, Any], indent: str) -> list[str]:
    target = data["target"]
    lines = [f"{indent}- target:"]
    lines.extend(
        f"{indent}    {key}: {json.dumps(value)}"
        if _quoted(value)
        else f"{indent}    {key}: {value}"
        for key, value in target.items()
    )
    lines.append(f"{indent}  patch: |")
    lines.extend(f"{indent}    {line}" for line in data["patch"].splitlines())
    return lines


def _quoted(value: str) -> bool:
    try:
        return yaml.safe_load(value) != value or value != value.strip() or ": " in value
    except yaml.YAMLError:
        return True


def add(text: str, additions: Sequence[tuple[Policy, str]]) -> str | None:
    """``text`` (a kustomization) with one ``patches`` entry per (policy, new range); None
    when it cannot be added exactly (see ``extendable``)."""
    try:
        documents = yaml_positions.load(text)
    except yaml_positions.YamlError:
        return None
    if len(documents) != 1 or not extendable(documents[0].node, 1):
        return None
    node = documents[0].node
    newline = "\r\n" if "\r\n" in text else "\n"
    entries = [entry(policy, new_range) for policy, new_range in additions]
    found = yaml_positions.entry(node, "patches")
    if found is None:
        body = [line for data in entries for line in _lines(data, "  ")]
        head = text if text.endswith(("\n", "\r")) or not text else text + newline
        new = head + newline.join(["patches:", *body]) + newline
    else:
        sequence = found[1]
        first = sequence.value[0]
        dash = text.rfind("-", 0, first.start_mark.index)
        line_start = max(text.rfind("\n", 0, dash), text.rfind("\r", 0, dash)) + 1
        if dash < 0 or text[line_start:dash].strip():
            return None
        indent = " " * (dash - line_start)
        at = sequence.end_mark.index
        lines = newline.join(line for data in entries for line in _lines(data, indent))
        before = text[:at]
        if before and not before.endswith(("\n", "\r")):
            before += newline
        new = before + lines + newline + text[at:]
    return new if _verify(new, documents[0].data, entries) else None


def _verify(new: str, old: Any, entries: list[dict[str, Any]]) -> bool:
    try:
        documents = yaml_positions.load(new)
    except yaml_positions.YamlError:
        return False
    if len(documents) != 1 or not isinstance(old, dict):
        return False
    expected = dict(old)
    expected["patches"] = [*(old.get("patches") or []), *entries]
    return bool(documents[0].data == expected)
