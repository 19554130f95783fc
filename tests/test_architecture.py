"""The one import rule of README: Architecture, checked on every module's imports (ast).

A module may import from its own layer and from layers below it, never from a layer above or
beside it: the Flux semantics (``semver``) know nothing of files, the library knows nothing of
its faces (``cli``, ``github``, ``hooks``), and the faces do not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "flux_semver"

# Layer -> rank. Imports go from a higher rank to a lower one, or stay within one layer.
LAYERS: dict[str, int] = {
    "bottom": 0,  # BOTTOM: shared vocabulary, errors, text safety, packaged data
    "semver": 1,  # versions, ranges, tags: Flux's semantics
    "repo": 2,  # files, config, manifests, edits, git
    "release": 3,
    "registry": 3,  # a release: plan, promote, history; registry tags
    "rules": 4,
    "evidence": 4,  # checks over a scanned repository; release evidence
    "reporters": 5,  # check results as text, JSON, SARIF, annotations
    "": 6,  # flux_semver/__init__.py: the public Python API
    "cli": 7,
    "github": 7,
    "hooks": 7,  # the faces
    "__main__": 8,
    "entrypoint": 8,  # launchers of a face
}


# Imports against the rule that were there when it was written down, each with why. Fix one
# and drop it here; never add one.
KNOWN: dict[tuple[str, str], str] = {}

BOTTOM = {
    "errors",
    "model",
    "check_result",
    "printable",
    "workflow_commands",
    "project",
    "data",
    "edge",
    "github_limits",
    "shorten",
}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found.append((".".join(parts), path))
    found += [(f"flux_semver.hooks.{p.stem}", p) for p in sorted((ROOT / "hooks").glob("*.py"))]
    found.append(("entrypoint", ROOT / "entrypoint.py"))
    return found


def _layer(module: str) -> str:
    if module == "entrypoint":
        return module
    parts = module.split(".")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    layer = parts[1] if len(parts) > 1 else ""
    return "bottom" if layer in BOTTOM else layer


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of flux_semver in the file."""
    # the package a relative import starts from: the module's own for __init__.py
    package = module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "flux_semver" or not node.module:
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return [(line, name) for line, name in found if name.split(".")[0] == "flux_semver"]


MODULES = _modules()


def test_every_module_belongs_to_a_layer() -> None:
    unknown = sorted({_layer(m) for m, _ in MODULES} - set(LAYERS))
    assert not unknown, f"add {unknown} to LAYERS here and to README: Architecture"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_follow_the_layers(module: str, path: Path) -> None:
    source = _layer(module)
    wrong = []
    for line, imported in _imports(module, path):
        if (module.removesuffix(".__init__"), imported) in KNOWN:
            continue
        target = _layer(imported if imported != "flux_semver" else "flux_semver.__init__")
        if target != source and LAYERS.get(target, 99) >= LAYERS[source]:
            wrong.append(
                f"{path.relative_to(ROOT)}:{line} imports {imported} "
                f"({target or 'the package'} is not below {source or 'the package'})"
            )
    assert not wrong, "\n".join(wrong)


def test_every_known_exception_still_exists() -> None:
    found = {(m.removesuffix(".__init__"), name) for m, p in MODULES for _, name in _imports(m, p)}
    assert set(KNOWN) <= found, f"fixed, drop from KNOWN: {sorted(set(KNOWN) - found)}"


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "ranges.py"
    bad.write_text("from flux_semver.cli import main\nfrom ..repo import git\n")
    found = _imports("flux_semver.semver.ranges", bad)
    assert found == [(1, "flux_semver.cli"), (2, "flux_semver.repo")]
    assert all(LAYERS[_layer(name)] > LAYERS["semver"] for _, name in found)


def test_cli_commands_do_not_import_each_other() -> None:
    # What two commands share lives in the library or in a helper module of cli/ that is no
    # command (options, registry_check); a command importing another loads it for nothing.
    from flux_semver.cli import COMMANDS

    commands = {f"flux_semver.cli.{name}" for name in COMMANDS.values()}
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports the command {imported}"
        for module, path in MODULES
        if module in commands
        for line, imported in _imports(module, path)
        if imported in commands and imported != module
    ]
    assert not wrong, "\n".join(wrong)
