#!/usr/bin/env python3
"""Listing and choosing among 10,000 tags: what ``--registry-check`` costs.

Two registries on 127.0.0.1, both started here:

- the CNCF distribution registry (``docker-registry``, htpasswd basic auth), holding one
  image pushed through its API and re-tagged 10,000 times in its storage (it answers the
  whole list in one page: 2.8 ignores ``n`` for tags);
- the tests' token-auth registry (``tests/support/registry_double.py``), paging
  behind the bearer-token flow: 1,000 tags a page, 10 pages.

Measured in one process, medians of ``--repeat`` runs: flux-semver's listing
(:class:`flux_semver.registry.listing.Listings`: auth, pages, exclusion list) against the
floor of one bare ``requests`` GET per page; and flux-semver choosing the tag Flux deploys
(``latest_tag``) against node-semver's ``max_satisfying`` on the same 10,000 tags; and the
whole ``flux-semver latest --registry`` command against ``latest --tags-file`` with the same
tags, wall time (the difference is mostly importing requests). Goal: the listing within 3x of
the bare GET (it answers a 401 challenge first and applies the exclusion list).

    python bench/registry.py [--tags 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent))  # tests.support: the registry doubles

import nodesemver  # noqa: E402
import requests  # noqa: E402

from flux_semver.registry.listing import Listings, OciImage  # noqa: E402
from flux_semver.registry.reference import parse  # noqa: E402
from flux_semver.semver.tags import latest_tag  # noqa: E402
from tests.support import registry_double, registry_server  # noqa: E402

GOAL_X = 3.0  # listing (challenge, auth, exclusion list) against one bare GET


def tags_for(count: int) -> list[str]:
    return [f"1.{i // 100}.{i % 100}" for i in range(count)]


def median(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor(url: str, auth: dict[str, str]) -> list[str]:
    """One bare GET per page, following Link: the least any client does."""
    tags: list[str] = []
    with requests.Session() as session:
        next_url: str | None = url
        while next_url:
            answer = session.get(next_url, headers=auth, timeout=30)
            tags.extend(answer.json()["tags"])
            link = answer.links.get("next", {}).get("url")
            next_url = requests.compat.urljoin(answer.url, link) if link else None
    return tags


def listing(image: str, environ: dict[str, str]) -> Callable[[], list[str]]:
    def run() -> list[str]:
        listings = Listings(environ=environ)
        try:
            return listings.tags(OciImage(parse(image)))
        finally:
            listings.close()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tags = tags_for(args.tags)
    minor = max(args.tags // 100 // 2, 0)
    rng = f"1.{minor}.x"  # a line in the middle of the tags
    rows: list[tuple[str, float]] = []
    # The registry's storage in memory where there is /dev/shm: 10,000 tag folders are made
    # there in a second, on a busy disk in a minute.
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with (
        tempfile.TemporaryDirectory(prefix="flux-semver-bench-", dir=shm) as tmp,
        registry_server.running(Path(tmp)) as real,
        registry_double.serving() as (double_host, state),
    ):
        real.push("bench/app", tags[:1])
        real.retag("bench/app", tags)
        basic = {
            "FLUX_SEMVER_REGISTRY_USERNAME": registry_server.USER,
            "FLUX_SEMVER_REGISTRY_PASSWORD": registry_server.PASSWORD,
        }
        image = f"{real.host}/bench/app"
        listed = listing(image, basic)()
        assert len(listed) == args.tags, len(listed)
        rows.append(
            ("flux-semver list, real registry (1 page)", median(listing(image, basic), args.repeat))
        )
        pair = f"{registry_server.USER}:{registry_server.PASSWORD}".encode()
        header = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        rows.append(
            (
                "floor: requests GET, real registry (1 page)",
                median(lambda: floor(f"{real.base}/v2/bench/app/tags/list", header), args.repeat),
            )
        )

        state.images["bench/app"] = tags
        state.max_page = 1000
        state.public.add("bench/app")
        state.issued["bench-token"] = {"bench/app"}
        paged = f"{double_host}/bench/app"
        pages = -(-args.tags // state.max_page)
        rows.append(
            (
                f"flux-semver list, token registry ({pages} pages)",
                median(listing(paged, {}), args.repeat),
            )
        )
        rows.append(
            (
                f"floor: requests GET, token registry ({pages} pages)",
                median(
                    lambda: floor(
                        f"http://{paged.split('/', 1)[0]}/v2/bench/app/tags/list?n=1000",
                        {"Authorization": "Bearer bench-token"},
                    ),
                    args.repeat,
                ),
            )
        )

        rows.append(
            (
                "flux-semver choose (latest_tag)",
                median(lambda: latest_tag(rng, listed), args.repeat),
            )
        )
        rows.append(
            (
                "node-semver max_satisfying",
                median(lambda: nodesemver.max_satisfying(listed, rng, loose=True), args.repeat),
            )
        )
        assert latest_tag(rng, listed) == nodesemver.max_satisfying(listed, rng, loose=True)

        tags_file = Path(tmp) / "tags.txt"
        tags_file.write_text("\n".join(listed) + "\n")
        env = {**os.environ, **basic}
        for label, where in (
            ("flux-semver latest --registry, wall", ["--registry", image]),
            ("flux-semver latest --tags-file, wall", ["--tags-file", str(tags_file)]),
        ):
            command = [sys.executable, "-m", "flux_semver", "latest", rng, *where]
            wall = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
                wall.append(time.perf_counter() - start)
            assert done.stdout.strip() == latest_tag(rng, listed), done.stdout
            rows.append((label, statistics.median(wall)))
    print(f"tags: {args.tags}; range {rng}; {os.cpu_count()} CPUs; medians of {args.repeat} runs")
    for label, seconds in rows:
        print(f"  {label:<52} {seconds:.3f} s")
    values = dict(rows)
    ours = values["flux-semver list, real registry (1 page)"]
    bare = values["floor: requests GET, real registry (1 page)"]
    extra = (
        values["flux-semver latest --registry, wall"]
        - values["flux-semver latest --tags-file, wall"]
    )
    print(f"  {'latest --registry minus latest --tags-file':<52} {extra:.3f} s")
    print(
        f"goal (listing {args.tags} tags within {GOAL_X:g}x of one bare GET, real "
        f"registry): {ours / bare:.2f}x, {'met' if ours / bare <= GOAL_X else 'NOT met'}"
    )
    return 0 if ours / bare <= GOAL_X else 1


if __name__ == "__main__":
    sys.exit(main())
