"""pre-commit hooks (DESIGN.md section 7): one thin ``main(argv) -> int`` per hook id.

This folder ships inside the wheel as ``flux_semver.hooks``.
"""
