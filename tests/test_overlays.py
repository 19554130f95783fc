"""ImagePolicy overlays and post-build variables through the real command line: strategic-merge,
JSON 6902 and inline patches, a base without ``spec.policy``, a rename-only overlay, a base
shared by two stages, ``${VAR:=default}`` and a variable from a ConfigMap or a Secret."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flux_semver import rules
from flux_semver.repo.config import DEFAULT_CONFIG
from flux_semver.repo.manifests import scan
from tests.support.layouts import BASE, OVERLAYS, POST_BUILD_POLICY


def fs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def policies(root: Path) -> dict[str | None, dict[str, Any]]:
    result = fs(root, "policies", "--format", "json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    by_stage = {p["stage"]: p for p in listed}
    assert len(by_stage) == len(listed), listed  # one policy per stage in these layouts
    return by_stage


def test_each_overlay_is_a_stage_with_its_effective_range(tmp_path: Path) -> None:
    root = write(tmp_path, {**BASE, **OVERLAYS})
    found = policies(root)
    assert {
        stage: (p["file"], p["range_line"], p["range"], p["app"], p["policy"])
        for stage, p in found.items()
    } == {
        "dev": ("apps/dev/kustomization.yaml", 14, "1.x", "myapp", "flux-system/myapp"),
        "pre-prod": (
            "apps/staging/imagepolicy-patch.yaml",
            9,
            "1.3.x",
            "myapp",
            "flux-system/myapp",
        ),
        "prod": ("apps/production/range.yaml", 5, "1.3.0", "myapp", "flux-system/myapp"),
    }
    assert fs(root, "check").stdout == "no problems in 8 files (3 policies)\n"


def test_plan_and_promote_edit_each_overlay_byte_for_byte(tmp_path: Path) -> None:
    root = write(tmp_path, {**BASE, **OVERLAYS})
    plan = json.loads(fs(root, "plan", "1.3.1", "--image", "myapp", "--format", "json").stdout)
    assert [(c["stage"], c["action"], c["to"]) for c in plan["changes"]] == [
        ("dev", "auto", None),
        ("pre-prod", "auto", None),
        ("prod", "update", "1.3.1"),
    ]
    result = fs(root, "promote", "1.4.0", "--image", "myapp")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("changed: apps/staging/imagepolicy-patch.yaml\n")
    expected = {**BASE, **OVERLAYS}
    expected["apps/staging/imagepolicy-patch.yaml"] = expected[
        "apps/staging/imagepolicy-patch.yaml"
    ].replace("'1.3.x'", "'1.4.x'")
    result = fs(root, "promote", "1.4.0", "--image", "myapp", "--stage", "prod", "--stage", "dev")
    assert result.returncode == 0, result.stderr
    expected["apps/production/range.yaml"] = expected["apps/production/range.yaml"].replace(
        '"1.3.0"', '"1.4.0"'
    )
    for name, text in expected.items():
        assert (root / name).read_text() == text, name
    # and the inline patch: a major release moves dev's range inside the literal block
    result = fs(root, "promote", "2.0.0", "--image", "myapp", "--stage", "dev")
    assert result.returncode == 0, result.stderr
    assert (root / "apps/dev/kustomization.yaml").read_text() == OVERLAYS[
        "apps/dev/kustomization.yaml"
    ].replace("range: 1.x ", "range: 2.x ")


def test_an_inline_strategic_merge_patch_and_a_patch_file_without_target(tmp_path: Path) -> None:
    files = {**BASE, **OVERLAYS}
    files["apps/dev/kustomization.yaml"] = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base/myapp
patches:
  - patch: |-
      apiVersion: image.toolkit.fluxcd.io/v1
      kind: ImagePolicy
      metadata:
        name: myapp
        namespace: flux-system
      spec:
        policy:
          semver:
            range: ">=1.2.0 <2.0.0"
"""
    files["apps/staging/kustomization.yaml"] = files["apps/staging/kustomization.yaml"].replace(
        "patchesStrategicMerge:\n  - imagepolicy-patch.yaml",
        "patches:\n  - path: imagepolicy-patch.yaml",
    )
    root = write(tmp_path, files)
    found = policies(root)
    assert (found["dev"]["file"], found["dev"]["range_line"], found["dev"]["range"]) == (
        "apps/dev/kustomization.yaml",
        15,
        ">=1.2.0 <2.0.0",
    )
    assert found["pre-prod"]["range"] == "1.3.x"
    result = fs(root, "promote", "2.0.0", "--image", "myapp", "--stage", "dev")
    assert result.returncode == 0, result.stderr
    assert (root / "apps/dev/kustomization.yaml").read_text() == files[
        "apps/dev/kustomization.yaml"
    ].replace(">=1.2.0 <2.0.0", ">=2.0.0 <3.0.0")


