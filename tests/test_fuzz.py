"""Fuzzing (hypothesis): hostile range and version text, and range edits in varied YAML.

- ``Range`` and ``latest_tag`` raise nothing but ``InvalidRange``, ``Version.parse`` nothing
  but ``InvalidVersion``, whatever the text: valid ranges with look-alike characters,
  control characters, stray separators or unpaired surrogates spliced in, or any text at all;
- ``set_range`` on a policy written in many ways (quote style, indentation, CRLF, a BOM,
  comments, flow style, other documents around it, no final newline) changes only the range's
  bytes, and scanning again gives back exactly the value set and an otherwise equal document.

The normal suite tries FLUX_SEMVER_FUZZ_EXAMPLES examples per property (default 50: each run
draws new ones, and the long run is where the numbers are). The long run,
``python3 tasks.py fuzz [N]``, selects the ``slow`` test, which runs every property with
N examples (default 20,000).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flux_semver import InvalidRange, InvalidVersion, Range, Version, latest_tag, rules
from flux_semver.repo.config import DEFAULT_CONFIG
from flux_semver.repo.manifests import scan
from tests.support.editing import set_range
from tests.support.strategies import range_texts, versions

NORMAL = int(os.environ.get("FLUX_SEMVER_FUZZ_EXAMPLES", "50"))
LONG = int(os.environ.get("FLUX_SEMVER_FUZZ_EXAMPLES", "20000"))

# Characters that look like, or sit next to, what a range is made of.
HOSTILE = [
    "１",
    "٣",
    "ⅰ",
    "ｘ",
    "х",
    "＊",
    "\u00a0",
    "\u2009",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\x00",
    "\x85",
    "\t",
    "\n",
    "\r",
    "\udce9",
    "−",
    "–",
    "≥",
    "＞",
    "||",
    "|",
    " - ",
    "-",
    ",",
    "..",
    "+",
    "v",
    "V",
    "9" * 30,
    "x",
    "*",
    "^",
    "~",
    "=",
    "!",
    " ",
    "\\",
    '"',
    "'",
    "🚀",
]


@st.composite
def hostile_ranges(draw: st.DrawFn) -> str:
    """A valid-looking range with hostile pieces spliced in, or any text at all."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(max_size=40))
    text = draw(range_texts())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(HOSTILE)) + text[at:]
    return text


def _range_raises_only_invalid_range(text: str, version: Version) -> None:
    try:
        rng = Range(text)
    except InvalidRange as exc:
        assert exc.hint
        return
    rng.admits(version)
    assert Range(str(rng)) == rng


def _version_raises_only_invalid_version(text: str) -> None:
    try:
        version = Version.parse(text)
    except InvalidVersion as exc:
        assert str(exc)
        return
    assert Version.parse(str(version)) == version


def _latest_tag_raises_only_invalid_range(text: str, tags: list[str]) -> None:
    try:
        found = latest_tag(text, tags)
    except InvalidRange:
        return
    assert found is None or found in tags


# --- a policy document, written in many ways -----------------------------------------------

# Ranges a plain scalar can hold as they are (what users write unquoted).
PLAIN_SAFE = ["1.2.x", "~1.2", "^1.2.0", "v1.2.3", "1.2.3", "1.x", "~1.2.3", "=1.2.3"]
# New ranges, including ones that need quotes, look like YAML, or are not ranges at all:
# the editor writes any one-line text and must read it back.
NEW_RANGES = st.one_of(
    st.sampled_from(
        [
            ">=1.3.0 <1.4.0",
            "1.3.x || 2.x",
            "^2.0.0",
            "1.2",
            "2",
            "> 1.0.0",
            "1.2.3-rc.1",
            "!=1.2.0",
            "1.2.x # not a comment",
            "a: b",
            "'quoted'",
            '"double"',
            "- 1",
            "[1]",
            "{x}",
            "&anchor",
            "*alias",
            "@1",
            "%1",
            "yes",
            "null",
            "~",
            "true",
            " 1.2.x",
            "1.2.x ",
            "1\\2",
            "é",
            "1.2.x\t",
        ]
    ),
    range_texts(),
    st.text(
        st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), min_size=1, max_size=20
    ).filter(str.strip),  # a blank range is refused, as it should be
)
VALUES = st.text(st.characters(blacklist_categories=["Cc", "Cs", "Co", "Cn"]), max_size=12)


