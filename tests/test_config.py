"""``.flux-semver.yaml``: defaults, validation with line numbers, YAML 1.2 reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from flux_semver.errors import ConfigError, FluxSemverError
from flux_semver.repo import config

# The default block of README: Configuration, as a user would write it.
DESIGN_BLOCK = """\
stages:
  - name: dev
    aliases: [dev, development]
    on: {patch: follow, minor: follow, major: follow}
  - name: pre-prod
    aliases: [pre-prod, preprod, staging, stage, uat, qa]
    on: {patch: auto, minor: follow, major: follow}
  - name: prod
    aliases: [prod, production, live]
    # paths: ["clusters/prod*/**"]   # optional globs; when a config gives any, they decide
    exact: true          # prod pins one version
    after: pre-prod      # nothing reaches prod that pre-prod does not admit
    on: {patch: follow, minor: hold, major: follow}
    approval: {major: required, hotfix: required}
"""


def _write(root: Path, text: str) -> Path:
    path = root / ".flux-semver.yaml"
    path.write_text(text)
    return path


def test_without_a_file_the_defaults_apply(tmp_path: Path) -> None:
    assert config.load(tmp_path) is config.DEFAULT_CONFIG


def test_defaults_are_the_design_block(tmp_path: Path) -> None:
    _write(tmp_path, DESIGN_BLOCK)
    loaded = config.load(tmp_path)
    assert loaded.source == ".flux-semver.yaml"
    assert loaded.stages == config.DEFAULT_CONFIG.stages


def test_default_matrix_reads_as_the_release_matrix_says() -> None:
    stages = {s.name: s for s in config.DEFAULT_CONFIG.stages}
    assert config.DEFAULT_CONFIG.stage_names == ("dev", "pre-prod", "prod")
    # dev follows minors: it must never run older code than prod (README: Configuration)
    assert [stages["dev"].rule_for(t) for t in ("patch", "minor", "major")] == [
        "follow",
        "follow",
        "follow",
    ]
    assert [stages["prod"].rule_for(t) for t in ("patch", "minor", "major")] == [
        "follow",
        "hold",
        "follow",
    ]
    assert all(s.rule_for("prerelease") == "hold" for s in stages.values())
    assert stages["prod"].exact and stages["prod"].after == "pre-prod"
    assert stages["prod"].approval == {"major": "required", "hotfix": "required"}


def test_on_is_a_key_not_a_boolean(tmp_path: Path) -> None:
    _write(tmp_path, "stages:\n  - name: qa\n    on:\n      minor: hold\n")
    (stage,) = config.load(tmp_path).stages
    assert stage.rule_for("minor") == "hold"
    assert stage.rule_for("patch") == "hold"  # a stage of its own holds what `on` leaves out
    assert stage.rule_for("prerelease") == "hold"
    assert stage.aliases == ("qa",)  # a stage's name is always one of its aliases


def test_explicit_path_and_paths_globs(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yml"
    path.write_text('stages:\n  - name: live\n    paths: ["clusters/prod*/**"]\n')
    loaded = config.load(tmp_path, path)
    assert loaded.stages[0].paths == ("clusters/prod*/**",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "stages:\n  - name: dev\nrules: {}\n",
            r"^\.flux-semver\.yaml:3: unknown key 'rules' in the top level — allowed keys are "
            "exclude, stages",
        ),
        (
            "stages:\n  - name: dev\n    exact: true\n    alias: [d]\n",
            r"^\.flux-semver\.yaml:4: unknown key 'alias' in stages\[0\] — allowed keys are "
            r"after, aliases, approval",
        ),
        (
            "stages:\n  - name: dev\n    on: {patch: always}\n",
            r"^\.flux-semver\.yaml:3: stages\[0\]\.on\.patch is 'always' — use one of: "
            r"auto, follow, hold$",
        ),
        (
            "stages:\n  - name: dev\n  - name: prod\n    after: staging\n",
            r"^\.flux-semver\.yaml:4: `after: staging` names no stage — use one of: dev, prod$",
        ),
        (
            "stages:\n  - name: prod\n    after: dev\n  - name: dev\n",
            r"^\.flux-semver\.yaml:3: stage 'prod' is after 'dev', which comes later",
        ),
        (
            "stages:\n  - name: prod\n    after: prod\n",
            r"^\.flux-semver\.yaml:3: stage 'prod' is after itself",
        ),
        (
            "stages:\n  - name: dev\n  - name: prod\n  - name: dev\n",
            r"^\.flux-semver\.yaml:4: stage 'dev' is listed twice",
        ),
        (
            "stages:\n  - name: dev\n  - name: prod\n    aliases: [dev]\n",
            r"^\.flux-semver\.yaml:4: alias 'dev' is claimed by stages 'dev' and 'prod'",
        ),
        (
            "stages:\n  - name: dev\n    exact: yes please\n",
            r"^\.flux-semver\.yaml:3: stages\[0\]\.exact must be true or false, not a string$",
        ),
        ("stages: []\n", r"^\.flux-semver\.yaml:1: stages is empty — list at least one stage$"),
        ("stages:\n  - aliases: [x]\n", r"^\.flux-semver\.yaml:2: stages\[0\] lacks 'name'"),
        ("stages:\n  - name: my stage\n", r"^\.flux-semver\.yaml:2: stages\[0\]\.name is "),
        ("stages:\n  - name: dev\n   on: {}\n", r"^\.flux-semver\.yaml:3: not valid YAML: "),
        (
            "stages: [dev]\n---\nstages: [prod]\n",
            r"^\.flux-semver\.yaml:1: expected one YAML document with a `stages:` list, found 2",
        ),
        ("- dev\n- prod\n", r"^\.flux-semver\.yaml:1: the top level must be a mapping, not a list"),
    ],
)
def test_invalid_config_names_the_line_and_the_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    _write(tmp_path, text)
    with pytest.raises(ConfigError, match=expected):
        config.load(tmp_path)


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# stages come later\n  # indented too\n", "---\n", "---\n# none\n...\n"],
)
def test_an_empty_config_means_the_defaults(tmp_path: Path, text: str) -> None:
    _write(tmp_path, text)
    loaded = config.load(tmp_path)
    assert loaded.stages == config.DEFAULT_CONFIG.stages
    assert loaded.source == ".flux-semver.yaml"


def test_an_empty_config_given_with_config_means_the_defaults(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    assert config.load(tmp_path, empty).stages == config.DEFAULT_CONFIG.stages


def test_a_missing_explicit_config_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(FluxSemverError, match=r"nope\.yaml: cannot read the config file"):
        config.load(tmp_path, tmp_path / "nope.yaml")


def test_a_valid_config_is_read_without_importing_jsonschema(tmp_path: Path) -> None:
    # jsonschema takes longer to import than a pre-commit hook's whole check: only a config
    # that fails the compiled schema needs it, to say what is wrong
    import subprocess
    import sys

    (tmp_path / ".flux-semver.yaml").write_text(
        "stages:\n  - name: dev\n  - name: live\n    exact: true\n    after: dev\n"
        "    approval: {major: required}\n    freeze: [{days: [fri], from: '15:00'}]\n"
    )
    probe = (
        "import sys; from pathlib import Path; from flux_semver.repo import config; "
        "print([s.name for s in config.load(Path(sys.argv[1])).stages], "
        "'jsonschema' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout == "['dev', 'live'] False\n"
    (tmp_path / ".flux-semver.yaml").write_text("stages:\n  - name: dev\n    exact: 1\n")
    with pytest.raises(ConfigError, match=r"\.flux-semver\.yaml:3: "):
        config.load(tmp_path)
