"""``ImageRepository.spec.exclusionList``: the tags Flux never stores, so never deploys.

image-reflector-controller (``GetExclusionList``) uses ``["^.*\\.sig$"]`` (cosign signature
tags) when the list is missing *or empty*, and otherwise exactly the list given — which then
replaces the default. Each entry is a Go (RE2) regular expression matched anywhere in the
tag (``MatchString``, unanchored); a tag any entry matches is dropped before any policy sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import re2

from flux_semver.registry import RegistryError

DEFAULT = ("^.*\\.sig$",)


def effective(exclusion_list: Sequence[str] | None) -> tuple[str, ...]:
    """The list Flux applies: the default when none (or an empty one) is given."""
    return tuple(exclusion_list) if exclusion_list else DEFAULT


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    return options


def apply(
    tags: Iterable[str], exclusion_list: Sequence[str] | None, where: str = "spec.exclusionList"
) -> list[str]:
    """The tags no entry of the effective list matches, in their order."""
    if not exclusion_list:
        # The default, without a regular expression per tag: ``^.*\.sig$`` matches exactly
        # the tags that end in ".sig" and hold no line break (``.`` stops at one).
        return [tag for tag in tags if not (tag.endswith(".sig") and "\n" not in tag)]
    compiled = []
    for index, pattern in enumerate(effective(exclusion_list)):
        try:
            compiled.append(re2.compile(pattern, options=_options()))
        except Exception:  # re2 raises its own error type
            raise RegistryError(
                f"{where}[{index}]: {pattern!r} is not a valid Go regular "
                "expression (RE2 syntax) — Flux would fail the scan; fix "
                "the pattern"
            ) from None
    return [tag for tag in tags if not any(rx.search(tag) for rx in compiled)]
