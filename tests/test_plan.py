"""The release matrix as plans: the README's patch, minor and major on the example repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flux_semver.errors import PlanError
from flux_semver.model import Plan
from flux_semver.release.plan import make_plan
from flux_semver.release.promote import apply_plan
from flux_semver.repo import config, manifests
from flux_semver.repo.manifests import Repository

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "gitops-repo"

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {name}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: {app}
  policy:
    semver:
      range: "{range}"
"""


def _scan(root: Path) -> Repository:
    return manifests.scan(root, config.load(root))


def _example(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    return root


def _write(root: Path, stage: str, rng: str, app: str = "myapp", name: str = "") -> None:
    path = root / "clusters" / stage / f"{name or app}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POLICY.format(name=name or f"{app}-{stage}", app=app, range=rng))


def _actions(plan: Plan) -> dict[str, tuple[str, str, str | None]]:
    return {c.stage: (c.action, c.from_range, c.to_range) for c in plan.changes}


def test_patch_deploys_itself_below_prod_and_pins_prod(tmp_path: Path) -> None:
    plan = make_plan(_scan(_example(tmp_path)), "1.2.4")
    assert plan.release_type == "patch"
    assert plan.app == "myapp"
    actions = _actions(plan)
    assert actions["dev"][0] == "auto"
    assert actions["pre-prod"][0] == "auto"
    assert actions["prod"] == ("update", "1.2.3", "1.2.4")
    assert not plan.blocked
    assert not plan.approval_required
    assert all(c.reason for c in plan.changes)


def test_minor_moves_pre_prod_only(tmp_path: Path) -> None:
    plan = make_plan(_scan(_example(tmp_path)), "1.3.0")
    assert plan.release_type == "minor"
    actions = _actions(plan)
    assert actions["dev"] == ("auto", "1.x", None)  # dev's 1.x takes every minor release
    assert actions["pre-prod"] == ("update", "1.2.x", "1.3.x")
    assert actions["prod"][0] == "hold"
    prod = next(c for c in plan.changes if c.stage == "prod")
    assert "flux-semver promote 1.3.0 --stage prod" in prod.reason


def test_major_after_the_minor_moves_every_stage(tmp_path: Path) -> None:
    root = _example(tmp_path)
    repo = _scan(root)
    apply_plan(repo, make_plan(repo, "1.3.0"))
    plan = make_plan(_scan(root), "2.0.0")
    assert plan.release_type == "major"
    actions = _actions(plan)
    assert actions["dev"] == ("update", "1.x", "2.x")
    assert actions["pre-prod"] == ("update", "1.3.x", "2.0.x")
    # pre-prod takes 2.0.0 in this change: prod takes it in a later one (FS015)
    assert actions["prod"] == ("waits", "1.2.3", "2.0.0")
    prod = next(c for c in plan.changes if c.stage == "prod")
    assert prod.reason == (
        "waits for pre-prod to take 2.0.0 first (this plan changes pre-prod); once that change "
        "is merged, run: flux-semver promote 2.0.0 --stage prod"
    )
    assert plan.approval_required


def test_prod_on_its_own_waits_for_pre_prod(tmp_path: Path) -> None:
    root = _example(tmp_path)
    blocked = make_plan(_scan(root), "1.3.0", stages=["prod"])
    assert [c.stage for c in blocked.changes] == ["prod"]
    (change,) = blocked.changes
    assert change.action == "blocked"
    assert change.to_range == "1.3.0"
    assert "pre-prod" in change.reason and "1.2.x" in change.reason
    assert blocked.blocked

    repo = _scan(root)
    apply_plan(repo, make_plan(repo, "1.3.0", stages=["pre-prod"]))
    allowed = make_plan(_scan(root), "1.3.0", stages=["prod"])
    assert allowed.release_type == "minor"
    assert _actions(allowed)["prod"] == ("update", "1.2.3", "1.3.0")


def test_a_gated_stage_waits_for_its_gate_change_in_the_same_plan(tmp_path: Path) -> None:
    root = _example(tmp_path)
    # both stages in one plan: pre-prod moves to 1.3.x; prod pins 1.3.0 in a later change
    plan = make_plan(_scan(root), "1.3.0", stages=["pre-prod", "prod"])
    assert _actions(plan)["pre-prod"] == ("update", "1.2.x", "1.3.x")
    assert _actions(plan)["prod"] == ("waits", "1.2.3", "1.3.0")
    assert not plan.blocked
    repo = _scan(root)
    assert apply_plan(repo, plan) == ["clusters/pre-prod/imagepolicy.yaml"]
    later = make_plan(_scan(root), "1.3.0", stages=["prod"])
    assert _actions(later)["prod"] == ("update", "1.2.3", "1.3.0")


def test_a_gate_of_several_policies_is_judged_as_check_judges_it(tmp_path: Path) -> None:
    # the gate is every pre-prod policy together: prod may take what one of them admits
    # (FS003 agrees), and never more than the highest of them
    _write(tmp_path, "pre-prod-eu", "1.3.x")
    _write(tmp_path, "pre-prod-us", "1.2.x")
    _write(tmp_path, "prod", "1.2.3")
    plan = make_plan(_scan(tmp_path), "1.3.0", stages=["prod"])
    (change,) = plan.changes
    assert (change.action, change.to_range) == ("update", "1.3.0")
    beyond = make_plan(_scan(tmp_path), "1.4.0", stages=["prod"])
    (change,) = beyond.changes
    assert change.action == "blocked"
    assert change.reason == (
        "1.4.0 goes beyond pre-prod's range 1.3.x or 1.2.x: promote pre-prod first "
        "(flux-semver promote 1.4.0 --stage pre-prod)"
    )


def test_missing_gate_stage_blocks(tmp_path: Path) -> None:
    _write(tmp_path, "prod", "1.2.3")
    plan = make_plan(_scan(tmp_path), "1.2.4")
    assert _actions(plan)["prod"][0] == "blocked"
    assert "pre-prod" in plan.changes[0].reason


def test_several_apps_need_image_and_the_error_lists_them(tmp_path: Path) -> None:
    for app in ("api", "web"):
        _write(tmp_path, "dev", "1.2.x", app=app)
    with pytest.raises(PlanError) as caught:
        make_plan(_scan(tmp_path), "1.2.4")
    assert "api" in str(caught.value) and "web" in str(caught.value)
    assert "--image" in str(caught.value)
    assert make_plan(_scan(tmp_path), "1.2.4", app="web").app == "web"
    with pytest.raises(PlanError, match="api, web"):
        make_plan(_scan(tmp_path), "1.2.4", app="nope")


def test_unknown_stage_and_bad_version_are_input_errors(tmp_path: Path) -> None:
    repo = _scan(_example(tmp_path))
    with pytest.raises(PlanError, match="dev, pre-prod, prod"):
        make_plan(repo, "1.3.0", stages=["qa"])
    with pytest.raises(PlanError, match="not a semantic version"):
        make_plan(repo, "one.two")
    with pytest.raises(PlanError, match="auto, patch, minor, major"):
        make_plan(repo, "1.3.0", release_type="huge")


def test_release_type_override(tmp_path: Path) -> None:
    plan = make_plan(_scan(_example(tmp_path)), "1.2.4", release_type="major")
    assert plan.release_type == "major"
    assert _actions(plan)["dev"] == ("auto", "1.x", None)
    assert _actions(plan)["prod"] == ("update", "1.2.3", "1.2.4")
    assert plan.approval_required


def test_auto_stage_that_does_not_admit_waits(tmp_path: Path) -> None:
    root = _example(tmp_path)
    repo = _scan(root)
    apply_plan(repo, make_plan(repo, "1.3.0"))
    plan = make_plan(_scan(root), "1.3.1")
    assert plan.release_type == "patch"
    actions = _actions(plan)
    assert actions["dev"][0] == "auto"  # dev on 1.x follows minor releases by itself
    assert actions["pre-prod"][0] == "auto"
    # for prod, still on 1.2.3, 1.3.1 is a minor step: prod's rule for minor releases holds
    prod = next(c for c in plan.changes if c.stage == "prod")
    assert (prod.action, prod.from_range) == ("hold", "1.2.3")
    assert "minor" in prod.reason
    assert "flux-semver promote 1.3.1 --stage prod" in prod.reason


@pytest.mark.parametrize("dev_range", ["^1.2.0", ">=1.2.0"])
def test_a_hold_rule_cannot_hold_a_version_the_range_admits(tmp_path: Path, dev_range: str) -> None:
    root = _example(tmp_path)
    dev = root / "clusters" / "dev" / "imagepolicy.yaml"
    dev.write_text(dev.read_text().replace('"1.x"', f'"{dev_range}"'))
    (root / ".flux-semver.yaml").write_text(  # dev as it was before it followed minors
        "stages:\n  - name: dev\n    on: {patch: auto, minor: hold}\n  - name: pre-prod\n"
        "  - name: prod\n"
    )
    plan = make_plan(_scan(root), "1.3.0")
    assert plan.release_type == "minor"
    actions = _actions(plan)
    # Flux deploys 1.3.0 to dev at once: the plan says so instead of "hold"
    assert actions["dev"] == ("auto", dev_range, None)
    (change,) = (c for c in plan.changes if c.stage == "dev")
    assert change.reason == (
        f"{dev_range} admits 1.3.0: Flux deploys it, no Git change (dev's rule for minor "
        "releases is hold; narrow the range to hold it)"
    )
    assert actions["pre-prod"] == ("update", "1.2.x", "1.3.x")
    assert actions["prod"][0] == "hold"  # 1.2.3 does not admit 1.3.0: prod really waits


def test_an_exact_stage_pinned_to_the_version_is_unchanged(tmp_path: Path) -> None:
    root = _example(tmp_path)
    repo = _scan(root)
    apply_plan(repo, make_plan(repo, "1.3.0", stages=["pre-prod"]))
    repo = _scan(root)
    apply_plan(repo, make_plan(repo, "1.3.0", stages=["prod"]))
    plan = make_plan(_scan(root), "1.3.0")
    actions = _actions(plan)
    assert actions["prod"] == ("unchanged", "1.3.0", None)  # prod's minor rule is hold
    assert "already pins 1.3.0" in next(c for c in plan.changes if c.stage == "prod").reason
    assert actions["pre-prod"][0] == "auto"  # 1.3.x admits 1.3.0
    assert actions["dev"][0] == "auto"  # and so does 1.x


def test_explicit_stage_overrides_hold(tmp_path: Path) -> None:
    root = _example(tmp_path)
    (root / ".flux-semver.yaml").write_text(
        "stages:\n  - name: dev\n    on: {minor: hold}\n  - name: pre-prod\n  - name: prod\n"
    )
    dev = root / "clusters" / "dev" / "imagepolicy.yaml"
    dev.write_text(dev.read_text().replace('"1.x"', '"1.2.x"'))
    assert _actions(make_plan(_scan(root), "1.3.0"))["dev"][0] == "hold"
    plan = make_plan(_scan(root), "1.3.0", stages=["dev"])
    assert _actions(plan) == {"dev": ("update", "1.2.x", "1.3.x")}


def test_prerelease_holds_everywhere_by_default(tmp_path: Path) -> None:
    plan = make_plan(_scan(_example(tmp_path)), "1.3.0-rc.1")
    assert plan.release_type == "prerelease"
    assert {c.action for c in plan.changes} == {"hold"}


def test_config_rules_drive_the_actions(tmp_path: Path) -> None:
    (tmp_path / ".flux-semver.yaml").write_text(
        "stages:\n"
        "  - name: dev\n    aliases: [dev]\n    on: {patch: follow, minor: follow, major: hold}\n"
        "  - name: prod\n    aliases: [prod]\n    exact: true\n    after: dev\n"
        "    on: {patch: follow, minor: follow, major: hold}\n"
        "    approval: {minor: required}\n"
    )
    _write(tmp_path, "dev", "~1.2")
    _write(tmp_path, "prod", "v1.2.3")
    plan = make_plan(_scan(tmp_path), "1.3.0")
    assert _actions(plan) == {
        "dev": ("update", "~1.2", "~1.3"),
        "prod": ("waits", "v1.2.3", "v1.3.0"),
    }
    assert plan.approval_required  # prod's minor needs approval when it is written later


def test_invalid_range_is_held_with_a_pointer_to_check(tmp_path: Path) -> None:
    _write(tmp_path, "dev", ">=1.2.0 <<1.3.0")
    _write(tmp_path, "pre-prod", "1.2.x")
    plan = make_plan(_scan(tmp_path), "2.0.0")
    dev = plan.changes[0]
    assert dev.action == "hold"
    assert "flux-semver check" in dev.reason


def test_plan_never_downgrades_a_stage(tmp_path: Path) -> None:
    _write(tmp_path, "dev", "1.2.x")
    _write(tmp_path, "pre-prod", "1.3.x")
    _write(tmp_path, "prod", "1.3.0")
    plan = make_plan(_scan(tmp_path), "1.2.5", stages=["prod"])
    assert plan.release_type == "patch"
    assert _actions(plan)["prod"][0] == "hold"
    assert "rollback" in plan.changes[0].reason


def test_plan_json_has_the_documented_keys(tmp_path: Path) -> None:
    data = make_plan(_scan(_example(tmp_path)), "1.3.0").to_json()
    assert {"app", "version", "release_type", "changes"} <= set(data)
    for change in data["changes"]:
        assert set(change) == {"stage", "file", "line", "policy", "from", "to", "action", "reason"}
        assert change["action"] in {
            "auto",
            "update",
            "hotfix",
            "waits",
            "hold",
            "unchanged",
            "blocked",
        }