@st.composite
def policy_files(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(text before the range, the range as written, text after it, the range's value)."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    ind = " " * draw(st.sampled_from([2, 4]))
    value = draw(st.sampled_from(PLAIN_SAFE))
    style = draw(st.sampled_from(["plain", "single", "double"]))
    token = {"plain": value, "single": f"'{value}'", "double": json.dumps(value)}[style]
    comment = draw(st.sampled_from(["", "  # keep me", " #x", "\t# tab then comment"]))
    labels = draw(
        st.dictionaries(st.sampled_from(["a", "b", "team", "x.io/y"]), VALUES, max_size=2)
    )
    # Other documents, without `kind` (a drawn "ImagePolicy" would be a second policy).
    other = draw(
        st.lists(
            st.dictionaries(st.sampled_from(["data", "k", "note"]), VALUES, max_size=3), max_size=2
        )
    )
    before = [yaml.safe_dump(d, allow_unicode=draw(st.booleans())) for d in other]
    label_lines = "".join(
        f"{ind * 2}{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{nl}"
        for k, v in labels.items()
    )
    head = (
        f"apiVersion: image.toolkit.fluxcd.io/v1{nl}kind: ImagePolicy{nl}metadata:{nl}"
        f"{ind}name: myapp-dev{nl}{ind}labels:{nl}{label_lines or ind * 2 + 'x: y' + nl}"
        f"spec:{nl}{ind}imageRepositoryRef:{nl}{ind * 2}name: myapp{nl}"
    )
    if draw(st.booleans()):
        head += f"{ind}policy: {{semver: {{range: "
        tail = f"}}}}{comment}{nl}"
    else:
        head += f"{ind}policy:{nl}{ind * 2}semver:{nl}{ind * 3}range: "
        tail = f"{comment}{nl}"
    if draw(st.booleans()):
        tail += f"{ind}filterTags:{nl}{ind * 2}pattern: '^v(?P<v>.*)$'{nl}"
    documents = [*(d.replace("\n", nl) for d in before[:1]), head]
    text_before = f"---{nl}".join(documents)
    after = [d.replace("\n", nl) for d in before[1:]]
    if after:
        tail += f"---{nl}" + f"---{nl}".join(after)
    if not draw(st.booleans()):
        tail = tail.rstrip("\r\n")
    if draw(st.booleans()):
        text_before = "\ufeff" + text_before
    return text_before, token, tail, value


def _set_range_changes_only_the_range(parts: tuple[str, str, str, str], new: str) -> None:
    head, token, tail, value = parts
    old_text = head + token + tail
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "clusters" / "dev" / "imagepolicy.yaml"
        path.parent.mkdir(parents=True)
        path.write_bytes(old_text.encode())
        before = scan(root, DEFAULT_CONFIG)
        assert [p.range_text for p in before.policies] == [value], before.errors
        set_range(root, before.policies[0], new)
        raw = path.read_bytes()
        after = scan(root, DEFAULT_CONFIG)
    new_text = raw.decode()
    # Only the range's bytes changed: the same text before and after it.
    assert new_text.startswith(head) and new_text.endswith(tail)
    written = new_text[len(head) : len(new_text) - len(tail)]
    assert not any(c in written for c in "\r\n")
    # It reads back as the value set, and the document is otherwise the same.
    assert [p.range_text for p in after.policies] == [new]
    expected = _documents(old_text)
    expected[_policy_index(expected)]["spec"]["policy"]["semver"]["range"] = new
    assert _documents(new_text) == expected


def _documents(text: str) -> list[Any]:
    return list(yaml.load_all(text.removeprefix("\ufeff"), Loader=yaml.CSafeLoader))


def _policy_index(documents: list[Any]) -> int:
    return next(
        i for i, d in enumerate(documents) if isinstance(d, dict) and d.get("kind") == "ImagePolicy"
    )


# --- whole files: whatever bytes a file holds, scan and check report, never crash ----------

# Pieces of YAML that stress a loader: anchors, aliases, merges, tags, directives, flow and
# block indicators, and a few that are not YAML at all.
YAML_PIECES = [
    "&a ",
    "*a",
    "<<: *a\n",
    "!!binary ",
    "!!python/object:os.system ",
    "!custom ",
    "? ",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ": ",
    "- ",
    "|\n",
    ">-\n",
    "'",
    '"',
    "#",
    "\t",
    "\r\n",
    "\x00",
    "\ufeff",
    "{{ .Values.x }}",
    "range: ",
    "semver:\n",
    "kind: ImagePolicy\n",
    "kind: Kustomization\n",
    "patches:\n  - patch: |\n      x\n",
    "apiVersion: image.toolkit.fluxcd.io/v1beta2\n",
    "  ",
    "\n",
    "2",
    "1.2.x",
    "null",
    "~",
]
POLICY_TEXT = (
    "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: app-dev\n"
    "spec:\n  imageRepositoryRef:\n    name: app\n  policy:\n    semver:\n      range: 1.2.x\n"
)


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    """A policy file with YAML pieces spliced in, or arbitrary bytes mentioning ImagePolicy."""
    if draw(st.integers(0, 5)) == 0:
        return b"kind: ImagePolicy\n" + draw(st.binary(max_size=200))
    text = POLICY_TEXT
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(YAML_PIECES)) + text[at:]
    return text.encode("utf-8", "surrogatepass")


def _scan_and_check_never_crash(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "clusters").mkdir()
        (root / "clusters" / "app-dev.yaml").write_bytes(raw)
        repo = scan(root, DEFAULT_CONFIG)
        result = rules.run(repo)
    # Either the file's policies were read, or the file is one FS009 finding with a position.
    assert len(repo.errors) <= 1
    for error in repo.errors:
        assert error.line >= 1 and error.column >= 1 and error.message
    for finding in result.findings:
        assert finding.message and finding.line >= 1


# --- the properties, run bounded (normal suite) or long (slow) ------------------------------

Property = tuple[Callable[..., None], tuple[st.SearchStrategy[Any], ...]]
PROPERTIES: dict[str, Property] = {
    "range": (_range_raises_only_invalid_range, (hostile_ranges(), versions)),
    "version": (_version_raises_only_invalid_version, (hostile_ranges(),)),
    "latest_tag": (
        _latest_tag_raises_only_invalid_range,
        (hostile_ranges(), st.lists(hostile_ranges(), max_size=5)),
    ),
    "set_range": (_set_range_changes_only_the_range, (policy_files(), NEW_RANGES)),
    "scan": (_scan_and_check_never_crash, (hostile_files(),)),
}


def run_property(name: str, examples: int) -> None:
    function, strategies = PROPERTIES[name]
    test = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )(given(*strategies)(function))
    test()


def test_range_raises_only_invalid_range() -> None:
    run_property("range", NORMAL)


def test_version_raises_only_invalid_version() -> None:
    run_property("version", NORMAL)


def test_latest_tag_raises_only_invalid_range() -> None:
    run_property("latest_tag", NORMAL)


def test_set_range_changes_only_the_range() -> None:
    run_property("set_range", NORMAL)


def test_scan_and_check_never_crash_on_hostile_files() -> None:
    run_property("scan", NORMAL)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PROPERTIES))
def test_long_run(name: str) -> None:
    run_property(name, LONG)
