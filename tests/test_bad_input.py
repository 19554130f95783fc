"""Hostile input: every case gives one exact line that says where, what and how to fix it,
never a traceback, and leaves the repository byte for byte as it was.

Each case runs the real command line (``python -m flux_semver``) or the Action's
``entrypoint.py`` as a subprocess on a GitOps repository in ``tmp_path``. File problems in
the repository are findings of ``check`` (FS009/FS001, exit 1) and stop ``plan``/``promote``
(exit 2): a release planned without a policy it could not read would skip that stage. (A Helm
template is the exception: never edited, it stops nothing.)

The tests may run as root, where ``chmod 000`` alone does not make a file unreadable: each
command runs without the two capabilities that let root read anything (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH, dropped by ``tests/support/unprivileged.py``), so an unreadable file or
directory is as real as for any user. Other unreadable things: a FIFO named ``.yaml``
(reading it would block forever: the scan never opens anything but regular files), a
dangling symlink, and a config path that is a FIFO or a directory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from flux_semver.repo.manifests import MAX_BYTES
from flux_semver.repo.yaml_positions import MAX_DEPTH, MAX_VALUES
from tests.support.action_runner import GIT_ENV, TOKEN, Result, Runner, git
from tests.support.unprivileged import as_a_user

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: myapp-{stage}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: myapp
  policy:
    semver:
      range: "{range}"
"""
START = {"dev": "1.2.x", "pre-prod": "1.2.x", "prod": "1.2.3"}
HEAD = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\n"
FS009 = "FS009 yaml the ImagePolicy in this file cannot be read: "
CLEAN = "no problems in 3 files (3 policies)"
ONE_ERROR = "1 error, 0 warnings in 4 files (3 policies)"
RANGE_HINT = "write a Masterminds/semver range such as 1.2.x, ~1.2, ^1.2.0, >=1.2.0 <1.3.0 or 1.2.3"


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def out(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def err(self) -> list[str]:
        return self.stderr.splitlines()


def run(root: Path, *args: str) -> Ran:
    done = subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "GITHUB_ACTIONS": ""},
        preexec_fn=as_a_user,
    )
    assert "Traceback" not in done.stdout + done.stderr
    return Ran(done.returncode, done.stdout, done.stderr)


def snapshot(root: Path) -> dict[str, tuple[str, str]]:
    """Every entry under ``root`` as (kind, content digest or link target); links not followed."""
    seen: dict[str, tuple[str, str]] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                seen[rel] = ("link", str(path.readlink()))
            elif path.is_dir():
                seen[rel] = ("dir", "")
            elif path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                seen[rel] = ("file", f"{digest} {path.stat().st_mode:o}")
            else:
                seen[rel] = ("other", f"{path.lstat().st_mode:o}")
    return seen


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    for stage, rng in START.items():
        path = root / "clusters" / stage / "imagepolicy.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(POLICY.format(stage=stage.replace("-", ""), range=rng))
    (root / "apps").mkdir()
    return root


def check_refuses(root: Path, finding: str, summary: str = ONE_ERROR) -> None:
    """``check`` reports exactly ``finding`` (exit 1), and ``promote`` refuses, writing nothing.

    A broken file stops only the releases of the apps it could hold (the ones it names), so
    a readable one gets a last line naming this app: it is a broken policy file of myapp's.
    """
    path = root / finding.split(":", 1)[0]
    readable = path.is_file() and not path.is_symlink() and os.access(path, os.R_OK)
    if readable and path.stat().st_size < MAX_BYTES:
        with path.open("ab") as stream:
            stream.write(b"\n# app: myapp\n")
    before = snapshot(root)
    result = run(root, "check")
    assert (result.code, result.out, result.err) == (1, [finding, summary], [])
    where, _, rest = finding.partition(f" {FS009}")
    result = run(root, "promote", "1.3.0")
    assert (result.code, result.stdout) == (2, "")
    assert result.err == [
        f"flux-semver: error: {where} no release is planned while this "
        f"ImagePolicy file cannot be read: {rest}"
    ]
    assert snapshot(root) == before


