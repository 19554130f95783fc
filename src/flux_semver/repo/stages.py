"""Which stage a policy belongs to, and which app (README: Which stage a policy belongs to).

A policy's stage comes from, in this order:

1. its label ``flux-semver/stage`` (a stage name or one of its aliases; one that names no
   stage is FS011, never a silent "unmapped");
2. the config's ``paths`` globs, when the config gives any (then they alone decide);
3. the stage aliases found in where it is written: its directories from the nearest up, then
   its file's name, then the policy's name. An alias counts as a whole word, bounded by the
   start or end or by ``-``, ``_``, ``.``, ``/`` or a digit; the longest alias is tried first,
   and an alias right after ``pre`` or ``non`` and a separator does not count, so ``pre-prod``
   is pre-prod (never prod, whatever pre-prod's aliases are), and ``prod-eu``, ``prod-01``,
   ``myapp-production`` are prod.

``StageMatch.source`` says in words where the stage came from, for ``flux-semver policies``;
``StageMatch.conflict`` says which later source of step 3 names another stage (FS012).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import msgspec

from flux_semver.model import Config

STAGE_LABEL = "flux-semver/stage"
APP_LABEL = "flux-semver/app"


class StageMatch(msgspec.Struct, frozen=True):
    """A resolved stage (None when nothing matched), where it came from, and a later source
    that names another stage (None when they agree)."""

    stage: str | None
    source: str
    conflict: str | None = None


class StageResolver:
    """Resolves stages for one config; build it once per scan and reuse it."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._by_word: dict[str, str] = {}
        pairs: list[tuple[str, str]] = []
        for stage in config.stages:
            self._by_word.setdefault(stage.name.lower(), stage.name)
            for alias in stage.aliases:
                self._by_word.setdefault(alias.lower(), stage.name)
                pairs.append((alias, stage.name))
        pairs.sort(key=lambda pair: -len(pair[0]))  # the longest alias first; stable otherwise
        self._aliases = [
            (
                alias,
                stage,
                re.compile(
                    rf"(?<![^-_./0-9])(?<!pre[-_.])(?<!non[-_.]){re.escape(alias)}(?![^-_./0-9])",
                    re.IGNORECASE,
                ),
            )
            for alias, stage in pairs
        ]
        self._globs = [(p, s.name) for s in config.stages for p in s.paths]
        if self._globs:
            from wcmatch import glob  # imported only for configs that give paths

            flags = glob.GLOBSTAR | glob.DOTGLOB
            self._globmatch: Callable[[str, str], bool] = lambda file, pattern: bool(
                glob.globmatch(file, pattern, flags=flags)
            )

    def resolve(self, *, name: str, file: str, labels: Mapping[str, str]) -> StageMatch:
        """The stage of a policy called ``name`` in ``file`` (relative posix path)."""
        label = labels.get(STAGE_LABEL)
        if label is not None:
            stage = self._by_word.get(str(label).lower())
            if stage is not None:
                return StageMatch(stage, f"label {STAGE_LABEL}")
            return StageMatch(
                None,
                f"label {STAGE_LABEL} {label!r} names no stage (stages: "
                f"{', '.join(self._config.stage_names)})",
            )
        if self._globs:
            for pattern, stage in self._globs:
                if self._globmatch(file, pattern):
                    return StageMatch(stage, f'config path "{pattern}"')
            return StageMatch(None, "no stage matched (no config path matches the file)")
        return self._by_names(name, file)

    def _by_names(self, name: str, file: str) -> StageMatch:
        parts = file.split("/")
        places = [
            ("directory", parts[depth - 1], "/".join(parts[:depth]))
            for depth in range(len(parts) - 1, 0, -1)
        ]
        places += [("file name", parts[-1], parts[-1]), ("name", name, name)]
        found: StageMatch | None = None
        for where, text, shown in places:
            for alias, stage, pattern in self._aliases:
                if pattern.search(text):
                    said = f'alias "{alias}" in {where} "{shown}"'
                    if found is None:
                        found = StageMatch(stage, said)
                    elif stage != found.stage:
                        return StageMatch(found.stage, found.source, f"{said} says {stage}")
                    break
        return found or StageMatch(None, "no stage matched")


def app_of(labels: Mapping[str, str], image_repository: str | None) -> str | None:
    """The app a policy belongs to: the ``flux-semver/app`` label, else its ImageRepository."""
    label = labels.get(APP_LABEL)
    if label:
        return str(label)
    return image_repository or None
