"""Lossless range edits: only the range's bytes change, everything else stays (README: promote)."""

from __future__ import annotations

import copy
import functools
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from flux_semver.model import Policy
from flux_semver.repo import config, editing, manifests
from tests.support.editing import set_range

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
LOSSLESS = DATA / "repos" / "lossless"
NEW_RANGES = ("9.9.x", ">=9.0.0 <10.0.0", "9.9.9", "^9.0.0")
BOM = b"\xef\xbb\xbf"


@functools.lru_cache(maxsize=16)
def _reference_documents(raw: bytes) -> tuple[Any, ...]:
    """The documents of a file, read by ruamel's pure-Python safe loader (not the code tested).

    Kept for the next edit of the same original: the corpus test edits each file four times,
    and this slow reader of the unchanged bytes was half its time."""
    text = raw.decode("utf-8-sig")
    return tuple(YAML(typ="safe", pure=True).load_all(text))


def _reference_load(raw: bytes) -> list[Any]:
    return copy.deepcopy(list(_reference_documents(raw)))


def _offset(text: str, line: int, column: int) -> int:
    """Character offset of a 1-based line and column, counting lines the way editors do."""
    lines = text.splitlines(keepends=True)
    return sum(len(x) for x in lines[: line - 1]) + column - 1


def _old_token(text: str, policy: Policy) -> str:
    """The range as written at the scanned position: the value, quoted or not."""
    assert policy.range_line is not None and policy.range_column is not None
    assert policy.range_text is not None
    at = _offset(text, policy.range_line, policy.range_column)
    for quote in ("'", '"', ""):
        token = quote + policy.range_text + quote
        if text.startswith(token, at) and (quote or text[at] not in "'\""):
            return token
    raise AssertionError(f"no range token at {policy.file}:{policy.range_line}")


def _allowed(text: str, policy: Policy, new: str) -> set[str]:
    """Every text the edit may produce: the value replaced, same quotes or quotes added."""
    old = _old_token(text, policy)
    assert policy.range_line is not None and policy.range_column is not None
    at = _offset(text, policy.range_line, policy.range_column)
    quote = old[0] if old[0] in "'\"" else ""
    tokens = {quote + new + quote} if quote else {new, f'"{new}"'}
    return {text[:at] + token + text[at + len(old) :] for token in tokens}


def _set(data: Any, value: str, *keys: str) -> None:
    for key in keys[:-1]:
        data = data[key]
    data[keys[-1]] = value


def _check_edit(root: Path, policy: Policy, new: str) -> None:
    path = root / policy.file
    before = path.read_bytes()
    assert set_range(root, policy, new) is (new != policy.range_text)
    after = path.read_bytes()
    bom = BOM if before.startswith(BOM) else b""
    assert after.startswith(bom)
    text_before = before[len(bom) :].decode()
    assert after[len(bom) :].decode() in _allowed(text_before, policy, new)
    expected = _reference_load(before)
    _set(expected[policy.document], new, *manifests.RANGE_PATH)
    assert _reference_load(after) == expected
    rescanned = [
        p for p in manifests.read(after, policy.file, _resolver()) if p.document == policy.document
    ]
    assert [p.range_text for p in rescanned] == [new]
    # the same edit again changes nothing, not even the file's bytes
    assert set_range(root, rescanned[0], new) is False
    assert path.read_bytes() == after


def _resolver() -> Any:
    from flux_semver.repo.stages import StageResolver

    return StageResolver(config.DEFAULT_CONFIG)


def _semver_policies(root: Path) -> list[Policy]:
    repo = manifests.scan(root, config.DEFAULT_CONFIG)
    return [p for p in repo.policies if p.kind == "semver" and not p.patch]


