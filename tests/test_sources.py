"""How the other kinds pick a version (source-controller), in the library and `latest --kind`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flux_semver.semver.sources import chart_version, oci_tag
from flux_semver.semver.tags import InvalidPattern

INDEX = ["6.6.0-rc.1", "6.5.1", "6.5.0", "6.4.9", "latest", "6.5"]


@pytest.mark.parametrize(
    ("range_text", "expected"),
    [
        ("", "6.5.1"),  # no version: the newest release, never a prerelease
        ("*", "6.5.1"),
        ("6.5.x", "6.5.1"),
        ("6.5.0", "6.5.0"),  # written as a version of the index: taken as it is
        ("6.5", "6.5"),  # even one Flux would not read as a version otherwise
        (">=6.6.0-0", "6.6.0-rc.1"),
        ("7.x", None),
    ],
)
def test_chart_version_as_source_controller_picks_it(range_text: str, expected: str | None) -> None:
    assert chart_version(range_text, INDEX) == expected


def test_equal_chart_versions_keep_the_index_order() -> None:
    # an index lists the newest chart first; versions equal but for build metadata tie
    assert chart_version("1.2.x", ["1.2.3+b", "1.2.3+a"]) == "1.2.3+b"


def test_oci_tags_are_filtered_and_read_with_helm_build_metadata() -> None:
    tags = ["1.16.2", "1.17.0_build.1", "v1.18.0", "1.19.0-rc.1"]
    assert oci_tag("1.x", tags) == "v1.18.0"
    assert oci_tag("1.x", tags, semver_filter="^1\\.1[67]") == "1.17.0_build.1"
    assert oci_tag("2.x", tags) is None
    with pytest.raises(InvalidPattern):
        oci_tag("1.x", tags, semver_filter="(?<=x)")


def _latest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flux_semver", "latest", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_latest_answers_for_each_kind() -> None:
    assert _latest("", *INDEX, "--kind", "HelmRelease").stdout == "6.5.1\n"
    assert _latest("6.5.0", *INDEX, "--kind", "HelmChart").stdout == "6.5.0\n"
    oci = _latest("1.x", "1.16.2", "v1.17.0", "--kind", "OCIRepository", "--pattern", "^1")
    assert (oci.returncode, oci.stdout) == (0, "1.16.2\n")
    git = _latest("1.x", "v1.2.0", "1.3.0-rc.1", "--kind", "GitRepository")
    assert (git.returncode, git.stdout) == (0, "v1.2.0\n")
    none = _latest("2.x", "1.2.0", "--kind", "GitRepository")
    assert (none.returncode, none.stdout) == (1, "")
    assert "no version is admitted by '2.x'" in none.stderr
    wrong = _latest("1.x", "1.2.0", "--kind", "HelmChart", "--pattern", "^1")
    assert wrong.returncode == 2
    assert len(wrong.stderr.splitlines()) == 1
