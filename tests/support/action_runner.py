"""A simulated GitHub Actions runner around ``entrypoint.py``: a workspace that is a clone of a
bare origin on disk, ``GITHUB_*`` variables, inputs as ``INPUT_<NAME>`` (hyphens kept), an
event file, ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY``, and a GitHub on 127.0.0.1. Runs can
be started side by side (``start``/``finish``) to race as on GitHub; a reviewer's push and a
merge on origin are one call each.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.github_server import GitHubServer, tip

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "entrypoint.py"
TOKEN = "ghs_testtoken123"
OWNER, REPO = "acme", "gitops"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: myapp-{name}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: myapp
  policy:
    semver:
      range: "{range}"  # kept as it is
"""
START = {"dev": "1.2.x", "pre-prod": "1.2.x", "prod": "1.2.3"}


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def read_outputs(path: Path) -> dict[str, str]:
    """Parse ``$GITHUB_OUTPUT`` the way the runner does (``name<<DELIMITER`` blocks)."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        elif line:
            name, value = line.split("=", 1)
            outputs[name] = value
            i += 1
        else:
            i += 1
    return outputs


def action_defaults() -> dict[str, str]:
    meta = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return {name: str(spec.get("default", "")) for name, spec in meta["inputs"].items()}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def pulls(self) -> list[dict[str, Any]]:
        value: list[dict[str, Any]] = json.loads(self.outputs["pull-requests"])
        return value


@dataclass
class Started:
    process: subprocess.Popen[str]
    output: Path
    summary: Path


def release_event(version: str) -> dict[str, Any]:
    return {
        "action": "published",
        "release": {"tag_name": f"v{version}"},
        "repository": {"full_name": f"{OWNER}/{REPO}", "default_branch": "main"},
    }


class Runner:
    """A simulated Actions runner around one GitOps repository and one fake GitHub."""

    def __init__(self, tmp: Path, server: GitHubServer, subdir: str = "") -> None:
        self.tmp = tmp
        self.server = server
        self.subdir = subdir  # where the GitOps tree sits in the repository ("" = its root)
        self.home = tmp / "home"
        self.home.mkdir()
        self.env = {**GIT_ENV, "HOME": str(self.home), "PATH": os.environ["PATH"]}
        self.origin = tmp / "origin.git"
        # The bare origin stands in for GitHub, which does not care who owns the workspace:
        # trust it, and only it, so "dubious ownership" below concerns the workspace alone.
        (self.home / ".gitconfig").write_text(f"[safe]\n\tdirectory = {self.origin}\n")
        self.author = tmp / "author"
        self.workspace = tmp / "github" / "workspace"
        git(tmp, "init", "--quiet", "--bare", str(self.origin), env=self.env)
        git(tmp, "init", "--quiet", str(self.author), env=self.env)
        self.write_ranges(START, "Deploy myapp 1.2.3")
        git(
            tmp,
            "clone",
            "--quiet",
            "--depth",
            "1",
            self.origin.as_uri(),
            str(self.workspace),
            env=self.env,
        )
        git(self.workspace, "remote", "set-url", "origin", str(self.origin), env=self.env)
        self.runs = 0
        self.server_url = "https://github.test"  # GITHUB_SERVER_URL: git's token goes there

    def write_ranges(self, ranges: dict[str, str], message: str) -> None:
        for stage, rng in ranges.items():
            path = self.author / self.subdir / "clusters" / stage / "imagepolicy.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(POLICY.format(name=stage.replace("-", ""), range=rng))
        git(self.author, "add", "-A", env=self.env)
        git(self.author, "commit", "--quiet", "-m", message, env=self.env)
        git(self.author, "push", "--quiet", str(self.origin), "HEAD:refs/heads/main", env=self.env)

    def branch_file(self, branch: str, stage: str) -> str:
        path = "/".join(p for p in (self.subdir, "clusters", stage, "imagepolicy.yaml") if p)
        return git(
            self.tmp,
            "--git-dir",
            str(self.origin),
            "show",
            f"refs/heads/{branch}:{path}",
            env=self.env,
        )

    def tip(self, branch: str) -> str | None:
        """The commit ``branch`` points at on origin, or None."""
        return tip(self.origin, branch)

    def message(self, branch: str) -> str:
        return git(
            self.tmp,
            "--git-dir",
            str(self.origin),
            "log",
            "-1",
            "--format=%B",
            f"refs/heads/{branch}",
            env=self.env,
        )

    def merge(self, branch: str) -> None:
        """Merge ``branch`` into main on origin (fast-forward), as GitHub's merge button
        would, and mark its pull request merged."""
        tip = self.tip(branch)
        assert tip is not None
        git(
            self.tmp,
            "--git-dir",
            str(self.origin),
            "update-ref",
            "refs/heads/main",
            tip,
            env=self.env,
        )
        with self.server.state.lock:
            for pull in self.server.state.pulls.values():
                if pull["head"] == branch and pull["state"] == "open":
                    pull.update(state="closed", merged=True, head_sha=tip, auto_merge=False)
        git(self.author, "pull", "--quiet", "--ff-only", str(self.origin), "main", env=self.env)

    def person_commits(self, branch: str, stage: str, text: str) -> str:
        """A reviewer pushes a commit of their own onto ``branch``; returns its id."""
        clone = self.tmp / f"reviewer{self.runs}"
        git(
            self.tmp,
            "clone",
            "--quiet",
            "--branch",
            branch,
            str(self.origin),
            str(clone),
            env=self.env,
        )
        path = clone / self.subdir / "clusters" / stage / "imagepolicy.yaml"
        path.write_text(path.read_text() + text)
        git(clone, "commit", "--quiet", "-am", "Reviewer: a note for the release", env=self.env)
        git(clone, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", env=self.env)
        return git(clone, "rev-parse", "HEAD", env=self.env).strip()

    def branches(self) -> list[str]:
        out = git(
            self.tmp,
            "--git-dir",
            str(self.origin),
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads/",
            env=self.env,
        )
        return sorted(out.split())

    def run(
        self,
        event: str = "release",
        payload: dict[str, Any] | None = None,
        ref: str = "refs/tags/v2.0.0",
        graphql_url: bool = True,
        **inputs: str,
    ) -> Result:
        return self.finish(self.start(event, payload, ref, graphql_url, **inputs))

    def release(self, version: str, **inputs: str) -> Result:
        """A run on the release event of ``version``."""
        return self.finish(
            self.start("release", release_event(version), f"refs/tags/v{version}", True, **inputs)
        )

    def rollback(self, stages: str, **inputs: str) -> Result:
        """A rollback of myapp's ``stages``, run by hand (workflow_dispatch) on main."""
        rollback = {"command": "rollback", "image": "myapp", "stages": stages, **inputs}
        return self.finish(self.start("workflow_dispatch", {}, "refs/heads/main", True, **rollback))

    def start(
        self,
        event: str = "release",
        payload: dict[str, Any] | None = None,
        ref: str = "refs/tags/v2.0.0",
        graphql_url: bool = True,
        **inputs: str,
    ) -> Started:
        """Start the action without waiting for it (two runs at once race as on GitHub)."""
        self.runs += 1
        files = self.tmp / f"run{self.runs}"
        files.mkdir()
        output, summary, event_path = files / "output", files / "summary", files / "event.json"
        output.touch()
        summary.touch()
        event_path.write_text(json.dumps(release_event("2.0.0") if payload is None else payload))
        values = action_defaults()
        values["token"] = TOKEN  # what ${{ github.token }} becomes
        values.update({k.replace("_", "-"): v for k, v in inputs.items()})
        env = {
            **self.env,
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
            "GITHUB_REPOSITORY_OWNER": OWNER,
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REF": ref,
            "GITHUB_API_URL": self.server.url,
            "GITHUB_SERVER_URL": self.server_url,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "FLUX_SEMVER_GITHUB_BACKOFF": "0",
            # As in the container: root on a workspace another user owns ("dubious ownership").
            "GIT_TEST_ASSUME_DIFFERENT_OWNER": "1",
            **{f"INPUT_{name.upper()}": value for name, value in values.items()},
        }
        if graphql_url:
            env["GITHUB_GRAPHQL_URL"] = self.server.graphql_url
        process = subprocess.Popen(
            [sys.executable, str(ENTRYPOINT)],
            cwd=self.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return Started(process, output, summary)

    @staticmethod
    def finish(started: Started) -> Result:
        stdout, stderr = started.process.communicate(timeout=120)
        return Result(
            started.process.returncode,
            stdout,
            stderr,
            read_outputs(started.output),
            started.summary.read_text(encoding="utf-8"),
        )


def range_of(text: str) -> str:
    match = re.search(r'range: "([^"]*)"', text)
    assert match is not None, text
    return match.group(1)
