"""The action on a real layout: a Kustomize base with one policy and per-stage overlays that
set its range (an inline patch, a strategic-merge patch file, a JSON 6902 patch file). Each
stage's pull request rewrites its own overlay, byte for byte but the range, and never the
base the stages share; run twice on one origin, it changes nothing more."""

from __future__ import annotations

from pathlib import Path

from tests.support.action_runner import OWNER, REPO, TOKEN, Runner, git
from tests.support.github_server import github_server
from tests.support.layouts import BASE, OVERLAYS

PROD, PREPROD, DEV = "flux-semver/myapp/prod", "flux-semver/myapp/pre-prod", "flux-semver/myapp/dev"
BRANCHES = (DEV, PREPROD, PROD)


def _overlays(runner: Runner) -> None:
    """The origin's main holds the base and overlays instead of the runner's own policies."""
    git(runner.author, "rm", "-r", "-q", "clusters", env=runner.env)
    for name, text in {**BASE, **OVERLAYS}.items():
        path = runner.author / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(runner.author, "add", "-A", env=runner.env)
    git(runner.author, "commit", "--quiet", "-m", "myapp in overlays", env=runner.env)
    git(
        runner.author, "push", "--quiet", str(runner.origin), "HEAD:refs/heads/main", env=runner.env
    )


def _changed(runner: Runner, branch: str) -> dict[str, str]:
    """The files ``branch`` changes against main on origin, with their text there."""
    names = git(
        runner.tmp,
        "--git-dir",
        str(runner.origin),
        "diff",
        "--name-only",
        "refs/heads/main",
        f"refs/heads/{branch}",
        env=runner.env,
    ).split()
    return {
        name: git(
            runner.tmp, "--git-dir", str(runner.origin), "show", f"{branch}:{name}", env=runner.env
        )
        for name in names
    }


def test_each_stage_rewrites_its_own_overlay_and_never_the_shared_base(tmp_path: Path) -> None:
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        runner = Runner(tmp_path, server)
        _overlays(runner)
        result = runner.release("2.0.0")
        assert result.code == 0, result.stdout + result.stderr
        # dev's inline patch, pre-prod's patch file and prod's JSON 6902 file, each with only
        # its range changed, each in its own pull request (prod's to merge after pre-prod's)
        assert _changed(runner, DEV) == {
            "apps/dev/kustomization.yaml": OVERLAYS["apps/dev/kustomization.yaml"].replace(
                "range: 1.x ", "range: 2.x "
            )
        }
        assert _changed(runner, PREPROD) == {
            "apps/staging/imagepolicy-patch.yaml": OVERLAYS[
                "apps/staging/imagepolicy-patch.yaml"
            ].replace("'1.3.x'", "'2.0.x'")
        }
        assert _changed(runner, PROD) == {
            "apps/production/range.yaml": OVERLAYS["apps/production/range.yaml"].replace(
                '"1.3.0"', '"2.0.0"'
            )
        }
        assert sorted(p["head"] for p in server.open_pulls()) == sorted(BRANCHES)
        tips = {branch: runner.tip(branch) for branch in BRANCHES}
        # the same release again: the branches and their pull requests stay as they are
        again = runner.release("2.0.0")
        assert again.code == 0, again.stdout + again.stderr
        assert {branch: runner.tip(branch) for branch in BRANCHES} == tips
        assert len(server.open_pulls()) == 3
