"""Under pre-commit the hook parses only what a commit's findings can depend on; it must report
exactly what ``flux-semver check --base HEAD`` reports on the same tree.

Each case is a real git repository (a real layout: Kustomize overlays, Flux post-build
variables, the Flux example of HelmReleases patched per environment) with a staged change; the
hook runs as pre-commit runs it (``PRE_COMMIT=1``, the staged YAML files as arguments, from
the root) and ``check`` runs as a user runs it, as a separate process.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# hooks/ installs as flux_semver.hooks (pyproject package-dir), a mapping mypy cannot follow
from flux_semver.hooks import check  # type: ignore[import-not-found]

from flux_semver.repo import manifests
from tests.support.gitops import Repo, gitops_repo
from tests.support.layouts import (
    BASE,
    OVERLAYS,
    POST_BUILD_KUSTOMIZATION,
    POST_BUILD_POLICY,
    POST_BUILD_VARS,
)

DATA = Path(__file__).parent / "data"
FINDING = re.compile(r"^\S+:\d+:\d+: FS\d{3} ", re.MULTILINE)

POST_BUILD = {
    "apps/staging/imagepolicy.yaml": POST_BUILD_POLICY.format(default="1.2.x"),
    "apps/production/imagepolicy.yaml": POST_BUILD_POLICY.format(default="1.1.x"),
    "clusters/staging/apps.yaml": POST_BUILD_KUSTOMIZATION.format(env="staging"),
    "clusters/production/apps.yaml": POST_BUILD_KUSTOMIZATION.format(env="production"),
    "clusters/staging/vars.yaml": POST_BUILD_VARS.format(env="staging", value="1.3.x"),
    "clusters/production/vars.yaml": POST_BUILD_VARS.format(env="production", value="1.3.0"),
}


def _edit(repo: Repo, path: str, old: str, new: str) -> None:
    file = repo.root / path
    text = file.read_text()
    assert old in text, path
    file.write_text(text.replace(old, new))


def _rename(repo: Repo) -> None:
    repo.git("mv", "clusters/dev/podinfo.yaml", "clusters/dev/podinfo-dev.yaml")
    _edit(repo, "clusters/dev/podinfo-dev.yaml", '"1.x"', '"0.x"')


def _policy_and_config(repo: Repo) -> None:
    _edit(repo, "clusters/pre-prod/podinfo.yaml", '"1.3.x"', '"1.2.x"')
    repo.write({".pre-commit-config.yaml": "repos: []\n"})


def _flux_example(tmp_path: Path) -> Repo:
    repo = gitops_repo(tmp_path, fixture=None)
    shutil.copytree(DATA / "repos" / "kustomize-helm", repo.root, dirs_exist_ok=True)
    repo.commit("the Flux example")
    return repo


Case = tuple[Callable[[Path], Repo], Callable[[Repo], object]]
CASES: dict[str, Case] = {
    # a strategic-merge patch file of an overlay: it names no app
    "overlay patch file": (
        lambda tmp: gitops_repo(tmp, {**BASE, **OVERLAYS}, fixture=None),
        lambda repo: _edit(repo, "apps/staging/imagepolicy-patch.yaml", "'1.3.x'", "'1.2.x'"),
    ),
    # a JSON 6902 patch file: it names no kind, only its kustomization names it
    "overlay JSON patch file": (
        lambda tmp: gitops_repo(tmp, {**BASE, **OVERLAYS}, fixture=None),
        lambda repo: _edit(repo, "apps/production/range.yaml", '"1.3.0"', '"1.4.0"'),
    ),
    "overlay kustomization": (
        lambda tmp: gitops_repo(tmp, {**BASE, **OVERLAYS}, fixture=None),
        lambda repo: _edit(repo, "apps/dev/kustomization.yaml", "range: 1.x", "range: 1.2.x"),
    ),
    "overlay base policy": (
        lambda tmp: gitops_repo(tmp, {**BASE, **OVERLAYS}, fixture=None),
        lambda repo: _edit(
            repo, "apps/base/myapp/imagepolicy.yaml", "namespace: flux-system", "namespace: apps"
        ),
    ),
    # the range comes from the ConfigMap of a Flux Kustomization that does not name the app
    "post-build policy": (
        lambda tmp: gitops_repo(tmp, POST_BUILD, fixture=None),
        lambda repo: _edit(repo, "apps/staging/imagepolicy.yaml", ":=1.2.x", ":=1.4.x"),
    ),
    "post-build variable": (
        lambda tmp: gitops_repo(tmp, POST_BUILD, fixture=None),
        lambda repo: _edit(repo, "clusters/staging/vars.yaml", "1.3.x", "1.x.x.x"),
    ),
    "Flux example: a default the cluster overrides": (
        _flux_example,
        lambda repo: _edit(
            repo, "infrastructure/controllers/cert-manager.yaml", ":=1.x}", ":=1.17.x}"
        ),
    ),
    "Flux example: a chart version patch": (
        _flux_example,
        lambda repo: _edit(repo, "apps/staging/podinfo-values.yaml", '"6.5.x"', '"6.4.x"'),
    ),
    # beside the policy file, a YAML file no scan reads: a tool's own config
    "a policy file and a tool's config": (
        lambda tmp: gitops_repo(tmp),
        _policy_and_config,
    ),
    "deleted gate policy file": (
        lambda tmp: gitops_repo(tmp),
        lambda repo: repo.git("rm", "-q", "clusters/pre-prod/podinfo.yaml"),
    ),
    "renamed policy file": (lambda tmp: gitops_repo(tmp), lambda repo: _rename(repo)),
}
# the cases whose change leaves the tree clean (each of the others leaves a finding to show)
CLEAN = {"post-build policy", "Flux example: a default the cluster overrides"}


def _staged(repo: Repo) -> list[str]:
    """The files pre-commit passes a hook: added, copied, modified or renamed YAML files."""
    names = repo.git("diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z").split("\0")
    return [name for name in names if name.endswith((".yaml", ".yml"))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_hook_under_pre_commit_reports_what_check_reports(
    case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, change = CASES[case]
    repo = make(tmp_path)
    # the hook ran on the commit before, so its cache knows the tree as committed
    assert (repo.root / ".git").is_dir()
    manifests.load(repo.root, hook_cache=True)
    change(repo)
    repo.git("add", "-A")
    staged = _staged(repo)
    assert staged or case == "deleted gate policy file"
    deletes = "D" in repo.git("diff", "--cached", "--name-status", "--no-renames")

    monkeypatch.chdir(repo.root)
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.delenv("PRE_COMMIT_FROM_REF", raising=False)
    monkeypatch.delenv("PRE_COMMIT_TO_REF", raising=False)
    runs = []
    for _ in range(2):  # and again, with what this run added to the cache
        code = check.main(staged)
        runs.append((code, capsys.readouterr().out))
    assert runs[0] == runs[1]
    hooked = [line for line in runs[0][1].splitlines() if FINDING.match(line)]

    # a commit that deletes a policy file is judged by every finding of the repository
    files = [] if deletes else staged
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "flux_semver",
            "-C",
            str(repo.root),
            "check",
            "--base",
            "HEAD",
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode in (0, 1), checked.stderr
    expected = [line for line in checked.stdout.splitlines() if FINDING.match(line)]
    assert hooked == expected
    assert code == checked.returncode
    assert bool(expected) == (case not in CLEAN), expected


def test_a_file_no_scan_reads_beside_a_policy_file_keeps_the_parse_to_its_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # what the commit waits for: another app's policies are not parsed, a config file or not
    from tests.support.gitops import policy

    other = {
        f"clusters/{stage}/other.yaml": policy("other", "other", rng)
        for stage, rng in (("dev", "2.x"), ("pre-prod", "2.1.x"), ("prod", "2.1.0"))
    }
    repo = gitops_repo(tmp_path, other)
    _edit(repo, "clusters/pre-prod/podinfo.yaml", '"1.3.x"', '"1.2.x"')  # prod's 1.3.2 skips
    repo.write({".pre-commit-config.yaml": "repos: []\n", "apps/notes.yaml": "notes: []\n"})
    repo.git("add", "-A")
    monkeypatch.chdir(repo.root)
    monkeypatch.setenv("PRE_COMMIT", "1")
    staged = _staged(repo)
    assert check.main(staged) == 1
    assert capsys.readouterr().out.endswith(" in 3 of 9 files (3 policies)\n")  # podinfo's 3
    monkeypatch.delenv("PRE_COMMIT")
    assert check.main(staged) == 1
    assert capsys.readouterr().out.endswith(" in 3 of 9 files (6 policies)\n")
