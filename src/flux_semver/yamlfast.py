"""Read YAML fast, keeping where every value stands.

libyaml (through PyYAML's ``CSafeLoader``) composes each document into nodes that carry
line and column marks, then builds plain Python data from them. That is all the scan
needs to find ImagePolicies and point at their range values; the edit then splices bytes
at those positions (see ``editing``), so no round-trip parser is needed to read.

Positions here are 0-based offsets into the decoded text *after* a byte-order mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

# libyaml is the fast path; pure Python still works where PyYAML was built without it.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

BOM = "\ufeff"
# YAML's line breaks (1.1 also counts NEL, LS and PS); CRLF is one break.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


class YamlError(ValueError):
    """A text that is not valid YAML, with the 1-based line and column of the problem."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Document:
    """One document of a YAML stream: its node tree (None when empty) and its data."""

    index: int
    node: yaml.Node | None
    data: Any


def decode(raw: bytes) -> tuple[str, str]:
    """Split a file's bytes into (byte-order mark, text); raise YamlError if not UTF-8."""
    bom = ""
    if raw.startswith(b"\xef\xbb\xbf"):
        bom, raw = BOM, raw[3:]
    try:
        return bom, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            line,
            column,
        ) from None


def load(text: str) -> list[Document]:
    """Every document of ``text`` with its nodes and data; raise YamlError if not valid YAML."""
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node) if node is not None else None
            documents.append(Document(len(documents), node, data))
    except yaml.MarkedYAMLError as exc:
        raise _error(exc, text) from None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml always gives a mark
        raise YamlError(f"not valid YAML: {exc}", 1, 1) from None
    finally:
        loader.dispose()
    return documents


def load_one(text: str) -> Any:
    """The data of a one-document text (raises ``yaml.YAMLError`` when it is not YAML)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a safe loader


def _error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    what = " ".join(part for part in (exc.context, exc.problem) if part) or "not valid YAML"
    if _TEMPLATE.search(text):
        hint = ("this is a Helm or Go template, not YAML: point flux-semver at the rendered "
                "manifests, or exclude the file")
    else:
        hint = "fix the YAML syntax here"
    return YamlError(f"not valid YAML: {what} — {hint}", line, column)


def line_starts(text: str) -> list[int]:
    """Offset of the first character of every line (YAML's notion of a line break)."""
    return [0, *(m.end() for m in _BREAK.finditer(text))]


def offset(starts: list[int], mark: yaml.Mark) -> int:
    """The text offset of a libyaml mark (its line and column are in characters)."""
    return starts[mark.line] + mark.column


def entry(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key node, value node) of ``key`` in a mapping node (the last one wins)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    found: tuple[yaml.Node, yaml.Node] | None = None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found = (key_node, value_node)
    return found


def path(node: yaml.Node | None, *keys: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key node, value node) at the end of a chain of mapping keys."""
    found: tuple[yaml.Node, yaml.Node] | None = None
    for key in keys:
        found = entry(node, key)
        if found is None:
            return None
        node = found[1]
    return found


_GAP = re.compile(r"(?:[ \t]|" + _BREAK.pattern + r"|#[^\r\n\x85\u2028\u2029]*)*")


def value_token(text: str, starts: list[int], key: yaml.Node, value: yaml.Node) -> Token:
    """Where the value after ``key`` is written: its token's span, style and whether it is an alias.

    libyaml marks an aliased value where its anchor stands, so an alias is told apart by
    its mark lying before the key; the span then covers the ``*name`` token itself.
    """
    key_end = offset(starts, key.end_mark)
    at = _skip_gap(text, key_end)
    if at < len(text) and text[at] == ":":
        at = _skip_gap(text, at + 1)
    value_start = offset(starts, value.start_mark)
    if value_start < key_end:  # an alias of a node written earlier
        end = at + 1
        while end < len(text) and not text[end].isspace() and text[end] not in ",]}":
            end += 1
        return Token(at, end, "alias", text[at:end])
    start = value_start
    while start < len(text) and text[start] in "&!":  # anchor or tag properties
        while start < len(text) and not text[start].isspace():
            start += 1
        start = _skip_gap(text, start)
    end = offset(starts, value.end_mark)
    style = getattr(value, "style", None) or ""
    kind = {"'": "single", '"': "double", "|": "block", ">": "block"}.get(style, "plain")
    if not isinstance(value, yaml.ScalarNode):
        kind = "collection"
    return Token(start, end, kind, text[start:end])


def _skip_gap(text: str, at: int) -> int:
    match = _GAP.match(text, at)
    return match.end() if match else at


@dataclass(frozen=True)
class Token:
    """A value as written: ``text[start:end]``; kind is plain, single, double, block,
    collection or alias."""

    start: int
    end: int
    kind: str
    source: str


def position(starts: list[int], at: int) -> tuple[int, int]:
    """1-based (line, column) of a text offset."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= at:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, at - starts[lo] + 1

