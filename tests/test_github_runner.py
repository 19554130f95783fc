"""The runner's side of a step: outputs with random delimiters, the job summary and its
1 MiB limit, masks, annotations, and log lines that cannot act as workflow commands."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flux_semver.github.runner import SUMMARY_LIMIT, Runner


def _outputs(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    found = {}
    for match in re.finditer(
        r"^(?P<name>[^\n<]+)<<(?P<d>\S+)\n(?P<value>.*?)\n(?P=d)\n", text, re.S | re.M
    ):
        found[match["name"]] = match["value"]
    return found


def test_outputs_round_trip_with_a_fresh_delimiter_each(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.touch()
    runner = Runner({"GITHUB_OUTPUT": str(output)}, io.StringIO())
    tricky = "line one\nghadelimiter_not-the-real-one\nEOF\nname<<EOF"
    runner.set_output("plan", '{"app": "myapp"}')
    runner.set_output("changed-files", tricky)
    runner.set_output("empty", "")
    assert _outputs(output) == {"plan": '{"app": "myapp"}', "changed-files": tricky, "empty": ""}
    text = output.read_text(encoding="utf-8")
    delimiters = re.findall(r"^[a-z-]+<<(ghadelimiter_\S+)$", text, re.M)
    assert len(set(delimiters)) == 3


def test_without_a_runner_nothing_is_written(tmp_path: Path) -> None:
    out = io.StringIO()
    runner = Runner({}, out)
    runner.set_output("plan", "{}")
    runner.append_summary("# hello")
    assert out.getvalue() == ""
    assert list(tmp_path.iterdir()) == []


def test_summary_appends_and_stops_at_one_mebibyte(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    summary.write_text("from an earlier step\n", encoding="utf-8")
    runner = Runner({"GITHUB_STEP_SUMMARY": str(summary)}, io.StringIO())
    runner.append_summary("## first")
    runner.append_summary("é" * SUMMARY_LIMIT)  # two bytes each: twice the limit
    runner.append_summary("## never shown")
    data = summary.read_bytes()
    assert data.startswith(b"from an earlier step\n## first\n")
    assert len(data) - len(b"from an earlier step\n") <= SUMMARY_LIMIT
    text = data.decode("utf-8")  # never cut inside a character
    assert "1 MiB limit" in text
    assert "never shown" not in text


def test_annotations_escape_data_and_properties_and_omit_empty_ones() -> None:
    out = io.StringIO()
    runner = Runner({}, out)
    runner.annotate(
        "error", "100% wrong\nsecond line", file="clusters/a,b:c.yaml", line=3, col=None, title=""
    )
    assert out.getvalue() == (
        "::error file=clusters/a%2Cb%3Ac.yaml,line=3::100%25 wrong%0Asecond line\n"
    )


def test_mask_is_printed_before_anything_else() -> None:
    out = io.StringIO()
    Runner({}, out).mask("s3cr3t")
    assert out.getvalue() == "::add-mask::s3cr3t\n"


def test_user_text_cannot_start_a_workflow_command() -> None:
    out = io.StringIO()
    Runner({}, out).info(
        "ok\n::set-output name=x::y\n  ::error::fake\n##[warning]old style\nx ##[stop-commands]tok"
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "ok"
    assert not any(line.lstrip().startswith(("::", "##[")) for line in lines)
    assert "set-output name=x::y" in lines[1]
    # the runner's older parser finds ``##[`` anywhere in a line, not only at its start
    assert len(lines) == 5
    assert not any("##[" in line for line in lines)
    assert lines[4].startswith("x ##") and "stop-commands]tok" in lines[4]
