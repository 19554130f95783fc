"""Rules FS001-FS009 on fixture GitOps repositories (tests/data/rules/<rule>/), one per rule.

Each fixture is the clean repository with one thing broken; the expected findings are written
down here by hand: code, file, and the position of the offending text, found by searching the
fixture for it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from flux_semver import rules
from flux_semver.model import Finding
from flux_semver.repo import config, manifests
from flux_semver.rules import RULES, UnknownRuleError
from flux_semver.semver.ranges import InvalidRange, Range

DATA = Path(__file__).parent / "data" / "rules"
PROD = "clusters/prod/podinfo.yaml"
PRE_PROD = "clusters/pre-prod/podinfo.yaml"


def locate(root: Path, file: str, needle: str) -> tuple[int, int]:
    """1-based line and column where ``needle`` first stands in a fixture file."""
    for number, line in enumerate((root / file).read_text().splitlines(), start=1):
        column = line.find(needle)
        if column >= 0:
            return number, column + 1
    raise AssertionError(f"{needle!r} not in {file}")


def check(root: Path, *codes: str) -> list[Finding]:
    repo = manifests.scan(root, config.load(root))
    return list(rules.run(repo, rules.select(codes)).findings)


def positions(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return [(f.code, f.file, f.line, f.column) for f in findings]


# rule fixture -> expected (code, file, needle marking the position); needle "kind:" = the
# document's kind line, column 1, as FS004 points at the document.
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "clean": [],
    "fs001": [("FS001", PRE_PROD, '"latest"')],
    "fs002": [("FS002", PROD, '"1.3.x"')],
    "fs003": [("FS003", PROD, '"1.3.0"')],
    "fs004": [("FS004", PROD, "kind:"), ("FS004", PROD, "kind:")],
    "fs005": [("FS005", PRE_PROD, "image.toolkit.fluxcd.io/v1beta2")],  # the apiVersion value
    "fs006": [("FS006", "base/worker.yaml", '"2.x"')],
    "fs007": [("FS007", "clusters/prod/api.yaml", '"2.0.1"')],
    "fs008": [("FS008", "clusters/prod-us/podinfo.yaml", '"1.3.1"')],
    "fs009": [("FS009", PROD, "\timageRepositoryRef")],
    "fs010": [("FS010", PROD, "kind: ImagePolicy")],
    "fs011": [("FS011", PROD, "kind: ImagePolicy")],
    "fs012": [("FS012", PROD, "kind: ImagePolicy")],
    "fs013": [("FS013", PRE_PROD, '">=1.0.0"')],
    "fs014": [("FS014", "clusters/dev/podinfo.yaml", '"1.2.x"')],
    "fs015": [("FS015", PROD, '"2.0.0"')],
}
# fixture -> the fixture its change starts from: the test commits that one, puts the fixture's
# files over it, and checks with --base HEAD (FS015 judges a change, not a state)
BASES = {"fs015": "clean"}


def _checked(fixture: str, tmp_path: Path) -> tuple[Path, list[Finding]]:
    root = DATA / fixture
    base = BASES.get(fixture)
    if base is None:
        return root, check(root)
    work = tmp_path / fixture
    shutil.copytree(DATA / base, work)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["git", "add", "-A"], cwd=work, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base"],
        cwd=work,
        check=True,
    )
    shutil.copytree(root, work, dirs_exist_ok=True)
    return root, list(rules.check(work, base="HEAD").findings)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture_has_exactly_the_expected_findings(fixture: str, tmp_path: Path) -> None:
    root, found = _checked(fixture, tmp_path)
    expected = [
        (code, file, *locate(root, file, needle)) for code, file, needle in EXPECTED[fixture]
    ]
    assert positions(found) == expected


def test_every_rule_has_a_fixture() -> None:
    assert {code.lower() for code in RULES} <= set(EXPECTED)
    assert {p.name for p in DATA.iterdir()} == set(EXPECTED)


def test_registry_matches_the_design_table() -> None:
    table = {
        "FS001": ("invalid-range", "error"),
        "FS002": ("not-exact", "error"),
        "FS003": ("skips-stage", "error"),
        "FS004": ("schema", "error"),
        "FS005": ("deprecated-api", "warning"),
        "FS006": ("unmapped", "warning"),
        "FS007": ("missing-gate", "error"),
        "FS008": ("conflicting", "warning"),
        "FS009": ("yaml", "error"),
        "FS010": ("not-semver", "error"),
        "FS011": ("unknown-stage", "error"),
        "FS012": ("stage-conflict", "warning"),
        "FS013": ("open-gate", "warning"),
        "FS014": ("stage-order", "warning"),
        "FS015": ("same-change", "error"),
    }
    assert {code: (r.name, r.severity) for code, r in RULES.items()} == table
    for rule in RULES.values():
        assert "**Why.**" in rule.doc and "**Fix.**" in rule.doc, rule.code
        assert "Fails" in rule.doc and "Passes" in rule.doc, rule.code


def test_findings_carry_policy_stage_and_severity() -> None:
    [found] = check(DATA / "fs003")
    assert found.policy == "flux-system/podinfo"
    assert found.stage == "prod"
    assert found.severity == "error"
    assert found.name == "skips-stage"


# -- scenarios written into temporary repositories ------------------------------------------

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {name}
  namespace: apps
spec:
  imageRepositoryRef:
    name: {app}
  policy:
    semver:
      range: "{range}"
"""


