"""Reading the action's inputs: booleans, lists, the version the event names, and refusing
values that must never reach git or a shell."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from actions_toolkit import core

from flux_semver.github.inputs import DEFAULT_AUTHOR, InputError, read_inputs


def _reader(values: dict[str, str]) -> Callable[[str], str]:
    return lambda name: values.get(name, "")


def _event(tmp_path: Path, name: str, payload: dict[str, object], ref: str = "") -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    env = {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path)}
    if ref:
        env["GITHUB_REF"] = ref
    return env


def test_defaults_when_every_input_is_empty() -> None:
    got = read_inputs(_reader({}), {})
    assert got.command == "promote"
    assert got.version is None
    assert got.dry_run is False and got.auto_merge is False
    assert got.pull_requests == "per-stage"
    assert got.evidence_policy == "report"
    assert got.release_type is None
    assert got.path == "."
    assert f"{got.author_name} <{got.author_email}>" == DEFAULT_AUTHOR


def test_hyphenated_inputs_arrive_through_actions_toolkit(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Docker runner passes INPUT_DRY-RUN, hyphen kept; a shell entrypoint would drop it.
    monkeypatch.setenv("INPUT_DRY-RUN", "true")
    monkeypatch.setenv("INPUT_PULL-REQUESTS", "single")
    monkeypatch.setenv("INPUT_VERSION", " 2.0.0 ")
    got = read_inputs(core.get_input, {})
    assert got.dry_run is True
    assert got.pull_requests == "single"
    assert got.version == "2.0.0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("yes", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("no", False),
        ("0", False),
        ("", False),
    ],
)
def test_booleans(raw: str, expected: bool) -> None:
    assert read_inputs(_reader({"dry-run": raw}), {}).dry_run is expected


def test_a_boolean_that_is_not_one_names_the_input() -> None:
    with pytest.raises(InputError, match=r"input `auto-merge`: \"maybe\" is not a boolean"):
        read_inputs(_reader({"auto-merge": "maybe"}), {})


def test_lists_split_on_commas_spaces_and_newlines() -> None:
    got = read_inputs(
        _reader(
            {
                "stages": "dev, pre-prod\nprod prod",
                "labels": "a, b c\nd",
                "evidence-junit": "reports/*.xml\nmore/**/junit.xml",
            }
        ),
        {},
    )
    assert got.stages == ("dev", "pre-prod", "prod")
    assert got.labels == ("a", "b c", "d")
    assert got.evidence_junit == ("reports/*.xml", "more/**/junit.xml")


def test_links_and_author() -> None:
    got = read_inputs(
        _reader(
            {
                "evidence-links": "Grafana=https://grafana.example/d/1\nLogs = https://logs.example/x",
                "commit-author": "Release Bot <bot@example.com>",
            }
        ),
        {},
    )
    assert got.evidence_links == (
        ("Grafana", "https://grafana.example/d/1"),
        ("Logs", "https://logs.example/x"),
    )
    assert (got.author_name, got.author_email) == ("Release Bot", "bot@example.com")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("evidence-links", "no equals sign", "NAME=URL"),
        ("commit-author", "just a name", "'Name <email>'"),
        ("pull-requests", "several", "per-stage, single, none"),
        ("command", "deploy", "promote, check, rollback"),
        ("evidence-policy", "warn", "report, block"),
        ("release-type", "huge", "auto, patch, minor, major"),
        ("path", "../elsewhere", "inside the workspace"),
        ("path", "/etc", "inside the workspace"),
        ("config", "../../.flux-semver.yaml", "inside the workspace"),
        ("evidence-url", "javascript:alert(1)", "not an http(s) URL"),
        ("base", "main; true", "not a branch name"),
    ],
)
def test_bad_inputs_are_one_line_naming_the_input(name: str, value: str, says: str) -> None:
    with pytest.raises(InputError) as caught:
        read_inputs(_reader({name: value}), {})
    message = str(caught.value)
    assert "\n" not in message
    assert name in message and says in message


def test_release_event_tag_is_the_version(tmp_path: Path) -> None:
    env = _event(tmp_path, "release", {"release": {"tag_name": "v2.0.0"}}, "refs/tags/v2.0.0")
    got = read_inputs(_reader({}), env)
    assert got.version == "v2.0.0"
    assert "release" in got.version_source


def test_repository_dispatch_payload_gives_version_image_and_evidence(tmp_path: Path) -> None:
    env = _event(
        tmp_path,
        "repository_dispatch",
        {
            "action": "new-release",
            "client_payload": {
                "version": "1.3.0",
                "image": "myapp",
                "evidence_url": "https://ci.example/runs/7",
            },
        },
    )
    got = read_inputs(_reader({}), env)
    assert (got.version, got.image, got.evidence_url) == (
        "1.3.0",
        "myapp",
        "https://ci.example/runs/7",
    )


def test_pushed_tag_is_the_version(tmp_path: Path) -> None:
    env = _event(tmp_path, "push", {"ref": "refs/tags/3.1.4"}, "refs/tags/3.1.4")
    assert read_inputs(_reader({}), env).version == "3.1.4"


def test_inputs_win_over_the_event(tmp_path: Path) -> None:
    env = _event(
        tmp_path,
        "repository_dispatch",
        {
            "client_payload": {
                "version": "1.3.0",
                "image": "other",
                "evidence_url": "https://ci.example/1",
            }
        },
    )
    got = read_inputs(
        _reader({"version": "1.4.0", "image": "myapp", "evidence-url": "https://ci.example/2"}), env
    )
    assert (got.version, got.image, got.evidence_url) == ("1.4.0", "myapp", "https://ci.example/2")


def test_a_push_to_a_branch_names_no_version(tmp_path: Path) -> None:
    env = _event(tmp_path, "push", {"ref": "refs/heads/main"}, "refs/heads/main")
    assert read_inputs(_reader({}), env).version is None


@pytest.mark.parametrize(
    "version",
    [
        "2.0.0; rm -rf /",
        "2.0.0 && curl x",
        "$(id)",
        "`id`",
        "2.0.0\nFlux-Semver-App: evil",
        "2.0.0|cat",
        "2.0.0>out",
        "../../2.0.0",
        " ",
    ],
)
def test_versions_with_shell_metacharacters_or_newlines_are_refused(
    tmp_path: Path, version: str
) -> None:
    env = _event(tmp_path, "repository_dispatch", {"client_payload": {"version": version}})
    with pytest.raises(InputError) as caught:
        read_inputs(_reader({}), env)
    message = str(caught.value)
    assert "\n" not in message
    assert "client_payload.version" in message and "is not a version" in message


@pytest.mark.parametrize(
    "image",
    [
        "clusters/prod",
        "../myapp",
        "/etc/passwd",
        "ghcr.io/acme/myapp",
        "myapp:2.0.0",
        "a b",
    ],
)
def test_an_image_that_is_a_path_or_reference_is_refused(tmp_path: Path, image: str) -> None:
    with pytest.raises(InputError, match=r"input `image`: .* is not an app name"):
        read_inputs(_reader({"image": image}), {})
    env = _event(tmp_path, "repository_dispatch", {"client_payload": {"image": image}})
    with pytest.raises(InputError, match=r"client_payload\.image"):
        read_inputs(_reader({}), env)


def test_an_unreadable_event_file_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text("{not json", encoding="utf-8")
    env = {"GITHUB_EVENT_NAME": "release", "GITHUB_EVENT_PATH": str(tmp_path / "event.json")}
    with pytest.raises(InputError, match="GITHUB_EVENT_PATH"):
        read_inputs(_reader({}), env)