def test_an_overlay_that_only_renames_runs_the_base_range(tmp_path: Path) -> None:
    # activescott/home-infra-k8s-flux: prod's overlay renames the policy, the range stays 1.x
    root = write(
        tmp_path,
        {
            "apps/base/image-scanning/semver/kustomization.yaml": (
                "resources:\n  - image-policy.yaml\n"
            ),
            "apps/base/image-scanning/semver/image-policy.yaml": """\
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: policy-placeholder
spec:
  imageRepositoryRef:
    name: repo-placeholder
  policy:
    semver:
      range: 1.x
""",
            "apps/production/tayle/image-scanning/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../base/image-scanning/semver
patches:
  - target:
      kind: ImagePolicy
      name: policy-placeholder
    patch: |-
      - op: replace
        path: /metadata/name
        value: policy-tayle-app
      - op: replace
        path: /spec/imageRepositoryRef/name
        value: repo-tayle-app
""",
        },
    )
    found = policies(root)
    assert list(found) == ["prod"]
    assert (
        found["prod"]["policy"],
        found["prod"]["app"],
        found["prod"]["range"],
        found["prod"]["file"],
        found["prod"]["range_line"],
    ) == (
        "policy-tayle-app",
        "repo-tayle-app",
        "1.x",
        "apps/base/image-scanning/semver/image-policy.yaml",
        10,
    )
    result = fs(root, "check", "--format", "json")
    assert result.returncode == 1
    codes = {(f["code"], f["policy"], f["stage"]) for f in json.loads(result.stdout)["findings"]}
    assert ("FS002", "policy-tayle-app", "prod") in codes
    assert not any(code == "FS004" for code, _, _ in codes)


def test_a_range_in_a_base_two_stages_share_is_never_edited_there(tmp_path: Path) -> None:
    base = dict(BASE)
    base["apps/base/myapp/imagepolicy.yaml"] += "  policy:\n    semver:\n      range: 1.2.x\n"
    rename = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {env}
resources:
  - ../base/myapp
"""
    root = write(
        tmp_path,
        {
            **base,
            "apps/staging/kustomization.yaml": rename.format(env="stg"),
            "apps/production/kustomization.yaml": rename.format(env="prd"),
        },
    )
    found = policies(root)
    assert {s: (p["policy"], p["range"], p["shared"]) for s, p in found.items()} == {
        "pre-prod": ("stg/myapp", "1.2.x", True),
        "prod": ("prd/myapp", "1.2.x", True),
    }
    plan = json.loads(
        fs(
            root, "plan", "1.3.0", "--image", "myapp", "--stage", "pre-prod", "--format", "json"
        ).stdout
    )
    assert plan["changes"][0]["reason"].endswith(
        "(in a patch added to apps/staging/kustomization.yaml: the range is in a base other "
        "stages share)"
    )
    result = fs(root, "promote", "1.3.0", "--image", "myapp", "--stage", "pre-prod")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("changed: apps/staging/kustomization.yaml\n")
    assert (root / "apps/base/myapp/imagepolicy.yaml").read_text() == base[
        "apps/base/myapp/imagepolicy.yaml"
    ]
    # the stage's own overlay gets one patch, the way a person writes one; the overlay's
    # patches see the base's namespace (its own `namespace:` applies after them)
    assert (
        (root / "apps/staging/kustomization.yaml").read_text()
        == rename.format(env="stg")
        + """\
patches:
  - target:
      kind: ImagePolicy
      name: myapp
      namespace: flux-system
    patch: |
      - op: add
        path: /spec/policy/semver/range
        value: "1.3.x"
"""
    )
    listed = json.loads(fs(root, "policies", "--format", "json").stdout)
    assert [(p["stage"], p["file"], p["range"], p["shared"], p["patch"]) for p in listed] == [
        ("prod", "apps/base/myapp/imagepolicy.yaml", "1.2.x", False, False),
        ("pre-prod", "apps/staging/kustomization.yaml", "1.3.x", False, False),
    ]
    # the next release edits that patch in place
    result = fs(root, "promote", "1.4.0", "--image", "myapp", "--stage", "pre-prod")
    assert result.returncode == 0, result.stderr
    assert 'value: "1.4.x"' in (root / "apps/staging/kustomization.yaml").read_text()


def test_an_overlay_whose_patches_cannot_be_extended_gets_the_exact_patch(tmp_path: Path) -> None:
    base = dict(BASE)
    base["apps/base/myapp/imagepolicy.yaml"] += "  policy:\n    semver:\n      range: 1.2.x\n"
    overlay = "resources: [../base/myapp]\npatches: []\n"
    root = write(
        tmp_path,
        {
            **base,
            "apps/staging/kustomization.yaml": overlay,
            "apps/production/kustomization.yaml": overlay,
        },
    )
    result = fs(
        root, "promote", "1.3.0", "--image", "myapp", "--stage", "pre-prod", "--format", "json"
    )
    assert result.returncode == 1
    assert result.stderr == (
        "flux-semver: blocked: nothing was written; add the patch each "
        "blocked stage's reason gives\n"
    )
    change = json.loads(result.stdout)["changes"][0]
    assert (change["action"], change["to"]) == ("blocked", "1.3.x")
    message = change["reason"]
    assert message.startswith(
        "apps/base/myapp/imagepolicy.yaml:11: flux-system/myapp in stage "
        "pre-prod takes its range from a base other stages share"
    )
    # the exact entry the message gives, put in the overlay, is what makes it work
    entry = message.split("then retry: ", 1)[1]
    path = root / "apps/staging/kustomization.yaml"
    path.write_text("resources: [../base/myapp]\npatches:\n  " + entry + "\n")
    assert yaml.safe_load(path.read_text())["patches"][0]["target"] == {
        "kind": "ImagePolicy",
        "name": "myapp",
        "namespace": "flux-system",
    }
    found = policies(root)
    assert (found["pre-prod"]["file"], found["pre-prod"]["range"], found["pre-prod"]["shared"]) == (
        "apps/staging/kustomization.yaml",
        "1.3.x",
        False,
    )


def test_post_build_variables_from_a_default_a_configmap_and_a_secret(tmp_path: Path) -> None:
    policy = POST_BUILD_POLICY.format(default="1.2.x")
    kustomization = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/myapp
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
{post_build}
"""
    root = write(
        tmp_path,
        {
            "apps/myapp/imagepolicy.yaml": policy,
            "clusters/dev/apps.yaml": kustomization.format(post_build="    substitute: {}"),
            "clusters/staging/apps.yaml": kustomization.format(
                post_build=(
                    "    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars"
                )
            ),
            "clusters/staging/cluster-vars.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-vars
  namespace: flux-system
data:
  MYAPP_RANGE: 1.1.x
""",
            "clusters/production/apps.yaml": kustomization.format(
                post_build=(
                    "    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets"
                )
            ),
        },
    )
    found = policies(root)
    assert {s: (p["file"], p["range_line"], p["range"]) for s, p in found.items()} == {
        "dev": ("apps/myapp/imagepolicy.yaml", 11, "1.2.x"),
        "pre-prod": ("clusters/staging/cluster-vars.yaml", 7, "1.1.x"),
        "prod": ("apps/myapp/imagepolicy.yaml", None, None),
    }
    assert "Secret flux-system/cluster-secrets" in found["prod"]["origin"]
    assert "cannot know this range" in found["prod"]["origin"]
    check = json.loads(fs(root, "check", "--format", "json").stdout)["findings"]
    assert not [f for f in check if f["code"] == "FS001"]
    result = fs(
        root, "promote", "1.3.0", "--image", "myapp", "--stage", "pre-prod", "--stage", "dev"
    )
    assert result.returncode == 0, result.stderr
    assert "MYAPP_RANGE: 1.3.x\n" in (root / "clusters/staging/cluster-vars.yaml").read_text()
    assert (root / "apps/myapp/imagepolicy.yaml").read_text() == policy.replace(
        ":=1.2.x", ":=1.3.x"
    )