def repo(tmp_path: Path, **stages: str | list[str]) -> Path:
    """A GitOps repository with one podinfo policy per stage (several for a list)."""
    for stage, ranges in stages.items():
        stage = stage.replace("_", "-")
        for i, text in enumerate([ranges] if isinstance(ranges, str) else ranges):
            folder = tmp_path / "clusters" / (stage if i == 0 else f"{stage}-{i}")
            folder.mkdir(parents=True, exist_ok=True)
            body = POLICY.format(name="podinfo", app="podinfo", range=text)
            (folder / "podinfo.yaml").write_text(body)
    return tmp_path


@pytest.mark.parametrize(
    ("pre_prod", "prod", "wanted"),
    [
        (
            "1.3.2",
            "1.x",
            'prod must pin one version: write "1.3.2" (the version pre-prod pins), not "1.x"',
        ),
        # 1.3.x ends below 1.4.0: the newest 1.3 release is not knowable without tags, and
        # its floor 1.3.0 would be a downgrade
        (
            "1.x",
            "1.3.x",
            "prod must pin one version: write one exact version that pre-prod "
            'admits (e.g. the tag pre-prod runs now), not "1.3.x"',
        ),
        (
            ">=1.2.0 <=1.2.5",
            "1.x",
            'write "1.2.5" (the highest version both prod and pre-prod '
            'admit; pin the one pre-prod has verified), not "1.x"',
        ),
        (
            "2.x",
            "1.x",
            "write one exact version that pre-prod admits (e.g. the tag pre-prod "
            'runs now), not "1.x"',
        ),
        (">=0.0.0", "1.x", "write one exact version that pre-prod admits"),  # never "0.0.0"
    ],
)
def test_fs002_says_what_to_write(tmp_path: Path, pre_prod: str, prod: str, wanted: str) -> None:
    [found] = check(repo(tmp_path, pre_prod=pre_prod, prod=prod), "FS002")
    assert wanted in found.message


def test_fs002_without_a_gate_policy_never_suggests_the_floor(tmp_path: Path) -> None:
    [found] = check(repo(tmp_path, prod="~2.4"), "FS002")  # 2.4.0 would be a downgrade
    assert found.message == (
        "prod must pin one version: write one exact version (e.g. the "
        'tag prod runs now), not "~2.4"'
    )
    [found] = check(repo(tmp_path, prod=">=2.4.0 <=2.4.7"), "FS002")
    assert 'write "2.4.7" (the highest version ">=2.4.0 <=2.4.7" admits;' in found.message


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_fs002_suggests_the_pin_prod_had_at_head(tmp_path: Path) -> None:
    root = repo(tmp_path, pre_prod="1.x", prod="1.2.3")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "pins")
    path = root / "clusters" / "prod" / "podinfo.yaml"
    path.write_text(path.read_text().replace('"1.2.3"', '"1.x"'))  # widened by mistake
    [found] = check(root, "FS002")
    assert found.message == (
        'prod must pin one version: write "1.2.3" (the version prod '
        'pinned at HEAD, which pre-prod admits), not "1.x"'
    )
    gate = root / "clusters" / "pre-prod" / "podinfo.yaml"
    gate.write_text(gate.read_text().replace('"1.x"', '"2.x"'))  # the old pin left the gate
    [found] = check(root, "FS002")
    assert "HEAD" not in found.message and "1.2.3" not in found.message