def check_ignores(root: Path) -> None:
    """``check`` passes over the entry, and ``promote`` writes only the policy files it owns."""
    before = snapshot(root)
    result = run(root, "check")
    assert (result.code, result.out, result.err) == (0, [CLEAN], [])
    result = run(root, "promote", "1.2.4")
    assert result.code == 0, result.stderr
    assert result.out[-1] == "changed: clusters/prod/imagepolicy.yaml"
    after = snapshot(root)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {"clusters/prod/imagepolicy.yaml"}


# --- files in the repository ---------------------------------------------------------------


def test_invalid_utf8(repo: Path) -> None:
    (repo / "apps" / "latin1.yaml").write_bytes(HEAD.encode() + b"metadata:\n  name: caf\xe9-dev\n")
    check_refuses(
        repo, f"apps/latin1.yaml:4:12: {FS009}not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )


def test_binary_file_named_yaml(repo: Path) -> None:
    # A PNG renamed .yaml whose bytes happen to spell the kind.
    (repo / "apps" / "logo.yaml").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR ImagePolicy \xff\xd8"
    )
    check_refuses(
        repo,
        f"apps/logo.yaml:3:1: {FS009}a binary file, not YAML text (it holds "
        "a NUL byte) — remove it, or rename it so that it does not end in .yaml",
    )


