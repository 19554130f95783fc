"""promote writes exactly the plan's updates, all or nothing, and never breaks a check."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flux_semver import rules
from flux_semver.errors import PlanError
from flux_semver.release.plan import make_plan
from flux_semver.release.promote import apply_plan
from flux_semver.repo import config, manifests
from flux_semver.repo.manifests import Repository

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "gitops-repo"

POLICY = """\
# {stage}: kept as written
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: myapp-{stage}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: myapp
  policy:
    semver:
      range: {range}  # the comment stays
"""


def _scan(root: Path) -> Repository:
    return manifests.scan(root, config.load(root))


def _errors(root: Path) -> list[str]:
    result = rules.run(_scan(root))
    return [f"{f.code} {f.file}: {f.message}" for f in result.findings if f.severity == "error"]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_only_the_range_value_changes(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    before = _files(root)
    repo = _scan(root)
    changed = apply_plan(repo, make_plan(repo, "1.3.0"))
    assert changed == ["clusters/pre-prod/imagepolicy.yaml"]
    after = _files(root)
    assert set(after) == set(before)
    for name in before:
        if name == changed[0]:
            expected = before[name].replace(b'range: "1.2.x"', b'range: "1.3.x"')
            assert after[name] == expected
        else:
            assert after[name] == before[name]


def test_blocked_plan_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    before = _files(root)
    repo = _scan(root)
    plan = make_plan(repo, "1.3.0", stages=["pre-prod", "prod"], release_type="minor")
    assert not plan.blocked  # sanity: this one may go through
    blocked = make_plan(repo, "1.3.0", stages=["dev", "prod"])
    assert blocked.blocked
    with pytest.raises(PlanError, match="nothing was written"):
        apply_plan(repo, blocked)
    assert _files(root) == before


def test_stale_plan_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    repo = _scan(root)
    plan = make_plan(repo, "1.2.4")
    prod = root / "clusters" / "prod" / "imagepolicy.yaml"
    prod.write_bytes(prod.read_bytes().replace(b'"1.2.3"', b'"1.2.2"'))
    with pytest.raises(PlanError, match="plan again"):
        apply_plan(_scan(root), plan)
    assert b'"1.2.2"' in prod.read_bytes()


def test_the_release_story_keeps_the_repository_clean(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    assert _errors(root) == []
    for version, stages in [
        ("1.2.4", None),
        ("1.3.0", None),
        ("1.3.0", ["prod"]),
        ("1.3.1", None),
        ("2.0.0", None),
        ("2.0.1", None),
        ("2.1.0", ["pre-prod", "prod"]),  # prod waits for pre-prod's change
        ("2.1.0", ["prod"]),
    ]:
        repo = _scan(root)
        plan = make_plan(repo, version, stages=stages)
        assert not plan.blocked, plan
        apply_plan(repo, plan)
        assert _errors(root) == [], (version, stages)
    ranges = {p.stage: p.range_text for p in _scan(root).policies}
    assert ranges == {"dev": "2.x", "pre-prod": "2.1.x", "prod": "2.1.0"}


# Must-show 5, as a property: from any repository the checker accepts, whatever promote
# writes is accepted too.
RANGES = {
    "dev": ["1.2.x", "~1.2", "1.x", ">=1.2.0 <1.3.0", '"1.2.x || 1.3.x"', "^1.2.0", "1.2.3"],
    "pre-prod": ["1.2.x", "1.3.x", "~1.2.0", '">=1.2.0 <1.3.0"', "v1.2.x", "1.2.3", "2.0.x"],
    "prod": ["1.2.3", "v1.2.3", "=1.2.3", "1.2.0", "1.3.0", "2.0.0"],
}
VERSIONS = [
    "1.2.4",
    "1.2.9",
    "1.3.0",
    "1.3.2",
    "1.4.0",
    "2.0.0",
    "2.0.1",
    "2.1.0",
    "3.0.0",
    "1.3.0-rc.1",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dev=st.sampled_from(RANGES["dev"]),
    pre=st.sampled_from(RANGES["pre-prod"]),
    prod=st.sampled_from(RANGES["prod"]),
    version=st.sampled_from(VERSIONS),
    stages=st.sampled_from([None, ["prod"], ["pre-prod"], ["dev"], ["pre-prod", "prod"]]),
    release_type=st.sampled_from([None, "patch", "minor", "major"]),
)
def test_promote_never_produces_a_finding(
    dev: str,
    pre: str,
    prod: str,
    version: str,
    stages: list[str] | None,
    release_type: str | None,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for stage, rng in (("dev", dev), ("pre-prod", pre), ("prod", prod)):
            folder = root / "clusters" / stage
            folder.mkdir(parents=True)
            (folder / "imagepolicy.yaml").write_text(POLICY.format(stage=stage, range=rng))
        if _errors(root):
            return  # only repositories the checker accepts are promised to stay clean
        repo = _scan(root)
        try:
            plan = make_plan(repo, version, stages=stages, release_type=release_type)
        except PlanError:
            return  # older than everything deployed: a rollback, not a release
        if plan.blocked:
            return
        apply_plan(repo, plan)
        assert _errors(root) == [], plan
