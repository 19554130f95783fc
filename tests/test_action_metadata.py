"""The action's metadata and container: action.yml is valid action metadata, the Dockerfile
passes hadolint, and every input and output action.yml declares is really read and written.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from flux_semver.github.action import OUTPUT_NAMES
from flux_semver.github.inputs import INPUT_NAMES, read_inputs
from flux_semver.project import REPOSITORY

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DESIGN_INPUTS = {
    "command",
    "version",
    "image",
    "release-type",
    "stages",
    "path",
    "config",
    "dry-run",
    "pull-requests",
    "base",
    "token",
    "labels",
    "auto-merge",
    "commit-author",
    "evidence-url",
    "evidence-junit",
    "evidence-metrics",
    "evidence-links",
    "evidence-notes",
    "evidence-policy",
    "registry-check",
    "registry-username",
    "registry-password",
}
DESIGN_OUTPUTS = {"release-type", "plan", "changed-files", "pull-requests", "summary-file"}


def _metadata() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return data


def test_action_yml_validates_against_the_github_actions_schema() -> None:
    done = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-actions",
            str(ROOT / "action.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_would_catch_a_broken_action_yml(tmp_path: Path) -> None:
    broken = _metadata()
    broken["runs"] = {"using": "docker"}  # a Docker action without its image
    path = tmp_path / "action.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    done = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run(
        [str(BIN / "hadolint"), str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_entrypoint_in_exec_form_on_slim_python_with_safe_directory() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    # Python 3.11, the version the tests run on, pinned by digest rather than a moving tag.
    assert re.search(r"^FROM python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}$", text, re.M)
    assert 'ENTRYPOINT ["python", "/app/entrypoint.py"]' in text
    assert "safe.directory" in text
    assert "--no-install-recommends" in text and "rm -rf /var/lib/apt/lists/*" in text
    assert "--no-cache-dir" in text


def test_action_yml_declares_exactly_the_designed_inputs_and_outputs() -> None:
    meta = _metadata()
    assert set(meta["inputs"]) == DESIGN_INPUTS
    assert set(meta["outputs"]) == DESIGN_OUTPUTS
    assert meta["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert meta["inputs"]["token"]["default"] == "${{ github.token }}"
    assert meta["inputs"]["command"]["default"] == "promote"


# Two valid values per input. Asking for a name proves nothing (every name is asked for up
# front); two values that make read_inputs return different results do.
INPUT_SAMPLES = {
    "command": ("promote", "check"),
    "version": ("1.2.3", "1.2.4"),
    "image": ("myapp", "api"),
    "release-type": ("minor", "major"),
    "stages": ("dev", "prod"),
    "path": ("deploy", "ops"),
    "config": ("a.yaml", "b.yaml"),
    "dry-run": ("true", "false"),
    "pull-requests": ("single", "none"),
    "base": ("main", "release/1.x"),
    "token": ("t0ken", "t1ken"),
    "labels": ("release", "hotfix"),
    "auto-merge": ("true", "false"),
    "commit-author": ("Ann <ann@example.com>", "Bob <bob@example.com>"),
    "evidence-url": ("https://ci.example.com/run/1", "https://ci.example.com/run/2"),
    "evidence-junit": ("a.xml", "b.xml"),
    "evidence-metrics": ("a.json", "b.json"),
    "evidence-links": ("Grafana=https://grafana.example.com", "Logs=https://logs.example.com"),
    "evidence-notes": ("canary ran", "soak ran"),
    "evidence-policy": ("report", "block"),
    "registry-check": ("true", "false"),
    "registry-username": ("bot", "ci"),
    "registry-password": ("pw-1", "pw-2"),
}
# Inputs that are only valid together with another.
COMPANIONS = {
    "registry-username": {"registry-password": "pw"},
    "registry-password": {"registry-username": "bot"},
}


@pytest.mark.parametrize("name", sorted(INPUT_SAMPLES))
def test_every_input_is_read(name: str) -> None:
    assert set(INPUT_SAMPLES) == set(_metadata()["inputs"]) == set(INPUT_NAMES)

    def read(value: str) -> object:
        given = {**COMPANIONS.get(name, {}), name: value}
        return read_inputs(lambda asked: given.get(asked, ""), {})

    first, second = INPUT_SAMPLES[name]
    assert read(first) != read(second), f"input {name!r} is asked for but changes nothing"


def test_entrypoint_reads_inputs_through_actions_toolkit() -> None:
    tree = ast.parse((ROOT / "entrypoint.py").read_text(encoding="utf-8"))
    calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert "core.get_input" in calls
    assert "read_inputs" in calls


def test_every_output_is_written(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "clusters" / "dev").mkdir(parents=True)
    (workspace / "clusters" / "dev" / "policy.yaml").write_text(
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n"
        "  name: myapp-dev\nspec:\n  imageRepositoryRef:\n    name: myapp\n"
        "  policy:\n    semver:\n      range: 1.2.x\n",
        encoding="utf-8",
    )
    output = tmp_path / "output"
    output.touch()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
        "INPUT_COMMAND": "check",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    written = set(re.findall(r"^([a-z-]+)<<ghadelimiter_", output.read_text(), re.M))
    assert written == set(_metadata()["outputs"]) == set(OUTPUT_NAMES)


def test_dockerignore_lets_in_only_what_the_image_copies() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set()
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            copied |= {part.rstrip("/") for part in line.split()[1:-1]}
    assert copied == allowed


def _readme_action_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## GitHub Action\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def test_readme_documents_every_input_and_output() -> None:
    section = _readme_action_section()
    rows = set(re.findall(r"^\| `([a-z-]+)` \|", section, re.M))
    meta = _metadata()
    assert set(meta["inputs"]) <= rows
    assert set(meta["outputs"]) <= rows


def test_readme_workflows_are_valid_yaml_using_the_action() -> None:
    section = _readme_action_section()
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    workflows = [yaml.safe_load(b) for b in blocks if b.lstrip().startswith(("#", "name"))]
    full = [w for w in workflows if isinstance(w, dict) and "jobs" in w]
    assert len(full) >= 3
    inputs = set(_metadata()["inputs"])
    for workflow in full:
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith(f"{REPOSITORY}@"):
                    assert set(step.get("with", {})) <= inputs