def test_fifty_megabyte_yaml_is_refused_without_reading_it_as_yaml(repo: Path) -> None:
    size = 50 << 20
    assert size > MAX_BYTES
    line = b"    note: " + b"x" * 100 + b"\n"
    head = (HEAD + "metadata:\n  name: huge-dev\n  annotations:\n").encode()
    with (repo / "apps" / "huge.yaml").open("wb") as stream:
        stream.write(head)
        stream.write(line * ((size - len(head)) // len(line)))
        stream.write(b"#" * (size - stream.tell() - 1) + b"\n")
    assert (repo / "apps" / "huge.yaml").stat().st_size == size
    check_refuses(
        repo,
        f"apps/huge.yaml:1:1: {FS009}the file is 50.0 MiB, over the 8 MiB "
        "flux-semver reads (a Kubernetes object is at most 1.5 MiB) — move "
        "the ImagePolicy into a file of its own",
    )


def test_fifty_megabyte_yaml_without_a_policy_is_passed_over(repo: Path) -> None:
    with (repo / "apps" / "bundle.yaml").open("wb") as stream:
        stream.write(b"kind: ConfigMap\ndata:\n" + b"  k: " + b"v" * (50 << 20) + b"\n")
    before = snapshot(repo)
    result = run(repo, "check")
    assert (result.code, result.out) == (0, ["no problems in 4 files (3 policies)"])
    assert snapshot(repo) == before


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_alias_bomb(repo: Path) -> None:
    # Each level holds 9 of the one before: a=10 values, b=91, c=820, d=7381, e=66430,
    # f=597871 -- f is the first past the limit, at its anchor (line 3 + 5, column 4).
    assert 66430 <= MAX_VALUES < 597871
    text = HEAD + BOMB + "metadata:\n  name: lol-dev\n  labels:\n    lol: *i\n"
    (repo / "apps" / "bomb.yaml").write_text(text)
    assert text.splitlines()[7].startswith("f: &f [")
    check_refuses(
        repo,
        f"apps/bomb.yaml:8:4: {FS009}the aliases here expand to more than "
        "100,000 values (an alias bomb) — write the values out instead of "
        "repeating aliases",
    )


def test_alias_bomb_inside_a_kustomize_patch(repo: Path) -> None:
    # A patch written as a string is YAML inside YAML: it is guarded the same way. The patch
    # is still listed (it targets an ImagePolicy); its unreadable content is left out.
    patch = "\n".join(
        f"      {line}"
        for line in ("kind: ImagePolicy\nmetadata:\n  name: lol-dev\n" + BOMB).splitlines()
    )
    (repo / "apps" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n"
        f"  - target:\n      kind: ImagePolicy\n    patch: |\n{patch}\n"
    )
    before = snapshot(repo)
    result = run(repo, "policies", "--format", "json")
    assert result.code == 0, result.stderr
    patches = [p for p in json.loads(result.stdout) if p["patch"]]
    assert [(p["file"], p["name"], p["range"]) for p in patches] == [
        ("apps/kustomization.yaml", "*", None)
    ]
    assert snapshot(repo) == before


def test_deeply_nested_document(repo: Path) -> None:
    # The document's mapping is level 1, the value of x level 2: level MAX_DEPTH + 1 is
    # the bracket number MAX_DEPTH, at column len("x: ") + MAX_DEPTH.
    depth = MAX_DEPTH + 50
    (repo / "apps" / "deep.yaml").write_text(
        HEAD + "metadata:\n  name: deep-dev\nx: " + "[" * depth + "]" * depth + "\n"
    )
    check_refuses(
        repo,
        f"apps/deep.yaml:5:{3 + MAX_DEPTH}: {FS009}the document nests more "
        "than 100 levels deep here — flatten it (a Kubernetes manifest needs "
        "far fewer)",
    )


def test_nesting_just_deep_enough_to_overflow_the_stack_is_refused_too(repo: Path) -> None:
    # 999 levels pass libyaml's own limit and used to end in a RecursionError.
    (repo / "apps" / "deep.yaml").write_text(
        HEAD + "metadata:\n  name: deep-dev\nx: " + "[" * 999 + "]" * 999 + "\n"
    )
    result = run(repo, "check")
    assert result.code == 1
    assert result.out[0].startswith(f"apps/deep.yaml:5:{3 + MAX_DEPTH}: {FS009}")


def test_duplicate_keys_in_a_policy(repo: Path) -> None:
    path = repo / "clusters" / "dev" / "imagepolicy.yaml"
    path.write_text(path.read_text() + "      range: 9.x\n")
    check_refuses(
        repo,
        f"clusters/dev/imagepolicy.yaml:12:7: {FS009}not valid YAML: "
        "duplicate key 'range', first written on line 11 — remove one of the "
        "two (Kubernetes rejects duplicate keys)",
        "1 error, 0 warnings in 3 files (2 policies)",
    )


def test_tab_indentation(repo: Path) -> None:
    (repo / "apps" / "tabs.yaml").write_text(HEAD + "metadata:\n\tname: tabs-dev\n")
    check_refuses(
        repo,
        f"apps/tabs.yaml:4:1: {FS009}not valid YAML: a tab character here — "
        "YAML indents with spaces only: replace the tab",
    )


def test_tagged_value_that_cannot_be_read(repo: Path) -> None:
    (repo / "apps" / "tagged.yaml").write_text(HEAD + "metadata:\n  name: !!binary abc\n")
    check_refuses(
        repo,
        f"apps/tagged.yaml:4:9: {FS009}not valid YAML: cannot read this "
        "binary value — fix the value, or remove its tag",
    )


def test_values_python_cannot_hold_stay_text(repo: Path) -> None:
    # Found by fuzzing: a 5,000-digit number could not be printed, 2024-02-30 is no date, and
    # !!bool maybe is no boolean. Kubernetes reads them as text; so does the scan.
    huge = "0x" + "f" * 5000
    path = repo / "clusters" / "dev" / "imagepolicy.yaml"
    path.write_text(
        path.read_text().replace(
            "  namespace: flux-system\n",
            f"  namespace: flux-system\n  labels:\n    a: {huge}\n    b: 2024-02-30\n"
            "    c: !!bool maybe\n",
        )
    )
    before = snapshot(repo)
    result = run(repo, "policies", "--format", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)[0]["labels"] == {"a": huge, "b": "2024-02-30", "c": "maybe"}
    assert snapshot(repo) == before


def test_helm_template_is_reported_but_does_not_stop_a_release(repo: Path) -> None:
    # A chart's template is not YAML until Helm renders it; flux-semver never edits it, so
    # it is an FS009 finding of check but no reason to refuse promoting the real policies.
    template = repo / "charts" / "app" / "templates" / "imagepolicy.yaml"
    template.parent.mkdir(parents=True)
    template.write_text(
        HEAD + "metadata:\n  name: {{ .Release.Name }}-dev\nspec:\n"
        "  policy:\n    semver:\n      range: {{ .Values.range }}\n"
    )
    before = template.read_bytes()
    result = run(repo, "check")
    assert (result.code, result.out) == (
        1,
        [
            f"charts/app/templates/imagepolicy.yaml:4:28: {FS009}not valid YAML: while parsing a "
            "block mapping did not find expected key — this is a Helm or Go template, not YAML: "
            "point flux-semver at the rendered manifests, or exclude the file",
            ONE_ERROR,
        ],
    )
    result = run(repo, "promote", "1.2.4")
    assert (result.code, result.out[-1]) == (0, "changed: clusters/prod/imagepolicy.yaml")
    assert template.read_bytes() == before


def test_template_syntax_away_from_the_error_leaves_a_broken_file_broken(repo: Path) -> None:
    # `{{` only in a comment and a quoted string: the file is broken YAML, not a template, so
    # check names the parser's problem at its line and no release runs without the policy
    broken = repo / "clusters" / "prod" / "extra.yaml"
    broken.write_text(
        "# copied from the chart, where {{ .Values.range }} set it\n"
        + HEAD
        + "metadata:\n  name: myapp-extra\n"
        + '  annotations: {note: "set by {{ .Release.Name }}"}\n'
        + " namespace: flux-system\nspec: {}\n"
    )
    check_refuses(
        repo,
        f"clusters/prod/extra.yaml:7:2: {FS009}not valid YAML: while parsing a "
        "block mapping did not find expected key — fix the YAML syntax here",
    )


OUTSIDE = (
    "outside the repository, which flux-semver never reads — copy what it holds into "
    "the repository, or exclude it (exclude: in .flux-semver.yaml)"
)


def test_symlink_to_etc_passwd_is_never_read_but_reported(repo: Path) -> None:
    (repo / "apps" / "passwd.yaml").symlink_to("/etc/passwd")
    check_refuses(
        repo,
        f"apps/passwd.yaml:1:1: {FS009}a symbolic link to /etc/passwd, {OUTSIDE}",
        "1 error, 0 warnings in 3 files (3 policies)",
    )
    listed = run(repo, "policies")
    assert "root:" not in listed.stdout + listed.stderr
    assert "apps/passwd.yaml:1:1: error: a symbolic link to /etc/passwd" in listed.stdout
    (repo / ".flux-semver.yaml").write_text(
        "stages: [{name: dev}, {name: pre-prod}, {name: prod, exact: true, after: pre-prod}]\n"
        "exclude: [apps/passwd.yaml]\n"
    )
    result = run(repo, "check")  # excluded: never looked at (the config is a YAML file too)
    assert (result.code, result.out) == (0, ["no problems in 4 files (3 policies)"])


def test_symlink_to_a_policy_outside_the_repository_is_never_edited_but_reported(
    repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "imagepolicy.yaml"
    outside.parent.mkdir()
    outside.write_text(POLICY.format(stage="outside-prod", range="1.2.3"))
    before = outside.read_bytes()
    (repo / "clusters" / "prod" / "linked.yaml").symlink_to(outside)
    check_refuses(
        repo,
        f"clusters/prod/linked.yaml:1:1: {FS009}a symbolic link to {outside}, {OUTSIDE}",
        "1 error, 0 warnings in 3 files (3 policies)",
    )
    assert outside.read_bytes() == before


def test_directory_named_yaml(repo: Path) -> None:
    (repo / "apps" / "x.yaml").mkdir()
    (repo / "apps" / "x.yaml" / "notes.txt").write_text("kind: ImagePolicy\n")
    check_ignores(repo)


def test_fifo_named_yaml_does_not_block(repo: Path) -> None:
    os.mkfifo(repo / "apps" / "pipe.yaml")
    check_ignores(repo)


def test_unreadable_policy_file(repo: Path) -> None:
    (repo / "clusters" / "dev" / "imagepolicy.yaml").chmod(0)
    check_refuses(
        repo,
        f"clusters/dev/imagepolicy.yaml:1:1: {FS009}cannot read the file "
        "(Permission denied) — make it readable, or remove it from the "
        "repository",
        "1 error, 0 warnings in 3 files (2 policies)",
    )


def test_unreadable_directory(repo: Path) -> None:
    (repo / "clusters" / "prod").chmod(0)
    try:
        check_refuses(
            repo,
            f"clusters/prod/:1:1: {FS009}cannot list the directory "
            "(Permission denied) — make it readable, or remove it from the "
            "repository",
            "1 error, 0 warnings in 2 files (2 policies)",
        )
    finally:
        (repo / "clusters" / "prod").chmod(0o755)  # so that tmp_path can be cleaned up


def test_dangling_symlink(repo: Path) -> None:
    (repo / "apps" / "gone.yaml").symlink_to(repo / "apps" / "missing.yaml")
    check_ignores(repo)


# --- ranges --------------------------------------------------------------------------------


def test_range_of_ten_thousand_characters(repo: Path) -> None:
    # Over 512 bytes: Masterminds v3.5.0 (Flux 2.9) refuses it before parsing. (Finding
    # hyphens in it used to take seconds.)
    text = "1" * 10_000
    result = run(repo, "match", text, "1.0.0")
    assert (result.code, result.stdout) == (2, "")
    assert result.err == [
        f"flux-semver: error: invalid range '{text[:80]}… (10,000 characters)': "
        "constraint string is too long (max 512 bytes); Flux 2.9 refuses a range over "
        "512 bytes: shorten it"
    ]


def test_range_with_a_major_too_big_for_64_bits(repo: Path) -> None:
    # A 30-digit major fits the grammar but no uint64: Masterminds' "constraint parser error".
    result = run(repo, "match", "1" * 30, "1.0.0")
    assert (result.code, result.stdout) == (2, "")
    assert result.err == [
        f"flux-semver: error: invalid range '{'1' * 30}': constraint parser error; {RANGE_HINT}"
    ]


def test_range_of_ten_thousand_characters_in_a_policy(repo: Path) -> None:
    text = ">=1.0.0 " * 1249 + ">=1.0.0"
    (repo / "apps" / "long.yaml").write_text(POLICY.format(stage="long-dev", range=text + "!"))
    before = snapshot(repo)
    result = run(repo, "check", "apps/long.yaml")
    assert result.code == 1
    assert result.out[0] == (
        f'apps/long.yaml:11:14: FS001 invalid-range Flux cannot parse the range "{text[:80]}… '
        '(10,000 characters)" (constraint string is too long (max 512 bytes)): '
        'write one it accepts, such as "1.2.x", "~1.2", "^1.2.0" or ">=1.2.0 <1.3.0"'
    )
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("１.2.3", "column 1 holds U+FF11 FULLWIDTH DIGIT ONE, not ASCII — retype it as '1'"),
        (
            "1.2.3\u00a0",
            "column 6 holds U+00A0 NO-BREAK SPACE, not ASCII — replace it with a plain space",
        ),
        (
            ">=1.2.0\u00a0<1.3.0",
            "column 8 holds U+00A0 NO-BREAK SPACE, not ASCII — replace it with a plain space",
        ),
        (
            "1.2.х",
            "column 5 holds U+0445 CYRILLIC SMALL LETTER HA, not ASCII — ranges are plain "
            "ASCII: remove it",
        ),
    ],
)
def test_unicode_look_alikes_in_a_range(repo: Path, text: str, hint: str) -> None:
    result = run(repo, "match", text, "1.2.3")
    quoted = text.replace("\u00a0", "\\u00a0")
    assert (result.code, result.stdout) == (2, "")
    assert result.err == [
        f'flux-semver: error: invalid range {text!r}: improper constraint: "{quoted}"; {hint}'
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("１.3.x", "column 1 holds U+FF11 FULLWIDTH DIGIT ONE, not ASCII — retype it as '1'"),
        ("1.3.x\n::error::x", "give one like 1.2.x"),
        ("~" * 10_000, "give one like 1.2.x"),
    ],
    ids=["look-alike", "newline", "10,000 characters"],
)
def test_rollback_to_a_hostile_range(repo: Path, text: str, why: str) -> None:
    before = snapshot(repo)
    result = run(repo, "rollback", "--image", "myapp", "--stage", "dev", "--to", text)
    shown = repr(text if len(text) <= 80 else f"{text[:80]}… ({len(text):,} characters)")
    assert (result.code, result.stdout) == (2, "")
    assert result.err == [f"flux-semver: error: --to {shown} is not a range Flux accepts; {why}"]
    assert snapshot(repo) == before


