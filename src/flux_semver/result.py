"""The outcome of ``check``: findings plus what was looked at. Reporters render it."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from flux_semver.model import Finding


@dataclass(frozen=True)
class CheckResult:
    """Findings in report order, and how much of the repository was checked."""

    findings: tuple[Finding, ...]
    files: int  # YAML files scanned
    policies: int  # ImagePolicy documents found

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    def failed(self, strict: bool = False) -> bool:
        """True when the check should fail: any error, or any warning when ``strict``."""
        return self.errors > 0 or (strict and self.warnings > 0)

    def only(self, files: Collection[str]) -> CheckResult:
        """The same result with only the findings about ``files`` (paths relative to the root).

        A finding is about a file when it points into it, or when it depends on it: narrowing
        pre-prod's range in one file makes prod's unchanged range skip it, and the commit that
        did so must see that FS003.
        """
        wanted = set(files)
        return replace(
            self,
            findings=tuple(
                f for f in self.findings if f.file in wanted or wanted.intersection(f.related)
            ),
        )

    def summary(self) -> dict[str, int]:
        return {
            "files": self.files,
            "policies": self.policies,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def relative_paths(root: Path, names: Iterable[str]) -> set[str]:
    """File arguments as ``/``-separated paths relative to ``root``, however they were given.

    A relative name is tried against the current directory and against the root; names outside
    the root are dropped (they can have no findings).
    """
    base = root.resolve()
    found: set[str] = set()
    for name in names:
        path = Path(name)
        candidates = [path] if path.is_absolute() else [Path.cwd() / path, base / path]
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved.is_relative_to(base):
                found.add(resolved.relative_to(base).as_posix())
    return found
