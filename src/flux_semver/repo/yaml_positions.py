"""Read YAML fast, keeping where every value stands.

libyaml (through PyYAML's ``CSafeLoader``) composes each document into nodes that carry
line and column marks, then builds plain Python data from them. That is all the scan
needs to find ImagePolicies and point at their range values; the edit then splices bytes
at those positions (see ``editing``), so no round-trip parser is needed to read.

Offsets here are 0-based, in characters of the decoded text *after* a byte-order mark
(libyaml's mark index counts the same way); lines and columns are 1-based.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

import msgspec
import yaml
import yaml.constructor

# libyaml is the fast path; pure Python still works where PyYAML was built without it.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_LENIENT = frozenset(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "timestamp"))
# first character -> (tag, pattern) of the safe loader's implicit types (int, bool, null, ...)
_IMPLICIT: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: tuple(found) + tuple(_BaseLoader.yaml_implicit_resolvers.get(None, ()))
    for first, found in _BaseLoader.yaml_implicit_resolvers.items()
    if first is not None
}


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader with a leaner tag resolver: the same answers, less work per scalar
    (the safe loader has no path resolvers, so a scalar's tag depends on its text alone)."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in _IMPLICIT.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


BOM = "\ufeff"
# YAML's line breaks (1.1 also counts NEL, LS and PS); CRLF is one break.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


class YamlError(ValueError):
    """A text that is not valid YAML, with the 1-based line and column of the problem."""

    def __init__(self, message: str, line: int, column: int, *, template: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.template = template  # a Helm or Go template (see template_at), not broken YAML


class Document(msgspec.Struct, frozen=True, dict=True):  # dict: for the cached ``data``
    """One document of a YAML stream: its node tree (None when empty) and its data.

    ``data`` is built from the nodes when first asked for, so a scan builds only the
    documents it keeps; it raises YamlError for what composes but is not data (an
    unhashable key, an unknown tag).
    """

    index: int
    node: yaml.Node | None
    text: str = ""  # the whole stream, to explain errors

    def __repr__(self) -> str:  # without ``text``: a whole stream is no help in a repr
        return f"Document(index={self.index!r}, node={self.node!r})"

    @cached_property
    def data(self) -> Any:
        if self.node is None:
            return None
        try:
            guard(self.node)
            return _Builder().build(self.node)
        except YamlError as exc:
            if template_at(self.text, exc.line):
                raise YamlError(
                    f"{exc.message.split(' — ')[0]} — {_TEMPLATE_HINT}",
                    exc.line,
                    exc.column,
                    template=True,
                ) from None
            raise


def decode(raw: bytes) -> tuple[str, str]:
    """Split a file's bytes into (byte-order mark, text); raise YamlError if not UTF-8."""
    bom = ""
    if raw.startswith(b"\xef\xbb\xbf"):
        bom, raw = BOM, raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        column = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise YamlError(
            "a binary file, not YAML text (it holds a NUL byte) — remove it, or "
            "rename it so that it does not end in .yaml",
            line,
            column,
        )
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


def compose(text: str) -> list[Document]:
    """Every document of ``text`` as nodes (data built on demand); YamlError if not YAML."""
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            documents.append(Document(len(documents), loader.get_node(), text))
    except yaml.MarkedYAMLError as exc:
        raise _error(exc, text) from None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml always gives a mark
        raise YamlError(f"not valid YAML: {exc}", 1, 1) from None
    finally:
        loader.dispose()
    return documents


def load(text: str) -> list[Document]:
    """Every document of ``text`` with its data built; raise YamlError if not valid YAML."""
    documents = compose(text)
    for document in documents:
        _ = document.data
    return documents


