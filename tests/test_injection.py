"""Workflow-command injection: text from the repository or from inputs never acts as a command.

On a GitHub runner every stdout line that starts with ``::`` is a workflow command
(``::error::``, ``::add-mask::``, ``::stop-commands::`` which turns all later ones off...).
A policy name, a file name, a range, a test name, a metric or a note is written by someone
else; here each carries ``::error::``, ``%0A`` and ``::stop-commands::``, with real line
breaks around them. Whatever runs — ``flux-semver check --format github``, ``flux-semver
evidence`` or the Action's ``entrypoint.py`` — the only lines starting with ``::`` are the
commands flux-semver means to emit, and their payloads come back intact when the runner
unescapes them (so ``%0A`` was escaped, not turned into a line break).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.action_runner import GIT_ENV, TOKEN, Result, Runner, git

HOSTILE = "x\n::error::injected %0A::stop-commands::tok\r\n::warning::w"
HOSTILE_NAME = "evil\n::error::name%0A::stop-commands::tok"
HOSTILE_FILE = "apps/x\n::error::file/p%0A::warning::y.yaml"

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: {name}
  namespace: {namespace}
spec:
  imageRepositoryRef:
    name: {app}
  policy:
    semver:
      range: {range}
"""
# Commands flux-semver emits on purpose, and the properties each may carry.
OURS = re.compile(
    r"::(error|warning|notice|add-mask|group|endgroup)"
    r"( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::.*"
)


