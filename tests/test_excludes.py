"""Excludes and suppressions on a real repository: chart sources excluded by the config or
the command line, ``# flux-semver: ignore`` comments counted in the summary, and a broken
file that stops only the releases it could affect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flux_semver.cli import main
from tests.support.gitops import Repo, gitops_repo

PROD = "clusters/prod/podinfo.yaml"
CHART = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {{ .Release.Name }}
spec:
  policy:
    semver:
      range: {{ .Values.range | quote }}
"""
CONFIG = """\
stages:
  - name: dev
  - name: pre-prod
  - name: prod
    exact: true
    after: pre-prod
exclude: ["charts/**"]
"""


def run(capsys: pytest.CaptureFixture[str], repo: Repo, *argv: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def test_chart_sources_are_excluded_by_the_config_or_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path, {"charts/podinfo/templates/imagepolicy.yaml": CHART})
    code, out, _ = run(capsys, repo, "check")
    assert code == 1 and "charts/podinfo/templates/imagepolicy.yaml:4:10: FS009 yaml" in out
    code, out, _ = run(capsys, repo, "--exclude", "charts/**", "check")
    assert (code, out) == (0, "no problems in 4 files (3 policies)\n")
    repo.commit("exclude the chart", {".flux-semver.yaml": CONFIG})
    code, out, _ = run(capsys, repo, "check")
    assert (code, out) == (0, "no problems in 5 files (3 policies)\n")  # the config is YAML too
    code, out, _ = run(capsys, repo, "policies")
    assert "charts/" not in out


def test_the_config_command_shows_the_command_lines_excludes_after_the_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path)
    repo.commit("exclude the chart", {".flux-semver.yaml": CONFIG})
    code, out, _ = run(capsys, repo, "--exclude", "vendor/**", "config")
    assert code == 0
    assert 'exclude: ["charts/**", "vendor/**"]' in out.splitlines()


def test_an_inline_comment_suppresses_a_finding_and_the_summary_counts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path)
    prod = repo.root / PROD
    text = prod.read_text()
    prod.write_text(text.replace('range: "1.3.2"', 'range: "1.3.x"'))
    code, out, _ = run(capsys, repo, "check")
    assert code == 1 and f"{PROD}:12:14: FS002 not-exact" in out
    prod.write_text(
        text.replace(
            'range: "1.3.2"',
            'range: "1.3.x"  # flux-semver: ignore FS002 -- prod follows patches until the freeze',
        )
    )
    code, out, _ = run(capsys, repo, "check")
    assert (code, out) == (0, "no problems in 4 files (3 policies), 1 suppressed\n")
    code, out, _ = run(capsys, repo, "check", "--format", "json")
    assert json.loads(out)["summary"] == {
        "files": 4,
        "policies": 3,
        "errors": 0,
        "warnings": 0,
        "suppressed": 1,
    }
    # another rule's code on the line silences nothing
    prod.write_text(text.replace('range: "1.3.2"', 'range: "1.3.x"  # flux-semver: ignore FS003'))
    assert run(capsys, repo, "check")[0] == 1


def test_a_comment_on_its_own_line_suppresses_in_its_document_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = gitops_repo(tmp_path)
    dev = repo.root / "clusters/dev/podinfo.yaml"
    old = dev.read_text().replace(
        "image.toolkit.fluxcd.io/v1\nkind: ImagePolicy",
        "image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy",
    )
    dev.write_text(old)
    code, out, _ = run(capsys, repo, "check")
    assert code == 0 and "FS005 deprecated-api" in out
    # in the ImageRepository's document (the first): the policy's FS005 still shows
    dev.write_text("# flux-semver: ignore deprecated-api -- migrating in Q3\n" + old)
    assert "FS005 deprecated-api" in run(capsys, repo, "check")[1]
    dev.write_text(
        old.replace("---\n", "---\n# flux-semver: ignore deprecated-api -- migrating in Q3\n")
    )
    code, out, _ = run(capsys, repo, "check")
    assert (code, out) == (0, "no problems in 4 files (3 policies), 1 suppressed\n")


def test_a_broken_file_stops_only_the_releases_it_could_affect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = "# how we write an ImagePolicy\nsteps: [one, two\n"
    repo = gitops_repo(tmp_path, {"docs/notes.yaml": notes})
    code, out, _ = run(capsys, repo, "check")
    assert code == 1 and "docs/notes.yaml:3:1: FS009 yaml" in out  # still reported
    code, out, err = run(capsys, repo, "promote", "1.3.3")
    assert code == 0 and f"changed: {PROD}" in out, err
    repo.commit("release 1.3.3")
    (repo.root / "docs/notes.yaml").write_text(notes + "# the podinfo policy lives here\n")
    code, out, err = run(capsys, repo, "promote", "1.3.4")
    assert code == 2 and out == ""
    assert err.startswith(
        "flux-semver: error: docs/notes.yaml:4:1: no release is planned "
        "while this ImagePolicy file cannot be read"
    )