class _Builder:
    """Plain data from nodes, as PyYAML's safe loader builds it, only faster: strings, the
    common case, are taken as they are; other scalars go through PyYAML's constructors.
    An alias yields the same object as its anchor."""

    _scalars = yaml.constructor.SafeConstructor()

    def __init__(self) -> None:
        self._built: dict[int, Any] = {}

    def build(self, node: yaml.Node) -> Any:  # noqa: C901 - the hot loop: inlined on purpose
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            make = self._scalars.yaml_constructors.get(node.tag)
            if make is None:
                raise _node_error(node, f"unknown tag {node.tag}", "remove the tag")
            try:
                value = make(self._scalars, node)
                if isinstance(value, int) and value.bit_length() > 64:
                    return node.value  # past int64: text, which str() can always print
                return value
            except (yaml.YAMLError, ValueError, KeyError, OverflowError):
                if node.tag in _LENIENT:  # 2024-02-30, a 5,000-digit number: text, as in
                    return node.value  # Kubernetes (YAML 1.2 reads neither as a value)
                raise _node_error(
                    node,
                    f"cannot read this {node.tag.rsplit(':', 1)[-1]} value",
                    "fix the value, or remove its tag",
                ) from None
        done = self._built.get(id(node))
        if done is not None:
            return done
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self._built[id(node)] = items
            items.extend(self.build(item) for item in node.value)
            return items
        if isinstance(node, yaml.MappingNode) and node.tag in (_MAP, None):
            mapping: dict[Any, Any] = {}
            self._built[id(node)] = mapping
            merged: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    merged.update(self._merge(value_node))
                    continue
                key = self._key(key_node)
                if key in mapping:
                    raise _duplicate(node, key_node, key, self._key)
                mapping[key] = self.build(value_node)
            for key, value in merged.items():
                mapping.setdefault(key, value)
            return mapping
        raise _node_error(node, f"unknown tag {node.tag}", "remove the tag")

    def _key(self, node: yaml.Node) -> Any:
        """A mapping key: as build, but a key Python cannot hash or compare is refused."""
        try:
            key = self.build(node)
            hash(key)
        except TypeError:
            raise _node_error(node, "found unhashable key", "a key must be a plain value") from None
        return key

    def _merge(self, node: yaml.Node) -> dict[Any, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in reversed(sources):
            value = self.build(source)
            if not isinstance(value, dict):
                raise _node_error(
                    source,
                    "a merge key (<<) needs a mapping",
                    "merge a mapping or a list of mappings",
                )
            merged.update(value)
        return merged


def _duplicate(
    mapping: yaml.MappingNode, again: yaml.Node, key: Any, build: Callable[[yaml.Node], Any]
) -> YamlError:
    first = next(k for k, _ in mapping.value if k.tag != _MERGE and build(k) == key)
    return _node_error(
        again,
        f"duplicate key {str(key)!r}, first written on line {first.start_mark.line + 1}",
        "remove one of the two (Kubernetes rejects duplicate keys)",
    )


# Limits no real manifest comes near. Past them a document is hostile (a "billion laughs"
# alias bomb, or nesting that would exhaust the stack) and is refused before data is built.
MAX_DEPTH = 100
MAX_VALUES = 100_000


def guard(node: yaml.Node | None) -> None:
    """Raise YamlError if ``node`` nests deeper than MAX_DEPTH, or if its aliases expand it
    to more than MAX_VALUES values; linear in the nodes as written."""
    if node is None:
        return
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, finished = stack.pop()
        children = _children(current)
        if finished:
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > MAX_VALUES:
                raise YamlError(
                    f"the aliases here expand to more than {MAX_VALUES:,} values "
                    "(an alias bomb) — write the values out instead of repeating "
                    "aliases",
                    current.start_mark.line + 1,
                    current.start_mark.column + 1,
                )
            sizes[id(current)] = total
            continue
        if id(current) in sizes:
            continue
        if depth > MAX_DEPTH:
            raise YamlError(
                f"the document nests more than {MAX_DEPTH} levels deep here — "
                "flatten it (a Kubernetes manifest needs far fewer)",
                current.start_mark.line + 1,
                current.start_mark.column + 1,
            )
        stack.append((current, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _node_error(node: yaml.Node, what: str, fix: str) -> YamlError:
    return YamlError(
        f"not valid YAML: {what} — {fix}", node.start_mark.line + 1, node.start_mark.column + 1
    )


def load_one(text: str) -> Any:
    """The data of a one-document text (raises ``yaml.YAMLError`` when it is not YAML)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a safe loader


def _error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    what = " ".join(part for part in (exc.context, exc.problem) if part) or "not valid YAML"
    template = template_at(text, line)
    hint = _TEMPLATE_HINT if template else "fix the YAML syntax here"
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        what, hint = "a tab character here", "YAML indents with spaces only: replace the tab"
    return YamlError(f"not valid YAML: {what} — {hint}", line, column, template=template)


_TEMPLATE_HINT = (
    "this is a Helm or Go template, not YAML: point flux-semver at the rendered "
    "manifests, or exclude the file"
)
_COMMENT = re.compile(r"(?:^|[ \t])#.*")
_PLACEHOLDER = "template"


def template_at(text: str, line: int) -> bool:
    """Whether a parse error on 1-based ``line`` comes from Helm or Go template syntax
    (``{{ ... }}``, ``{% ... %}``).

    It does when the error's line holds template syntax outside a comment, or when the text
    parses once every template expression is a placeholder. A ``{{`` elsewhere (a comment, a
    quoted string) does not make a broken file a template: it stays invalid YAML, with the
    parser's own message.
    """
    if _TEMPLATE.search(text) is None:
        return False
    lines = _BREAK.split(text)
    if 1 <= line <= len(lines) and _TEMPLATE.search(_COMMENT.sub("", lines[line - 1])):
        return True
    loader = _Loader(_TEMPLATE.sub(_PLACEHOLDER, text))
    try:
        while loader.check_node():
            loader.get_node()
    except (yaml.YAMLError, RecursionError):
        return False
    finally:
        loader.dispose()
    return True


def entry(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key node, value node) of ``key`` in a mapping node (the last one wins)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    found: tuple[yaml.Node, yaml.Node] | None = None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found = (key_node, value_node)
    return found


def scalar(node: yaml.Node | None, key: str) -> str | None:
    """The text of a mapping's scalar value at ``key`` (None when absent or not a scalar)."""
    found = entry(node, key)
    if found is None or not isinstance(found[1], yaml.ScalarNode):
        return None
    return str(found[1].value)


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


def value_token(text: str, key: yaml.Node, value: yaml.Node) -> Token:
    """Where the value after ``key`` is written: its token's span, style and position.

    libyaml marks an aliased value where its anchor stands, so an alias is told apart by
    its mark lying before the key; the token is then the ``*name`` itself. Anchors and
    tags before a value are not part of its token.
    """
    key_end = key.end_mark.index
    at = _skip_gap(text, key_end)
    if at < len(text) and text[at] == ":":
        at = _skip_gap(text, at + 1)
    if value.start_mark.index < key_end:  # an alias of a node written earlier
        end = at + 1
        while end < len(text) and not text[end].isspace() and text[end] not in ",]}":
            end += 1
        return Token(at, end, "alias", text[at:end], *_position(text, key.end_mark, at))
    start = value.start_mark.index
    while start < len(text) and text[start] in "&!":  # anchor or tag properties
        while start < len(text) and not text[start].isspace():
            start += 1
        start = _skip_gap(text, start)
    end = value.end_mark.index
    start = min(start, end)  # an empty value: nothing after its properties
    style = getattr(value, "style", None) or ""
    kind = {"'": "single", '"': "double", "|": "block", ">": "block"}.get(style, "plain")
    if not isinstance(value, yaml.ScalarNode):
        kind = "collection"
    return Token(start, end, kind, text[start:end], *_position(text, value.start_mark, start))


def _position(text: str, mark: yaml.Mark, at: int) -> tuple[int, int]:
    """1-based (line, column) of offset ``at``, counted on from a mark before it."""
    line, line_start = mark.line, mark.index - mark.column
    for found in _BREAK.finditer(text, mark.index, at):
        line, line_start = line + 1, found.end()
    return line + 1, at - line_start + 1


def _skip_gap(text: str, at: int) -> int:
    match = _GAP.match(text, at)
    return match.end() if match else at


class Token(msgspec.Struct, frozen=True):
    """A value as written: ``text[start:end]``, starting at 1-based ``line`` and ``column``;
    kind is plain, single, double, block, collection or alias."""

    start: int
    end: int
    kind: str
    source: str
    line: int
    column: int
