"""What the action's image holds, built without Docker: only the files the Docker build
context lets in (.dockerignore), installed into an empty virtual environment by the
Dockerfile's own ``pip install`` steps (the lock, hashes required; then the package, nothing
fetched), with ``entrypoint.py`` run from outside the source tree as ``/app`` runs it.

And the lock itself: every dependency of the ``action`` extra, resolved from pyproject.toml
down through each package's own requirements, is pinned there with its hashes."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.checkout import ROOT, new_venv, registry_env

LOCK = ROOT / "requirements" / "action.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _context(target: Path) -> list[str]:
    """Copy what .dockerignore admits (``*`` then ``!path`` exceptions) to ``target``."""
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    admitted = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in admitted:
        source = ROOT / name
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=skip)
        else:
            shutil.copy2(source, target / name)
    return admitted


def _pip_steps() -> list[str]:
    """The Dockerfile's ``pip install`` commands, in order, as its RUN lines write them."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    runs = [line[4:] for line in text.splitlines() if line.startswith("RUN ")]
    return [
        " ".join(step.split()) for run in runs for step in run.split("&&") if "pip install" in step
    ]


def _run_steps(
    steps: list[str], context: Path, bin_dir: Path, version: str
) -> subprocess.CompletedProcess[str]:
    env = registry_env()
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", VERSION=version)
    return subprocess.run(
        ["bash", "-euc", " && ".join(steps)],
        cwd=context,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def _locked() -> dict[str, tuple[str, list[str]]]:
    """The lock's pins: canonical name -> (version, sha256 hashes)."""
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==(\S+)(.*)$", line)
        if found:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", found[3])
            pins[canonicalize_name(found[1])] = (found[2], hashes)
    return pins


def test_the_image_runs_the_action_from_its_build_context_alone(tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    _context(context)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = [
        p.rstrip("/")
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for p in line.split()[1:-1]
    ]
    assert all((context / name).exists() for name in copied)

    steps = _pip_steps()
    assert any(
        "--require-hashes" in step and "requirements/action.lock" in step for step in steps
    ), steps
    bin_dir = new_venv(tmp_path / "venv")  # the image's Python, with nothing installed yet
    done = _run_steps(steps, context, bin_dir, "1.2.3")
    assert done.returncode == 0, done.stdout + done.stderr
    version = subprocess.run(
        [str(bin_dir / "flux-semver"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert version == "flux-semver, version 1.2.3\n"  # the release tag, passed as VERSION

    app = tmp_path / "app"  # /app in the image holds only entrypoint.py once src/ is removed
    app.mkdir()
    shutil.copy2(context / "entrypoint.py", app / "entrypoint.py")
    workspace = tmp_path / "github" / "workspace"
    (workspace / "clusters" / "prod").mkdir(parents=True)
    (workspace / "clusters" / "prod" / "policy.yaml").write_text(
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n"
        "  name: myapp-prod\nspec:\n  imageRepositoryRef:\n    name: myapp\n"
        "  policy:\n    semver:\n      range: '>=1.0.0'\n",
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
        "PYTHONSAFEPATH": "1",
    }
    python = str(bin_dir / "python")
    probe = "import flux_semver; print(flux_semver.__file__)"
    where = subprocess.run(
        [python, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert Path(where.strip()).is_relative_to(tmp_path / "venv")
    done = subprocess.run(
        [python, str(app / "entrypoint.py")],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # prod admits more than one version
    assert re.search(r"^::error file=clusters/prod/policy\.yaml,line=\d+", done.stdout, re.M)
    assert "FS002" in done.stdout
    assert "summary-file<<" in output.read_text()


def test_the_image_build_refuses_a_file_whose_hash_the_lock_does_not_list(
    tmp_path: Path,
) -> None:
    context = tmp_path / "context"
    context.mkdir()
    _context(context)
    lock = context / "requirements" / "action.lock"
    # One pin of the lock, its hashes replaced: what a tampered or re-uploaded file looks like.
    first = re.search(
        r"^[A-Za-z0-9._-]+==\S+ \\\n(?:    --hash=sha256:[0-9a-f]{64}.*\n)+",
        lock.read_text(encoding="utf-8"),
        re.M,
    )
    assert first is not None
    lock.write_text(
        re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, first[0]), encoding="utf-8"
    )
    [lock_step] = [s for s in _pip_steps() if "requirements/action.lock" in s]
    done = _run_steps([lock_step], context, new_venv(tmp_path / "venv"), "1.2.3")
    assert done.returncode != 0
    assert "DO NOT MATCH THE HASHES" in done.stderr, done.stderr


def test_the_lock_pins_every_dependency_of_the_action_extra_with_hashes() -> None:
    pins = _locked()
    assert pins, "requirements/action.lock holds no pins: run python3 tasks.py lock"
    assert all(hashes for _, hashes in pins.values()), "a pin without --hash: tasks.py lock"
    project = PYPROJECT["project"]
    wanted = [
        Requirement(r)
        for r in [*project["dependencies"], *project["optional-dependencies"]["action"]]
    ]
    # The build back-end too: the image builds the package with it, offline.
    build = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    missing: list[str] = []
    seen: set[str] = set()
    todo = [(req, "") for req in wanted]
    while todo:
        req, parent = todo.pop()
        name = canonicalize_name(req.name)
        pinned = pins.get(name)
        if pinned is None or not req.specifier.contains(pinned[0], prereleases=True):
            missing.append(
                f"{req} (needed by {parent or 'pyproject.toml'}; "
                f"lock: {pinned[0] if pinned else 'absent'})"
            )
            continue
        if name in seen:
            continue
        seen.add(name)
        # Walk down through each package's own requirements, as installed here.
        requires = importlib.metadata.requires(req.name) or []
        for text in requires:
            sub = Requirement(text)
            if any(
                sub.marker is None or sub.marker.evaluate({"extra": extra})
                for extra in ("", *req.extras)
            ):
                todo.append((sub, req.name))
    for req in build:
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None or not req.specifier.contains(pinned[0], prereleases=True):
            missing.append(f"{req} (build-system.requires)")
    assert missing == [], "python3 tasks.py lock (--upgrade) to pin: " + "; ".join(missing)
    # Resolved for the image's Python (the Dockerfile's base image is Python 3.11).
    assert "autogenerated by pip-compile with Python 3.11" in LOCK.read_text(encoding="utf-8")
