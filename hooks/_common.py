"""What every hook does: parse pre-commit's arguments, check the repository, print, exit.

pre-commit runs a hook in the repository root with the changed YAML files as arguments. The
whole repository is loaded (the gate rules compare stages across files); only the findings in
the files given are printed, so a commit is judged by what it touches. The change is compared
with its base (FS015): pre-commit's ``--from-ref`` when it gives one, else ``HEAD`` (the
staged change). Whatever goes wrong is one line and exit 2 (bad input) or 3 (a bug), never a
traceback and never 1, which pre-commit would read as findings (``flux_semver.edge``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from flux_semver import rules
from flux_semver.edge import guard
from flux_semver.errors import GitError
from flux_semver.repo import git
from flux_semver.reporters import text


def base_revision(root: Path) -> str | None:
    """What the change under check starts from: pre-commit's ``--from-ref``, else ``HEAD``
    when there is one (None in a repository without commits, or outside git)."""
    given = os.environ.get("PRE_COMMIT_FROM_REF")
    if given:
        return given
    if not git.is_repository(root):
        return None
    try:
        git.run(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        return None  # no commit yet: nothing to compare with
    return "HEAD"


def run(argv: Sequence[str] | None, codes: Sequence[str], description: str) -> int:
    """Run the rules ``codes`` (all when empty); 0 clean, 1 findings, 2 bad input, 3 a bug."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("filenames", nargs="*", help="files to report on (default: all)")
    parser.add_argument("--config", type=Path, default=None, help="config file")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    args = parser.parse_args(argv)

    def check() -> int:
        root = Path.cwd()
        result = rules.check(root, args.config, files=args.filenames, selected=codes,
                             base=base_revision(root))
        if result.findings:
            sys.stdout.write(text.render(result))
        return 1 if result.failed(args.strict) else 0

    return guard(check)
