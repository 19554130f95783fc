"""``python -m flux_semver`` runs the CLI."""

import sys

from flux_semver.cli import main

sys.exit(main())
