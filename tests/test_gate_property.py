"""The gate has one definition: for random gate and stage ranges, ``check`` (FS003) accepts
exactly the ranges that ``plan``/``promote`` and ``rollback`` may write — nothing one of them
allows the other refuses (README: The gate).

Each example is a repository written to disk: pre-prod's policies (the gate) and prod's pin.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flux_semver import rules
from flux_semver.errors import PlanError
from flux_semver.model import WRITES
from flux_semver.release import gate
from flux_semver.release.plan import make_plan
from flux_semver.release.promote import apply_plan
from flux_semver.release.rollback import rollback_target
from flux_semver.repo import manifests
from flux_semver.repo.editing import set_ranges
from flux_semver.semver.ranges import Range

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {name}
  namespace: apps
spec:
  imageRepositoryRef:
    name: shop
  policy:
    semver:
      range: "{range}"
"""
GATES = [
    "1.2.x",
    "1.3.x",
    "~1.2.0",
    ">=1.2.0 <1.4.0",
    "1.2.3",
    "1.3.5",
    "1.x",
    ">=1.0.0",
    "1.2.x || 1.4.x",
    "<=1.3.5",
    "2.0.x",
    ">1.2.0 <=1.2.7",
    "^1.3.0",
]
PINS = ["1.0.0", "1.2.3", "1.3.0", "1.3.5", "2.0.0"]
VERSIONS = [
    "0.9.0",
    "1.0.0",
    "1.2.2",
    "1.2.3",
    "1.2.8",
    "1.3.0",
    "1.3.5",
    "1.3.6",
    "1.4.0",
    "1.4.2",
    "1.9.9",
    "2.0.0",
    "2.0.3",
    "2.1.0",
    "3.0.0",
]


def _repo(root: Path, gates: list[str], pin: str) -> None:
    for i, text in enumerate(gates):
        folder = root / "clusters" / ("pre-prod" if i == 0 else f"pre-prod-{i}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "shop.yaml").write_text(POLICY.format(name=f"shop-{i}", range=text))
    (root / "clusters" / "prod").mkdir(parents=True, exist_ok=True)
    (root / "clusters" / "prod" / "shop.yaml").write_text(POLICY.format(name="shop", range=pin))


def _skips(root: Path) -> bool:
    """Whether ``check`` rejects prod's range by the gate (FS003)."""
    return any(f.code == "FS003" for f in rules.check(root, selected=["FS003"]).findings)


def _write_prod(root: Path, text: str) -> None:
    repo = manifests.load(root)
    set_ranges(root, [(p, text) for p in repo.policies if p.stage == "prod"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    gates=st.lists(st.sampled_from(GATES), min_size=1, max_size=2),
    pin=st.sampled_from(PINS),
    version=st.sampled_from(VERSIONS),
)
def test_check_accepts_exactly_what_promote_may_write(
    gates: list[str], pin: str, version: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _repo(root, gates, pin)
        repo = manifests.load(root)
        plan = make_plan(repo, version, stages=["prod"], release_type="patch")
        (change,) = plan.changes
        if change.action in WRITES:
            apply_plan(repo, plan)
            assert not _skips(root), (gates, pin, version, change)
        elif change.action == "blocked":
            _write_prod(root, change.to_range or "")  # what promote refused, by hand
            assert _skips(root), (gates, pin, version, change)
        # and the one predicate says the same as both
        if change.to_range is not None:
            leads = gate.leads(Range(change.to_range), [Range(g) for g in gates])
            assert leads == (change.action == "blocked"), (gates, pin, version, change)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    gates=st.lists(st.sampled_from(GATES), min_size=1, max_size=2),
    pin=st.sampled_from(PINS),
    target=st.sampled_from(VERSIONS),
)
def test_check_accepts_exactly_what_rollback_may_write(
    gates: list[str], pin: str, target: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _repo(root, gates, pin)
        try:
            rollback = rollback_target(manifests.load(root), "shop", "prod", to=target)
        except PlanError:  # not a version prod could take at all
            return
        forward = Range(target).admits_above(Range(pin))
        assert forward == (
            rollback.refused is not None and "never goes forward" in rollback.refused
        )
        if forward:
            return  # a rollback never goes forward; that is promote's (tested above)
        _write_prod(root, target)
        assert (rollback.refused is None) == (not _skips(root)), (
            gates,
            pin,
            target,
            rollback.refused,
        )
