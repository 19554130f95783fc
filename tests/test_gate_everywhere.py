"""Prod safety that ordinary mistakes cannot switch off: each case a new user met on a real-looking
repository, run through the command line on a repository on disk (README: The gate).

Every case checks the exact finding or plan line, the exit code, and that files stay byte for
byte the same where nothing may be written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.gitops import Repo
from tests.support.snapshot import snapshot

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {name}
  namespace: apps
{labels}spec:
  imageRepositoryRef:
    name: shop
  policy:
{policy}
"""
SEMVER = '    semver:\n      range: "{range}"'
ALPHABETICAL = "    alphabetical:\n      order: asc"
DEV, PRE, PROD = (
    "clusters/dev/shop.yaml",
    "clusters/pre-prod/shop.yaml",
    "clusters/prod/shop.yaml",
)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "NO_COLOR", "GITHUB_WORKSPACE", "PRE_COMMIT_FROM_REF"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """git's home, outside every repository the tests commit to."""
    return tmp_path_factory.mktemp("home")


def write(
    root: Path,
    file: str,
    rng: str | None = None,
    *,
    name: str = "shop",
    labels: dict[str, str] | None = None,
    policy: str | None = None,
) -> None:
    path = root / file
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = "".join(f"    {k}: {v}\n" for k, v in (labels or {}).items())
    path.write_text(
        POLICY.format(
            name=name,
            labels=f"  labels:\n{shown}" if shown else "",
            policy=policy or SEMVER.format(range=rng),
        )
    )


def repo(root: Path, dev: str = "1.x", pre: str = "1.2.x", prod: str = "1.2.3") -> Path:
    write(root, DEV, dev)
    write(root, PRE, pre)
    write(root, PROD, prod)
    return root