def test_every_corpus_range_is_rewritten_losslessly(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    policies = _semver_policies(root)
    assert len(policies) == 51  # SOURCES.md: 53 semver documents, 2 of them in templates
    originals = {p.file: (root / p.file).read_bytes() for p in policies}
    for policy in policies:
        for new in NEW_RANGES:
            (root / policy.file).write_bytes(originals[policy.file])
            _check_edit(root, policy, new)
        (root / policy.file).write_bytes(originals[policy.file])


@pytest.mark.parametrize("fixture", sorted(p.name for p in LOSSLESS.glob("*.yaml")))
@pytest.mark.parametrize("new", NEW_RANGES)
def test_synthetic_fixture_is_rewritten_losslessly(tmp_path: Path, fixture: str, new: str) -> None:
    shutil.copy(LOSSLESS / fixture, tmp_path / fixture)
    policies = _semver_policies(tmp_path)
    assert policies, fixture
    original = (tmp_path / fixture).read_bytes()
    for policy in policies:
        (tmp_path / fixture).write_bytes(original)
        _check_edit(tmp_path, policy, new)


def test_crlf_comment_and_other_documents_survive(tmp_path: Path) -> None:
    shutil.copy(LOSSLESS / "crlf.yaml", tmp_path)
    (policy,) = _semver_policies(tmp_path)
    original = (tmp_path / "crlf.yaml").read_bytes()
    assert set_range(tmp_path, policy, "1.2.4")
    assert (tmp_path / "crlf.yaml").read_bytes() == original.replace(
        b"range: '1.2.3'   # pinned in prod\r\n", b"range: '1.2.4'   # pinned in prod\r\n"
    )


def test_plain_range_gets_quotes_only_when_it_needs_them(tmp_path: Path) -> None:
    shutil.copy(LOSSLESS / "tilde.yaml", tmp_path)
    (policy,) = _semver_policies(tmp_path)
    set_range(tmp_path, policy, "~1.3")
    assert "      range: ~1.3\n" in (tmp_path / "tilde.yaml").read_text()
    (policy,) = _semver_policies(tmp_path)
    set_range(tmp_path, policy, ">=1.3.0 <1.4.0")  # plain, this would be a block scalar
    assert '      range: ">=1.3.0 <1.4.0"\n' in (tmp_path / "tilde.yaml").read_text()
    (policy,) = _semver_policies(tmp_path)
    set_range(tmp_path, policy, "1.3")  # plain, YAML would read a number
    assert '      range: "1.3"\n' in (tmp_path / "tilde.yaml").read_text()


def test_flow_mapping_value_that_would_break_the_flow_is_quoted(tmp_path: Path) -> None:
    shutil.copy(LOSSLESS / "flow.yaml", tmp_path)
    (policy,) = _semver_policies(tmp_path)
    set_range(tmp_path, policy, ">=2.1.0, <2.2.0")
    assert 'policy: {semver: {range: ">=2.1.0, <2.2.0"}}' in (tmp_path / "flow.yaml").read_text()


def test_two_policies_in_one_file_are_written_in_one_go(tmp_path: Path) -> None:
    shutil.copy(LOSSLESS / "two-policies.yaml", tmp_path)
    staging, prod = _semver_policies(tmp_path)
    changed = editing.set_ranges(tmp_path, [(staging, "1.5.x"), (prod, "1.4.0")])
    assert changed == ["two-policies.yaml"]
    assert [p.range_text for p in _semver_policies(tmp_path)] == ["1.5.x", "1.4.0"]


def test_file_mode_is_kept_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    shutil.copy(LOSSLESS / "tilde.yaml", tmp_path)
    (tmp_path / "tilde.yaml").chmod(0o640)
    (policy,) = _semver_policies(tmp_path)
    set_range(tmp_path, policy, "~1.3")
    assert stat.S_IMODE((tmp_path / "tilde.yaml").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tilde.yaml"]


def test_a_stale_policy_is_refused_and_the_file_left_alone(tmp_path: Path) -> None:
    shutil.copy(LOSSLESS / "tilde.yaml", tmp_path)
    (policy,) = _semver_policies(tmp_path)
    path = tmp_path / "tilde.yaml"
    path.write_text(path.read_text().replace("~1.2", "~1.4"))
    changed_since_scan = path.read_bytes()
    with pytest.raises(editing.StalePolicyError, match=r"tilde\.yaml:11:14: .*scan again"):
        set_range(tmp_path, policy, "~1.3")
    assert path.read_bytes() == changed_since_scan


def test_an_error_in_one_file_writes_no_file(tmp_path: Path) -> None:
    for name in ("tilde.yaml", "two-policies.yaml"):
        shutil.copy(LOSSLESS / name, tmp_path)
    by_name = {p.name: p for p in _semver_policies(tmp_path)}
    tilde, staging, prod = (by_name[n] for n in ("shop-staging", "search-staging", "search-prod"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "two-policies.yaml").write_text("changed: since the scan\n")
    with pytest.raises(editing.StalePolicyError):
        editing.set_ranges(tmp_path, [(tilde, "~1.3"), (staging, "1.5.x"), (prod, "1.4.0")])
    assert (tmp_path / "tilde.yaml").read_bytes() == before["tilde.yaml"]


def test_an_aliased_range_is_refused(tmp_path: Path) -> None:
    text = (LOSSLESS / "tilde.yaml").read_text()
    text = text.replace(
        "  name: shop-staging\n", "  name: shop-staging\n  annotations:\n    pinned: &r 1.2.x\n"
    ).replace("range: ~1.2", "range: *r")
    (tmp_path / "alias.yaml").write_text(text)
    (policy,) = _semver_policies(tmp_path)
    assert policy.range_text == "1.2.x"
    assert (policy.range_line, policy.range_column) == (13, 14)  # the `*r` token
    with pytest.raises(editing.EditError, match="alias"):
        set_range(tmp_path, policy, "1.3.x")
    assert (tmp_path / "alias.yaml").read_text() == text


def test_an_anchored_range_used_elsewhere_is_refused(tmp_path: Path) -> None:
    text = (LOSSLESS / "tilde.yaml").read_text()
    text = text.replace("range: ~1.2", "range: &r ~1.2") + "  note: *r\n"
    (tmp_path / "anchor.yaml").write_text(text)
    (policy,) = _semver_policies(tmp_path)
    with pytest.raises(editing.EditError, match="anchor used elsewhere"):
        set_range(tmp_path, policy, "~1.3")
    assert (tmp_path / "anchor.yaml").read_text() == text


def test_patches_and_other_policy_kinds_are_never_rewritten(tmp_path: Path) -> None:
    name = "ppbrown__fluxcd-starterkit__prod__ghcr-app__kustomization.yaml"
    shutil.copy(CORPUS / name, tmp_path)
    shutil.copy(CORPUS / "popilmv__flux__clusters__my-cluster__podinfo-policy.yaml", tmp_path)
    repo = manifests.scan(tmp_path, config.DEFAULT_CONFIG)
    patch = next(p for p in repo.policies if p.patch)
    numerical = next(p for p in repo.policies if p.kind == "numerical")
    with pytest.raises(editing.EditError, match="Kustomize patch"):
        set_range(tmp_path, patch, "1.2.x")
    with pytest.raises(editing.EditError, match="only semver ranges"):
        set_range(tmp_path, numerical, "1.2.x")


def test_a_multi_line_new_range_is_refused(tmp_path: Path) -> None:
    shutil.copy(LOSSLESS / "tilde.yaml", tmp_path)
    (policy,) = _semver_policies(tmp_path)
    with pytest.raises(editing.EditError, match="one-line range"):
        set_range(tmp_path, policy, "1.2.x\n1.3.x")


CONTEXTS = {
    "plain": "      range: 1.2.x  # note\n",
    "single": "      range: '1.2.x'\n",
    "double": '      range: "1.2.x"\n',
    "flow": "    semver: {range: 1.2.x, other: 1}\n",
    "flow-double": '    semver: {"range": "1.2.x"}\n',
}
RANGE_CHARACTERS = "0123456789.xX*^~=<>!|, -v'\"#:{}[]&@%`\\\t"


def _context_file(context: str) -> str:
    head = (LOSSLESS / "tilde.yaml").read_text().split("    semver:\n")[0]
    line = CONTEXTS[context]
    return head + ("    semver:\n" + line if line.startswith("      ") else line) + "# end\n"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    context=st.sampled_from(sorted(CONTEXTS)),
    new=st.text(RANGE_CHARACTERS, min_size=1, max_size=16).filter(lambda s: s.strip()),
)
def test_any_range_text_is_written_so_it_reads_back(tmp_path: Path, context: str, new: str) -> None:
    path = tmp_path / "p.yaml"
    original = _context_file(context)
    path.write_text(original)
    (policy,) = _semver_policies(tmp_path)
    set_range(tmp_path, policy, new)
    after = path.read_text()
    assert [p.range_text for p in _semver_policies(tmp_path)] == [new]
    # everything before the value and after its line is as it was
    assert policy.range_line is not None and policy.range_column is not None
    at = _offset(original, policy.range_line, policy.range_column)
    assert after[:at] == original[:at]
    assert after.endswith(original[original.index("\n", at) :])


@pytest.mark.parametrize("empty", ["range:", "range: &r !!str # nothing yet"])
def test_an_empty_range_is_refused(tmp_path: Path, empty: str) -> None:
    text = (LOSSLESS / "tilde.yaml").read_text().replace("range: ~1.2", empty)
    (tmp_path / "empty.yaml").write_text(text)
    (policy,) = _semver_policies(tmp_path)
    assert policy.range_text == ""
    with pytest.raises(editing.EditError, match="the range is empty — write a range there"):
        set_range(tmp_path, policy, "1.3.x")
    assert (tmp_path / "empty.yaml").read_text() == text


def test_a_broken_document_beside_the_policy_stops_the_edit(tmp_path: Path) -> None:
    # the scan reads only ImagePolicy documents; an edit checks the whole file
    text = (LOSSLESS / "tilde.yaml").read_text() + "---\nkind: ConfigMap\ndata: {a: 1, a: 2}\n"
    (tmp_path / "dup.yaml").write_text(text)
    (policy,) = _semver_policies(tmp_path)
    with pytest.raises(editing.EditError, match=r"^dup\.yaml:14:\d+: .*duplicate key 'a'"):
        set_range(tmp_path, policy, "~1.3")
    assert (tmp_path / "dup.yaml").read_text() == text