def test_overlays_that_include_each_level_twice_take_no_exponential_time(tmp_path: Path) -> None:
    # 2^24 inclusions if built naively; the build stops at a fixed budget and the scan goes on
    files = dict(BASE)
    for level in range(24):
        for side in "ab":
            below = (
                f"  - ../a{level + 1}\n  - ../b{level + 1}\n"
                if level < 23
                else "  - ../base/myapp\n"
            )
            files[f"apps/{side}{level}/kustomization.yaml"] = f"resources:\n{below}"
    files["apps/dev/kustomization.yaml"] = "resources:\n  - ../a0\n  - ../b0\n"
    root = write(tmp_path, files)
    result = fs(root, "policies", "--format", "json")
    assert result.returncode == 0, result.stderr


def test_components_label_selectors_and_name_prefixes(tmp_path: Path) -> None:
    files = dict(BASE)
    files["apps/base/myapp/imagepolicy.yaml"] = files["apps/base/myapp/imagepolicy.yaml"].replace(
        "  name: myapp\n", "  name: myapp\n  labels:\n    tier: web\n", 1
    )
    files["components/pinned/kustomization.yaml"] = """\
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target:
      kind: ImagePolicy
      labelSelector: tier=web
    path: pin.yaml
"""
    files["components/pinned/pin.yaml"] = """\
- op: add
  path: /spec/policy
  value: {semver: {range: 1.4.2}}
"""
    files["apps/production/kustomization.yaml"] = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: eu-