def fs(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["-C", str(root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def git_repo(root: Path, home: Path) -> Repo:
    """``root`` made a git repository, nothing committed yet."""
    made = Repo(root, home)
    made.git("init", "-q")
    return made


def row(out: str, stage: str) -> tuple[str, str]:
    """The plan's row for ``stage`` (collapsed spaces) and the reason under it."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{stage} "):
            return " ".join(line.split()), lines[i + 1].strip()
    raise AssertionError(f"no {stage} row in:\n{out}")


# -- 1. a prod that is not semver ------------------------------------------------------------


def test_1_alphabetical_prod_is_an_error_and_blocks_every_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    write(root, PROD, policy=ALPHABETICAL)
    before = snapshot(root)
    code, out, _ = fs(capsys, root, "check")
    assert code == 1
    assert out.splitlines()[0] == (
        f"{PROD}:2:1: FS010 not-semver prod pins one version, but this policy uses "
        "alphabetical ordering: it follows whichever tag sorts last and no release reaches "
        'it; write a semver range instead (policy: {semver: {range: "1.2.3"}})'
    )
    code, out, _ = fs(capsys, root, "plan", "1.2.4")
    assert code == 1
    assert row(out, "prod") == (
        f"prod blocked apps/shop {PROD}:2",
        "prod pins one version, but apps/shop uses alphabetical ordering, not semver (FS010): "
        "give it a semver range so flux-semver can pin the release there",
    )
    code, out, _ = fs(capsys, root, "plan", "1.3.0", "--stage", "prod")
    assert code == 1 and "no policy of this app" not in out
    assert row(out, "prod")[0] == f"prod blocked apps/shop {PROD}:2"
    assert fs(capsys, root, "promote", "1.2.4")[0] == 1
    assert snapshot(root) == before


# -- 2. a partial config keeps the defaults' holds and approvals -----------------------------

RENAMING = """\
stages:
  - name: dev
    aliases: [development, sandbox]
  - name: pre-prod
    aliases: [staging]
  - name: prod
    aliases: [production]
    exact: true
    after: pre-prod
"""


def test_2_a_config_that_renames_aliases_keeps_holds_and_approvals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path
    (root / ".flux-semver.yaml").write_text(RENAMING)
    for stage, rng in (("sandbox", "1.x"), ("staging", "1.2.x"), ("production", "1.2.3")):
        write(root, f"clusters/{stage}/shop.yaml", rng)
    code, out, _ = fs(capsys, root, "plan", "1.3.0")
    assert code == 0
    assert row(out, "prod")[0] == "prod hold 1.2.3 apps/shop clusters/production/shop.yaml:11"
    code, out, _ = fs(capsys, root, "plan", "2.0.0")
    assert out.splitlines()[0] == "shop 2.0.0: major release (approval required)"
    code, out, _ = fs(capsys, root, "config")
    assert code == 0
    assert (
        "    on: {patch: follow, minor: hold, major: follow, prerelease: hold}\n"
        "    approval: {major: required, hotfix: required}\n" in out
    )
    # a stage of its own holds what it leaves out: never follow
    (root / ".flux-semver.yaml").write_text(RENAMING + "  - name: canary\n    after: prod\n")
    out = fs(capsys, root, "config")[1]
    assert (
        "  - name: canary\n    aliases: [canary]\n    exact: false\n    after: prod\n"
        "    on: {patch: hold, minor: hold, major: hold, prerelease: hold}\n"
    ) in out


# -- 3. a typo never turns prod into "unmapped" ----------------------------------------------


def test_3_a_misspelt_stage_name_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    (root / ".flux-semver.yaml").write_text(
        "stages:\n  - name: dev\n  - name: pre-prod\n  - name: prodution\n    exact: true\n"
    )
    for command in (["check"], ["plan", "1.2.4"]):
        code, out, err = fs(capsys, root, *command)
        assert (code, out) == (2, "")
        assert err == (
            "flux-semver: error: .flux-semver.yaml:4: stage 'prodution' looks like a "
            "misspelling of the default stage 'prod' — write name: prod (it keeps the "
            "default's rules: exact: true, after: pre-prod), or give your own stage a name "
            "further from it\n"
        )


def test_3_a_misspelt_stage_label_is_fs011_and_plans_count_what_they_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    write(root, PROD, "1.2.3", labels={"flux-semver/stage": "prodution"})
    code, out, _ = fs(capsys, root, "check")
    assert code == 1
    assert out.splitlines()[0] == (
        f'{PROD}:2:1: FS011 unknown-stage label flux-semver/stage: "prodution" names no stage, '
        'so this policy is in no plan and no gate protects it; did you mean "prod"? use one '
        "of dev, pre-prod, prod or one of their aliases (flux-semver config lists them)"
    )
    assert "FS006" not in out
    code, out, _ = fs(capsys, root, "plan", "1.2.4")
    assert out.splitlines()[-1] == (
        "1 policy of shop belongs to no stage and was left out (see flux-semver policies)"
    )


# -- 4. rollback hazards -------------------------------------------------------------------


def _prod_history(root: Path, home: Path, *pins: str) -> Repo:
    repo(root, pre="1.2.x", prod=pins[0])
    history = git_repo(root, home)
    history.commit(f"prod {pins[0]}")
    for pin in pins[1:]:
        write(root, PROD, pin)
        history.commit(f"prod {pin}")
    return history


def test_4_a_second_rollback_steps_further_back(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = _prod_history(tmp_path, home, "1.2.3", "1.2.4", "1.2.5")
    code, out, _ = fs(capsys, tmp_path, "rollback", "--stage", "prod")
    assert code == 0 and out.splitlines()[0].startswith("prod: apps/shop 1.2.5 -> 1.2.4  (")
    history.commit("roll back prod")
    code, out, _ = fs(capsys, tmp_path, "rollback", "--stage", "prod")
    assert code == 0, out  # not back to the broken 1.2.5
    assert out.splitlines()[0].startswith("prod: apps/shop 1.2.4 -> 1.2.3  (")
    assert '"1.2.3"' in (tmp_path / PROD).read_text()
    history.commit("roll back prod again")
    before = snapshot(tmp_path)
    code, out, err = fs(capsys, tmp_path, "rollback", "--stage", "prod")
    assert (code, out) == (2, "")
    assert err == (
        f"flux-semver: error: {PROD}: apps/shop is already rolled back: git history "
        "holds no range below 1.2.3 to go back to; pass one with --to RANGE\n"
    )
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("to", [">=1.0.0 <2.0.0", "1.2"])
def test_4_a_range_never_goes_into_exact_prod(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], to: str
) -> None:
    _prod_history(tmp_path, home, "1.2.3", "1.2.4")
    before = snapshot(tmp_path)
    code, out, err = fs(capsys, tmp_path, "rollback", "--stage", "prod", "--to", to)
    assert (code, out) == (2, "")
    assert err == (
        f"flux-semver: error: --to {to!r}: prod pins one version, so a rollback "
        "restores one; give the exact version to go back to, e.g. --to 1.2.3\n"
    )
    assert snapshot(tmp_path) == before


def test_4_an_old_range_in_history_never_rolls_prod_forward(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # prod once had the range 1.2.x: restoring it would let Flux pick the newest 1.2 tag
    history = _prod_history(tmp_path, home, "1.2.x", "1.3.0")
    write(tmp_path, PRE, "1.3.x")
    history.commit("pre-prod 1.3.x")
    before = snapshot(tmp_path)
    code, out, err = fs(capsys, tmp_path, "rollback", "--stage", "prod")
    assert (code, out) == (2, "")
    assert err == (
        f"flux-semver: error: {PROD}: prod pins one version, and git history holds "
        "only ranges below 1.3.0 (1.2.x) for apps/shop; pass the version to restore "
        "with --to VERSION\n"
    )
    code, out, _ = fs(capsys, tmp_path, "rollback", "--stage", "prod", "--to", "1.4.0")
    assert code == 1
    assert out.splitlines()[-1] == (
        "refused: --to 1.4.0 would admit versions above 1.3.0: a rollback never goes forward "
        "(apps/shop has 1.3.0); to move forward, run flux-semver promote VERSION --stage prod"
    )
    assert snapshot(tmp_path) == before


# -- 5. the hotfix path ------------------------------------------------------------------------


def test_5_a_hotfix_of_the_older_line_reaches_prod_by_one_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, dev="1.x", pre="1.3.x", prod="1.2.3")
    code, out, _ = fs(capsys, root, "plan", "1.2.4")
    assert code == 0
    assert out.splitlines()[0] == "shop 1.2.4: hotfix (approval required)"
    assert row(out, "prod") == (
        f"prod hotfix 1.2.3 -> 1.2.4 apps/shop {PROD}:11",
        "pins 1.2.4: prod runs one exact version; a hotfix: pre-prod does not run 1.2.4, it "
        "already runs a newer line",
    )
    assert row(out, "pre-prod") == (
        f"pre-prod hold 1.3.x apps/shop {PRE}:11",
        "pre-prod already runs a newer line (1.3.x); 1.2.4 is for the stages still behind it",
    )
    before = snapshot(root)
    code, out, _ = fs(capsys, root, "promote", "1.2.4", "--stage", "prod")
    assert code == 0 and out.splitlines()[-1] == f"changed: {PROD}"
    after = snapshot(root)
    assert after[PROD] == before[PROD].replace(b'"1.2.3"', b'"1.2.4"')
    assert {f: b for f, b in after.items() if f != PROD} == {
        f: b for f, b in before.items() if f != PROD
    }
    assert fs(capsys, root, "check")[:2] == (0, "no problems in 3 files (3 policies)\n")


# -- 6. the stage comes from the right source ------------------------------------------------


def test_6_the_directory_decides_and_a_disagreeing_name_is_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path
    write(root, "clusters/production/dev-portal.yaml", "1.2.3", name="dev-portal")
    write(root, "clusters/staging/live-chat.yaml", "1.2.x", name="live-chat")
    code, out, _ = fs(capsys, root, "policies", "--format", "json")
    stages = {p["file"]: p["stage"] for p in json.loads(out)}
    assert stages == {
        "clusters/production/dev-portal.yaml": "prod",
        "clusters/staging/live-chat.yaml": "pre-prod",
    }
    code, out, _ = fs(capsys, root, "check")
    assert code == 0  # warnings only
    assert out.splitlines()[:2] == [
        "clusters/production/dev-portal.yaml:2:1: FS012 stage-conflict stage prod from alias "
        '"production" in directory "clusters/production", but alias "dev" in file name '
        '"dev-portal.yaml" says dev; the first source wins: add the label flux-semver/stage: '
        "prod to confirm it, or move the file to the directory of its stage",
        "clusters/staging/live-chat.yaml:2:1: FS012 stage-conflict stage pre-prod from alias "
        '"staging" in directory "clusters/staging", but alias "live" in file name '
        '"live-chat.yaml" says prod; the first source wins: add the label flux-semver/stage: '
        "pre-prod to confirm it, or move the file to the directory of its stage",
    ]


def test_6_renamed_pre_prod_aliases_never_make_pre_prod_prod(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    (root / ".flux-semver.yaml").write_text(
        "stages:\n  - name: dev\n  - name: staging\n  - name: prod\n    after: staging\n"
    )
    code, out, _ = fs(capsys, root, "policies", "--format", "json")
    assert code == 0
    stages = {p["file"]: (p["stage"], p["stage_source"]) for p in json.loads(out)}
    assert stages[PROD][0] == "prod"
    assert stages[PRE] == (None, "no stage matched")  # unmapped, never prod


# -- 7. open gates ----------------------------------------------------------------------------


def test_7_an_open_gate_is_reported_and_does_not_make_every_release_major(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, dev=">=0.0.0", pre=">=0.0.0", prod="1.2.3")
    code, out, _ = fs(capsys, root, "plan", "1.3.0")
    assert out.splitlines()[0] == "shop 1.3.0: minor release"
    code, out, _ = fs(capsys, root, "check")
    assert code == 0
    assert out.splitlines()[0] == (
        f'{PRE}:11:14: FS013 open-gate pre-prod admits every future version (">=0.0.0"), so '
        "prod may take any release that pre-prod never ran; bound the range to the line "
        'pre-prod tests, such as "1.3.x"'
    )
    code, out, _ = fs(capsys, root, "plan", "99.0.0", "--stage", "prod")
    assert row(out, "prod")[1] == (
        "pins 99.0.0: prod runs one exact version; pre-prod's range >=0.0.0 admits every "
        "version, so its gate protects nothing (FS013): bound pre-prod's range"
    )


# -- 8. dev is never left behind -------------------------------------------------------------


def test_8_dev_follows_minors_and_a_dev_behind_prod_is_fs014(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, dev="1.2.x", pre="1.3.x", prod="1.3.0")
    code, out, _ = fs(capsys, root, "check")
    assert code == 0
    assert out.splitlines()[0] == (
        f'{DEV}:11:14: FS014 stage-order dev runs older releases than pre-prod: "1.2.x" here, '
        f'"1.3.x" in pre-prod ({PRE}:11); move dev forward (flux-semver promote 1.3.0 --stage '
        "dev) or give it a wider window"
    )
    code, out, _ = fs(capsys, root, "plan", "1.3.1")
    assert row(out, "dev") == (
        f"dev update 1.2.x -> 1.3.x apps/shop {DEV}:11",
        "follows the minor release to 1.3.x",
    )


# -- 9. one change never moves a stage and its gate together ---------------------------------


def test_9_promote_writes_the_gate_and_the_gated_stage_waits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    before = snapshot(root)
    code, out, _ = fs(capsys, root, "promote", "2.0.0")
    assert code == 0
    assert row(out, "prod") == (
        f"prod waits 1.2.3 -> 2.0.0 apps/shop {PROD}:11",
        "waits for pre-prod to take 2.0.0 first (this plan changes pre-prod); once that change "
        "is merged, run: flux-semver promote 2.0.0 --stage prod",
    )
    assert snapshot(root)[PROD] == before[PROD]
    code, out, _ = fs(capsys, root, "promote", "2.0.0", "--stage", "prod")
    assert code == 0 and out.splitlines()[-1] == f"changed: {PROD}"


def test_9_a_commit_that_moves_both_is_fs015_in_check_and_in_the_hook(
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = repo(tmp_path, dev="1.x", pre="1.3.x", prod="1.3.2")
    history = git_repo(root, home)
    history.commit("1.3")
    write(root, DEV, "2.x")
    write(root, PRE, "2.0.x")
    write(root, PROD, "2.0.0")  # by hand, in the same change as pre-prod
    history.git("add", "-A")
    wanted = (
        f"{PROD}:11:14: FS015 same-change prod takes 2.0.0 in the same change in which pre-prod "
        f'first admits it (pre-prod had "1.3.x" at HEAD, now "2.0.x" in {PRE}:11): merge '
        "pre-prod's change first, then run flux-semver promote 2.0.0 --stage prod in a later "
        "change"
    )
    assert fs(capsys, root, "check")[0] == 0  # the ranges agree: only time tells
    code, out, _ = fs(capsys, root, "check", "--base", "HEAD")
    assert code == 1 and out.splitlines()[0] == wanted
    from flux_semver.hooks import check as hook  # type: ignore[import-not-found]

    monkeypatch.chdir(root)
    assert hook.main([PROD]) == 1  # the staged change, as pre-commit runs the hook
    assert capsys.readouterr().out.splitlines()[0] == wanted
    # split into two commits, it passes
    history.git("reset", "-q")
    write(root, PROD, "1.3.2")
    history.commit("pre-prod 2.0")
    write(root, PROD, "2.0.0")
    assert hook.main([PROD]) == 0


def test_9_a_base_that_names_no_commit_is_one_line_and_exit_2(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    git_repo(root, home).commit("policies")
    code, out, err = fs(capsys, root, "check", "--base", "no-such-branch")
    assert code == 2 and out == ""
    assert err.strip().endswith(
        "--base no-such-branch: no such commit in "
        f"{root} — name a branch, tag or commit (e.g. origin/main, HEAD~1)"
    )
    assert len(err.strip().splitlines()) == 1


def test_9_the_base_is_read_below_the_git_top_level_too(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the GitOps repository may be a directory of a larger git repository: paths at the base
    # are relative to it, as everywhere
    outer = tmp_path / "outer"
    root = repo(outer / "gitops", dev="1.x", pre="1.3.x", prod="1.3.2")
    git_repo(outer, home).commit("1.3")
    write(root, DEV, "2.x")
    write(root, PRE, "2.0.x")
    write(root, PROD, "2.0.0")
    code, out, _ = fs(capsys, root, "check", "--base", "HEAD")
    assert code == 1 and "FS015 same-change prod takes 2.0.0" in out.splitlines()[0]
    assert 'pre-prod had "1.3.x" at HEAD' in out.splitlines()[0]


# -- 10. smaller lies --------------------------------------------------------------------------


def test_10_a_prerelease_plan_suggests_no_command_that_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    code, out, _ = fs(capsys, root, "plan", "1.3.0-rc.1")
    assert code == 0
    assert row(out, "prod")[1] == (
        "prod pins one release version; a prerelease such as 1.3.0-rc.1 does not go there"
    )
    assert "--stage prod" not in out


def test_10_fs002_and_fs003_on_one_line_never_disagree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, pre="1.2.x", prod="1.x")
    code, out, _ = fs(capsys, root, "check")
    assert code == 1
    fs002, fs003 = (line for line in out.splitlines() if f"{PROD}:11:14:" in line)
    assert fs002.endswith(
        'write one exact version that pre-prod admits (e.g. the tag pre-prod runs now), not "1.x"'
    )
    assert fs003.endswith(
        "promote pre-prod first, or pin a version pre-prod admits (the one it runs)"
    )
    assert '"1.2.0"' not in out  # no downgrade to the gate's floor


def test_10_a_two_part_version_is_not_a_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    code, out, err = fs(capsys, root, "plan", "1.3")
    assert (code, out) == (2, "")
    assert err == (
        "flux-semver: error: '1.3' is not a version Flux reads: a tag needs all three "
        "numbers (Flux never reads a two-part tag as a version); write 1.3.0\n"
    )


# -- 11. one outer error edge ------------------------------------------------------------------

CRASHING_HOOK = """\
import sys
from flux_semver import rules
def broken(*args, **kwargs):
    raise RuntimeError("boom")
rules.run = broken  # a bug inside the library, as a real one would surface
from flux_semver.hooks import check
sys.exit(check.main(sys.argv[1:]))
"""


def test_11_a_bug_in_a_hook_is_exit_3_and_one_line(tmp_path: Path) -> None:
    root = repo(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_HOOK, PROD],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr == (
        "flux-semver: unexpected error: RuntimeError: boom (a bug in "
        "flux-semver: please report it with the command you ran)\n"
    )
