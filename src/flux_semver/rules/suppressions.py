"""Inline suppressions (README: Suppressing a finding): ``# flux-semver: ignore FS0NN -- reason``.

A comment at the end of the finding's line silences that finding; a comment on a line of its
own silences the codes it names in the whole YAML document it stands in (between ``---``
separators). Codes may be written as codes or rule names, separated by commas or spaces; the
reason after ``--`` is for the people reading the file. Suppressed findings are not shown, but
``check`` counts them in its summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from flux_semver.model import Finding

_COMMENT = re.compile(
    r"#\s*flux-semver:\s*ignore\b(?P<codes>[^#]*?)(?:\s--(?:\s.*)?)?\s*$", re.IGNORECASE
)
_SEPARATOR = re.compile(r"^---(?:\s|$)")


class _File:
    """One file's suppressions: codes per line and codes per document (by first line)."""

    def __init__(self, text: str, names: dict[str, str]) -> None:
        self.by_line: dict[int, set[str]] = {}
        self.documents: list[tuple[int, set[str]]] = [(1, set())]
        for number, line in enumerate(text.splitlines(), start=1):
            if _SEPARATOR.match(line):
                self.documents.append((number, set()))
                continue
            if "flux-semver" not in line:
                continue
            found = _COMMENT.search(line)
            if found is None:
                continue
            codes = _codes(found.group("codes"), names)
            if line[: found.start()].strip():
                self.by_line.setdefault(number, set()).update(codes)
            else:
                self.documents[-1][1].update(codes)

    def silences(self, finding: Finding) -> bool:
        if finding.code in self.by_line.get(finding.line, ()):
            return True
        document: set[str] = set()
        for first, codes in self.documents:
            if first > finding.line:
                break
            document = codes
        return finding.code in document


def _codes(text: str, names: dict[str, str]) -> set[str]:
    found = set()
    for item in text.replace(",", " ").split():
        found.add(names.get(item.lower(), item.upper()))
    return found


def split(
    root: Path, findings: Iterable[Finding], names: dict[str, str]
) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed) findings; ``names`` maps rule names to codes (``not-exact``: FS002)."""
    files: dict[str, _File | None] = {}
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        if finding.file not in files:
            files[finding.file] = _read(root / finding.file, names)
        suppressions = files[finding.file]
        (suppressed if suppressions and suppressions.silences(finding) else kept).append(finding)
    return kept, suppressed


def _read(path: Path, names: dict[str, str]) -> _File | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    if b"flux-semver" not in raw:
        return None
    return _File(raw.decode("utf-8", "replace").lstrip("\ufeff"), names)