resources:
  - ../base/myapp
components:
  - ../../components/pinned
"""
    files["apps/staging/kustomization.yaml"] = """\
resources:
  - ../base/myapp
patches:
  - target: {kind: ImagePolicy, labelSelector: tier=api}
    patch: '[{"op": "add", "path": "/spec/policy", "value": {"semver": {"range": "9.x"}}}]'
  - target: {kind: ImagePolicy, name: "my.+"}
    patch: '[{"op": "add", "path": "/spec/policy", "value": {"semver": {"range": "1.4.x"}}}]'
"""
    root = write(tmp_path, files)
    found = policies(root)
    assert {s: (p["policy"], p["file"], p["range"]) for s, p in found.items()} == {
        "prod": ("flux-system/eu-myapp", "components/pinned/pin.yaml", "1.4.2"),
        "pre-prod": ("flux-system/myapp", "apps/staging/kustomization.yaml", "1.4.x"),
    }
    # the pinned range is in a component only prod uses: the edit goes there, in flow style
    result = fs(root, "promote", "1.4.3", "--image", "myapp")
    assert result.returncode == 0, result.stderr
    assert (root / "components/pinned/pin.yaml").read_text() == files[
        "components/pinned/pin.yaml"
    ].replace("1.4.2", "1.4.3")
    # a range in an inline patch that is not a literal block is shown, never edited
    plan = json.loads(
        fs(
            root, "plan", "1.5.0", "--image", "myapp", "--stage", "pre-prod", "--format", "json"
        ).stdout
    )
    change = plan["changes"][0]
    assert (change["action"], change["file"]) == ("blocked", "apps/staging/kustomization.yaml")
    assert "not a literal block (patch: |)" in change["reason"]


def test_a_directory_two_clusters_apply_is_a_policy_in_each_stage(tmp_path: Path) -> None:
    kustomization = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra-controllers
  namespace: flux-system
spec:
  interval: 1h
  path: ./infrastructure/controllers
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
    root = write(
        tmp_path,
        {
            "infrastructure/controllers/kustomization.yaml": "resources:\n  - cert-manager.yaml\n",
            "infrastructure/controllers/cert-manager.yaml": """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: cert-manager
  namespace: cert-manager
