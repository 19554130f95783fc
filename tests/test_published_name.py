"""The published name is one setting: ``flux_semver.project.REPOSITORY``.

Every place that names the repository (the README's ``uses:``, ``repo:`` and install lines,
the action's docs, pyproject.toml's URL, the SARIF rule links, the image name) names exactly
that one, so a fork that changes the constant is shown every other place to change; the
releases the docs name (``rev: v1.0.0``, ``@v1``) are the newest one in CHANGELOG.md.
"""

from __future__ import annotations

import re
import tomllib

from flux_semver.check_result import CheckResult
from flux_semver.project import HOME, REPOSITORY
from flux_semver.reporters import sarif
from tests.support.checkout import ROOT, working_tree

README = (ROOT / "README.md").read_text(encoding="utf-8")
# owner/name after github.com/, ghcr.io/, a git+https URL or a workflow's uses:
NAMED = re.compile(r"(?:github\.com/|ghcr\.io/|uses:\s*)([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)")


def _shipped_text() -> dict[str, str]:
    """Every tracked text file users see: docs, metadata, the package, the workflows."""
    texts = {}
    for name in working_tree():
        path = ROOT / name
        if name.startswith(("tests/", "bench/")) or not path.is_file():
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def _newest_release() -> str:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    found = re.search(r"^## (\d+\.\d+\.\d+) ", changelog, re.M)
    assert found, "CHANGELOG.md has no '## X.Y.Z - date' section"
    return found[1]


def test_every_place_names_the_one_published_repository() -> None:
    texts = _shipped_text()
    assert "README.md" in texts and "action.yml" in texts
    wrong = []
    repository = REPOSITORY.split("/")[1]
    for name, text in texts.items():
        for number, line in enumerate(text.splitlines(), 1):
            for match in NAMED.finditer(line):
                named = match[1].removesuffix(".git")
                ours = "flux-semver" in named.lower() or named.endswith(f"/{repository}")
                if ours and named != REPOSITORY:
                    wrong.append(f"{name}:{number}: {named}")
    assert wrong == [], f"name {REPOSITORY} (flux_semver/project.py) instead: {wrong}"
    assert README.count(f"uses: {REPOSITORY}@") >= 4
    assert README.count(f"repo: {HOME}\n") >= 3


def test_pyproject_points_at_the_published_repository() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["urls"]["Homepage"] == HOME


def test_the_docs_name_the_newest_release_of_the_changelog() -> None:
    version = _newest_release()
    revs = re.findall(r"^\s*rev: (\S+)$", README, re.M)
    assert revs and set(revs) == {f"v{version}"}
    pinned = re.findall(rf"{re.escape(HOME)}@(\S+?)\"", README)
    assert pinned and set(pinned) == {f"v{version}"}
    majors = re.findall(rf"uses: {re.escape(REPOSITORY)}@([\w.]+)", README)
    assert set(majors) == {f"v{version.split('.')[0]}"}


def test_sarif_rule_links_open_the_rules_section_of_the_published_readme() -> None:
    log = sarif.document(CheckResult(findings=(), files=0, policies=0))
    anchors = {
        re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-")
        for h in re.findall(r"^#+ (.+)$", README, re.M)
    }
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == HOME
    for rule in driver["rules"]:
        base, _, anchor = rule["helpUri"].partition("#")
        assert base == HOME and anchor in anchors, rule["helpUri"]
