#!/usr/bin/env python3
"""How long the GitHub Action takes to open a major release's three pull requests on a large
GitOps repository, against the CLI's ``flux-semver plan`` of the same release on the same
checkout.

The repository: the bundled example (``examples/gitops-repo``, app ``myapp``) inside a tree of
``--files`` files, ``--yaml`` of them Kubernetes YAML of other apps (``bench/scan.py``'s
generator) and the rest other files a monorepo holds. It is pushed to a bare origin and cloned
at depth 1, as actions/checkout leaves it; the action runs as the Docker runner starts it
(``entrypoint.py`` with ``INPUT_*`` variables) against the local GitHub of
``tests/support/github_server.py``. Each round times the CLI's plan, the action's first run
(from no branches and no pull requests) and an identical re-run back to back; the best round
of each is reported, as the machine this runs on is shared. With ``--old`` it also times one
full worktree of the base: what each pull request used to cost.

The goal: the action's run within 5x the CLI's plan, wall time.

    python bench/action.py [--files 50000] [--yaml 5000] [--repeat 3] [--old]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scan import _tool, generate, timed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.checkout import git  # noqa: E402
from tests.support.github_server import github_server  # noqa: E402 - the tests' local GitHub

GOAL = 5.0
TOKEN = "ghs_benchtoken"  # noqa: S105 - the local server's
GIT = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _build(tmp: Path, files: int, yaml_files: int, env: dict[str, str]) -> tuple[Path, Path]:
    """The origin (bare) and a depth-1 clone of it. The monorepo's other files go straight
    into git (``git fast-import``): writing them to disk first would cost more than the run."""
    author = tmp / "author"
    shutil.copytree(ROOT / "examples" / "gitops-repo", author)
    generate(author / "platform", yaml_files)
    on_disk = sorted(p for p in author.rglob("*") if p.is_file())
    stream = [
        b"commit refs/heads/main\n",
        b"committer Bench <bench@example.com> 1700000000 +0000\n",
        b"data 13\nthe monorepo\n",
    ]
    for path in on_disk:
        data = path.read_bytes()
        name = path.relative_to(author).as_posix().encode()
        stream += [b"M 100644 inline " + name + b"\n", b"data %d\n" % len(data), data, b"\n"]
    for index in range(max(files - len(on_disk), 0)):
        data = b"VALUE = %d\n" % index
        name = b"src/module%03d/file%05d.py" % (index // 500, index)
        stream += [b"M 100644 inline " + name + b"\n", b"data %d\n" % len(data), data, b"\n"]
    origin = tmp / "origin.git"
    git(tmp, env, "init", "--quiet", "--bare", str(origin))
    subprocess.run(
        ["git", "--git-dir", str(origin), "fast-import", "--quiet"],
        input=b"".join(stream),
        env=env,
        check=True,
        capture_output=True,
    )
    workspace = tmp / "workspace"
    git(tmp, env, "clone", "--quiet", "--depth", "1", origin.as_uri(), str(workspace))
    git(workspace, env, "remote", "set-url", "origin", str(origin))
    return origin, workspace


def _action_env(
    env: dict[str, str], workspace: Path, api_url: str, graphql: str, tmp: Path
) -> dict[str, str]:
    inputs = {
        "command": "promote",
        "version": "2.0.0",
        "image": "myapp",
        "path": ".",
        "pull-requests": "per-stage",
        "token": TOKEN,
        "dry-run": "false",
        "release-type": "auto",
        "evidence-policy": "report",
        "auto-merge": "false",
    }
    return {
        **env,
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": "acme/gitops",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_API_URL": api_url,
        "GITHUB_GRAPHQL_URL": graphql,
        "GITHUB_SERVER_URL": "https://github.test",
        "FLUX_SEMVER_GITHUB_BACKOFF": "0",
        "GITHUB_OUTPUT": str(tmp / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary"),
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }


def _time_action(
    origin: Path, workspace: Path, env: dict[str, str], tmp: Path, repeat: int
) -> tuple[float, float, float, int]:
    """Best wall time of the CLI's plan, of the action's first run and of an identical re-run,
    each round measured back to back (so a busy machine weighs on all three alike); the pull
    requests opened."""
    plans: list[float] = []
    firsts: list[float] = []
    agains: list[float] = []
    opened = 0
    plan = [
        _tool("flux-semver"),
        "-C",
        str(workspace),
        "plan",
        "2.0.0",
        "--image",
        "myapp",
        "--format",
        "json",
    ]
    for _ in range(repeat):
        plans.append(timed(plan, 1)[0])
        for ref in git(
            origin, env, "for-each-ref", "--format=%(refname)", "refs/heads/flux-semver/"
        ).split():
            git(origin, env, "update-ref", "-d", ref)
        with github_server("acme", "gitops", TOKEN, bare_repo=origin) as server:
            run_env = _action_env(env, workspace, server.url, server.graphql_url, tmp)
            for times in (firsts, agains):
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, str(ROOT / "entrypoint.py")],
                    cwd=workspace,
                    env=run_env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                times.append(time.perf_counter() - start)
                if done.returncode != 0:
                    sys.exit(f"the action failed ({done.returncode}): {done.stdout[-800:]}")
            opened = len(server.open_pulls())
    return min(plans), min(firsts), min(agains), opened


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--yaml", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--old",
        action="store_true",
        help="also time one full worktree of the base (the old cost per PR)",
    )
    args = parser.parse_args()
    env = {**os.environ, **GIT}
    with tempfile.TemporaryDirectory(prefix="flux-semver-bench-") as holder:
        tmp = Path(holder)
        (tmp / "home").mkdir()
        env["HOME"] = str(tmp / "home")
        origin, workspace = _build(tmp, args.files, args.yaml, env)
        worktree = None
        if args.old:
            start = time.perf_counter()
            git(workspace, env, "worktree", "add", "--quiet", "--detach", str(tmp / "full"), "HEAD")
            worktree = time.perf_counter() - start
            git(workspace, env, "worktree", "remove", "--force", str(tmp / "full"))
        plan, first, again, opened = _time_action(origin, workspace, env, tmp, args.repeat)
    print(
        f"repository: {args.files} files, {args.yaml} of them YAML; the action opened "
        f"{opened} pull requests; {os.cpu_count()} CPUs; best of {args.repeat} runs"
    )
    print(f"{'command':<34} {'wall s':>7} {'x plan':>7}")
    rows = [
        ("flux-semver plan (CLI)", plan),
        ("action: major, 3 pull requests", first),
        ("action: identical re-run", again),
    ]
    if worktree is not None:
        rows.append(("one full worktree (old, per PR)", worktree))
    for label, wall in rows:
        print(f"{label:<34} {wall:>7.3f} {wall / plan:>7.2f}")
    ratio = first / plan
    print(
        f"goal (the action's run within {GOAL:g}x of the CLI's plan, wall time): "
        f"{ratio:.2f}x, {'met' if ratio <= GOAL else 'NOT met'}"
    )
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
