"""The wheel ships the hooks: build it from a copy of this checkout, install it on its own, and
run every ``entry`` of ``.pre-commit-hooks.yaml`` from the installed copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.checkout import ROOT, copy_checkout, git_env, install_wheel

DATA = Path(__file__).parent / "data" / "rules"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    site: Path  # the wheel installed alone (--no-deps --target)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"GITHUB_ACTIONS", "NO_COLOR"}}
        env["PYTHONPATH"] = str(self.site)  # ahead of the development install
        return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    source = copy_checkout(base / "src", git_env(base / "home"))
    yield Installed(*install_wheel(source, base))


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


def test_the_hooks_run_from_the_installed_wheel(installed: Installed) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import flux_semver.hooks.check as m; print(m.__file__)"],
        env=installed.env(), capture_output=True, text=True, check=True,
    )
    assert Path(done.stdout.strip()).is_relative_to(installed.site)


@pytest.mark.parametrize("hook", [h["id"] for h in manifest()])
def test_every_entry_runs_from_the_wheel(
    installed: Installed, hook: str, tmp_path: Path
) -> None:
    [entry] = [str(h["entry"]) for h in manifest() if h["id"] == hook]
    script = installed.site / "bin" / entry
    assert script.is_file()
    catches = {"flux-semver-check": "fs002", "flux-semver-prod-exact": "fs002",
               "flux-semver-no-skip": "fs003", "flux-semver-ranges": "fs001"}[hook]
    for fixture, wanted in (("clean", 0), (catches, 1)):
        root = tmp_path / fixture
        shutil.copytree(DATA / fixture, root)
        done = subprocess.run([str(script)], cwd=root, env=installed.env(),
                              capture_output=True, text=True, check=False)
        assert done.returncode == wanted, (fixture, done.stdout, done.stderr)
        if wanted:
            assert f" {catches.upper()} " in done.stdout
