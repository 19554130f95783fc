"""pyproject.toml says what the code needs, no more: every folder ships, every dependency is used.

A folder of the package missing from ``[tool.setuptools] packages`` makes every ``pip install``
warn (and a future setuptools drop it); a dependency nothing imports is installed for nothing.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Where the package's code lives: the library, the hooks shipped inside it, the Action's face.
CODE = [ROOT / "src" / "flux_semver", ROOT / "hooks", ROOT / "entrypoint.py"]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _folders(top: Path, package: str) -> set[str]:
    """Every folder under ``top`` that holds a file, as a dotted package name."""
    found = set()
    for path in [top, *top.rglob("*")]:
        if not path.is_dir() or path.name == "__pycache__":
            continue
        if any(f.is_file() for f in path.iterdir()):
            found.add(".".join([package, *path.relative_to(top).parts]))
    return found


def test_every_package_folder_is_listed_in_packages() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = _folders(ROOT / "src" / "flux_semver", "flux_semver") | _folders(
        ROOT / "hooks", "flux_semver.hooks"
    )
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - on_disk == set(), "these packages in pyproject.toml have no folder"


def _sources() -> str:
    files = [p for top in CODE for p in ([top] if top.is_file() else top.rglob("*.py"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_every_runtime_dependency_is_imported() -> None:
    modules: dict[str, set[str]] = {}  # canonical distribution name -> its top-level modules
    for module, dists in importlib.metadata.packages_distributions().items():
        if module.startswith("_") or module == "tests":
            continue
        for dist in dists:
            modules.setdefault(_canonical(dist), set()).add(module)
    code = _sources()
    unused = []
    extras = PYPROJECT["project"]["optional-dependencies"]
    for requirement in [
        *PYPROJECT["project"]["dependencies"],
        *extras["evidence"],
        *extras["action"],
    ]:
        name = _canonical(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])
        names = modules.get(name)
        assert names, f"{name} is declared but not installed: run pip install -e '.[action,test]'"
        pattern = "|".join(re.escape(m) for m in sorted(names))
        used = re.search(
            rf"^\s*(?:import|from)\s+(?:{pattern})\b|import_module\(\"(?:{pattern})\b", code, re.M
        )
        if used is None:
            unused.append(name)
    assert unused == [], "declared in pyproject.toml but never imported: remove them"
