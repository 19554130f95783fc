"""What the action's image holds, built without Docker: only the files the Docker build
context lets in (.dockerignore) and the Dockerfile copies, made into a wheel and installed
on their own, with ``entrypoint.py`` run from outside the source tree as ``/app`` runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.checkout import ROOT, install_wheel


def _context(target: Path) -> list[str]:
    """Copy what .dockerignore admits (``*`` then ``!path`` exceptions) to ``target``."""
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    admitted = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in admitted:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=skip)
        else:
            shutil.copy2(source, target / name)
    return admitted


def test_the_image_runs_the_action_from_its_build_context_alone(tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    _context(context)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = [p.rstrip("/") for line in dockerfile.splitlines() if line.startswith("COPY ")
              for p in line.split()[1:-1]]
    assert all((context / name).exists() for name in copied)

    _, site = install_wheel(context, tmp_path)
    assert (site / "flux_semver" / "github" / "release.py").is_file()

    app = tmp_path / "app"  # /app in the image holds only entrypoint.py once src/ is removed
    app.mkdir()
    shutil.copy2(context / "entrypoint.py", app / "entrypoint.py")
    workspace = tmp_path / "github" / "workspace"
    (workspace / "clusters" / "prod").mkdir(parents=True)
    (workspace / "clusters" / "prod" / "policy.yaml").write_text(
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n"
        "  name: myapp-prod\nspec:\n  imageRepositoryRef:\n    name: myapp\n"
        "  policy:\n    semver:\n      range: '>=1.0.0'\n", encoding="utf-8")
    output = tmp_path / "output"
    output.touch()
    # The development install stays on sys.path; the wheel's copy comes first, as in the image.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(site),
           "GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(output),
           "INPUT_COMMAND": "check", "PYTHONSAFEPATH": "1"}
    probe = "import flux_semver; print(flux_semver.__file__)"
    where = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(site)
    done = subprocess.run([sys.executable, str(app / "entrypoint.py")], cwd=workspace,
                          env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr  # prod admits more than one version
    assert re.search(r"^::error file=clusters/prod/policy\.yaml,line=\d+", done.stdout, re.M)
    assert "FS002" in done.stdout
    assert "summary-file<<" in output.read_text()
