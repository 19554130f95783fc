"""``flux-semver policies``: the table, the JSON, the filters and the error lines."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flux_semver.cli import main

DATA = Path(__file__).parent / "data"
LOSSLESS = DATA / "repos" / "lossless"
CORPUS = DATA / "corpus"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(LOSSLESS, tmp_path / "repo")
    return tmp_path / "repo"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_every_policy_aligned(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "-C", str(repo), "policies")
    assert (code, err) == (0, "")
    header, *rows, summary = out.splitlines()
    assert header.split() == [
        "FILE:LINE",
        "POLICY",
        "API",
        "STAGE",
        "APP",
        "KIND",
        "RANGE",
        "WINDOW",
        "STAGE",
        "FROM",
    ]
    assert len(rows) == 11
    assert summary == "11 policies in 10 files; 10 YAML files scanned, 0 could not be read"
    columns = [header.index(word) for word in ("POLICY", "API", "STAGE", "APP", "KIND")]
    for row in rows:
        assert all(row[c - 2 : c] == "  " and row[c] != " " for c in columns), row
    crlf = next(r for r in rows if r.startswith("crlf.yaml:3 "))
    assert crlf.split()[1:9] == [
        "apps/shop-prod",
        "v1",
        "prod",
        "shop",
        "semver",
        "1.2.3",
        "exact",
        "alias",
    ]
    assert crlf.endswith('alias "prod" in name "shop-prod"')
    union = next(r for r in rows if r.startswith("union.yaml"))
    assert "1.2.x || 1.3.x  unclear" in union
    flow = next(r for r in rows if r.startswith("flow.yaml"))
    assert flow.endswith("label flux-semver/stage")


def test_json_filters_by_app_in_stage_order(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "-C", str(repo), "policies", "--image", "search", "--format", "json"
    )
    assert code == 0
    listed = json.loads(out)
    assert [(p["stage"], p["file"], p["range"], p["window"]) for p in listed] == [
        ("dev", "no-final-newline.yaml", ">=1.0.0 <2.0.0", "minor"),
        ("pre-prod", "no-final-newline-plain.yaml", "1.0.x", "patch"),
        ("pre-prod", "two-policies.yaml", "1.4.x", "patch"),
        ("prod", "two-policies.yaml", "1.3.2", "exact"),
    ]
    prod = listed[-1]
    assert (prod["policy"], prod["line"], prod["range_line"], prod["range_column"]) == (
        "apps/search-prod",
        14,
        23,
        14,
    )
    assert prod["stage_source"] == 'alias "prod" in name "search-prod"'


def test_stage_filter(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "-C", str(repo), "policies", "--stage", "prod", "--format", "json")
    assert code == 0
    assert sorted(p["policy"] for p in json.loads(out)) == [
        "apps/cart-prod",
        "apps/search-prod",
        "apps/shop-prod",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["policies", "--stage", "canary"],
            "flux-semver: error: --stage canary: no such stage — use one of: dev, pre-prod, prod\n",
        ),
        (
            ["policies", "--image", "nope"],
            "flux-semver: error: --image nope: no ImagePolicy belongs to that app — known apps: "
            "billing, cart, search, shop\n",
        ),
    ],
)
def test_unknown_filters_are_input_errors(
    repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _run(capsys, "-C", str(repo), *argv)
    assert (code, out, err) == (2, "", message)


def test_config_paths_show_where_the_stage_came_from(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = repo.parent / "stages.yaml"
    config.write_text(
        "stages:\n  - name: test\n    paths: ['t*.yaml']\n"
        "  - name: live\n    paths: ['**/flow*.yaml']\n    after: test\n"
    )
    code, out, _ = _run(
        capsys, "-C", str(repo), "--config", str(config), "policies", "--format", "json"
    )
    assert code == 0
    stages = {p["file"]: (p["stage"], p["stage_source"]) for p in json.loads(out)}
    assert stages["tilde.yaml"] == ("test", 'config path "t*.yaml"')
    assert stages["flow-json.yaml"] == ("live", 'config path "**/flow*.yaml"')
    # its label says `dev`, which this config does not have: no stage, and the reason why
    assert stages["flow.yaml"] == (
        None,
        "label flux-semver/stage 'dev' names no stage (stages: test, live)",
    )
    assert stages["bom.yaml"][0] is None


def test_invalid_config_is_one_line_and_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".flux-semver.yaml").write_text("stages:\n  - name: dev\n    exact: maybe\n")
    code, out, err = _run(capsys, "-C", str(repo), "policies")
    assert (code, out) == (2, "")
    assert err.startswith("flux-semver: error: .flux-semver.yaml:3: stages[0].exact must be ")
    assert err.count("\n") == 1


def test_corpus_as_a_real_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(CORPUS), "policies", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0
    assert len(json.loads(done.stdout)) == 74
    errors = done.stderr.splitlines()
    assert len(errors) == 3
    assert all(": error: not valid YAML: " in line for line in errors)
    assert any(
        line.startswith(
            "fluxcd__flux2__cmd__flux__testdata__export__image-policy.yaml:6:15: error: "
        )
        for line in errors
    )


def test_text_lists_file_errors_after_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "-C", str(CORPUS), "policies")
    assert code == 0
    lines = out.splitlines()
    error_lines = [i for i, line in enumerate(lines) if ": error: " in line]
    assert len(error_lines) == 3
    assert error_lines == [len(lines) - 4, len(lines) - 3, len(lines) - 2]
    window = {line.split()[0]: line.split()[7] for line in lines[1 : error_lines[0]]}
    assert (
        window["KapilYadava__flux-image-updates__clusters__my-cluster__podinfo-policy.yaml:3"]
        == "exact"
    )
    assert window["amadouth6__fluxcd__clusters__my-cluster__podinfo-policy.yaml:3"] == "patch"


def test_a_range_flux_would_not_parse_shows_as_invalid(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tilde = repo / "tilde.yaml"
    tilde.write_text(tilde.read_text().replace("range: ~1.2", "range: 1.2.3.4"))
    code, out, _ = _run(capsys, "-C", str(repo), "policies", "--format", "json")
    assert code == 0
    shown = next(p for p in json.loads(out) if p["file"] == "tilde.yaml")
    assert (shown["range"], shown["window"]) == ("1.2.3.4", "invalid")
