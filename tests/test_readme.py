"""The README documents every rule, hook, command and option, and cannot drift from them.

The "## Rules" section is generated from the rules' own documentation (each rule module's
docstring); when a rule changes, regenerate it with ``python tests/test_readme.py``.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import click
import yaml

from flux_semver.cli import COMMANDS, cli
from flux_semver.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

INTRO = """\
`flux-semver check` (and the pre-commit hooks) run these rules over the whole repository.
Each finding names the file, line and column of the offending value (the range; the
apiVersion for FS005; the `kind: ImagePolicy` line for the rest of FS004), the policy, its
stage, and what to write instead.
Errors fail the check; warnings fail it only with `--strict`. Choose rules with
`--select`/`--ignore`, by code or by name (`--ignore FS008`, `--select not-exact,skips-stage`).

To accept one finding where it stands, write the comment
`# flux-semver: ignore FS0NN -- reason` at the end of its line (the line the finding points
at), or on a line of its own in the YAML document to silence those codes in that whole
document (between `---` separators). Several codes may be given (`ignore FS002, FS005`), by
code or by name; the reason is for the people who read the file. Suppressed findings are not
shown, but `check` counts them: `no problems in 4 files (3 policies), 1 suppressed`, and
`"suppressed"` in the JSON summary.

```yaml
    semver:
      range: "1.3.x"  # flux-semver: ignore FS002 -- prod follows patches until the freeze
```
"""


def rules_markdown() -> str:
    """The body of the README's "## Rules" section."""
    rows = "".join(
        f"| [{code}](#{code.lower()}-{rule.name}) | `{rule.name}` | {rule.severity} | "
        f"{rule.summary} |\n"
        for code, rule in RULES.items()
    )
    parts = [INTRO, "| code | name | default | fires when |\n| --- | --- | --- | --- |\n" + rows]
    for code, rule in RULES.items():
        lead, _, rest = rule.doc.partition("\n\n")
        parts.append(
            f"### {code} {rule.name}\n\n{lead} Default severity: **{rule.severity}**.\n\n{rest}\n"
        )
    return "\n".join(parts)


def section(text: str, title: str) -> str:
    """The text under ``## title`` up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f'README has no "## {title}" section'
    return match.group(1)


def test_rules_section_is_generated_from_the_rules() -> None:
    assert section(README.read_text(), "Rules").strip() == rules_markdown().strip(), (
        "the README's Rules section is out of date: run python tests/test_readme.py"
    )


def test_every_rule_has_a_subsection_with_examples() -> None:
    rules = section(README.read_text(), "Rules")
    for code, rule in RULES.items():
        body = rules.split(f"### {code} {rule.name}\n", 1)
        assert len(body) == 2, f"no subsection for {code}"
        own = body[1].split("\n### ", 1)[0]
        for part in ("**Why.**", "Fails", "Passes", "**Fix.**", "```yaml"):
            assert part in own, (code, part)


def test_every_hook_has_a_subsection_and_is_in_the_repos_snippet() -> None:
    hooks = section(README.read_text(), "pre-commit hooks")
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    snippet = re.search(r"```yaml\n((?:#.*\n)*repos:.*?)```", hooks, re.S)
    assert snippet, "no repos: snippet"
    config = yaml.safe_load(snippet.group(1))
    listed = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    for hook in manifest:
        assert f"\n### {hook['id']}\n" in hooks, f"no subsection for {hook['id']}"
        assert hook["id"] in listed, f"{hook['id']} missing from the repos: snippet"


def test_the_check_command_is_documented() -> None:
    commands = section(README.read_text(), "Commands")
    body = commands.split("### flux-semver check\n", 1)
    assert len(body) == 2
    own = body[1].split("\n### ", 1)[0]
    for option in (
        "--format",
        "text",
        "json",
        "github",
        "sarif",
        "--select",
        "--ignore",
        "--strict",
        "GITHUB_ACTIONS",
    ):
        assert option in own, option


def _prose(part: str) -> str:
    """``part`` without its fenced code blocks: an option used in an example is not described."""
    return re.sub(r"^```.*?^```", "", part, flags=re.S | re.M)


def _subsection(text: str, title: str) -> str:
    body = text.split(f"### {title}\n", 1)
    assert len(body) == 2, f'README\'s "## Commands" has no "### {title}" subsection'
    return body[1].split("\n### ", 1)[0]


def _option_names(command: click.Command) -> list[str]:
    """Every option of ``command`` by its long name (short ones only where there is no long);
    ``--help`` is described once, with the global options."""
    names = []
    for param in command.params:
        if isinstance(param, click.Option):
            opts = [*param.opts, *param.secondary_opts]
            names.extend([o for o in opts if o.startswith("--")] or opts)
    return names


def test_every_command_and_option_is_described_in_its_subsection() -> None:
    commands = section(README.read_text(), "Commands")
    missing = []
    for name, module in COMMANDS.items():
        command: click.Command = importlib.import_module(f"flux_semver.cli.{module}").command
        own = _prose(_subsection(commands, f"flux-semver {name}"))
        missing += [
            f"{name} {option}" for option in _option_names(command) if f"`{option}" not in own
        ]
    assert missing == [], "describe these options in their command's README subsection"


def test_global_options_and_exit_codes_are_described() -> None:
    own = _prose(
        _subsection(section(README.read_text(), "Commands"), "Global options and exit codes")
    )
    options = [o for p in cli.params if isinstance(p, click.Option) for o in p.opts]
    assert options == ["-C", "--config", "--exclude", "--version"]
    for option in [*options, "-h", "--help"]:
        assert f"`{option}" in own, option
    for code in range(4):
        assert re.search(rf"^\| {code} \| \S", own, re.M), f"exit code {code}"


def test_no_text_points_at_documents_users_do_not_have() -> None:
    # What the repository says must stand on its own: it cites the README, never a document
    # that is not in it.
    outside = re.compile(
        "|".join(["DESIGN" + r"\.md", r"\bthe " + "seed", "seed" + "'s", "seed" + " process"]), re.I
    )
    listed = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    found = []
    for name in filter(None, listed):
        path = ROOT / name
        if not path.is_file() or name.startswith("tests/data/"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [
            f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if outside.search(line)
        ]
    assert found == [], "say it in words of this repository (e.g. README: How a release flows)"


def _regenerate() -> None:
    text = README.read_text()
    old = section(text, "Rules")
    README.write_text(text.replace(f"## Rules\n{old}", f"## Rules\n\n{rules_markdown()}\n", 1))


if __name__ == "__main__":
    _regenerate()
    sys.exit(0)
