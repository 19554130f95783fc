"""``flux-semver match`` and ``flux-semver latest``, through the real entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flux_semver.cli import main

TAGS = """\
# Tags in the registry, as it lists them.
1.1.0
v1.2.0

1.2.3
  1.2.4-rc.1
1.2.4
1.3.0
# 9.9.9 is a comment, not a tag
latest
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_match_all_admitted(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "match", "1.2.x", "1.2.0", "v1.2.9")
    assert rc == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("admitted") for line in lines)
    assert "v1.2.9" in lines[1]


def test_match_says_why_a_prerelease_is_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "match", "1.3.x", "1.3.0", "1.3.0-rc.1")
    assert rc == 1
    first, second = out.splitlines()
    assert first.startswith("admitted")
    assert second.startswith("rejected")
    assert second.endswith(
        "1.3.0-rc.1 is a prerelease; this range names no prerelease, so Flux skips it"
    )


def test_match_rejects_what_is_no_version(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "match", "*", "latest")
    assert rc == 1
    assert "'latest' is not a version" in out


def test_match_invalid_range_is_exit_2_with_masterminds_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, err = run(capsys, "match", "1.0.0p", "1.0.0")
    assert rc == 2
    assert out == ""
    assert 'improper constraint: "1.0.0p"' in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_match_needs_a_version(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "match", "1.2.x")
    assert rc == 2
    assert "VERSION" in err


def test_latest_from_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "latest", "1.2.x", "1.2.3", "v1.2.4", "1.3.0")
    assert (rc, out) == (0, "v1.2.4\n")


def test_latest_from_a_tags_file_with_comments(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    tags = tmp_path / "tags.txt"
    tags.write_text(TAGS, encoding="utf-8")
    rc, out, _ = run(capsys, "latest", "1.x", "--tags-file", str(tags))
    assert (rc, out) == (0, "1.3.0\n")
    rc, out, _ = run(capsys, "latest", ">=1.2.4-0 <1.2.4", "--tags-file", str(tags))
    assert (rc, out) == (0, "1.2.4-rc.1\n")


def test_latest_nothing_admitted_is_exit_1(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    tags = tmp_path / "tags.txt"
    tags.write_text(TAGS, encoding="utf-8")
    rc, out, err = run(capsys, "latest", "9.x", "--tags-file", str(tags))
    assert rc == 1
    assert out == ""
    assert "no tag is admitted by '9.x' among 7 tag(s)" in err


def test_latest_names_the_tags_flux_ignores_when_none_is_chosen(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, err = run(capsys, "latest", "2.x", "latest", "1.2.3", "sha-3f9c2e1", "v1.2")
    assert (rc, out) == (1, "")
    note, no_match = err.splitlines()
    assert note == (
        "flux-semver: ignored 3 tags Flux cannot read as versions (latest, "
        "sha-3f9c2e1, v1.2): a version tag has at least two dots, as in 1.2.0"
    )
    assert no_match.startswith("flux-semver: no tag is admitted by '2.x'")


def test_latest_is_quiet_about_ignored_tags_when_one_is_chosen_unless_verbose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, err = run(capsys, "latest", "1.x", "latest", "1.2.3")
    assert (rc, out, err) == (0, "1.2.3\n", "")
    for flag in ("-v", "--verbose"):
        rc, out, err = run(capsys, "latest", flag, "1.x", "latest", "1.2.3")
        assert (rc, out) == (0, "1.2.3\n")  # stdout stays the tag alone, for scripts
        assert err == (
            "flux-semver: ignored 1 tag Flux cannot read as a version (latest): "
            "a version tag has at least two dots, as in 1.2.0\n"
        )
    rc, out, err = run(capsys, "latest", "-v", "1.x", "1.2.3", "1.3.0")
    assert (rc, out, err) == (0, "1.3.0\n", "")


def test_latest_ignored_note_counts_what_it_does_not_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    junk = ["x" * 200, "red\x1b[31m", *(f"build-{i}" for i in range(6))]
    rc, _, err = run(capsys, "latest", "1.x", *junk)
    assert rc == 1
    note = err.splitlines()[0]
    assert note.startswith(
        "flux-semver: ignored 8 tags Flux cannot read as versions ("
        + "x" * 79
        + "…, red\\x1b[31m, build-0, build-1, build-2 and 3 more): "
    )
    assert "\x1b" not in err


def test_latest_ignored_note_reads_the_extracted_text_and_names_the_tag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, err = run(
        capsys,
        "latest",
        "-v",
        ">=1.0.0",
        "--pattern",
        "^main-(.*)$",
        "--extract",
        "$1",
        "main-1.4.0",
        "main-abc1234",
        "dev-xyz",
    )
    assert (rc, out) == (0, "main-1.4.0\n")
    # dev-xyz is dropped by the pattern, not because Flux cannot read it
    assert "ignored 1 tag Flux cannot read as a version (main-abc1234)" in err


def test_latest_with_pattern_and_extract(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(
        capsys,
        "latest",
        ">=0.x",
        "--pattern",
        "^test-(.*)$",
        "--extract",
        "$1",
        "test-0.1.0",
        "test-0.1.1",
        "dev-0.2.0",
        "1.0.0",
    )
    assert (rc, out) == (0, "test-0.1.1\n")


def test_latest_bad_pattern_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "latest", "1.0.x", "--pattern", "[=", "1.0.0")
    assert rc == 2
    assert "invalid regular expression pattern '[='" in err


def test_latest_without_tags_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "latest", "1.0.x")
    assert rc == 2
    assert "--tags-file" in err


def test_latest_missing_tags_file_is_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    rc, _, _ = run(capsys, "latest", "1.0.x", "--tags-file", str(tmp_path / "missing.txt"))
    assert rc == 2


def test_latest_reads_standard_input_in_a_real_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flux_semver", "latest", "1.2.x", "--tags-file", "-"],
        input=TAGS,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1.2.4\n"


def test_match_exit_code_in_a_real_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flux_semver", "match", "~1.2", "1.3.0"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("rejected  1.3.0")


def test_match_warns_that_flux_ignores_a_tag_with_one_dot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, _ = run(capsys, "match", "1.2.x", "v1.2", "1.2.0")
    assert rc == 0
    short, full = out.splitlines()
    assert short.endswith("as an image tag Flux would ignore it (a tag needs at least two dots)")
    assert "ignore" not in full
