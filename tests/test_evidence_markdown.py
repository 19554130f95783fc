"""The evidence Markdown, as GitHub's own renderer (cmarkgfm, GFM extensions) shows it.

Raw HTML is let through by the renderer here (GitHub sanitises later, we must not rely on
it), so any HTML that survives from user text would show up in these assertions.
"""

from __future__ import annotations

import html as html_module
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest

from flux_semver.errors import FluxSemverError
from flux_semver.evidence import (
    Evidence,
    Link,
    Metric,
    evidence_fails,
    find_sticky,
    plan_from_json,
    read_junit,
    render,
    sticky_marker,
)
from flux_semver.model import Plan, PlanChange

DATA = Path(__file__).parent / "data" / "junit"


def _root(path: Path) -> ET.Element:
    """The XML root of one of our own test files (trusted input)."""
    return ET.parse(path).getroot()  # noqa: S314


EVIL = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[click me](javascript:alert(3))",
    "![pixel](https://evil.example/p.png)",
    "pipes | break | tables",
    "`code` and ``ticks``",
    "@octo-org/release-team please look",
    "$x^2$ and **bold** and _em_",
    "::error file=a.py::fake annotation",
    "&lt;b&gt;pre-escaped&lt;/b&gt;",
]


def github_html(markdown: str) -> str:
    """GitHub's Markdown: cmark-gfm with GitHub's extensions, raw HTML not stripped."""
    return str(
        cmarkgfm.markdown_to_html_with_extensions(
            markdown,
            options=cmarkgfm.Options.CMARK_OPT_UNSAFE | cmarkgfm.Options.CMARK_OPT_GITHUB_PRE_LANG,
            extensions=["table", "strikethrough", "autolink", "tagfilter", "tasklist"],
        )
    )


