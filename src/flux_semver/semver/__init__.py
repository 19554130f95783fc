"""Flux's version semantics: versions, ranges, intervals, tag choice, notation.

The bottom layer: it imports nothing of ours but ``flux_semver.errors``.
"""
