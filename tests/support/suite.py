"""Which test files are the integration set, and which run first: read by the collection hook
in ``tests/conftest.py`` (and kept true by ``tests/test_test_command.py``)."""

from __future__ import annotations

# Test files that build a hook environment or a wheel, or run the Action end to end: the
# integration set, left out by ``python3 tasks.py quick`` (``python3 tasks.py test`` runs them).
INTEGRATION = {
    "test_precommit",
    "test_precommit_try_repo",
    "test_wheel",
    "test_action_image",
    "test_demo",
    "test_action",
    "test_action_gate",
    "test_action_registry",
}


# The test files that take longest, longest first (bench/LEDGER.md, "test command"). They
# run first, so that neither worker is left with a long file while the other has nothing
# left to do; the test command keeps this order (xdist --no-loadscope-reorder: xdist's own
# order, most tests first, put these files of three to thirty tests last).
SLOWEST_FIRST = (
    "test_precommit_try_repo",
    "test_action_releases",
    "test_precommit",
    "test_bad_input",
    "test_wheel",
    "test_action_gate",
    "test_action",
    "test_registry_cli",
    "test_action_image",
    "test_cli_promotion",
    "test_overlays",
    "test_demo",
    "test_range_properties",
    "test_editing",
)
