#!/usr/bin/env python3
"""The README's story: the release process, run by flux-semver on a copy of gitops-repo.

``python3 tasks.py demo`` runs this. It copies ``examples/gitops-repo`` into a temporary
directory, makes it a git repository, and then, each step through the real ``flux-semver``
command line: lists the policies; releases a patch (1.2.4), a minor (1.3.0, pre-prod only),
promotes 1.3.0 to prod once pre-prod admits it, releases a major (2.0.0: dev and pre-prod
first, prod in a later change); shows the history read back from git and rolls prod alone back
to 1.3.0 (an emergency rollback). After
every release it shows which tag from ``examples/tags.txt`` Flux would deploy in each stage.
``examples/`` itself is never changed.

Each merged pull request is played by a commit whose message carries flux-semver's trailers.
Pass ``--keep`` to keep the temporary repository and print where it is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from flux_semver.release.plan import make_plan
from flux_semver.release.trailers import commit_message
from flux_semver.repo import config, manifests

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "gitops-repo"
TAGS = HERE / "tags.txt"
APP = "myapp"
EVIDENCE = "https://ci.example.com/myapp/pre-prod/runs/2042"

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Release Bot",
    "GIT_AUTHOR_EMAIL": "release-bot@example.com",
    "GIT_COMMITTER_NAME": "Release Bot",
    "GIT_COMMITTER_EMAIL": "release-bot@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "NO_COLOR": "1",
}


class StoryError(RuntimeError):
    """A step did not end the way the story says it must."""


def _cli() -> list[str]:
    """The installed ``flux-semver`` next to this Python, else the module."""
    script = Path(sys.executable).parent / ("flux-semver.exe" if os.name == "nt" else "flux-semver")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flux_semver"]


def heading(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def flux_semver(root: Path, *args: str, expect: int = 0, echo: bool = True) -> str:
    """Run ``flux-semver ARGS`` in ROOT, echo the command and its output, check its exit code."""
    if echo:
        print(f"$ flux-semver {' '.join(_quote(a) for a in args)}", flush=True)
    done = subprocess.run(
        [*_cli(), *args], cwd=root, capture_output=True, text=True, env=ENV, check=False
    )
    if echo:
        sys.stdout.write(done.stdout)
    sys.stdout.write(done.stderr)
    if done.returncode != expect:
        raise StoryError(f"flux-semver {' '.join(args)} exited {done.returncode}, not {expect}")
    if done.returncode:
        print(f"(exit code {done.returncode})")
    sys.stdout.flush()
    return done.stdout


def _quote(arg: str) -> str:
    return f"'{arg}'" if any(c in arg for c in " <>|*") else arg


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise StoryError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def merge(root: Path, message: str) -> None:
    """Play the merged pull request: commit the working tree with ``message``."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    subject = message.splitlines()[0]
    print(f"(merged as commit {git(root, 'rev-parse', '--short', 'HEAD').strip()}: {subject})")


def release(root: Path, version: str, *stages: str, evidence: str | None = None) -> None:
    """Plan, promote and merge one release (or one stage of it)."""
    stage_args = [arg for stage in stages for arg in ("--stage", stage)]
    repo = manifests.scan(root, config.load(root))
    plan = make_plan(repo, version, stages=list(stages) or None)
    flux_semver(root, "promote", version, *stage_args)
    if plan.updates:
        merge(root, commit_message(plan, evidence_url=evidence))


def deployed(root: Path) -> None:
    """Which tag of examples/tags.txt Flux would deploy in each stage."""
    repo = manifests.scan(root, config.load(root))
    print("Which tag Flux deploys now (flux-semver latest RANGE --tags-file ../tags.txt):")
    for policy in repo.policies_for(APP):
        if policy.range_text is None:
            continue
        tag = flux_semver(
            root, "latest", policy.range_text, "--tags-file", "../tags.txt", echo=False
        ).strip()
        print(f"  {policy.stage:<9} {policy.range_text:<7} -> {tag}")


def story(root: Path) -> None:
    heading("The GitOps repository: one ImagePolicy per stage")
    print(f"(a git repository made from a copy of examples/gitops-repo; tags from {TAGS.name})")
    flux_semver(root, "policies")
    deployed(root)

    heading("Bug fix: patch release 1.2.4")
    print("dev and pre-prod admit it already (Flux deploys it, no Git change);")
    print("prod pins exact versions, so prod gets a one-line PR.")
    release(root, "1.2.4")
    deployed(root)

    heading("New feature: minor release 1.3.0")
    print("Prod cannot take 1.3.0 before pre-prod has it:")
    flux_semver(root, "promote", "1.3.0", "--stage", "prod", expect=1)
    release(root, "1.3.0", evidence=EVIDENCE)
    deployed(root)

    heading("Pre-prod testing passed: promote 1.3.0 to prod")
    release(root, "1.3.0", "prod", evidence=EVIDENCE)
    flux_semver(root, "check")

    heading("Breaking change: major release 2.0.0 (change request needed)")
    flux_semver(root, "plan", "2.0.0", "--format", "markdown")
    print("prod waits: it takes 2.0.0 in a later change than the one pre-prod takes it in")
    release(root, "2.0.0", evidence=EVIDENCE)
    deployed(root)

    heading("Pre-prod ran 2.0.0: promote it to prod (approved change request)")
    release(root, "2.0.0", "prod", evidence=EVIDENCE)
    deployed(root)

    heading("The audit trail, read back from git")
    flux_semver(root, "history", "--image", APP)

    heading("2.0.0 misbehaves in prod: emergency rollback")
    print("Prod alone goes back to 1.3.0; pre-prod keeps 2.0.x to debug it (prod may lag behind")
    print("pre-prod, never lead it):")
    flux_semver(root, "rollback", "--image", APP, "--stage", "prod")
    merge(root, "Roll myapp back to 1.3.0 in prod\n\n2.0.0 failed its health checks.")
    flux_semver(root, "check")
    print("A rollback never goes forward (that is a promote):")
    flux_semver(root, "rollback", "--image", APP, "--stage", "prod", "--to", "2.1.0", expect=1)
    flux_semver(root, "history", "--image", APP, "--stage", "prod")
    deployed(root)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary repository")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="flux-semver-demo-"))
    root = workdir / "gitops-repo"
    try:
        shutil.copytree(SOURCE, root)
        shutil.copyfile(TAGS, workdir / "tags.txt")  # the registry's tags, beside the repo
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "GitOps layout: myapp in dev, pre-prod and prod")
        story(root)
    except StoryError as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"\nthe demo repository is kept in {root}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\nThe story ran through: patch, minor, promotion to prod, major, history, rollback.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
