"""Where a value is written: a chain of keys and list indexes through a document's nodes,
possibly on into an inline Kustomize patch (a YAML text held in a literal block scalar).

The answer is a ``yaml_positions.Token`` in the file's own text, so that the editor can splice
bytes there whether the value stands in the document itself, in a patch file, in an inline
patch, in a Flux Kustomization's ``postBuild.substitute`` or in a ConfigMap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from flux_semver.model import Policy
from flux_semver.repo import yaml_positions

Step = str | int


def walk(node: yaml.Node | None, path: Sequence[Step]) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key node, value node) that a path of mapping keys and list indexes leads to; the
    path ends with a mapping key. None when any step is missing."""
    found: tuple[yaml.Node, yaml.Node] | None = None
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, yaml.SequenceNode) or not 0 <= step < len(node.value):
                return None
            node, found = node.value[step], None
        else:
            found = yaml_positions.entry(node, step)
            if found is None:
                return None
            node = found[1]
    return found


def token(text: str, node: yaml.Node | None, path: Sequence[Step]) -> yaml_positions.Token | None:
    """The token of the value at ``path`` in ``text`` (None when the path is not there)."""
    found = walk(node, path)
    return None if found is None else yaml_positions.value_token(text, *found)


def inline_token(
    text: str, node: yaml.Node | None, inline: Sequence[Step], path: Sequence[Step]
) -> tuple[yaml_positions.Token, str] | None:
    """The token, in the file's text, of the value at ``path`` inside the inline patch at
    ``inline`` (a literal ``|`` block), with its value; None when it cannot be pointed at
    exactly (another block style, a patch that is not YAML)."""
    outer = walk(node, inline)
    if outer is None or not isinstance(outer[1], yaml.ScalarNode) or outer[1].style != "|":
        return None
    inner_text = str(outer[1].value)
    try:
        documents = yaml_positions.compose(inner_text)
    except yaml_positions.YamlError:
        return None
    if len(documents) != 1:
        return None
    inner = walk(documents[0].node, path)
    if inner is None or not isinstance(inner[1], yaml.ScalarNode):
        return None
    found = yaml_positions.value_token(inner_text, *inner)
    start = _outer_offset(text, outer[1], inner_text, found.start)
    end = _outer_offset(text, outer[1], inner_text, found.end)
    if start is None or end is None or text[start:end] != found.source:
        return None
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return yaml_positions.Token(start, end, found.kind, found.source, line, column), str(
        inner[1].value
    )


def _outer_offset(text: str, block: yaml.Node, inner: str, at: int) -> int | None:
    """Map an offset in a literal block's value to the file's text: the block's content lines
    are the value's lines behind one common indentation."""
    first = text.find("\n", block.start_mark.index)
    if first < 0:
        return None
    start = first + 1
    indent = None
    line_start = start
    while line_start < len(text):  # the indentation of the first line that is not blank
        line_end = text.find("\n", line_start)
        line = text[line_start : line_end if line_end >= 0 else len(text)].rstrip("\r")
        if line.strip():
            indent = len(line) - len(line.lstrip(" "))
            break
        if line_end < 0:
            return None
        line_start = line_end + 1
    if indent is None:
        return None
    number = inner.count("\n", 0, at)
    column = at - (inner.rfind("\n", 0, at) + 1)
    offset = start
    for _ in range(number):
        offset = text.find("\n", offset)
        if offset < 0:
            return None
        offset += 1
    return offset + indent + column


def value_of(raw: bytes, policy: Policy) -> str | None:
    """The range a policy whose place is a path (``Policy.value_path``: an overlay's patch, a
    variable's value) has in a file's bytes — another commit's, say; None when not there."""
    try:
        _, text = yaml_positions.decode(raw)
        documents = yaml_positions.load(text)
    except yaml_positions.YamlError:
        return None
    if policy.document >= len(documents):
        return None
    data: Any = documents[policy.document].data
    if policy.inline:
        data = _step(data, policy.inline)
        if not isinstance(data, str):
            return None
        try:
            inner = yaml_positions.load(data)
        except yaml_positions.YamlError:
            return None
        data = inner[0].data if len(inner) == 1 else None
    value = _step(data, policy.value_path)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value)
    if policy.value_span is not None:
        return _default(text)
    return text


def _step(data: Any, path: Sequence[Step]) -> Any:
    for key in path:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and 0 <= key < len(data) else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
    return data


def _default(text: str) -> str | None:
    """The default of the one ``${VAR:=default}`` a range is written as."""
    match = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]([^}]*)\}", text)
    return match.group(1) if match else None