class _Page(HTMLParser):
    """Tables (as lists of rows of cell text), tags seen, and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def page(markdown: str) -> _Page:
    parsed = _Page()
    parsed.feed(github_html(markdown))
    return parsed


def table_with(parsed: _Page, header: str) -> list[list[str]]:
    return next(t for t in parsed.tables if header in t[0])


def plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "app": "podinfo",
        "version": "2.0.0",
        "release_type": "major",
        "approval_required": True,
        "changes": (
            PlanChange(
                "dev",
                "clusters/dev/podinfo.yaml",
                12,
                15,
                "apps/podinfo",
                "1.2.x",
                "2.0.x",
                "update",
                "major: follow",
            ),
            PlanChange(
                "pre-prod",
                "clusters/staging/podinfo.yaml",
                14,
                15,
                "apps/podinfo",
                ">=1.2.0 <1.3.0 || 1.4.x",
                "2.0.x",
                "update",
                "major: follow",
            ),
            PlanChange(
                "prod",
                "clusters/prod/podinfo.yaml",
                9,
                15,
                "apps/podinfo",
                "1.2.3",
                "2.0.0",
                "blocked",
                "pre-prod must admit 2.0.0 first",
            ),
        ),
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def evil_junit(tmp_path: Path) -> Path:
    """A JUnit file whose test names and messages try every trick in EVIL."""
    suite = ET.Element("testsuite", name="evil <suite>", tests=str(len(EVIL) + 1))
    ET.SubElement(suite, "testcase", name="passes", classname="ok")
    for index, text in enumerate(EVIL):
        case = ET.SubElement(suite, "testcase", name=text, classname="")
        ET.SubElement(case, "failure", message=f"{text}\n{text}")
        del index
    path = tmp_path / "evil.xml"
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
    return path


# --- rendering real reports -------------------------------------------------------------


@pytest.mark.parametrize("sample", sorted(DATA.glob("*.xml")), ids=lambda p: p.name)
def test_each_dialect_renders_a_totals_table_with_the_files_counts(sample: Path) -> None:
    report = read_junit(sample, display=sample.name)
    root = _root(sample)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    parsed = page(render(Evidence(plan=plan(), junit=(report,))))
    table = table_with(parsed, "Suite")
    rows = {row[2]: row for row in table[1:]}
    for suite in suites:
        row = rows[suite.get("name", "")]
        tests, failures, errors, skipped = (
            int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")
        )
        assert row[3:] == [
            str(tests),
            str(tests - failures - errors - skipped),
            str(failures),
            str(errors),
            str(skipped),
        ]
    total = table[-1]
    assert total[1].startswith("Total")
    assert int(total[3]) == sum(int(s.get("tests", "0")) for s in suites)


def test_a_real_pytest_run_renders_failures_first_with_names_and_messages(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_shop.py").write_text(
        "import pytest\n"
        "def test_cart(): assert True\n"
        "def test_total(): assert 2 + 2 == 5, 'total is off by one'\n"
        "def test_tax(): assert 0.1 + 0.2 == 0.3, 'float tax'\n"
        "@pytest.mark.skip(reason='no sandbox')\n"
        "def test_payment(): pass\n"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--junitxml=out/junit.xml",
            "test_shop.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    report = read_junit(tmp_path / "out" / "junit.xml", display="out/junit.xml")
    markdown = render(Evidence(plan=plan(), junit=(report,)))
    parsed = page(markdown)
    text = "".join(parsed.text)
    assert "Failing evidence: 2 of 4 tests failed" in text
    assert text.index("test_shop.test_total") < text.index("Stages")
    assert "total is off by one" in text and "float tax" in text
    assert "test_shop.test_payment: no sandbox" in text  # the skipped list
    totals = table_with(parsed, "Suite")
    assert totals[1][3:] == ["4", "1", "2", "0", "1"]


# --- escaping -----------------------------------------------------------------------------


def test_no_raw_html_from_user_text_survives_and_the_text_reads_as_written(
    tmp_path: Path,
) -> None:
    report = read_junit(evil_junit(tmp_path), display="<b>evil</b>.xml")
    evidence = Evidence(
        plan=plan(app="<img src=x onerror=alert(9)>", version="2.0.0<script>"),
        junit=(report,),
        metrics=(
            Metric(
                name="<script>m</script>", value=2, threshold=1, better="lower", unit="<i>ms</i>"
            ),
        ),
        links=(Link(name="<script>l</script>", url="https://x.example/a b?<q>=1|2"),),
        notes="\n".join(EVIL),
    )
    markdown = render(evidence, max_failures=len(EVIL))
    parsed = page(markdown)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "img", "b", "i", "em"}  # none of ours; all from user text
    assert all(not (attrs.get("href") or "").startswith("javascript") for _, attrs in parsed.tags)
    assert not [attrs for tag, attrs in parsed.tags if tag == "img"]
    text = "".join(parsed.text)
    for evil in EVIL:
        if evil.startswith("@"):
            continue
        assert evil in text, evil  # shown literally: as the failed test's name
    assert "@\u200bocto-org/release-team" in text  # no team gets pinged
    assert "<img src=x onerror=alert(9)>" in text  # the app name, shown as text


def test_no_line_starts_a_workflow_command(tmp_path: Path) -> None:
    report = read_junit(evil_junit(tmp_path))
    markdown = render(
        Evidence(
            plan=plan(app="::set-output name=x::y"),
            junit=(report,),
            notes="::add-mask::secret\n  ::error::indented\nok",
            links=(Link(name="::debug::x", url="https://x.example/"),),
        ),
        max_failures=len(EVIL),
    )
    assert not [line for line in markdown.splitlines() if line.lstrip().startswith("::")]
    assert "::add-mask::secret" in "".join(page(markdown).text)


def test_user_text_cannot_break_the_tables(tmp_path: Path) -> None:
    tricky = "a | b `c | d` \\| e"
    evidence = Evidence(
        plan=plan(
            changes=(
                PlanChange(
                    tricky, "x|y.yaml", 3, 1, tricky, ">=1.0.0 || 3.x", "3.1.x", "update", tricky
                ),
            )
        ),
        junit=(read_junit(evil_junit(tmp_path)),),
        metrics=(Metric(name=tricky, value=1.5, threshold=2, better="lower", unit="s|x"),),
    )
    parsed = page(render(evidence))
    stage = table_with(parsed, "Policy")
    assert stage[1][:5] == [tricky, tricky, "x|y.yaml:3", ">=1.0.0 || 3.x", "3.1.x"]
    assert all(len(row) == len(stage[0]) for row in stage)
    metrics = table_with(parsed, "Metric")
    assert metrics[1][:3] == [tricky, "1.5 s|x", "≤ 2 s|x"]
    for table in parsed.tables:
        assert len({len(row) for row in table}) == 1


def test_notes_keep_their_lines_and_open_no_block_of_their_own() -> None:
    notes = "# Not a heading\n- not a list\n1. not ordered\n> not a quote\n\nSecond para <b>x</b>"
    parsed = page(render(Evidence(plan=plan(), notes=notes)))
    tags = [tag for tag, _ in parsed.tags]
    assert "h1" not in tags and "ol" not in tags and "b" not in tags
    assert tags.count("blockquote") >= 1
    text = "".join(parsed.text)
    for line in notes.splitlines():
        assert line in text


# --- structure ----------------------------------------------------------------------------


def test_the_mermaid_diagram_is_a_fenced_block_whose_labels_cannot_break_it() -> None:
    stage = 'qa"] --> X[pwned\n```\n<b>'
    evidence = Evidence(
        plan=plan(
            changes=(
                PlanChange(stage, "a.yaml", 1, 1, "p", "1.2.x", "2.0.x", "update", ""),
                PlanChange("prod", "b.yaml", 1, 1, "p", "1.2.3", "1.2.3", "hold", ""),
            )
        )
    )
    html = github_html(render(evidence))
    blocks = re.findall(r'<pre lang="mermaid"><code>(.*?)</code></pre>', html, re.S)
    assert len(blocks) == 1
    diagram = html_module.unescape(blocks[0])
    nodes = re.findall(r'^  s\d+\["([^"]*)"\]$', diagram, re.M)
    assert len(nodes) == 2  # one node per stage, each label one quoted string
    labels = [re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), n) for n in nodes]
    assert labels[0].split("<br/>") == [stage.replace("\n", " "), "1.2.x → 2.0.x (update)"]
    assert "s0 --> s1" in diagram
    assert "<table>" in html.split("</pre>", 1)[1]  # the stage table still renders after it


def test_stage_table_links_each_stages_pull_request() -> None:
    evidence = Evidence(
        plan=plan(),
        pull_requests={
            "dev": "https://github.com/org/gitops/pull/41",
            "pre-prod": "https://ghe.example/org/gitops/pull/42",
        },
    )
    parsed = page(render(evidence))
    links = {attrs["href"]: tag for tag, attrs in parsed.tags if tag == "a"}
    assert "https://github.com/org/gitops/pull/41" in links
    stage = table_with(parsed, "Policy")
    assert [row[6] for row in stage[1:]] == ["#41", "#42", "—"]


def test_failing_evidence_comes_first_and_passing_evidence_says_so() -> None:
    failing = Evidence(
        plan=plan(),
        metrics=(
            Metric("p95_ms", 300, threshold=250, better="lower", unit="ms", baseline=170),
            Metric("rps", 950, threshold=900, better="higher"),
        ),
    )
    text = "".join(page(render(failing)).text)
    assert text.index("Failing evidence") < text.index("Stages") < text.index("Rollback plan")
    assert "p95_ms: 300 ms, should be at most 250 ms" in text
    metrics = table_with(page(render(failing)), "Metric")
    assert metrics[1] == ["p95_ms", "300 ms", "≤ 250 ms", "170 ms (+130, +76.5%)", "❌ fail"]
    assert metrics[2] == ["rps", "950", "≥ 900", "—", "✅ pass"]
    passing = Evidence(plan=plan(), metrics=(Metric("rps", 950, threshold=900, better="higher"),))
    text = "".join(page(render(passing)).text)
    assert "Failing evidence" not in text and "Evidence passes" in text


def test_failed_tests_are_named_up_to_the_cap_then_counted(tmp_path: Path) -> None:
    suite = ET.Element("testsuite", name="many", tests="30", failures="30")
    for index in range(30):
        case = ET.SubElement(suite, "testcase", name=f"test_{index:02d}", classname="c")
        ET.SubElement(case, "failure", message=f"boom {index}")
    path = tmp_path / "many.xml"
    ET.ElementTree(suite).write(path)
    text = "".join(
        page(render(Evidence(plan=plan(), junit=(read_junit(path),)), max_failures=5)).text
    )
    assert [f"c.test_{i:02d}" in text for i in range(30)] == [True] * 5 + [False] * 25
    assert "…and 25 more failed tests" in text


def test_rollback_plan_gives_each_updated_stage_an_exact_shell_command() -> None:
    weird = "1.2.x' ; rm -rf / ; echo '"
    evidence = Evidence(
        plan=plan(
            app="pod info",
            changes=(
                PlanChange("dev", "d.yaml", 1, 1, "p", weird, "2.0.x", "update", ""),
                PlanChange(
                    "pre-prod", "p.yaml", 1, 1, "p", ">=1.2.0 <1.3.0", "2.0.x", "update", ""
                ),
                PlanChange("prod", "x.yaml", 1, 1, "p", "1.2.3", None, "hold", ""),
            ),
        )
    )
    html = github_html(render(evidence))
    block = re.search(r'<pre lang="sh"><code>(.*?)</code></pre>', html, re.S)
    assert block is not None
    commands = html_module.unescape(block.group(1)).splitlines()
    assert [shlex.split(c) for c in commands] == [  # the last stage first (FS003)
        [
            "flux-semver",
            "rollback",
            "--image",
            "pod info",
            "--stage",
            "pre-prod",
            "--to",
            ">=1.2.0 <1.3.0",
        ],
        ["flux-semver", "rollback", "--image", "pod info", "--stage", "dev", "--to", weird],
    ]
    table = table_with(page(render(evidence)), "Previous range")
    assert [row[0] for row in table[1:]] == ["pre-prod", "dev"]


def test_a_release_needing_approval_carries_the_change_request_checklist() -> None:
    needs = page(render(Evidence(plan=plan(approval_required=True))))
    boxes = [attrs for tag, attrs in needs.tags if tag == "input"]
    assert len(boxes) == 4 and all(b.get("type") == "checkbox" for b in boxes)
    text = "".join(needs.text)
    for item in ("Evidence", "Rollback plan", "Change window", "Approved by"):
        assert item in text
    plain = page(render(Evidence(plan=plan(approval_required=False, release_type="minor"))))
    assert not [tag for tag, _ in plain.tags if tag == "input"]
    assert "This major release needs approval" in text


def test_a_prerelease_needing_approval_is_not_a_prerelease_release() -> None:
    text = render(Evidence(plan=plan(release_type="prerelease", version="2.0.0-rc.1")))
    assert "This prerelease needs approval" in text
    assert "prerelease release" not in text


def test_links_render_as_links_with_their_urls_intact() -> None:
    url = "https://grafana.example/d/abc?from=now-1h&var-app=pod info|x"
    parsed = page(render(Evidence(plan=plan(), links=(Link("Grafana (prod)", url),))))
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert "https://grafana.example/d/abc?from=now-1h&var-app=pod%20info%7Cx" in hrefs


# --- sticky comment, failing predicate, plan JSON -----------------------------------------


def test_every_rendering_starts_with_the_apps_hidden_marker() -> None:
    markdown = render(Evidence(plan=plan()))
    assert markdown.splitlines()[0] == sticky_marker("podinfo")
    assert "flux-semver:evidence" not in "".join(page(markdown).text)  # invisible


def test_find_sticky_picks_the_apps_comment_only() -> None:
    comments = [
        (1, "LGTM"),
        (2, render(Evidence(plan=plan(app="podinfo-api")))),
        (3, render(Evidence(plan=plan(app="podinfo")))),
        (4, render(Evidence(plan=plan(app="podinfo")))),
    ]
    assert find_sticky(comments, "podinfo") == 3
    assert find_sticky(comments, "podinfo-api") == 2
    assert find_sticky(comments, "podinfo-web") is None
    assert find_sticky([], "podinfo") is None


def test_an_app_name_cannot_close_the_hidden_marker() -> None:
    marker = sticky_marker("x --> <script>alert(1)</script>")
    assert marker.count("-->") == 1 and marker.endswith(" -->")
    assert "<script>" not in marker and "script" not in "".join(page(marker).text)


def test_evidence_fails_on_failed_tests_or_a_metric_past_threshold_only(tmp_path: Path) -> None:
    sample = read_junit(DATA / "jest-junit.xml")
    assert evidence_fails(Evidence(plan=plan(), junit=(sample,)))
    assert evidence_fails(
        Evidence(plan=plan(), metrics=(Metric("p95", 300, threshold=250, better="lower"),))
    )
    assert not evidence_fails(
        Evidence(
            plan=plan(),
            metrics=(Metric("p95", 200, threshold=250, better="lower"), Metric("free", 10**9)),
        )
    )
    skipped_only = tmp_path / "skipped.xml"
    skipped_only.write_text(
        '<testsuite name="s" tests="2" skipped="1"><testcase name="a"/>'
        '<testcase name="b"><skipped/></testcase></testsuite>'
    )
    assert not evidence_fails(Evidence(plan=plan(), junit=(read_junit(skipped_only),)))


def test_plan_json_round_trips_through_plan_from_json() -> None:
    original = plan()
    again = plan_from_json(original.to_json())
    assert again.to_json() == original.to_json()
    assert again.changes[1].from_range == ">=1.2.0 <1.3.0 || 1.4.x"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("app"), "app is missing"),
        (lambda d: d.update(release_type="huge"), "release_type must be one of"),
        (lambda d: d["changes"][0].update(action="yolo"), r"changes\[0\]\.action must be one"),
        (lambda d: d["changes"][1].update(line=True), r"changes\[1\]\.line must be a line"),
        (lambda d: d["changes"][2].update(to=5), r"changes\[2\]\.to must be a range or null"),
        (lambda d: d.update(changes="all"), "changes must be a list"),
        (lambda d: d.update(approval_required="yes"), "approval_required must be true or false"),
    ],
)
def test_bad_plan_json_says_which_field(mutate: object, expected: str) -> None:
    data = plan().to_json()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(FluxSemverError, match=expected):
        plan_from_json(data)


def test_a_patch_that_flux_deploys_by_itself_says_how_to_hold_it_back() -> None:
    patch = plan(
        release_type="patch",
        approval_required=False,
        changes=(
            PlanChange("dev", "d.yaml", 1, 1, "p", "1.2.x", None, "auto", "patch: auto"),
            PlanChange("prod", "p.yaml", 1, 1, "p", "1.2.3", "1.2.4", "update", "patch: follow"),
        ),
    )
    text = "".join(page(render(Evidence(plan=patch))).text)
    rollback = text[text.index("Rollback plan") :]
    assert "dev takes 2.0.0 through the range it already has" in rollback
    assert "flux-semver rollback --image podinfo --stage prod --to '1.2.3'" in rollback
    assert "--stage dev" not in rollback


def test_metrics_without_thresholds_are_neither_passing_nor_failing() -> None:
    text = "".join(page(render(Evidence(plan=plan(), metrics=(Metric("pods", 3),)))).text)
    assert "Failing evidence" not in text and "Evidence passes" not in text
    assert "no threshold" in text


def _diagram(markdown: str) -> tuple[list[list[str]], list[str]]:
    """The Mermaid nodes' label lines and the class each node is given, in stage order."""
    block = re.search(r"```mermaid\n(.*?)```", markdown, re.S)
    assert block is not None
    nodes = re.findall(r'^  s\d+\["([^"]*)"\]$', block.group(1), re.M)
    classes = re.findall(r"^  class s\d+ (\w+)$", block.group(1), re.M)
    labels = [re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), n) for n in nodes]
    return [label.split("<br/>") for label in labels], classes


