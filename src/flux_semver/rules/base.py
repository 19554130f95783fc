"""What a rule is: a code, a name, a default severity, its documentation and one generator.

Each rule is a module of this package with ``CODE``, ``NAME``, ``SEVERITY``, ``SUMMARY``, a
module docstring that is its user documentation (Markdown), and
``check(repo) -> Iterator[Finding]``. :class:`Rule` wraps such a module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast

import msgspec

from flux_semver.model import Config, FileError, Finding, Policy, Severity


class Scanned(Protocol):
    """What the rules read from a scanned repository (``flux_semver.repo.manifests.Repository``)."""

    @property
    def policies(self) -> tuple[Policy, ...]: ...

    @property
    def errors(self) -> tuple[FileError, ...]: ...

    @property
    def files_scanned(self) -> int: ...

    @property
    def config(self) -> Config: ...

    @property
    def root(self) -> Path: ...  # where the files are: suppression comments are read there


Check = Callable[[Scanned], Iterator[Finding]]


class Rule(msgspec.Struct, frozen=True):
    """One check of README: Rules."""

    code: str
    name: str
    severity: Severity
    summary: str  # when it fires, in one line
    doc: str  # the module docstring: why, a failing and a passing example, how to fix
    check: Check

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        return cls(
            code=cast(str, module.CODE),
            name=cast(str, module.NAME),
            severity=cast(Severity, module.SEVERITY),
            summary=cast(str, module.SUMMARY),
            doc=(module.__doc__ or "").strip(),
            check=cast(Check, module.check),
        )

    def run(self, repo: Scanned) -> Iterator[Finding]:
        return self.check(repo)


def finding(
    code: str,
    name: str,
    severity: Severity,
    policy: Policy,
    message: str,
    *,
    at_range: bool = True,
    at_api_version: bool = False,
    related: tuple[str, ...] = (),
) -> Finding:
    """A finding about a policy, at its range value, at its apiVersion value
    (``at_api_version``), or else at its ``kind:`` line."""
    if at_api_version and policy.api_version_line is not None:
        line, column = policy.api_version_line, policy.api_version_column or 1
    elif at_range and policy.range_line is not None:
        line, column = policy.range_line, policy.range_column or 1
    else:
        line, column = policy.line, 1
    return Finding(
        code=code,
        name=name,
        severity=severity,
        file=policy.file,
        line=line,
        column=column,
        policy=policy.ref,
        stage=policy.stage,
        message=message,
        related=tuple(f for f in related if f != policy.file),
    )