def test_no_break_space_in_a_policy_range(repo: Path) -> None:
    path = repo / "clusters" / "dev" / "imagepolicy.yaml"
    path.write_text(POLICY.format(stage="dev", range="1.2.x\u00a0"))
    result = run(repo, "check", "clusters/dev/imagepolicy.yaml")
    assert result.code == 1
    assert result.out[0] == (
        "clusters/dev/imagepolicy.yaml:11:14: FS001 invalid-range Flux cannot parse the range "
        '"1.2.x\\xa0" (improper constraint: "1.2.x\\u00a0"): column 6 holds U+00A0 NO-BREAK '
        "SPACE, not ASCII — replace it with a plain space"
    )


# --- the config ----------------------------------------------------------------------------

CONFIG_CASES: dict[str, tuple[str, str]] = {
    "unknown key": (
        "stages:\n  - name: dev\n    aliases: [dev]\n    colour: blue\n",
        ".flux-semver.yaml:4: unknown key 'colour' in stages[0] — allowed keys are after, "
        "aliases, approval, exact, freeze, name, on, paths, verify; check the spelling",
    ),
    "unknown top-level key": (
        "stagez:\n  - name: dev\n",
        ".flux-semver.yaml:1: unknown key 'stagez' in the top level — allowed keys are "
        "exclude, stages; check the spelling",
    ),
    "a stage named twice": (
        "stages:\n  - name: dev\n  - name: prod\n  - name: dev\n",
        ".flux-semver.yaml:4: stage 'dev' is listed twice — give every stage its own name",
    ),
    "a key written twice": (
        "stages:\n  - name: dev\n    name: prod\n",
        ".flux-semver.yaml:3: 'name' is written twice in one mapping (first on line 2) — "
        "keep one of them",
    ),
    "an alias bomb": (
        BOMB + "stages: *i\n",
        f".flux-semver.yaml:6: the aliases here expand to more than {MAX_VALUES:,} values "
        "(an alias bomb) — write the values out instead of repeating aliases",
    ),
    "a recursive alias": (
        "stages: &s [*s]\n",
        f".flux-semver.yaml:1: the document nests more than {MAX_DEPTH} levels deep here — "
        "flatten it (a Kubernetes manifest needs far fewer)",
    ),
    "a 5,000-digit number": (
        "stages:\n  - name: dev\n    exact: " + "9" * 5000 + "\n",
        ".flux-semver.yaml:3: stages[0].exact must be true or false, not a string",
    ),
    "an Arabic-Indic digit as an alias": (
        "stages:\n  - name: dev\n    aliases: [\u0663]\n",
        ".flux-semver.yaml:3: stages[0].aliases[0] is '\u0663' — a stage name or alias is "
        "letters, digits, '.', '_' or '-', starting with a letter or digit",
    ),
    "invalid UTF-8": (
        "stages:\n  - name: d\udce9v\n",
        ".flux-semver.yaml:2: not UTF-8 text (byte 0xe9); save the file as UTF-8",
    ),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_bad_config(repo: Path, case: str) -> None:
    text, line = CONFIG_CASES[case]
    (repo / ".flux-semver.yaml").write_bytes(text.encode("utf-8", "surrogateescape"))
    before = snapshot(repo)
    for args in (["check"], ["promote", "1.3.0"]):
        result = run(repo, *args)
        assert (result.code, result.stdout, result.err) == (2, "", [f"flux-semver: error: {line}"])
    assert snapshot(repo) == before


MakeConfig = Callable[[Path], None]


@pytest.mark.parametrize(
    ("make", "line"),
    [
        (
            lambda p: os.mkfifo(p),
            "not a regular file — make the config a plain YAML file, or point --config at one",
        ),
        (
            lambda p: p.mkdir(),
            "not a regular file — make the config a plain YAML file, or point --config at one",
        ),
        (
            lambda p: p.symlink_to(p.parent / "missing.yaml"),
            "cannot read the config file (No such file or directory) — check the --config path, or "
            "leave it out to use the defaults",
        ),
    ],
    ids=["fifo", "directory", "dangling symlink"],
)
def test_unreadable_config(repo: Path, make: MakeConfig, line: str) -> None:
    make(repo / ".flux-semver.yaml")
    before = snapshot(repo)
    given = ["--config", str(repo / ".flux-semver.yaml"), "check"]
    for args in (["check"], *([given] if not is_fifo(repo / ".flux-semver.yaml") else [])):
        result = run(repo, *args)
        assert (result.code, result.stdout) == (2, "")
        assert result.err == [f"flux-semver: error: .flux-semver.yaml: {line}"]
    assert snapshot(repo) == before


def is_fifo(path: Path) -> bool:
    return stat.S_ISFIFO(path.lstat().st_mode)


def test_config_given_as_a_pipe_is_read(repo: Path, tmp_path: Path) -> None:
    # What `--config <(make-config)` passes: a pipe, read to its end like a file.
    pipe = tmp_path / "config-pipe"
    os.mkfifo(pipe)
    with subprocess.Popen(
        [sys.executable, "-m", "flux_semver", "-C", str(repo), "--config", str(pipe), "check"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        with pipe.open("w") as writer:
            writer.write("stages:\n  - name: dev\n  - name: pre-prod\n  - name: prod\n")
        out, err = child.communicate(timeout=60)
    assert (child.returncode, out.splitlines(), err) == (0, [CLEAN], "")


# --- the Action's inputs -------------------------------------------------------------------

TITLE = "::error title=flux-semver%3A input error::"
# The token, and the basic-auth header git is given, are hidden before anything is printed.
MASKS = [
    f"::add-mask::{TOKEN}",
    "::add-mask::" + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode(),
]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            {"version": "2.0.0; touch pwned"},
            'input `version`: "2.0.0; touch pwned" is not a version; '
            "give a semantic version such as "
            "2.0.0 or v2.0.0 (digits, letters, '.', '-' and '+' only)",
        ),
        (
            {"version": "$(touch pwned)"},
            'input `version`: "$(touch pwned)" is not a version; give a semantic version such as '
            "2.0.0 or v2.0.0 (digits, letters, '.', '-' and '+' only)",
        ),
        (
            {"version": "2.0.0\n::error::forged"},
            'input `version`: "2.0.0\\n::error::forged" is not a version; give a semantic version '
            "such as 2.0.0 or v2.0.0 (digits, letters, '.', '-' and '+' only)",
        ),
        (
            {"image": "../../etc/passwd"},
            'input `image`: "../../etc/passwd" is not an app name; give the name of the app\'s '
            "ImageRepository (the policies' spec.imageRepositoryRef.name, e.g. myapp), "
            "not a path or "
            "an image reference",
        ),
        (
            {"image": "/etc"},
            'input `image`: "/etc" is not an app name; give the name of the app\'s ImageRepository '
            "(the policies' spec.imageRepositoryRef.name, e.g. myapp), not a path or an image "
            "reference",
        ),
        (
            {"path": "../outside"},
            'input `path`: "../outside" must be a path inside the workspace, '
            "relative to it, without "
            "'..'",
        ),
        (
            {"config": "/etc/passwd"},
            'input `config`: "/etc/passwd" must be a path inside the workspace, relative to it, '
            "without '..'",
        ),
    ],
    ids=[
        "semicolon",
        "command substitution",
        "newline",
        "relative path",
        "absolute path",
        "path out of the workspace",
        "config out of the workspace",
    ],
)
def test_hostile_action_inputs(runner: Runner, inputs: dict[str, str], message: str) -> None:
    before = snapshot(runner.workspace)
    run_action: Callable[..., Result] = runner.run
    result = run_action(**inputs)
    assert result.code == 2
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands == [*MASKS, TITLE + message.replace("%", "%25")]
    assert "Traceback" not in result.stdout + result.stderr
    assert runner.server.requests == []
    assert runner.branches() == ["main"]
    assert not (runner.workspace / "pwned").exists() and not Path("pwned").exists()
    # Nothing changes but the summary file every run writes (inside .git, as its output says).
    after = snapshot(runner.workspace)
    assert result.outputs["summary-file"] == ".git/flux-semver/summary.md"
    assert {k: v for k, v in after.items() if not k.startswith(".git/flux-semver")} == before