def unescape_data(text: str) -> str:
    """What the runner makes of a command's message."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def commands(stdout: str) -> list[str]:
    """Every line the runner would read as a workflow command (it trims blanks first)."""
    return [line.strip() for line in stdout.splitlines() if line.strip().startswith("::")]


def assert_only_ours(stdout: str, allowed: set[str]) -> list[tuple[str, dict[str, str], str]]:
    """Each command is one flux-semver emits; returns them parsed (name, properties, message)."""
    parsed = []
    for line in commands(stdout):
        match = OURS.fullmatch(line)
        assert match is not None, f"a workflow command nobody meant: {line!r}"
        assert match[1] in allowed, line
        head, _, message = line[2:].partition("::")
        name, _, props = head.partition(" ")
        properties = dict(p.split("=", 1) for p in props.split(",")) if props else {}
        parsed.append(
            (name, {k: unescape_property(v) for k, v in properties.items()}, unescape_data(message))
        )
    assert "::stop-commands::" not in [line[:17] for line in commands(stdout)]
    return parsed


def quoted(text: str) -> str:
    return json.dumps(text)


def hostile_policy() -> str:
    return POLICY.format(
        name=quoted(HOSTILE_NAME),
        namespace=quoted("ns\r\n::error::ns"),
        app=quoted("app\n::error::app"),
        range=quoted("1.2.x\n" + HOSTILE),
    )


def test_check_github_format(tmp_path: Path) -> None:
    path = tmp_path / HOSTILE_FILE
    path.parent.mkdir(parents=True)
    path.write_text(hostile_policy())
    done = subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(tmp_path), "check", "--format", "github"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    parsed = assert_only_ours(done.stdout, {"error", "warning", "notice"})
    # FS005 (v1beta2), FS001 (the range) and FS006 (no stage): each at the real file.
    assert sorted(message.split(":")[0] for _, _, message in parsed) == [
        "FS001 invalid-range",
        "FS005 deprecated-api",
        "FS006 unmapped",
    ]
    assert {props["file"] for _, props, _ in parsed} == {HOSTILE_FILE}
    fs001 = next(message for _, _, message in parsed if message.startswith("FS001"))
    assert "1.2.x\n" + HOSTILE in fs001  # the range, intact once the runner unescapes it


def test_evidence_markdown(tmp_path: Path) -> None:
    plan = {
        "app": "myapp",
        "version": "1.3.0",
        "release_type": "minor",
        "changes": [
            {
                "stage": "pre-prod",
                "file": HOSTILE_FILE,
                "line": 11,
                "policy": f"ns/{HOSTILE_NAME}",
                "from": "1.2.x",
                "to": "1.3.x",
                "action": "update",
                "reason": HOSTILE,
            }
        ],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "junit.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        '<testsuite name="s&#10;::error::suite" tests="2" failures="1" errors="0" skipped="0">\n'
        '<testcase classname="c&#10;::stop-commands::tok" name="t&#10;::error::test %0A">\n'
        '<failure message="boom&#10;::error::failure">trace&#10;::error::trace</failure>\n'
        '</testcase>\n<testcase classname="c" name="::error::passed"/>\n'
        "</testsuite>\n</testsuites>\n"
    )
    (tmp_path / "metrics.json").write_text(
        json.dumps({"p95\n::error::metric": {"value": 300, "threshold": 250, "better": "lower"}})
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flux_semver",
            "evidence",
            "--plan",
            "plan.json",
            "--junit",
            "junit.xml",
            "--metrics",
            "metrics.json",
            "--notes",
            HOSTILE,
            "--link",
            "docs\n::error::link=https://example.com/\n::error::url",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert commands(done.stdout) == []
    assert "::error::test" in done.stdout and "::stop-commands::tok" in done.stdout


def add_hostile_policy(runner: Runner) -> None:
    """Commit a hostile policy upstream and bring it into the workspace."""
    env = {**GIT_ENV, "HOME": str(runner.home), "PATH": os.environ["PATH"]}
    path = runner.author / "clusters" / "dev" / "extra.yaml"
    path.write_text(hostile_policy())
    git(runner.author, "add", "-A", env=env)
    git(runner.author, "commit", "--quiet", "-m", "a hostile policy", env=env)
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


def test_action_check_log(runner: Runner) -> None:
    add_hostile_policy(runner)
    run: Callable[..., Result] = runner.run
    result = run(command="check")
    assert result.code == 1, result.stdout + result.stderr
    parsed = assert_only_ours(
        result.stdout, {"add-mask", "error", "warning", "notice", "group", "endgroup"}
    )
    assert ("add-mask", {}, TOKEN) in parsed
    header = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert ("add-mask", {}, header) in parsed
    findings = [p for p in parsed if p[0] in ("error", "warning")]
    assert findings and {props.get("file") for _, props, _ in findings} >= {
        "clusters/dev/extra.yaml"
    }
    assert any("1.2.x\n" + HOSTILE in message for _, _, message in findings)


def test_action_promote_log_with_hostile_notes(runner: Runner) -> None:
    run: Callable[..., Result] = runner.run
    result = run(
        evidence_notes=HOSTILE,
        evidence_links="Runbook ::error::%0A::stop-commands::t=https://e.x/?q=%0A",
        commit_author="Bot <bot@example.com>",
    )
    assert result.code == 0, result.stdout + result.stderr
    assert_only_ours(result.stdout, {"add-mask", "error", "warning", "notice", "group", "endgroup"})
    assert "::error::injected" in result.summary  # shown, escaped, in the job summary


def test_text_outputs_keep_hostile_text_on_its_line(tmp_path: Path) -> None:
    # Not only the Action: `plan`, `policies` and the pre-commit hooks print text, and CI
    # logs show it. Line breaks in names and paths are printed as \n, never as new lines.
    policy = POLICY.format(
        name=quoted("myapp-dev\n::error::name"), namespace="flux-system", app="myapp", range="1.2.x"
    )
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "evil-dev.yaml").write_text(policy)
    (tmp_path / "clusters" / "prod.yaml").write_text(
        POLICY.format(name="myapp-prod", namespace="flux-system", app="myapp", range="1.2.3")
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flux_semver", "-C", str(tmp_path), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GITHUB_ACTIONS": ""},
        )

    for args in (
        ["check"],
        ["policies"],
        ["plan", "1.2.4"],
        ["promote", "1.2.4", "--dry-run"],
        ["plan", "1.2.4", "--format", "markdown"],
        ["history"],
    ):
        done = cli(*args)
        assert commands(done.stdout + done.stderr) == [], (args, done.stdout, done.stderr)
        if args[0] in ("policies", "plan", "promote") and "markdown" not in args:
            assert "myapp-dev\\n::error::name" in done.stdout, args
    # An error naming a hostile file is still one line.
    # (it names the app, so it could hold one of its stages and stops the release)
    (tmp_path / "clusters" / "x\n::error::file.yaml").write_text(
        "kind: ImagePolicy\n# myapp\n: [\n"
    )
    done = cli("plan", "1.2.4")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.rstrip("\n")]
    assert done.stderr.startswith("flux-semver: error: clusters/x\\n::error::file.yaml:")