spec:
  interval: 12h
  url: oci://registry.example.com/charts/cert-manager
  ref:
    semver: "1.x"
""",
            "clusters/staging/infrastructure.yaml": kustomization,
            "clusters/production/infrastructure.yaml": kustomization,
        },
    )
    found = policies(root)
    assert {s: (p["range"], p["file"], p["range_line"]) for s, p in found.items()} == {
        "pre-prod": ("1.x", "infrastructure/controllers/cert-manager.yaml", None),
        "prod": ("1.x", "infrastructure/controllers/cert-manager.yaml", None),
    }
    assert "written once for all of them" in found["prod"]["origin"]
    # production runs 1.x as well: not one exact version
    findings = json.loads(fs(root, "check", "--format", "json").stdout)["findings"]
    assert [(f["code"], f["stage"], f["policy"]) for f in findings] == [
        ("FS002", "prod", "OCIRepository/cert-manager/cert-manager")
    ]
    plan = json.loads(
        fs(
            root, "plan", "1.5.0", "--image", "cert-manager", "--stage", "prod", "--format", "json"
        ).stdout
    )
    assert [(c["stage"], c["action"]) for c in plan["changes"]] == [("prod", "blocked")]


KUSTOMIZE_PIECES = [
    "resources:\n  - ../base/myapp\n",
    "resources: [../base/myapp, ../base/myapp]\n",
    "components:\n  - ../base/myapp\n",
    "namespace: x\n",
    "namePrefix: p-\n",
    "patches:\n  - path: missing.yaml\n",
    "patches:\n  - patch: |\n      - op: remove\n"
    "        path: /spec\n    target: {kind: ImagePolicy}\n",
    'patches:\n  - patch: \'[{"op": "add", "path": "/spec/policy/semver/range", '
    '"value": {"a": 1}}]\'\n    target: {kind: ImagePolicy, name: \'(\'}\n',
    "patchesStrategicMerge:\n  - |\n    kind: ImagePolicy\n    metadata: {name: myapp}\n"
    "    spec: {policy: null}\n",
    "patchesJson6902:\n  - target: {kind: ImagePolicy}\n"
    '    patch: \'[{"op": "replace", "path": "/spec/policy/semver/range/0"}]\'\n',
    "patches: 7\n",
    "resources: {a: 1}\n",
    "- a\n",
    "&a x\n",
    "*a\n",
    "\t",
    "{{ x }}\n",
]


@given(st.lists(st.sampled_from(KUSTOMIZE_PIECES), min_size=1, max_size=5))
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_hostile_kustomizations_never_crash_a_scan(tmp_path: Path, pieces: list[str]) -> None:
    root = tmp_path / "repo"
    shutil.rmtree(root, ignore_errors=True)
    write(root, {**BASE, **OVERLAYS, "apps/dev/kustomization.yaml": "".join(pieces)})
    repo = scan(root, DEFAULT_CONFIG)
    result = rules.run(repo)
    assert all(f.message and f.line >= 1 for f in result.findings)
