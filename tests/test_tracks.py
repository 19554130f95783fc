"""Tracks: a release version is written only to the policies whose ``filterTags`` keep its
tag; a pin a policy's own filter could never select is refused with the reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.gitops import Repo, gitops_repo, policy

CORPUS = Path(__file__).parent / "data" / "corpus"  # the real-world corpus (SOURCES.md)
SI_FLUX = "lars-fillmore__si-flux__clusters__{}__image-automation.yaml"
LIVE = r"^live-(?P<ver>[0-9]+\.[0-9]+\.[0-9]+)$"
BETA = r"^k8s-beta-v(?P<ver>[0-9]+\.[0-9]+\.[0-9]+)$"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def si_flux(tmp_path: Path) -> Repo:
    """lars-fillmore/si-flux's staging and prod image automation, as in that repository."""
    repo = gitops_repo(tmp_path, fixture=None)
    for stage in ("staging", "prod"):
        target = repo.root / "clusters" / stage / "image-automation.yaml"
        target.parent.mkdir(parents=True)
        shutil.copy(CORPUS / SI_FLUX.format(stage), target)
    repo.commit("si-flux")
    return repo


def test_bleeding_edge_is_another_track_and_keeps_its_range(
    si_flux: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    prod = si_flux.root / "clusters/prod/image-automation.yaml"
    before = prod.read_text()
    code, out, _ = run(
        capsys,
        "-C",
        str(si_flux.root),
        "promote",
        "0.1.5",
        "--image",
        "tileserver",
        "--format",
        "json",
    )
    assert code == 0, out
    data = json.loads(out)
    by_policy = {(c["stage"], c["policy"]): c for c in data["changes"]}
    edge = by_policy[("prod", "flux-system/tileserver-bleedingedge")]
    assert edge["action"] == "unchanged" and edge["to"] is None
    assert edge["reason"] == (
        "another track: its filterTags pattern '^(.*?-[0-9]+)-[^-]+$' "
        "does not keep the tag '0.1.5', so it could never select 0.1.5"
    )
    assert by_policy[("prod", "flux-system/tileserver")]["to"] == "0.1.5"
    after = prod.read_text()
    assert after == before.replace("      range: 0.1.x\n", "      range: 0.1.5\n", 1)
    assert after.count("range: 0.1.x-0") == 1  # the bleeding edge still selects its tags
    assert after.count("range: 0.1.5") == 1 and after.count("range: 0.1.x\n") == 0


def tag_tracks(tmp_path: Path) -> Repo:
    """One image, two environments told apart by tag prefix (as rate-ukma-deployment does)."""
    return gitops_repo(
        tmp_path,
        {
            "clusters/pre-prod/main.yaml": policy(
                "webapp-main", "webapp", "1.x", pattern=LIVE, extract="$ver"
            ),
            "clusters/prod/main.yaml": policy(
                "webapp-main", "webapp", "1.2.0", pattern=LIVE, extract="$ver"
            ),
            "clusters/pre-prod/beta.yaml": policy(
                "webapp-beta", "webapp", "1.x", pattern=BETA, extract="$ver"
            ),
            "clusters/prod/beta.yaml": policy(
                "webapp-beta", "webapp", "1.1.0", pattern=BETA, extract="$ver"
            ),
        },
        fixture=None,
    )


def test_a_tag_prefix_picks_the_track(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tag_tracks(tmp_path)
    code, out, _ = run(capsys, "-C", str(repo.root), "promote", "live-1.2.1")
    assert code == 0, out
    assert out.endswith("1 update\nchanged: clusters/prod/main.yaml\n")
    assert 'range: "1.2.1"' in (repo.root / "clusters/prod/main.yaml").read_text()
    assert 'range: "1.1.0"' in (repo.root / "clusters/prod/beta.yaml").read_text()
    assert "another track: its filterTags pattern" in out


def test_a_version_no_filter_keeps_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tag_tracks(tmp_path)
    code, out, err = run(capsys, "-C", str(repo.root), "promote", "1.3.0")
    assert code == 2 and out == ""
    assert err.startswith(
        "flux-semver: error: no policy of webapp can select 1.3.0: "
        "flux-system/webapp-beta (clusters/pre-prod/beta.yaml): another track: "
        f"its filterTags pattern {BETA!r} does not keep the tag '1.3.0'"
    )
    assert err.count("\n") == 1
    assert repo.git("status", "--porcelain") == ""  # nothing written
