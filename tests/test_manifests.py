"""Discovery: every ImagePolicy of a tree, where its range is written, what cannot be read."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from flux_semver.errors import FluxSemverError
from flux_semver.model import Policy
from flux_semver.repo import config, manifests

CORPUS = Path(__file__).parent / "data" / "corpus"
TEMPLATED = {
    "fluxcd__flux2__cmd__flux__testdata__export__image-policy.yaml",
    "tiberiu-matei__ops__charts__common__frontend__templates__image-policy.yaml",
    "HomeDevopsLab__appchart__chart__templates__imagepolicy.yaml",
}
POLICY = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {name}
spec:
  imageRepositoryRef:
    name: {app}
  policy:
    semver:
      range: {range}
"""


@pytest.fixture(scope="module")
def corpus() -> manifests.Repository:
    return manifests.scan(CORPUS, config.DEFAULT_CONFIG)


def _policy(repo: manifests.Repository, file_start: str, name: str) -> Policy:
    return next(p for p in repo.policies if p.file.startswith(file_start) and p.name == name)


def test_corpus_counts_match_its_sources_list(corpus: manifests.Repository) -> None:
    # SOURCES.md counts 75 ImagePolicy documents; 3 of them sit in templated files.
    documents = [p for p in corpus.policies if not p.patch]
    assert corpus.files_scanned == 61
    assert len(documents) == 72
    versions = Counter(p.api_version.rsplit("/", 1)[1] for p in documents)
    assert versions == {
        "v1beta2": 40,
        "v1": 16,
        "v1beta1": 10,
        "v1alpha1": 3,
        "v1alpha2": 2,
        "v2beta1": 1,
    }
    kinds = Counter(p.kind for p in documents)
    assert kinds == {"semver": 51, "alphabetical": 11, "numerical": 8, "none": 2}
    assert sorted(p.file.split("__")[0] for p in corpus.policies if p.patch) == [
        "activescott",
        "ppbrown",
    ]


def test_templated_files_are_one_clear_error_each(corpus: manifests.Repository) -> None:
    assert {e.file for e in corpus.errors} == TEMPLATED
    for error in corpus.errors:
        assert error.mentions_policy
        assert error.line >= 1 and error.column >= 1
        assert "not valid YAML" in error.message and "Helm or Go template" in error.message
    go = next(e for e in corpus.errors if e.file.startswith("fluxcd__flux2__cmd"))
    assert (go.line, go.column) == (6, 15)  # `namespace: {{ .fluxns }}`


def test_range_positions_point_at_the_value(corpus: manifests.Repository) -> None:
    quoting: Counter[str] = Counter()
    for policy in corpus.policies:
        if policy.kind != "semver" or policy.patch:
            continue
        assert policy.range_line and policy.range_column and policy.range_text
        line = (CORPUS / policy.file).read_text().splitlines()[policy.range_line - 1]
        before, at = line[: policy.range_column - 1], line[policy.range_column - 1 :]
        assert before.strip() == "range:"
        first = at[0]
        quoting[first if first in "'\"" else "plain"] += 1
        assert at.lstrip("'\"").startswith(policy.range_text)
    # SOURCES.md: unquoted 22, double 22, single 9, less the two templated semver files
    assert quoting == {"plain": 21, '"': 22, "'": 8}


def test_corpus_traps(corpus: manifests.Repository) -> None:
    commented = _policy(corpus, "giltina", "ndlukula-staging-policy")
    assert commented.range_text == "1.*"  # the comment after it is not part of the range
    welkin = [p for p in corpus.policies if p.file.startswith("thesachinmalhotra")]
    assert [p.name for p in welkin] == ["benthos-collector", "openmeter"]  # not the IR semver
    both = [p for p in corpus.policies if p.file.startswith("HaRsH020772")]
    # the file's path (clusters/dev/...) comes before the policy's name: both are dev, and
    # FS012 says their names disagree
    assert [(p.name, p.stage, p.kind, p.stage_conflict) for p in both] == [
        (
            "demo-app-staging",
            "dev",
            "numerical",
            'alias "staging" in name "demo-app-staging" says pre-prod',
        ),
        (
            "demo-app-production",
            "dev",
            "semver",
            'alias "production" in name "demo-app-production" says prod',
        ),
    ]
    patch = _policy(corpus, "activescott", "policy-tayle-app")
    assert (patch.patch, patch.app, patch.line) == (True, "repo-tayle-app", 28)
    unnamed_target = _policy(corpus, "ppbrown", "ghcr-app")
    assert unnamed_target.patch and unnamed_target.stage == "prod"
    anchored = _policy(corpus, "bluevulpine", "minnkota-collector")
    assert anchored.app == "minnkota-collector"  # `name: *app`
    extract = _policy(corpus, "dario-mr", "lab-home")
    assert extract.filter_extract == ""
    assert _policy(corpus, "mozilla-it__itse-apps-stage", "discourse-stage").stage == "pre-prod"


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_apps_and_policies_in_stage_order(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "a/clusters/production/web.yaml": POLICY.format(name="web", app="web", range="1.2.3"),
            "b/clusters/staging/web.yaml": POLICY.format(name="web", app="web", range="1.2.x"),
            "c/clusters/dev/web.yml": POLICY.format(name="web", app="web", range="1.x"),
            "c/clusters/other/web.yml": POLICY.format(name="web", app="web", range="1.x"),
            "d/api.yaml": POLICY.format(name="api-dev", app="api", range="2.x").replace(
                "semver:\n      range: 2.x", "alphabetical: {order: asc}"
            ),
        },
    )
    repo = manifests.scan(tmp_path, config.DEFAULT_CONFIG)
    assert [p.file for p in repo.policies] == [
        "a/clusters/production/web.yaml",
        "b/clusters/staging/web.yaml",
        "c/clusters/dev/web.yml",
        "c/clusters/other/web.yml",
        "d/api.yaml",
    ]
    assert repo.apps() == ["web"]  # api has no semver policy
    assert [p.stage for p in repo.policies_for("web")] == ["dev", "pre-prod", "prod", None]


