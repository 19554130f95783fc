"""Versions exactly as Flux reads them.

Flux's image-reflector-controller parses tags with Masterminds/semver v3 (``NewVersion``, the
lenient parser) behind fluxcd/pkg's ``ParseVersion`` rule (the tag needs at least two dots), and
orders them with Masterminds' ``Compare``. :class:`Version` reproduces all three:

* :meth:`Version.parse` — lenient: an optional lowercase ``v``, missing minor/patch read as 0,
  leading zeros in the numbers accepted (``v1.02`` is 1.2.0). Prerelease numbers may not have
  leading zeros; numbers must fit in 64 bits.
* :meth:`Version.parse_strict` — SemVer 2.0.0 exactly.
* :meth:`Version.parse_tag` — Flux's tag rule, then lenient parsing.

Masterminds v3.5.0 (image-reflector-controller v1.2, Flux 2.9) refuses a version longer than
:data:`MAX_VERSION_BYTES` bytes before anything else; so do all three.

Ordering ignores build metadata; a prerelease sorts below its release; prerelease identifiers
compare numerically when both are numbers, numbers sort below words, words compare by bytes,
and a shorter list of identifiers sorts first when it is a prefix of the other.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flux_semver.errors import FluxSemverError

__all__ = ["InvalidVersion", "Version"]

_UINT64_MAX = (1 << 64) - 1

# Masterminds' lenient grammar. Matched with fullmatch, so nothing may trail the version
# (not even a newline, which Go's "$" does not allow either).
_LENIENT = re.compile(
    r"""
    v?
    (?P<major>[0-9]+)
    (?:\.(?P<minor>[0-9]+))?
    (?:\.(?P<patch>[0-9]+))?
    (?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?
    (?:\+(?P<meta>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?
    """,
    re.VERBOSE | re.ASCII,
)

_NUM = r"(?:0|[1-9][0-9]*)"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
# SemVer 2.0.0, section 2 to 10: no prefix, three numbers without leading zeros.
_STRICT = re.compile(
    rf"""
    (?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})
    (?:-(?P<pre>{_PRE_ID}(?:\.{_PRE_ID})*))?
    (?:\+(?P<meta>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?
    """,
    re.VERBOSE | re.ASCII,
)

# The messages Masterminds gives for each failure (lower-case since upstream #278).
INVALID_SEMVER = "invalid semantic version"
SEGMENT_STARTS_ZERO = "version segment starts with 0"
# Masterminds v3.5.0 MaxVersionLen / ErrVersionTooLong: counted in bytes (Go's len).
MAX_VERSION_BYTES = 256
VERSION_TOO_LONG = f"version string is too long (max {MAX_VERSION_BYTES} bytes)"

# One prerelease or metadata identifier, as the constructor accepts it.
_IDENTIFIERS = re.compile(r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*", re.ASCII)


class InvalidVersion(FluxSemverError):  # noqa: N818 -- a public name of the API
    """A string that is not a version under the rule asked for.

    ``reason`` is Masterminds' own error text (e.g. ``invalid semantic version``); ``str()``
    adds the text and what to write instead.
    """

    def __init__(self, text: str, reason: str, hint: str = "") -> None:
        self.text = text
        self.reason = reason
        hint = hint or "write MAJOR.MINOR.PATCH, e.g. 1.2.3 or 1.2.3-rc.1"
        shown = repr(text) if len(text) <= 80 else f"{text[:80]!r}… ({len(text):,} characters)"
        super().__init__(f"{shown} is not a valid version: {reason} ({hint})")


def _prerelease_key(pre: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of a prerelease: numbers (that fit in 64 bits) below words, words by bytes."""
    key: list[tuple[int, int, str]] = []
    for part in pre.split("."):
        if part.isascii() and part.isdigit() and len(part) <= 20 and int(part) <= _UINT64_MAX:
            key.append((0, int(part), ""))
        else:
            key.append((1, 0, part))
    return tuple(key)


def _check_prerelease(text: str, pre: str) -> None:
    for part in pre.split("."):
        if len(part) > 1 and part[0] == "0" and part.isdigit():
            raise InvalidVersion(
                text, SEGMENT_STARTS_ZERO, "numeric prerelease identifiers may not start with 0"
            )


def too_long(text: str, limit: int) -> bool:
    """Whether ``text`` is over ``limit`` bytes in UTF-8 (Go counts bytes, not characters)."""
    # Characters are at most 4 bytes: short text needs no encoding.
    return len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit


def _check_length(text: str) -> None:
    if too_long(text, MAX_VERSION_BYTES):
        raise InvalidVersion(
            text,
            VERSION_TOO_LONG,
            f"Flux 2.9 reads no tag or version longer than {MAX_VERSION_BYTES} bytes",
        )


def _number(text: str, digits: str) -> int:
    # Leading zeros are fine (Go's ParseUint reads them); more than 20 significant digits
    # cannot fit, and would also exceed Python's limit on int() of long strings.
    significant = digits.lstrip("0")
    value = int(significant) if significant and len(significant) <= 20 else 0
    if len(significant) > 20 or value > _UINT64_MAX:
        raise InvalidVersion(
            text,
            f'error parsing version segment: strconv.ParseUint: parsing "{digits}": '
            "value out of range",
            "numbers must fit in 64 bits",
        )
    return value


class Version:
    """One semantic version; immutable, hashable, ordered as Masterminds ``Compare`` orders.

    Equality ignores build metadata (``1.2.3+a == 1.2.3+b``), so the hash does too.
    ``Version("1.2.3")`` parses the text as :meth:`parse` does; ``Version(1, 3, 0)`` builds
    from numbers, which must be non-negative ``int`` (``TypeError`` otherwise), with an
    optional prerelease and metadata that must be valid identifiers. For text, use
    :meth:`parse`, :meth:`parse_strict` or :meth:`parse_tag` to choose the rule.
    """

    __slots__ = ("_key", "major", "metadata", "minor", "original", "patch", "prerelease")

    major: int
    minor: int
    patch: int
    prerelease: str
    metadata: str
    original: str
    _key: tuple[Any, ...]

    def __init__(
        self,
        major: int | str,
        minor: int = 0,
        patch: int = 0,
        prerelease: str = "",
        metadata: str = "",
        original: str | None = None,
    ) -> None:
        if isinstance(major, str):
            if (minor, patch, prerelease, metadata, original) != (0, 0, "", "", None):
                raise TypeError(
                    "Version(text) takes the text alone; numbers go as "
                    "Version(major, minor, patch, prerelease, metadata)"
                )
            parsed = _parse_lenient(major)
            _fill(
                self,
                parsed.major,
                parsed.minor,
                parsed.patch,
                parsed.prerelease,
                parsed.metadata,
                parsed.original,
            )
            return
        _fill(self, *_checked(major, minor, patch, prerelease, metadata, original))

    @classmethod
    def _make(
        cls,
        major: int,
        minor: int,
        patch: int,
        prerelease: str,
        metadata: str,
        original: str | None,
    ) -> Version:
        """A version from parts the parsers already validated (skips the constructor's checks)."""
        made = object.__new__(cls)
        _fill(made, major, minor, patch, prerelease, metadata, original)
        return made

    # -- parsing -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse leniently, as Masterminds ``NewVersion`` (what Flux uses)."""
        return _parse_lenient(text)

    @classmethod
    def parse_strict(cls, text: str) -> Version:
        """Parse SemVer 2.0.0 exactly (Masterminds ``StrictNewVersion``)."""
        if not isinstance(text, str):
            raise InvalidVersion(repr(text), INVALID_SEMVER)
        _check_length(text)
        m = _STRICT.fullmatch(text)
        if m is None:
            if _LENIENT.fullmatch(text):
                raise InvalidVersion(
                    text,
                    INVALID_SEMVER,
                    "strict SemVer needs exactly MAJOR.MINOR.PATCH, no 'v' and no leading zeros",
                )
            raise InvalidVersion(text, INVALID_SEMVER)
        return cls._make(
            _number(text, m["major"]),
            _number(text, m["minor"]),
            _number(text, m["patch"]),
            m["pre"] or "",
            m["meta"] or "",
            text,
        )

    @classmethod
    def parse_tag(cls, text: str) -> Version:
        """Parse an image tag as Flux does: at least two dots, then lenient parsing.

        fluxcd/pkg ``version.ParseVersion`` rejects tags such as ``v1.2`` or ``1`` that the
        lenient parser alone would read as 1.2.0 or 1.0.0.
        """
        if not isinstance(text, str) or text.count(".") < 2:
            raise InvalidVersion(
                text if isinstance(text, str) else repr(text),
                INVALID_SEMVER,
                "Flux reads a tag as a version only when it has at least two dots, e.g. 1.2.0",
            )
        return _parse_lenient(text)

    # -- properties ----------------------------------------------------------------------

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    @property
    def triple(self) -> tuple[int, int, int]:
        """``(major, minor, patch)``."""
        return (self.major, self.minor, self.patch)

    def release(self) -> Version:
        """The same major.minor.patch without prerelease or metadata."""
        if not self.prerelease and not self.metadata:
            return self
        return Version._make(self.major, self.minor, self.patch, "", "", None)

    def _canonical(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += f"-{self.prerelease}"
        if self.metadata:
            text += f"+{self.metadata}"
        return text

    def __str__(self) -> str:
        return self._canonical()

    def __repr__(self) -> str:
        return f"Version({self.original!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Version is immutable; cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Version is immutable; cannot delete {name}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            Version,
            (self.major, self.minor, self.patch, self.prerelease, self.metadata, self.original),
        )

    # -- ordering (Masterminds Compare; metadata ignored) --------------------------------

    def compare(self, other: Version) -> int:
        """-1, 0 or 1, as Masterminds ``Compare``."""
        a, b = self._key, other._key
        return (a > b) - (a < b)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key == other._key

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key != other._key

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key < other._key

    def __le__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key <= other._key

    def __gt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key > other._key

    def __ge__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key >= other._key

    def __hash__(self) -> int:
        return hash(self._key)


@lru_cache(maxsize=8192)
def _parse_lenient(text: str) -> Version:
    if not isinstance(text, str):
        raise InvalidVersion(repr(text), INVALID_SEMVER)
    _check_length(text)
    m = _LENIENT.fullmatch(text)
    if m is None:
        raise InvalidVersion(text, INVALID_SEMVER)
    major_s, minor_s, patch_s, pre, meta = m.groups()
    # up to 19 digits always fit in 64 bits: the common case skips _number's checks
    major = int(major_s) if len(major_s) < 20 else _number(text, major_s)
    minor = (int(minor_s) if len(minor_s) < 20 else _number(text, minor_s)) if minor_s else 0
    patch = (int(patch_s) if len(patch_s) < 20 else _number(text, patch_s)) if patch_s else 0
    if pre:
        _check_prerelease(text, pre)
    return Version._make(major, minor, patch, pre or "", meta or "", text)


def _fill(
    v: Version,
    major: int,
    minor: int,
    patch: int,
    prerelease: str,
    metadata: str,
    original: str | None,
) -> None:
    setattr_ = object.__setattr__
    setattr_(v, "major", major)
    setattr_(v, "minor", minor)
    setattr_(v, "patch", patch)
    setattr_(v, "prerelease", prerelease)
    setattr_(v, "metadata", metadata)
    if prerelease:
        key: tuple[Any, ...] = (major, minor, patch, 0, _prerelease_key(prerelease))
    else:
        key = (major, minor, patch, 1, ())
    setattr_(v, "_key", key)
    setattr_(v, "original", original if original is not None else v._canonical())


def _checked(
    major: object,
    minor: object,
    patch: object,
    prerelease: object,
    metadata: object,
    original: object,
) -> tuple[int, int, int, str, str, str | None]:
    """The constructor's arguments, refused unless they make a version Masterminds could hold."""
    numbers = (
        _checked_number("major", major),
        _checked_number("minor", minor),
        _checked_number("patch", patch),
    )
    pre = _checked_identifiers("prerelease", prerelease)
    meta = _checked_identifiers("metadata", metadata)
    if pre:
        _check_prerelease(pre, pre)
    if original is None:
        return (*numbers, pre, meta, None)
    if not isinstance(original, str):
        raise TypeError(f"Version original must be a str, not {type(original).__name__}")
    written = _parse_lenient(original)
    if (written.triple, written.prerelease, written.metadata) != (numbers, pre, meta):
        raise InvalidVersion(
            original,
            "original text is a different version",
            "leave original out; it defaults to the canonical text",
        )
    return (*numbers, pre, meta, original)


def _checked_number(name: str, value: object) -> int:
    """A version number: an int of 0 or more. It may exceed 64 bits: ranges use the version
    just past the largest as an exclusive bound."""
    if type(value) is not int:  # bool is an int subclass, and no version number
        raise TypeError(
            f"Version {name} must be an int, not {type(value).__name__}; "
            "parse text with Version.parse"
        )
    if value < 0:
        raise InvalidVersion(str(value), f"{name} is negative", "version numbers are 0 or more")
    return value


def _checked_identifiers(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"Version {name} must be a str, not {type(value).__name__}")
    if value and _IDENTIFIERS.fullmatch(value) is None:
        raise InvalidVersion(
            value, f"invalid {name} string", "dot-separated identifiers of [0-9A-Za-z-], none empty"
        )
    return value