@pytest.mark.parametrize("prod", ["1.3.2", "=1.3.2", "v1.3.2", ">=1.3.2 <1.3.3", "1.3.2 || 1.3.2"])
def test_fs002_accepts_every_spelling_of_one_version(tmp_path: Path, prod: str) -> None:
    assert check(repo(tmp_path, pre_prod="1.3.x", prod=prod), "FS002") == []


@pytest.mark.parametrize(
    ("pre_prod", "prod", "fires"),
    [
        ("1.3.x", "1.3.9", False),  # within pre-prod
        ("1.4.x", "1.3.2", False),  # prod lags behind: a release waiting, not a skip
        ("1.2.x", "1.3.0", True),  # prod leads
        ("~1.2", "1.x", True),
        (">=1.2.0", "2.0.0", False),  # pre-prod is unbounded above
        ("1.2.3", "1.2.4", True),
        ("^1.2.0", "1.9.9", False),
        ("<1.3.0", "1.3.0", True),
    ],
)
def test_fs003_compares_ceilings(tmp_path: Path, pre_prod: str, prod: str, fires: bool) -> None:
    found = check(repo(tmp_path, pre_prod=pre_prod, prod=prod), "FS003")
    assert bool(found) == fires, found


def test_fs003_uses_the_most_permissive_of_several_gate_policies(tmp_path: Path) -> None:
    root = repo(tmp_path, pre_prod=["1.2.x", "1.3.x"], prod="1.3.1")
    assert check(root, "FS003") == []
    root = repo(tmp_path / "b", pre_prod=["1.2.x", "1.1.x"], prod="1.3.1")
    [found] = check(root, "FS003")
    assert found.file == PROD


def test_fs003_message_names_the_gate_policy(tmp_path: Path) -> None:
    [found] = check(repo(tmp_path, pre_prod="1.2.x", prod="1.3.0"), "FS003")
    line, _ = locate(tmp_path, PRE_PROD, '"1.2.x"')
    assert f"{PRE_PROD}:{line}" in found.message
    assert "pin a version pre-prod admits (the one it runs)" in found.message
    assert '"1.2.0"' not in found.message  # a floor would be a downgrade


def test_fs001_reports_fluxs_own_error(tmp_path: Path) -> None:
    [found] = check(repo(tmp_path, pre_prod="1.2.x.y", prod="1.2.0"), "FS001")
    with pytest.raises(InvalidRange) as flux:
        Range("1.2.x.y")
    assert str(flux.value) in found.message


def test_fs008_ignores_the_same_range_spelt_the_same(tmp_path: Path) -> None:
    assert check(repo(tmp_path, pre_prod="1.3.x", prod=["1.3.2", "1.3.2"]), "FS008") == []
    [found] = check(repo(tmp_path / "b", prod=["1.3.2", "1.3.1"]), "FS008")
    other = "clusters/prod-1/podinfo.yaml" if found.file == PROD else PROD
    here = (tmp_path / "b" / found.file).read_text().split("range: ")[1].strip()
    assert f"{here} here" in found.message and f"in {other}:11" in found.message


def test_a_stage_not_marked_exact_takes_ranges(tmp_path: Path) -> None:
    root = repo(tmp_path, pre_prod="1.3.x", prod="1.3.x")
    shutil.copy(DATA.parent / "rules-config-prod-ranges.yaml", root / ".flux-semver.yaml")
    assert check(root) == []


def test_fs007_and_fs003_follow_the_configured_gate(tmp_path: Path) -> None:
    root = repo(tmp_path, dev="1.4.x", prod="1.4.0")  # prod gated by pre-prod, which is absent
    assert [f.code for f in check(root)] == ["FS007"]