def test_walk_skips_git_other_files_and_foreign_kinds(tmp_path: Path) -> None:
    policy = POLICY.format(name="web", app="web", range="1.x")
    _tree(
        tmp_path,
        {
            ".git/refs/policy.yaml": policy,
            "notes/policy.yaml.bak": policy,
            "notes/policy.json": policy,
            "other/openshift.yaml": policy.replace(
                "image.toolkit.fluxcd.io", "config.openshift.io"
            ),
            "broken/not-mentioned.yaml": "a: [unclosed\n",
            "kept/web.yaml": policy,
        },
    )
    repo = manifests.scan(tmp_path, config.DEFAULT_CONFIG)
    assert [p.file for p in repo.policies] == ["kept/web.yaml"]
    assert repo.errors == ()  # invalid YAML that never mentions ImagePolicy is not read
    assert repo.files_scanned == 3


def test_symlinks_never_lead_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    root = tmp_path / "repo"
    _tree(outside, {"secret.yaml": POLICY.format(name="x", app="x", range="1.x")})
    _tree(root, {"apps/web.yaml": POLICY.format(name="web", app="web", range="1.x")})
    (root / "out").symlink_to(outside, target_is_directory=True)
    (root / "out.yaml").symlink_to(outside / "secret.yaml")
    (root / "apps" / "again").symlink_to(root / "apps", target_is_directory=True)  # a loop
    (root / "inside.yaml").symlink_to(root / "apps" / "web.yaml")
    plain = manifests.scan(root, config.DEFAULT_CONFIG)
    assert [p.file for p in plain.policies] == ["apps/web.yaml"]
    # never followed out, but never dropped without a word: the scan reports both links
    assert [(e.file, e.message.split(",")[0]) for e in plain.errors] == [
        ("out", f"a symbolic link to {outside}"),
        ("out.yaml", f"a symbolic link to {outside / 'secret.yaml'}"),
    ]
    followed = manifests.scan(root, config.DEFAULT_CONFIG, follow_symlinks=True)
    assert sorted(p.file for p in followed.policies) == [
        "apps/again/web.yaml",
        "apps/web.yaml",
        "inside.yaml",
    ]


def test_unreadable_text_and_positions_in_characters(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"kind: ImagePolicy\nname: caf\xe9\n")
    flow = (
        '{"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",\n'
        ' "metadata": {"name": "caf\u00e9"},'
        ' "spec": {"policy": {"semver": {"range": "1.x"}}}}\n'
    )
    (tmp_path / "unicode.yaml").write_text(flow, encoding="utf-8")
    repo = manifests.scan(tmp_path, config.DEFAULT_CONFIG)
    (error,) = repo.errors
    assert (error.file, error.line, error.column) == ("latin1.yaml", 2, 10)
    assert "not UTF-8" in error.message
    (policy,) = repo.policies
    line = flow.splitlines()[1]
    assert (policy.range_line, policy.range_column) == (2, line.index('"1.x"') + 1)


def test_a_missing_root_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(FluxSemverError, match="is not a directory"):
        manifests.scan(tmp_path / "nope", config.DEFAULT_CONFIG)


def test_scan_reads_each_file_once_in_path_order(tmp_path: Path) -> None:
    for name in ("z", "a", "m"):
        _tree(tmp_path, {f"{name}/p.yaml": POLICY.format(name=name, app=name, range="1.x")})
    shutil.copy(CORPUS / "fluxcd__flux2__tests__image-automation__auto.yaml", tmp_path / "b.yaml")
    repo = manifests.scan(tmp_path, config.DEFAULT_CONFIG)
    assert [p.file for p in repo.policies] == ["a/p.yaml", "b.yaml", "m/p.yaml", "z/p.yaml"]


def test_a_strategic_merge_patch_of_an_image_policy_is_listed(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "overlays/live/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../base]
patches:
  - patch: |
      apiVersion: image.toolkit.fluxcd.io/v1
      kind: ImagePolicy
      metadata:
        name: web
        labels: {flux-semver/app: shop-web}
      spec:
        policy:
          semver:
            range: 2.4.1
"""
        },
    )
    (patch,) = manifests.scan(tmp_path, config.DEFAULT_CONFIG).policies
    assert (patch.patch, patch.name, patch.kind, patch.range_text) == (
        True,
        "web",
        "semver",
        "2.4.1",
    )
    assert (patch.app, patch.stage, patch.line) == ("shop-web", "prod", 5)
    assert patch.range_line is None  # a patch is reported, never rewritten


def test_the_api_version_value_is_located(corpus: manifests.Repository) -> None:
    for policy in corpus.policies:
        if policy.patch:
            assert policy.api_version_line is None
            continue
        assert policy.api_version_line and policy.api_version_column
        line = (CORPUS / policy.file).read_text().splitlines()[policy.api_version_line - 1]
        before, at = line[: policy.api_version_column - 1], line[policy.api_version_column - 1 :]
        assert before.strip() == "apiVersion:"
        assert at.strip("'\" ").startswith(policy.api_version)
