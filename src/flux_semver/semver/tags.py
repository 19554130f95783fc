"""Which tag Flux deploys: image-reflector-controller's semver policy, with ``filterTags``.

The controller:

1. with ``filterTags``, keeps the tags its RE2 ``pattern`` matches (anywhere in the tag, as
   Go's ``FindStringSubmatchIndex``) and, when ``extract`` is set, replaces each by the
   expansion of ``extract`` (``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``). The scan
   stores the tags sorted descending by bytes and the filter keeps the last tag for each
   extracted text, so of tags that extract to the same text the smallest string wins,
   whatever order the registry (or the caller) lists them in;
2. reads each remaining tag as a version only when it has at least two dots (fluxcd/pkg
   ``ParseVersion``), then leniently;
3. looks at the tags in descending string order and keeps the first admitted tag whose version
   is strictly greater than the best so far, so of equal versions (``1.2.4`` and ``v1.2.4``)
   the one that sorts last as a string wins (after ``filterTags`` the controller walks a Go
   map, whose order is random; we keep the same deterministic rule there);
4. reports the original tag (before extraction).
"""

from __future__ import annotations

from collections.abc import Iterable

import re2

from flux_semver.errors import FluxSemverError
from flux_semver.semver.ranges import Range
from flux_semver.semver.version import InvalidVersion, Version

__all__ = ["InvalidPattern", "TagFilter", "latest_tag", "select"]


class InvalidPattern(FluxSemverError):  # noqa: N818 -- named like InvalidRange
    """A ``filterTags.pattern`` that Flux cannot compile (RE2 syntax)."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    return options


class TagFilter:
    """``spec.filterTags``: an RE2 pattern and an optional extract template."""

    def __init__(self, pattern: str = "", extract: str = "") -> None:
        self.pattern = pattern
        self.extract = extract
        try:
            self._regex = re2.compile(pattern, options=_options())
        except Exception as exc:  # re2 raises its own error type, not a subclass of re.error
            detail = exc.args[0] if exc.args else exc
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            raise InvalidPattern(
                f"invalid regular expression pattern {pattern!r}: {detail} "
                "(filterTags.pattern uses Go/RE2 syntax; no lookarounds or backreferences)"
            ) from None
        self._names: dict[str, int] = dict(self._regex.groupindex)
        self._groups: int = int(self._regex.groups)

    def apply(self, tags: Iterable[str]) -> dict[str, str]:
        """Kept tags: extracted text -> original tag (the smallest of tags extracting alike).

        The tags are walked in the controller's stored order (descending by bytes; for str,
        code point order is UTF-8 byte order) and a later tag replaces an earlier one.
        """
        kept: dict[str, str] = {}
        for tag in sorted(set(tags), reverse=True):
            m = self._regex.search(tag)
            if m is None:
                continue
            key = self._expand(m) if self.extract else tag
            kept[key] = tag
        return kept

    def _group(self, m: re2._Match, ref: str) -> str:
        if ref.isascii() and ref.isdigit() and (ref == "0" or ref[0] != "0") and len(ref) <= 8:
            index = int(ref)
        elif ref in self._names:
            index = self._names[ref]
        else:
            return ""
        if index > self._groups:
            return ""
        text = m.group(index)
        return text or ""

    def _expand(self, m: re2._Match) -> str:
        """Go's ``Regexp.ExpandString``."""
        template = self.extract
        out: list[str] = []
        i = 0
        n = len(template)
        while i < n:
            j = template.find("$", i)
            if j < 0:
                out.append(template[i:])
                break
            out.append(template[i:j])
            i = j + 1
            if i < n and template[i] == "$":
                out.append("$")
                i += 1
                continue
            name, i2 = _reference(template, i)
            if name is None:
                out.append("$")
                continue
            out.append(self._group(m, name))
            i = i2
        return "".join(out)


def _is_name_char(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdecimal()


def _reference(template: str, i: int) -> tuple[str | None, int]:
    """The group reference after a ``$`` at ``i``: ``name`` or ``{name}``; None if there is none."""
    n = len(template)
    if i < n and template[i] == "{":
        end = i + 1
        while end < n and _is_name_char(template[end]):
            end += 1
        if end == i + 1 or end >= n or template[end] != "}":
            return None, i
        return template[i + 1 : end], end + 1
    end = i
    while end < n and _is_name_char(template[end]):
        end += 1
    if end == i:
        return None, i
    return template[i:end], end


def select(rng: Range, tags: Iterable[str]) -> str | None:
    """The tag a semver policy picks among ``tags`` (no filtering), or None."""
    best: Version | None = None
    best_tag: str | None = None
    for tag in sorted(set(tags), reverse=True):
        try:
            v = Version.parse_tag(tag)
        except InvalidVersion:
            continue
        if (best is None or v > best) and rng.admits(v):
            best, best_tag = v, tag
    return best_tag


def latest_tag(
    range_text: str,
    tags: Iterable[str],
    pattern: str | None = None,
    extract: str | None = None,
) -> str | None:
    """The tag image-reflector-controller reports for a semver range, or None if none fits.

    Raises :class:`~flux_semver.semver.ranges.InvalidRange` for a range Flux rejects and
    :class:`InvalidPattern` for a pattern it cannot compile.
    """
    rng = Range(range_text)
    if pattern is None and not extract:
        return select(rng, tags)
    kept = TagFilter(pattern or "", extract or "").apply(tags)
    chosen = select(rng, kept)
    return None if chosen is None else kept[chosen]
