"""The outcome of ``check``: findings plus what was looked at. Reporters render it."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

import msgspec
from msgspec.structs import replace

from flux_semver.errors import FluxSemverError
from flux_semver.model import Finding

YAML_EXTENSIONS = (".yaml", ".yml")


class CheckResult(msgspec.Struct, frozen=True):
    """Findings in report order, and how much of the repository was checked."""

    findings: tuple[Finding, ...]
    files: int  # YAML files scanned
    policies: int  # ImagePolicy documents found
    shown: int | None = None  # YAML files the findings were limited to; None: all of them
    suppressed: int = 0  # findings silenced by a `# flux-semver: ignore` comment

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
            shown=sum(1 for name in wanted if name.endswith(YAML_EXTENSIONS)),
        )

    def summary(self) -> dict[str, int]:
        return {
            "files": self.files,
            "policies": self.policies,
            "errors": self.errors,
            "warnings": self.warnings,
            "suppressed": self.suppressed,
        }


class FileArgumentError(FluxSemverError):
    """A FILE argument that names no file of the repository."""


def relative_paths(root: Path, names: Iterable[str], *, strict: bool = False) -> set[str]:
    """File arguments as ``/``-separated paths relative to ``root``, however they were given.

    A relative name is tried against the current directory and against the root. Without
    ``strict`` (pre-commit, which passes only existing files of the repository) names that
    are no file inside the root are dropped; with it (the CLI) each is a
    ``FileArgumentError``, since dropping it would report "no problems" about nothing.
    """
    base = root.resolve()
    found: set[str] = set()
    for name in names:
        path = Path(name)
        candidates = [path] if path.is_absolute() else [Path.cwd() / path, base / path]
        inside = [c.resolve() for c in candidates if c.resolve().is_relative_to(base)]
        for resolved in inside:
            found.add(resolved.relative_to(base).as_posix())
        if strict:
            _require_file(name, root, candidates, [r for r in inside if r.exists()])
    return found


def _require_file(name: str, root: Path, candidates: list[Path], inside: list[Path]) -> None:
    hint = "name a file inside the repository (-C DIR)"
    if any(r.is_file() for r in inside):
        return
    if inside:
        raise FileArgumentError(f"{name}: is a directory — {hint}, e.g. {name.rstrip('/')}/*.yaml")
    if any(c.exists() for c in candidates):
        raise FileArgumentError(f"{name}: outside the repository {root} — {hint}")
    raise FileArgumentError(f"{name}: no such file — {hint}")
