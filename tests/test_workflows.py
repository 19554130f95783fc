"""The project's own GitHub workflows: valid for actionlint (which also reads action.yml, as
the CI job runs the action from the checkout) and for the workflow schema; CI runs the README's
test command on the image's Python; the release job really points action.yml at the pushed
image by digest and moves the tags, shown on a real repository with a bare remote."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.checkout import ROOT, copy_checkout, git, git_env

BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DIGEST = "sha256:" + "ab12" * 16


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _steps(workflow: str, job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _load(ROOT / ".github" / "workflows" / workflow)["jobs"][job][
        "steps"
    ]
    return steps


def _actionlint(cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "actionlint"), "-no-color", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_every_workflow_and_the_action_they_run_pass_actionlint() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}
    done = _actionlint(ROOT, *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_workflow_validates_against_the_github_workflows_schema() -> None:
    done = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_misspelt_input_of_the_action(tmp_path: Path) -> None:
    env = git_env(tmp_path / "home")
    copy = copy_checkout(tmp_path / "copy", env)
    ci = copy / ".github" / "workflows" / "ci.yml"
    ci.write_text(
        ci.read_text(encoding="utf-8").replace("command: check", "comand: check"), encoding="utf-8"
    )
    done = _actionlint(copy, ci)
    assert done.returncode == 1
    assert 'input "comand" is not defined in action "flux-semver"' in done.stdout


def test_ci_runs_the_readme_test_command_on_the_images_python() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 tasks.py test" in readme.split("```")[1]  # the README's first command block
    assert re.search(r"^exec python3 \./tasks\.py test$", (ROOT / ".ci" / "run").read_text(), re.M)
    image_python = re.search(
        r"^FROM python:(\d+\.\d+)-", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M
    )
    assert image_python is not None
    for workflow, job in (("ci.yml", "test"), ("release.yml", "test")):
        steps = _steps(workflow, job)
        assert {"run": "./.ci/run"}.items() <= next(
            s for s in steps if "run" in s and ".ci/run" in s["run"]
        ).items()
        [python] = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-py")]
        assert python["with"]["python-version"] == image_python[1]


def test_every_action_a_workflow_uses_is_pinned_to_a_commit() -> None:
    for path in WORKFLOWS:
        for job in _load(path)["jobs"].values():
            for step in job["steps"]:
                uses = str(step.get("uses", "./"))
                assert uses == "./" or re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses


def test_the_release_points_the_action_at_the_pushed_image_and_moves_the_tags(
    tmp_path: Path,
) -> None:
    env = git_env(tmp_path / "home")
    repo = copy_checkout(tmp_path / "repo", env)
    remote = tmp_path / "remote.git"
    git(tmp_path, env, "init", "-q", "--bare", str(remote))
    git(repo, env, "remote", "add", "origin", str(remote))
    git(repo, env, "tag", "-a", "v1.2.3", "-m", "flux-semver 1.2.3")
    git(repo, env, "push", "-q", "origin", "HEAD:refs/heads/main", "refs/tags/v1.2.3")
    tagged = git(repo, env, "rev-parse", "v1.2.3^{commit}").strip()

    [pin] = [s for s in _steps("release.yml", "pin") if "tags" in s.get("name", "")]
    image = f"docker://ghcr.io/org/flux-semver-action@{DIGEST}"
    done = subprocess.run(
        ["bash", "-c", pin["run"]],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**env, "GITHUB_REF_NAME": "v1.2.3", "IMAGE": image},
    )
    assert done.returncode == 0, done.stdout + done.stderr

    for tag in ("v1.2.3", "v1"):
        commit = git(remote, env, "rev-parse", f"{tag}^{{commit}}").strip()
        assert git(remote, env, "rev-parse", f"{commit}^").strip() == tagged  # one commit on
        action = yaml.safe_load(git(remote, env, "show", f"{commit}:action.yml"))
        assert action["runs"] == {"using": "docker", "image": image}
        changed = git(remote, env, "diff", "--name-only", tagged, commit).split()
        assert changed == ["action.yml"]
    pinned = tmp_path / "pinned.yml"
    pinned.write_text(git(remote, env, "show", "v1.2.3:action.yml"), encoding="utf-8")
    valid = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(pinned)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert valid.returncode == 0, valid.stdout + valid.stderr
