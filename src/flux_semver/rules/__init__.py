"""The checks (README: Rules): a registry of rules and one function that runs them.

``RULES`` maps each code to its :class:`~flux_semver.rules.base.Rule`; :func:`run` applies the
selected rules to a scanned repository and returns a :class:`~flux_semver.check_result.CheckResult`;
:func:`check` does it all for a repository on disk, as ``flux-semver check`` and the hooks do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from flux_semver.check_result import CheckResult, relative_paths
from flux_semver.errors import FluxSemverError
from flux_semver.model import Config, FileError, Finding, Policy
from flux_semver.repo import manifests

from . import (
    fs001_invalid_range,
    fs002_not_exact,
    fs003_skips_stage,
    fs004_schema,
    fs005_deprecated_api,
    fs006_unmapped,
    fs007_missing_gate,
    fs008_conflicting,
    fs009_yaml,
    fs010_not_semver,
    fs011_unknown_stage,
    fs012_stage_conflict,
    fs013_open_gate,
    fs014_stage_order,
    fs015_same_change,
    suppressions,
)
from .base import Rule, Scanned

if TYPE_CHECKING:
    from flux_semver.repo.baseline import Baseline

__all__ = [
    "RULES",
    "Rule",
    "Scanned",
    "UnknownRuleError",
    "check",
    "parse_codes",
    "run",
    "select",
]

#: The rule modules of this package, in code order: each defines CODE, NAME, SEVERITY, SUMMARY
#: and check (see :meth:`Rule.from_module`). Imported by name, so mypy checks each of them.
_MODULES = (
    fs001_invalid_range,
    fs002_not_exact,
    fs003_skips_stage,
    fs004_schema,
    fs005_deprecated_api,
    fs006_unmapped,
    fs007_missing_gate,
    fs008_conflicting,
    fs009_yaml,
    fs010_not_semver,
    fs011_unknown_stage,
    fs012_stage_conflict,
    fs013_open_gate,
    fs014_stage_order,
    fs015_same_change,
)

RULES: dict[str, Rule] = {rule.code: rule for rule in map(Rule.from_module, _MODULES)}


class Against(msgspec.Struct, frozen=True):
    """A scanned repository and the base revision its change starts from (FS015)."""

    repo: manifests.Repository
    base: Baseline

    @property
    def policies(self) -> tuple[Policy, ...]:
        return self.repo.policies

    @property
    def errors(self) -> tuple[FileError, ...]:
        return self.repo.errors

    @property
    def files_scanned(self) -> int:
        return self.repo.files_scanned

    @property
    def config(self) -> Config:
        return self.repo.config

    @property
    def root(self) -> Path:
        return self.repo.root


class UnknownRuleError(FluxSemverError):
    """A rule code or name that no rule has."""


def parse_codes(values: Iterable[str]) -> tuple[str, ...]:
    """Codes from ``--select``/``--ignore`` values: comma- or space-separated codes or names.

    ``FS002``, ``fs002`` and ``not-exact`` all mean FS002; anything else is an error that lists
    the rules there are.
    """
    by_name = {rule.name: code for code, rule in RULES.items()}
    codes: list[str] = []
    for value in values:
        for item in value.replace(",", " ").split():
            code = item.upper() if item.upper() in RULES else by_name.get(item.lower())
            if code is None:
                known = ", ".join(f"{c} ({r.name})" for c, r in RULES.items())
                raise UnknownRuleError(f'unknown rule "{item}": use one of {known}')
            if code not in codes:
                codes.append(code)
    return tuple(codes)


def select(selected: Iterable[str] = (), ignored: Iterable[str] = ()) -> tuple[Rule, ...]:
    """The rules to run: those selected (all when none are), less those ignored."""
    chosen = parse_codes(selected) or tuple(RULES)
    dropped = set(parse_codes(ignored))
    return tuple(RULES[code] for code in chosen if code not in dropped)


def run(
    repo: Scanned,
    rules: Iterable[Rule] | None = None,
) -> CheckResult:
    """Run rules (all by default) over a scanned repository; findings in file order."""
    findings: list[Finding] = []
    for rule in RULES.values() if rules is None else rules:
        findings.extend(rule.run(repo))
    findings.sort(key=lambda f: (f.file, f.line, f.column, f.code, f.message))
    names = {rule.name: code for code, rule in RULES.items()}
    kept, suppressed = suppressions.split(repo.root, findings, names)
    return CheckResult(
        findings=tuple(kept),
        files=repo.files_scanned,
        policies=len(repo.policies),
        suppressed=len(suppressed),
    )


def check(
    root: Path,
    config_path: Path | None = None,
    *,
    files: Sequence[str] = (),
    selected: Sequence[str] = (),
    ignored: Sequence[str] = (),
    strict_files: bool = False,
    exclude: Sequence[str] = (),
    parse_only: Callable[[str, bytes], bool] | None = None,
    base: str | None = None,
    hook_cache: bool = False,
) -> CheckResult:
    """Load the whole repository at ``root``, run the chosen rules, and keep only the findings
    in ``files`` when any are named (paths as the user gave them; see ``relative_paths``).

    Raises ``FluxSemverError`` for an unknown rule, a missing root or an invalid config, and,
    with ``strict_files``, for a FILE that is no file inside the root. ``base`` names the git
    revision the change under check starts from (FS015 compares with it); None skips FS015.
    ``hook_cache``: see :func:`flux_semver.repo.manifests.scan`.
    """
    chosen = select(selected, ignored)  # bad codes fail before any scanning
    manifests.need_root(root)
    wanted = relative_paths(root, files, strict=strict_files)  # a bad FILE fails before the scan
    # --exclude globs given on the command line count beside the config's
    loaded = manifests.load(
        root, config_path, exclude=exclude, parse_only=parse_only, hook_cache=hook_cache
    )
    repo: Scanned = loaded
    if base is not None:
        from flux_semver.repo.baseline import Baseline  # git is read only with a base

        repo = Against(loaded, Baseline.at(root, base, loaded.config, loaded.policies))
    result = run(repo, chosen)
    return result.only(wanted) if files else result