def test_a_hotfix_writes_its_stages_like_an_update_everywhere_on_the_page() -> None:
    hotfix = plan(
        version="1.2.4",
        release_type="hotfix",
        changes=(
            PlanChange("dev", "d.yaml", 1, 1, "p", "1.3.x", None, "auto", "hotfix: auto"),
            PlanChange("prod", "p.yaml", 1, 1, "p", "1.2.3", "1.2.4", "hotfix", "below floor"),
        ),
    )
    markdown = render(Evidence(plan=hotfix))
    text = "".join(page(markdown).text)
    assert "Ranges rewritten in: prod" in text
    assert "| **hotfix** |" in markdown
    stage = table_with(page(markdown), "Policy")
    assert [row[4] for row in stage[1:]] == ["—", "1.2.4"]
    labels, classes = _diagram(markdown)
    assert labels[1][1:] == ["1.2.3 → 1.2.4 (hotfix)"]
    assert classes == ["same", "update"]
    assert "flux-semver rollback --image podinfo --stage prod --to '1.2.3'" in text


def test_a_mixed_plan_names_each_written_stage_and_marks_each_by_what_it_does() -> None:
    mixed = plan(  # a patch whose gated stages behind their gate take it as a hotfix
        version="1.3.1",
        release_type="patch",
        changes=(
            PlanChange("dev", "d.yaml", 1, 1, "p", "1.3.0", "1.3.1", "update", "patch: follow"),
            PlanChange("staging", "s.yaml", 1, 1, "p", "1.2.9", "1.3.1", "hotfix", "hotfix"),
            PlanChange("pre-prod", "q.yaml", 1, 1, "p", "1.2.9", "1.3.1", "waits", "gate"),
            PlanChange("prod", "p.yaml", 1, 1, "p", "1.2.3", "1.3.1", "blocked", "frozen"),
            PlanChange("dr", "r.yaml", 1, 1, "p", "1.2.3", None, "hold", "hold"),
        ),
    )
    markdown = render(Evidence(plan=mixed))
    text = "".join(page(markdown).text)
    assert "Ranges rewritten in: dev, staging" in text
    actions = [
        line.split(" | ")[5]
        for line in markdown.splitlines()
        if line.startswith("| ") and line.endswith(" |") and ".yaml:1" in line
    ]
    assert actions == ["**update**", "**hotfix**", "**waits**", "**blocked**", "hold"]
    labels, classes = _diagram(markdown)
    assert [label[1] for label in labels] == [
        "1.3.0 → 1.3.1 (update)",
        "1.2.9 → 1.3.1 (hotfix)",
        "1.2.9 → 1.3.1 (waits)",
        "1.2.3 → 1.3.1 (blocked)",
        "1.2.3 (hold)",
    ]
    assert classes == ["update", "update", "same", "blocked", "same"]
    rollback = table_with(page(markdown), "Previous range")
    assert [row[0] for row in rollback[1:]] == ["staging", "dev"]
