"""What every hook does: parse pre-commit's arguments, check the repository, print, exit.

pre-commit runs a hook in the repository root with the changed YAML files as arguments. The
whole repository is loaded (the gate rules compare stages across files); only the findings in
the files given are printed, so a commit is judged by what it touches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from flux_semver import rules
from flux_semver.errors import FluxSemverError
from flux_semver.reporters import text


def run(argv: Sequence[str] | None, codes: Sequence[str], description: str) -> int:
    """Run the rules ``codes`` (all when empty); 0 clean, 1 findings, 2 bad input."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("filenames", nargs="*", help="files to report on (default: all)")
    parser.add_argument("--config", type=Path, default=None, help="config file")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    args = parser.parse_args(argv)
    try:
        result = rules.check(Path.cwd(), args.config, files=args.filenames, selected=codes)
    except FluxSemverError as exc:
        print(f"flux-semver: error: {exc}", file=sys.stderr)
        return 2
    if result.findings:
        sys.stdout.write(text.render(result))
    return 1 if result.failed(args.strict) else 0
