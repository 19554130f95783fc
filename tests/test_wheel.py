"""The light install: build the wheel from a copy of this checkout, ``pip install`` it into an
empty virtual environment as a user or pre-commit would (dependencies from the package index,
no extras), and run every ``entry`` of ``.pre-commit-hooks.yaml`` and every command of the CLI
from there. Nothing of the development environment is on the path."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from flux_semver.cli import COMMANDS
from flux_semver.evidence.junit import EXTRA_HINT
from flux_semver.model import Plan, PlanChange
from tests.support.checkout import ROOT, build_wheel, copy_checkout, git, git_env, install_wheel

DATA = Path(__file__).parent / "data" / "rules"
JUNIT = Path(__file__).parent / "data" / "junit"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# What only the action (and evidence --junit) needs: none of it may reach a hook environment.
NOT_LIGHT = {
    "pygithub",
    "actions-toolkit",
    "junitparser",
    "cryptography",
    "pynacl",
    "pyjwt",
    "cffi",
}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path  # the virtual environment's bin folder
    git_env: dict[str, str]

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"GITHUB_ACTIONS", "NO_COLOR", "PYTHONPATH", "VIRTUAL_ENV"}
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    env = git_env(base / "home")
    source = copy_checkout(base / "src", env)
    yield Installed(*install_wheel(source, base), git_env=env)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _distributions(installed: Installed) -> set[str]:
    probe = "import importlib.metadata as m; print('\\n'.join(d.name for d in m.distributions()))"
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", probe],
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return {_canonical(name) for name in done.stdout.split()}


def manifest() -> list[dict[str, object]]:
    hooks: list[dict[str, object]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return hooks


def test_the_wheel_holds_the_hooks_and_the_crds(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for module in ("__init__", "_common", "check", "prod_exact", "no_skip", "ranges"):
        assert f"flux_semver/hooks/{module}.py" in names
    assert "flux_semver/data/crds/image.toolkit.fluxcd.io_imagepolicies.yaml" in names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    for hook in manifest():
        assert f"{hook['entry']} = flux_semver.hooks." in scripts


def test_the_light_install_holds_the_cli_dependencies_and_none_of_the_actions(
    installed: Installed,
) -> None:
    present = _distributions(installed)
    declared = {
        _canonical(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0])
        for r in PYPROJECT["project"]["dependencies"]
    }
    assert declared <= present
    assert present & NOT_LIGHT == set()
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in ("action", "evidence"):  # everything an extra adds is kept out
        added = {_canonical(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0]) for r in extras[extra]}
        assert present & (added - declared) == set(), extra


@pytest.mark.parametrize("hook", [h["id"] for h in manifest()])
def test_every_entry_runs_from_the_light_install(
    installed: Installed, hook: str, tmp_path: Path
) -> None:
    [entry] = [str(h["entry"]) for h in manifest() if h["id"] == hook]
    assert (installed.bin / entry).is_file()
    catches = {
        "flux-semver-check": "fs002",
        "flux-semver-prod-exact": "fs002",
        "flux-semver-no-skip": "fs003",
        "flux-semver-ranges": "fs001",
    }[hook]
    for fixture, wanted in (("clean", 0), (catches, 1)):
        root = tmp_path / fixture
        shutil.copytree(DATA / fixture, root)
        done = installed.run(entry, cwd=root)
        assert done.returncode == wanted, (fixture, done.stdout, done.stderr)
        if wanted:
            assert f" {catches.upper()} " in done.stdout


def test_flux_semver_help_and_every_command_run_from_the_light_install(
    installed: Installed, tmp_path: Path
) -> None:
    done = installed.run("flux-semver", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in COMMANDS:
        assert re.search(rf"^  {command}\b", done.stdout, re.M), command
        helped = installed.run("flux-semver", command, "--help", cwd=tmp_path)
        assert helped.returncode == 0, (command, helped.stderr)
        assert f"Usage: flux-semver {command}" in helped.stdout
    shutil.copytree(DATA / "fs002", tmp_path / "repo")
    checked = installed.run("flux-semver", "check", cwd=tmp_path / "repo")
    assert checked.returncode == 1 and " FS002 " in checked.stdout, checked.stderr


def test_evidence_without_junit_runs_and_with_junit_names_the_extra(
    installed: Installed, tmp_path: Path
) -> None:
    plan = Plan(
        app="podinfo",
        version="1.3.0",
        release_type="minor",
        changes=(
            PlanChange(
                "pre-prod",
                "clusters/staging/podinfo.yaml",
                9,
                14,
                "flux-system/podinfo",
                "1.2.x",
                "1.3.x",
                "update",
                "minor: follow",
            ),
        ),
    )
    (tmp_path / "plan.json").write_text(json.dumps(plan.to_json()), encoding="utf-8")
    shutil.copy(JUNIT / "jest-junit.xml", tmp_path / "report.xml")
    done = installed.run("flux-semver", "evidence", "--plan", "plan.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "podinfo" in done.stdout and "1.3.0" in done.stdout
    refused = installed.run(
        "flux-semver", "evidence", "--plan", "plan.json", "--junit", "report.xml", cwd=tmp_path
    )
    assert refused.returncode == 2
    assert refused.stderr == f"flux-semver: error: {EXTRA_HINT}\n"
    assert "Traceback" not in refused.stderr


def test_the_version_is_the_git_tag_in_a_clone_and_a_fallback_without_git(
    installed: Installed, tmp_path: Path
) -> None:
    # The checkout copy has no tags: a development version after 0.0.0, from git.
    assert re.fullmatch(
        r"flux_semver-0\.0\.1\.dev\d+\+g[0-9a-f]+-py3-none-any\.whl", installed.wheel.name
    ), installed.wheel.name
    source = installed.wheel.parent.parent / "src"
    git(source, installed.git_env, "tag", "v1.4.0")
    clone = tmp_path / "clone"
    git(tmp_path, installed.git_env, "clone", "-q", str(source), str(clone))
    assert build_wheel(clone, tmp_path / "tagged").name == "flux_semver-1.4.0-py3-none-any.whl"
    shutil.rmtree(clone / ".git")  # a source tree without git, as the Docker build context
    assert build_wheel(clone, tmp_path / "bare").name == "flux_semver-0.0.0-py3-none-any.whl"
