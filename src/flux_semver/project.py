"""Where flux-semver is published: the one setting a fork changes to rename it.

``REPOSITORY`` is the GitHub repository that holds the action, the pre-commit hooks and the
README (``uses: REPOSITORY@v1``, ``repo: https://github.com/REPOSITORY``). Every link the
package prints is built from it; the README, ``pyproject.toml``'s ``[project.urls]`` and the
other docs name it as written here, and ``tests/test_published_name.py`` fails on any place
that names another.
"""

from __future__ import annotations

REPOSITORY = "org/flux-semver-action"
HOME = f"https://github.com/{REPOSITORY}"


def readme_anchor(heading_id: str) -> str:
    """A link to a section of the published README, by its heading's anchor."""
    return f"{HOME}#{heading_id}"