def test_select_accepts_codes_and_names() -> None:
    assert rules.parse_codes(["FS002,fs003", "missing-gate"]) == ("FS002", "FS003", "FS007")
    assert [r.code for r in rules.select([], ["FS005", "unmapped"])] == [
        "FS001",
        "FS002",
        "FS003",
        "FS004",
        "FS007",
        "FS008",
        "FS009",
        "FS010",
        "FS011",
        "FS012",
        "FS013",
        "FS014",
        "FS015",
    ]
    assert rules.parse_codes(["open-gate,same-change"]) == ("FS013", "FS015")
    with pytest.raises(UnknownRuleError, match='unknown rule "FS099"'):
        rules.parse_codes(["FS099"])


def test_fs002_gives_no_floor_for_an_open_range(tmp_path: Path) -> None:
    [found] = check(repo(tmp_path, prod=">=0.0.0"), "FS002")
    assert 'write one exact version (e.g. the tag prod runs now), not ">=0.0.0"' in found.message
    assert '0.0.0"' not in found.message.replace('">=0.0.0"', "")


@pytest.mark.parametrize(("a", "b"), [("v1.x.x", "1.x"), ("~1.2", "1.2.x"), ("^1.0.0", "1.x")])
def test_fs008_treats_spellings_of_one_range_as_the_same(tmp_path: Path, a: str, b: str) -> None:
    assert check(repo(tmp_path, prod=[a, b]), "FS008") == []


def test_fs004_ignores_the_status_the_controller_writes(tmp_path: Path) -> None:
    root = repo(tmp_path, pre_prod="1.3.x", prod="1.3.2")
    path = root / PROD
    path.write_text(path.read_text() + "status:\n  latestImage: ghcr.io/podinfo:1.3.2\n")
    assert check(root, "FS004") == []
    path.write_text(path.read_text().replace("status:", "statuz:"))
    [found] = check(root, "FS004")
    assert 'unknown field "statuz": remove it or fix its spelling' in found.message


def test_fs004_quotes_a_number_as_it_is_written(tmp_path: Path) -> None:
    root = repo(tmp_path, pre_prod="1.x", prod="1.3.2")
    path = root / PROD
    path.write_text(path.read_text().replace('"1.3.2"', "1.20"))  # YAML reads the number 1.2
    [found] = check(root, "FS004")
    assert found.message == (
        'spec.policy.semver.range: 1.20 is a number, not text: quote it, range: "1.20"'
    )


@pytest.mark.parametrize("value", ["1.2", "[1.3.2]", "{min: 1.3.0}", ""])
def test_fs008_leaves_a_range_that_is_not_text_to_fs004(tmp_path: Path, value: str) -> None:
    root = repo(tmp_path, pre_prod="1.x", prod=["1.3.2", "1.3.2"])
    second = root / "clusters" / "prod-1" / "podinfo.yaml"
    second.write_text(second.read_text().replace('"1.3.2"', value))
    assert check(root, "FS008") == []  # was: "None" here, "1.3.2" in ...
    assert [f.file for f in check(root, "FS004")] == ["clusters/prod-1/podinfo.yaml"]


def test_fs004_and_fs005_point_at_the_api_version_value(tmp_path: Path) -> None:
    root = repo(tmp_path, pre_prod="1.x", prod="1.3.2")
    path = root / PROD
    body = path.read_text().replace("apiVersion: image.toolkit.fluxcd.io/v1\n", "")
    path.write_text(
        "---\n# moved\n"
        + body.replace(
            "  namespace: apps\n", "  namespace: apps\napiVersion: 'image.toolkit.fluxcd.io/v2'\n"
        )
    )
    [found] = check(root, "FS004")
    assert (found.line, found.column) == locate(root, PROD, "'image.toolkit.fluxcd.io/v2'")
    assert found.message.endswith('write "apiVersion: image.toolkit.fluxcd.io/v1"')
    path.write_text(path.read_text().replace("/v2'", "/v1beta1'"))
    [found] = check(root, "FS005")
    assert (found.line, found.column) == locate(root, PROD, "'image.toolkit.fluxcd.io/v1beta1'")
    assert check(root, "FS004") == []
