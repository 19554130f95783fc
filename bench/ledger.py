#!/usr/bin/env python3
"""Run every benchmark in ``bench/`` and write ``bench/LEDGER.md``: flux-semver against its peers.

    python3 tasks.py bench            # full sizes, as the numbers in the ledger
    python bench/ledger.py --quick    # small sizes, a smoke run (the ledger says so)

Each benchmark runs as its own process (its imports and caches do not leak into the next);
its printed results are read back line by line into rows of one table:

- ``ranges.py``: Range parse + admits checks per second against semantic_version (NpmSpec)
  and node-semver;
- ``scan.py``: ``flux-semver policies`` on a 10,000-file tree against a bare Python read of
  every file (the floor), check-jsonschema and yamllint;
- ``check.py``: ``flux-semver check`` against ``flux-semver policies`` on the same tree;
- ``evidence.py``: an evidence summary of a 10,000-test JUnit report against junitparser;
- ``install.py``: the light install (CLI and hooks) against the action's, in empty virtual
  environments: distributions, MB on disk and pip's time.

``--only SCRIPT`` runs one benchmark and keeps the other rows of the ledger as they were.

The ledger records the machine (CPU count, Python, platform) and the date with the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
LEDGER = BENCH / "LEDGER.md"


@dataclass(frozen=True)
class Row:
    benchmark: str
    measure: str
    peer: str
    ours: str
    theirs: str
    ratio: str


@dataclass(frozen=True)
class Benchmark:
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    parse: Callable[[str], Iterator[Row]]


def _ranges(out: str) -> Iterator[Row]:
    rates = {m[1].strip(): m[2] for m in re.finditer(r"^(\S.*?)\s+([\d,]+) checks/s$", out,
                                                     re.MULTILINE)}
    for m in re.finditer(r"^ratio (\w+): flux_semver / (.+?) = ([\d.]+)x$", out, re.MULTILINE):
        mode, peer, ratio = m[1], m[2], m[3]
        yield Row("ranges", f"parse + admits, {mode} (checks/s)", peer,
                  rates.get(f"flux_semver ({mode})", "?"), rates.get(peer, "?"),
                  f"{ratio}x faster")


# label, wall s, cpu s, and two or three ratio columns
_TABLE_ROW = re.compile(r"^\s*(\S.*?)\s{2,}([\d.]+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+(?:\s+[\d.]+)?$",
                        re.MULTILINE)


def _scan(out: str) -> Iterator[Row]:
    rows = {m[1].strip(): (float(m[2]), float(m[3])) for m in _TABLE_ROW.finditer(out)}
    ours = rows.get("flux-semver policies")
    if ours is None:
        return
    for label, (wall, _) in rows.items():
        if label == "flux-semver policies":
            continue
        if label.startswith("floor"):
            yield Row("scan", "policies on the tree, wall s", "floor: Python reads every file",
                      f"{ours[0]:.3f}", f"{wall:.3f}", f"{ours[0] / wall:.2f}x the floor")
        elif label.startswith("with "):
            yield Row("scan", f"policies {label}, wall s", "flux-semver policies",
                      f"{wall:.3f}", f"{ours[0]:.3f}", f"{wall / ours[0]:.2f}x")
        else:
            yield Row("scan", "read the tree, wall s", label, f"{ours[0]:.3f}", f"{wall:.3f}",
                      f"{wall / ours[0]:.2f}x faster")


def _check(out: str) -> Iterator[Row]:
    rows = {m[1].strip(): (float(m[2]), float(m[3])) for m in _TABLE_ROW.finditer(out)}
    if "flux-semver check" in rows and "flux-semver policies" in rows:
        mine, base = rows["flux-semver check"][0], rows["flux-semver policies"][0]
        yield Row("check", "all nine rules on the tree, wall s", "flux-semver policies",
                  f"{mine:.3f}", f"{base:.3f}", f"{mine / base:.2f}x (goal ≤ 1.5x)")


def _evidence(out: str) -> Iterator[Row]:
    times = {m[1].strip(): m[2] for m in re.finditer(r"^\s+(\S.*?)\s+([\d.]+) ms$", out,
                                                     re.MULTILINE)}
    mine = times.get("flux-semver read + render x2", "?")
    for peer, label in (("junitparser parse", "summary / parse alone"),
                        ("junitparser parse + walk", "summary / parse + walk")):
        found = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)x$", out, re.MULTILINE)
        if found:
            yield Row("evidence", "JUnit read + summary rendered twice, ms", peer, mine,
                      times.get(peer, "?"), f"{found[1]}x the peer's time")


def _install(out: str) -> Iterator[Row]:
    found = {m[1]: (int(m[2]), float(m[3]), float(m[4]), float(m[5])) for m in re.finditer(
        r"^(\w+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)  ", out, re.MULTILINE)}
    if "light" not in found or "action" not in found:
        return
    peer = "flux-semver[action] (the image; every install before the split)"
    measures = ("distributions", "site-packages, MB", "pip install from the index, s",
                "pip install from local wheels, s")
    theirs = found["action"]
    for name, label in (("light", "flux-semver"), ("evidence", "flux-semver[evidence]")):
        if name not in found:
            continue
        for measure, mine, their in zip(measures, found[name], theirs, strict=True):
            shown = (str(int(mine)), str(int(their))) if measure == "distributions" else (
                f"{mine:.1f}", f"{their:.1f}")
            yield Row("install", f"{label}: {measure}", peer, *shown, f"{mine / their:.2f}x")


BENCHMARKS = (
    Benchmark("ranges.py", (), ("--rounds", "1", "--versions", "100"), _ranges),
    Benchmark("scan.py", (), ("--files", "1000", "--repeat", "1"), _scan),
    Benchmark("check.py", (), ("--files", "1000", "--repeat", "1"), _check),
    Benchmark("evidence.py", (), ("--tests", "1000", "--rounds", "1"), _evidence),
    Benchmark("install.py", (), (), _install),
)


@dataclass(frozen=True)
class Result:
    rows: list[Row]
    command: str
    goals: list[str]


def run(benchmark: Benchmark, quick: bool) -> Result:
    """The rows one benchmark yields, and the command that produced them."""
    args = benchmark.quick if quick else benchmark.full
    shown = " ".join(["python", f"bench/{benchmark.script}", *args])
    print(f"+ {shown}", flush=True)
    done = subprocess.run([sys.executable, str(BENCH / benchmark.script), *args],
                          capture_output=True, text=True, check=False, cwd=BENCH.parent)
    sys.stdout.write(done.stdout)
    rows = list(benchmark.parse(done.stdout))
    if not rows:  # a benchmark that misses its goal exits 1 but still prints its numbers
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{benchmark.script} (exit code {done.returncode}): no results in "
                         "its output; update the parser in bench/ledger.py to match it")
    goals = [f"{benchmark.script}: {m[1].strip()}" for m in
             re.finditer(r"^\s*(goal .*|verdict: .*)$", done.stdout, re.MULTILINE)]
    return Result(rows, shown, goals)


def render(results: list[Result], quick: bool, only: str | None = None,
           before: str = "") -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    date = f"{now} ({only} alone; the other rows: {before})" if only else now
    lines = [
        "# Performance ledger",
        "",
        "Written by `python3 tasks.py bench` (`bench/ledger.py`); do not edit by hand.",
        "Each ratio compares runs made back to back in one process or on one tree; a busy",
        "machine moves the absolute numbers more than the ratios.",
        "",
        f"- date: {date}",
        f"- machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}",
        f"- sizes: {'QUICK smoke run, not comparable' if quick else 'full (each script default)'}",
        "",
        "| benchmark | measure | peer | flux-semver | peer | ratio |",
        "| --- | --- | --- | ---: | ---: | --- |",
    ]
    for result in results:
        lines += [f"| {r.benchmark} | {r.measure} | {r.peer} | {r.ours} | {r.theirs} | "
                  f"{r.ratio} |" for r in result.rows]
    lines += ["", "Goals, as each benchmark judges itself:", ""]
    lines += [f"- {goal}" for result in results for goal in result.goals]
    lines += ["", "Commands:", ""]
    lines += [f"- `{result.command}`" for result in results]
    return "\n".join(lines) + "\n"


def _kept(ledger: Path, script: str, fresh: list[Result]) -> list[Result]:
    """The ledger's results of every other benchmark, read back, with ``fresh`` in order."""
    text = ledger.read_text(encoding="utf-8") if ledger.exists() else ""
    results: list[Result] = []
    for benchmark in BENCHMARKS:
        if benchmark.script == script:
            results += fresh
            continue
        name = benchmark.script.removesuffix(".py")
        rows = [Row(*(cell.strip() for cell in m[1].split(" | "))) for m in
                re.finditer(rf"^\| ({re.escape(name)} \| .*) \|$", text, re.MULTILINE)]
        commands = re.findall(rf"^- `(python bench/{re.escape(benchmark.script)}[^`]*)`$", text,
                              re.MULTILINE)
        goals = re.findall(rf"^- ({re.escape(benchmark.script)}: .*)$", text, re.MULTILINE)
        if rows:
            results.append(Result(rows, commands[0] if commands else "", goals))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--output", type=Path, default=LEDGER, help="where to write the table")
    parser.add_argument("--only", metavar="SCRIPT", choices=[b.script for b in BENCHMARKS],
                        help="run this benchmark alone; keep the ledger's other rows")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHMARKS if args.only in (None, b.script)]
    results = [run(benchmark, args.quick) for benchmark in chosen]
    before = ""
    if args.only:
        results = _kept(args.output, args.only, results)
        old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        # The date of the full run the kept rows come from (an --only run names it too).
        found = re.search(r"^- date: (?:.*the other rows: )?(\d{4}-\d\d-\d\d \d\d:\d\d UTC)",
                          old, re.MULTILINE)
        before = found[1] if found else "unknown"
    text = render(results, args.quick, args.only, before)
    temporary = args.output.with_name(f".{args.output.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
