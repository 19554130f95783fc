#!/usr/bin/env python3
"""Throughput of parse + admits: flux_semver.Range against semantic_version and node-semver.

Usage: ``python bench/ranges.py [--rounds N] [--versions N]``

Every library gets the same inputs, as text, in one process: for each round, each range is
parsed once and every version string is checked against it (the version is parsed by the
check, as a policy check reads tags). Two scenarios are timed:

* ``warm`` — what a long-lived process sees (flux_semver keeps its parse caches);
* ``cold`` — flux_semver's caches are cleared at the start of every round, so each round
  parses every range and every version again;
* ``uncached`` — flux_semver's caches are switched off: every check parses its version and
  every range is parsed each round, like the other libraries do.

The ranges use only syntax all three libraries read the same way. Printed: checks per second
for each library and flux_semver's speed-up over each (the goal is at least 2x).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import nodesemver
import semantic_version

import flux_semver.semver.ranges
import flux_semver.semver.version
from flux_semver.semver.ranges import Range, _parse
from flux_semver.semver.version import _parse_lenient

RANGES = [
    "1.2.x",
    "1.x",
    "~1.2.3",
    "~1.2",
    "^1.2.0",
    "^0.2.3",
    ">=1.2.0 <2.0.0",
    ">=1.2.0",
    "<=2.0.0",
    "1.2.3",
    ">1.0.0 <1.5.0",
    "1.x || 2.x",
    ">=0.5.0 <0.6.0 || >=1.0.0 <1.1.0",
    "1.0.0 - 2.0.0",
    "*",
]


def versions(count: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        text = f"{rnd.randrange(0, 4)}.{rnd.randrange(0, 12)}.{rnd.randrange(0, 30)}"
        if rnd.random() < 0.15:
            text += f"-rc.{rnd.randrange(1, 5)}"
        out.append(text)
    return out


Runner = Callable[[list[str], list[str]], int]


def run_flux_semver(ranges: list[str], tags: list[str]) -> int:
    admitted = 0
    for text in ranges:
        rng = Range(text)
        for tag in tags:
            admitted += rng.admits(tag)
    return admitted


def run_semantic_version(ranges: list[str], tags: list[str]) -> int:
    admitted = 0
    for text in ranges:
        spec = semantic_version.NpmSpec(text)
        for tag in tags:
            admitted += spec.match(semantic_version.Version(tag))
    return admitted


def run_node_semver(ranges: list[str], tags: list[str]) -> int:
    admitted = 0
    for text in ranges:
        rng = nodesemver.make_range(text, loose=False)
        for tag in tags:
            admitted += rng.test(tag)
    return admitted


def clear_caches() -> None:
    _parse.cache_clear()
    _parse_lenient.cache_clear()


def run_uncached(ranges: list[str], tags: list[str]) -> int:
    """run_flux_semver with the parse caches bypassed."""
    flux_semver.semver.ranges._parse = _parse.__wrapped__  # type: ignore[assignment]
    flux_semver.semver.version._parse_lenient = _parse_lenient.__wrapped__  # type: ignore[assignment]
    try:
        return run_flux_semver(ranges, tags)
    finally:
        flux_semver.semver.ranges._parse = _parse
        flux_semver.semver.version._parse_lenient = _parse_lenient


def timed(
    runner: Runner,
    ranges: list[str],
    tags: list[str],
    rounds: int,
    before_round: Callable[[], None] | None = None,
) -> float:
    """Checks per second over ``rounds`` rounds (best of three repetitions)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(rounds):
            if before_round is not None:
                before_round()
            runner(ranges, tags)
        best = min(best, time.perf_counter() - start)
    return rounds * len(ranges) * len(tags) / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--versions", type=int, default=400)
    args = parser.parse_args(argv)
    tags = versions(args.versions)

    # The libraries do the same work; their answers differ only where npm's prerelease rules
    # differ from Masterminds' (semantic_version lets "<=2.0.0" admit 2.0.0-rc.2).
    counts = {
        "flux_semver": run_flux_semver(RANGES, tags),
        "semantic_version.NpmSpec": run_semantic_version(RANGES, tags),
        "node-semver": run_node_semver(RANGES, tags),
    }
    print(
        f"{len(RANGES)} ranges x {len(tags)} versions, {args.rounds} rounds; admitted pairs: "
        + ", ".join(f"{name} {count}" for name, count in counts.items())
    )
    clear_caches()
    results = {
        "flux_semver (cold)": timed(run_flux_semver, RANGES, tags, args.rounds, clear_caches),
        "flux_semver (warm)": timed(run_flux_semver, RANGES, tags, args.rounds),
        "flux_semver (uncached)": timed(run_uncached, RANGES, tags, args.rounds),
        "semantic_version.NpmSpec": timed(run_semantic_version, RANGES, tags, args.rounds),
        "node-semver": timed(run_node_semver, RANGES, tags, args.rounds),
    }
    for name, rate in results.items():
        print(f"{name:28s} {rate:12,.0f} checks/s")
    for mode in ("uncached", "cold", "warm"):
        mine = results[f"flux_semver ({mode})"]
        for peer in ("semantic_version.NpmSpec", "node-semver"):
            print(f"ratio {mode}: flux_semver / {peer} = {mine / results[peer]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
