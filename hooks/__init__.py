"""pre-commit hooks (README: pre-commit hooks): one thin ``main(argv) -> int`` per hook id.

This folder ships inside the wheel as ``flux_semver.hooks``.
"""