# --- evidence inputs -----------------------------------------------------------------------

DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("files", "args", "line"),
    [
        (
            {"plan.json": DEEP_JSON},
            [],
            "plan.json: JSON nested too deeply to read; write it with `flux-semver plan VERSION "
            "--format json`",
        ),
        (
            {"metrics.json": '{"p95": ' + DEEP_JSON + "}"},
            ["--metrics", "metrics.json"],
            'metrics.json: JSON nested too deeply to read; write an object like {"p95_ms": '
            '{"value": 180, "threshold": 250, "better": "lower"}}',
        ),
        (
            {"junit.xml": "\x89PNG\r\n\x1a\n"},
            ["--junit", "junit.xml"],
            "junit.xml:1:1: not well-formed XML (not well-formed (invalid token)); "
            "pass a JUnit XML "
            "report written by the test runner",
        ),
        (
            {
                "junit.xml": '<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">'
                ']>\n<testsuite name="s" tests="1"><testcase name="&x;"/></testsuite>\n'
            },
            ["--junit", "junit.xml"],
            "junit.xml:3:47: not well-formed XML (reference to external entity in attribute); pass "
            "a JUnit XML report written by the test runner",
        ),
    ],
    ids=["deep plan", "deep metrics", "binary junit", "external entity"],
)
def test_hostile_evidence_inputs(
    tmp_path: Path, files: dict[str, str], args: list[str], line: str
) -> None:
    plan = {"app": "myapp", "version": "1.3.0", "release_type": "minor", "changes": []}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="latin-1")
    before = snapshot(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "flux_semver", "evidence", "--plan", "plan.json", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [f"flux-semver: error: {line}"]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("app", ["my app", "--upload-pack=touch pwned", "a..b", "x~1^2:y"])
def test_app_from_the_repository_that_cannot_name_a_branch(runner: Runner, app: str) -> None:
    env = {**GIT_ENV, "HOME": str(runner.home), "PATH": os.environ["PATH"]}
    for stage in ("dev", "pre-prod", "prod"):
        path = runner.author / "clusters" / stage / "imagepolicy.yaml"
        path.write_text(path.read_text().replace("    name: myapp\n", f"    name: {app!r}\n"))
    git(runner.author, "commit", "--quiet", "-am", "hostile app name", env=env)
    git(runner.author, "push", "--quiet", str(runner.origin), "HEAD:refs/heads/main", env=env)
    git(
        runner.workspace,
        "pull",
        "--quiet",
        "--ff-only",
        "origin",
        "main",
        env={**env, "GIT_TEST_ASSUME_DIFFERENT_OWNER": "0"},
    )
    before = snapshot(runner.workspace)
    run_action: Callable[..., Result] = runner.run
    result = run_action()
    assert result.code == 2
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands == [
        *MASKS,
        TITLE
        + (
            f"clusters/dev/imagepolicy.yaml:11: app {json.dumps(app)} cannot name a branch "
            "(flux-semver/<app>/<stage>); fix spec.imageRepositoryRef.name, or set the label "
            "flux-semver/app to a name such as myapp"
        ).replace("%", "%25"),
    ]
    assert runner.server.requests == [] and runner.branches() == ["main"]
    assert tree(snapshot(runner.workspace)) == tree(before)  # .git keeps the job summary
    assert not (runner.workspace / "pwned").exists()


def tree(seen: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """A snapshot's working tree: without git's own ``.git`` directory."""
    return {rel: what for rel, what in seen.items() if rel.split("/")[0] != ".git"}


@pytest.mark.parametrize(
    ("version", "why"),
    [
        ("2.0.0; touch pwned", "give one like 1.3.0 or v1.3.0"),
        ("$(touch pwned)", "give one like 1.3.0 or v1.3.0"),
        ("２.0.0", "column 1 holds U+FF12 FULLWIDTH DIGIT TWO, not ASCII — retype it as '2'"),
    ],
    ids=["semicolon", "command substitution", "look-alike"],
)
def test_hostile_version_argument(repo: Path, version: str, why: str) -> None:
    before = snapshot(repo)
    result = run(repo, "promote", version)
    assert (result.code, result.stdout) == (2, "")
    assert result.err == [
        f"flux-semver: error: {version!r} is not a semantic version ({version!r} is not a valid "
        "version: invalid semantic version (write MAJOR.MINOR.PATCH, e.g. 1.2.3 or "
        f"1.2.3-rc.1)); {why}"
    ]
    assert snapshot(repo) == before
    assert not (repo / "pwned").exists()
