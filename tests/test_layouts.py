"""Flux's multi-environment layout through the real command line: a base HelmRelease without a
version, staging and production overlays patching the chart version, an OCIRepository whose
range is a post-build variable (tests/data/repos/kustomize-helm, written in the shape of
fluxcd/flux2-kustomize-helm-example)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.snapshot import snapshot

LAYOUT = Path(__file__).resolve().parent / "data" / "repos" / "kustomize-helm"
STAGING = "apps/staging/podinfo-values.yaml"
PRODUCTION = "apps/production/podinfo-values.yaml"


def fs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    shutil.copytree(LAYOUT, root)
    return root


def _changed(before: dict[str, bytes], root: Path) -> dict[str, tuple[list[str], list[str]]]:
    """file -> (old lines, new lines) of the lines that differ, for each changed file."""
    after = snapshot(root)
    assert after.keys() == before.keys()
    out = {}
    for name, old in before.items():
        if after[name] != old:
            old_lines, new_lines = old.splitlines(), after[name].splitlines()
            assert len(old_lines) == len(new_lines)
            pairs = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
            out[name] = ([a.decode() for a, _ in pairs], [b.decode() for _, b in pairs])
    return out


def test_policies_lists_each_stage_effective_range_with_its_kind(fleet: Path) -> None:
    result = fs(fleet, "policies", "--format", "json")
    assert result.returncode == 0, result.stderr
    found = {(p["resource"], p["stage"]): p for p in json.loads(result.stdout)}
    assert sorted(found) == [
        ("HelmRelease", "pre-prod"),
        ("HelmRelease", "prod"),
        ("OCIRepository", "pre-prod"),
        ("OCIRepository", "prod"),
    ]
    staging = found["HelmRelease", "pre-prod"]
    assert (
        staging["file"],
        staging["range_line"],
        staging["range"],
        staging["app"],
        staging["policy"],
    ) == (STAGING, 9, "6.5.x", "podinfo", "HelmRelease/podinfo/podinfo")
    production = found["HelmRelease", "prod"]
    assert (production["file"], production["range"], production["window"]) == (
        PRODUCTION,
        "6.5.3",
        "exact",
    )
    # the OCIRepository's range is ${CERT_MANAGER_VERSION:=1.x}: staging takes the default,
    # production's Flux Kustomization substitutes a pinned version
    oci_staging = found["OCIRepository", "pre-prod"]
    assert (oci_staging["file"], oci_staging["range"]) == (
        "infrastructure/controllers/cert-manager.yaml",
        "1.x",
    )
    assert "default '1.x'" in oci_staging["origin"]
    oci_production = found["OCIRepository", "prod"]
    assert (oci_production["file"], oci_production["range_line"], oci_production["range"]) == (
        "clusters/production/infrastructure.yaml",
        17,
        "1.16.2",
    )
    # neither the base without a version nor the patch files are policies of their own
    assert not any(p["file"].startswith("apps/base/") for p in json.loads(result.stdout))


def test_policies_text_names_the_kind_and_where_the_range_comes_from(fleet: Path) -> None:
    result = fs(fleet, "policies", "--stage", "pre-prod")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith(STAGING))
    assert row.split()[1:8] == [
        "HelmRelease/podinfo/podinfo",
        "helm.toolkit.fluxcd.io/v2",
        "pre-prod",
        "podinfo",
        "HelmRelease",
        "6.5.x",
        "patch",
    ]
    assert "overlay apps/staging, patched by apps/staging/podinfo-values.yaml" in row


def test_the_layout_passes_check(fleet: Path) -> None:
    result = fs(fleet, "check")
    assert (result.returncode, result.stdout) == (0, "no problems in 18 files (4 policies)\n"), (
        result.stdout
    )


def test_minor_chart_release_moves_staging_then_production_with_stage(fleet: Path) -> None:
    before = snapshot(fleet)
    plan = fs(fleet, "plan", "6.6.0", "--image", "podinfo", "--format", "json")
    assert plan.returncode == 0, plan.stderr
    changes = {c["stage"]: c for c in json.loads(plan.stdout)["changes"]}
    assert (changes["pre-prod"]["action"], changes["pre-prod"]["to"]) == ("update", "6.6.x")
    assert changes["prod"]["action"] == "hold"
    assert changes["prod"]["policy"] == "HelmRelease/podinfo/podinfo"

    promoted = fs(fleet, "promote", "6.6.0", "--image", "podinfo")
    assert promoted.returncode == 0, promoted.stderr
    assert _changed(before, fleet) == {
        STAGING: (
            ['      version: "6.5.x"  # staging follows minor releases'],
            ['      version: "6.6.x"  # staging follows minor releases'],
        )
    }

    staged = snapshot(fleet)
    prod = fs(fleet, "promote", "6.6.0", "--image", "podinfo", "--stage", "prod")
    assert prod.returncode == 0, prod.stderr
    assert _changed(staged, fleet) == {
        PRODUCTION: (
            ['      version: "6.5.3"  # production pins one release'],
            ['      version: "6.6.0"  # production pins one release'],
        )
    }
    assert fs(fleet, "check").returncode == 0


def test_a_substituted_range_is_edited_where_its_value_is_written(fleet: Path) -> None:
    before = snapshot(fleet)
    result = fs(fleet, "promote", "1.17.0", "--image", "cert-manager", "--stage", "prod")
    assert result.returncode == 0, result.stderr
    assert _changed(before, fleet) == {
        "clusters/production/infrastructure.yaml": (
            ['      CERT_MANAGER_VERSION: "1.16.2" # pinned after testing in staging'],
            ['      CERT_MANAGER_VERSION: "1.17.0" # pinned after testing in staging'],
        )
    }
    # a major release moves staging's default, inside the variable reference
    staged = snapshot(fleet)
    result = fs(fleet, "promote", "2.0.0", "--image", "cert-manager", "--stage", "pre-prod")
    assert result.returncode == 0, result.stderr
    assert _changed(staged, fleet) == {
        "infrastructure/controllers/cert-manager.yaml": (
            ['    semver: "${CERT_MANAGER_VERSION:=1.x}"'],
            ['    semver: "${CERT_MANAGER_VERSION:=2.x}"'],
        )
    }


def test_check_finds_a_production_chart_range_that_skips_staging(fleet: Path) -> None:
    path = fleet / PRODUCTION
    path.write_text(path.read_text().replace('"6.5.3"', '"6.7.0"'))
    result = fs(fleet, "check", "--format", "json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    skips = [f for f in findings if f["code"] == "FS003"]
    assert [(f["file"], f["line"], f["policy"], f["stage"]) for f in skips] == [
        (PRODUCTION, 9, "HelmRelease/podinfo/podinfo", "prod")
    ]
    assert "6.5.x" in skips[0]["message"]


def test_a_chart_version_that_does_not_validate_is_fs004(fleet: Path) -> None:
    path = fleet / STAGING
    path.write_text(path.read_text().replace("  chart:\n", "  chart:\n    sepc: {}\n"))
    result = fs(fleet, "check", "--format", "json")
    findings = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "FS004"]
    assert [(f["file"], f["stage"]) for f in findings] == [(STAGING, "pre-prod")]
    assert '"sepc"' in findings[0]["message"]


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "user.name=Release Bot",
            "-c",
            "user.email=bot@example.com",
            *args,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_history_and_rollback_read_the_overlay_and_the_variable(fleet: Path) -> None:
    _git(fleet, "init", "-q")
    _git(fleet, "add", "-A")
    _git(fleet, "commit", "-q", "-m", "Initial layout")
    for args, message in (
        (("6.5.4", "--image", "podinfo"), "podinfo 6.5.4"),
        (("1.17.0", "--image", "cert-manager", "--stage", "prod"), "cert-manager 1.17.0"),
    ):
        assert fs(fleet, "promote", *args).returncode == 0
        _git(fleet, "commit", "-q", "-a", "-m", message)
    history = json.loads(fs(fleet, "history", "--stage", "prod", "--format", "json").stdout)[
        "changes"
    ]
    assert [(c["policy"], c["file"], c["from"], c["to"]) for c in history[:2]] == [
        (
            "OCIRepository/cert-manager/cert-manager",
            "clusters/production/infrastructure.yaml",
            "1.16.2",
            "1.17.0",
        ),
        ("HelmRelease/podinfo/podinfo", PRODUCTION, "6.5.3", "6.5.4"),
    ]
    result = fs(fleet, "rollback", "--image", "cert-manager", "--stage", "prod")
    assert result.returncode == 0, result.stderr
    assert "OCIRepository/cert-manager/cert-manager 1.17.0 -> 1.16.2" in result.stdout
    assert (fleet / "clusters/production/infrastructure.yaml").read_bytes() == (
        LAYOUT / "clusters/production/infrastructure.yaml"
    ).read_bytes()


def test_a_chart_and_an_image_of_the_same_name_are_two_apps(fleet: Path) -> None:
    (fleet / "apps/staging/podinfo-image.yaml").write_text("""\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: podinfo
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: podinfo
  policy:
    semver:
      range: 6.9.x
""")
    listed = json.loads(fs(fleet, "policies", "--format", "json").stdout)
    assert sorted({(p["resource"], p["app"]) for p in listed}) == [
        ("HelmRelease", "HelmRelease/podinfo"),
        ("ImagePolicy", "podinfo"),
        ("OCIRepository", "cert-manager"),
    ]
    # the image's release does not touch the chart's version, nor the other way round
    plan = json.loads(fs(fleet, "plan", "6.10.0", "--image", "podinfo", "--format", "json").stdout)
    assert [c["policy"] for c in plan["changes"]] == ["flux-system/podinfo"]
    chart = json.loads(
        fs(fleet, "plan", "6.6.0", "--image", "HelmRelease/podinfo", "--format", "json").stdout
    )
    assert {c["policy"] for c in chart["changes"]} == {"HelmRelease/podinfo/podinfo"}
    assert "FS008" not in fs(fleet, "check").stdout
