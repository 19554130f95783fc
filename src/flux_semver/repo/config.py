"""``.flux-semver.yaml``: the stages of the release process (README: Configuration).

``load`` reads the file at the repository root (or the one given), checks it against the
JSON Schema shipped in ``data/config.schema.json`` and a few rules a schema cannot say
(unique stage names, ``after`` naming an earlier stage, one stage per alias, a stage name
that looks like a misspelt default stage), and returns a ``Config``. Every error names the
file and line and says how to fix it. Without a file the built-in ``DEFAULT_CONFIG`` applies:
the release matrix of README: How a release flows.

A stage named like a default stage (``dev``, ``pre-prod``, ``prod``) inherits every key it
leaves out from that default (``on`` and ``approval`` per release type); a stage of its own
holds every release type its ``on`` leaves out. So a config that only renames aliases keeps
prod exact, gated and on hold for minors.

The file is read as YAML 1.2: ``on``, ``yes`` and ``no`` are strings here, not booleans.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import msgspec
import yaml

from flux_semver.errors import ConfigError
from flux_semver.model import RELEASE_TYPES, Config, Stage, StageRule, Verify
from flux_semver.repo import yaml_positions
from flux_semver.repo.windows import WindowError, freeze_window, parse_duration

FILE_NAME = ".flux-semver.yaml"
# What a stage of its own (not named like a default stage) does for a release type its `on`
# leaves out: it holds, never follows.
DEFAULT_RULES: Mapping[str, StageRule] = {t: "hold" for t in RELEASE_TYPES}

DEFAULT_CONFIG = Config(
    stages=(
        Stage(
            name="dev",
            aliases=("dev", "development"),
            on={"patch": "follow", "minor": "follow", "major": "follow", "prerelease": "hold"},
        ),
        Stage(
            name="pre-prod",
            aliases=("pre-prod", "preprod", "staging", "stage", "uat", "qa"),
            on={"patch": "auto", "minor": "follow", "major": "follow", "prerelease": "hold"},
        ),
        Stage(
            name="prod",
            aliases=("prod", "production", "live"),
            exact=True,
            after="pre-prod",
            on={"patch": "follow", "minor": "hold", "major": "follow", "prerelease": "hold"},
            approval={"major": "required", "hotfix": "required"},
        ),
    ),
    source=None,
)


def load(root: Path, path: Path | None = None, *, exclude: Sequence[str] = ()) -> Config:
    """The config of the repository at ``root``, with the ``exclude`` globs (``--exclude``)
    added to its own.

    ``path`` None means ``root/.flux-semver.yaml`` when it exists, else ``DEFAULT_CONFIG``.
    A file that is empty or holds only comments means the defaults too.
    Raises ``ConfigError`` ("<file>:<line>: <what> — <how to fix>") on any invalid input.
    """
    config = _read(root, path)
    if not exclude:
        return config
    return msgspec.structs.replace(config, exclude=(*config.exclude, *exclude))


def _read(root: Path, path: Path | None) -> Config:
    found = path is None
    if path is None:
        path = root / FILE_NAME
        if not path.is_symlink() and not path.exists():
            return DEFAULT_CONFIG
    shown = _shown(root, path)
    # A config found in the repository must be a file: a FIFO there would block forever. One
    # given with --config may be a pipe (--config <(...)), never a directory.
    if path.is_dir() or (found and path.exists() and not path.is_file()):
        raise ConfigError(
            f"{shown}: not a regular file — make the config a plain YAML file, or point "
            "--config at one"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"{shown}: cannot read the config file ({exc.strerror}) — "
            "check the --config path, or leave it out to use the defaults"
        ) from None
    return parse(raw, shown)


@functools.lru_cache(maxsize=8)
def parse(raw: bytes, shown: str) -> Config:
    """A config from a file's bytes; ``shown`` is how error messages name the file. The same
    bytes are parsed once per process (a hook loads the config to choose what to parse, then
    to scan): a Config is immutable."""
    try:
        _, text = yaml_positions.decode(raw)
        documents = [d for d in yaml_positions.compose(text) if not _blank(d.node)]
    except yaml_positions.YamlError as exc:
        raise ConfigError(f"{shown}:{exc.line}: {exc.message}") from None
    if not documents:  # an empty file, or only comments: nothing is configured
        return msgspec.structs.replace(DEFAULT_CONFIG, source=shown)
    if len(documents) != 1:
        raise ConfigError(
            f"{shown}:1: expected one YAML document with a `stages:` list, found "
            f"{len(documents)} — write the stages in one document (see the README's Configuration)"
        )
    node = documents[0].node
    assert node is not None
    try:
        yaml_positions.guard(node)
    except yaml_positions.YamlError as exc:
        raise ConfigError(f"{shown}:{exc.line}: {exc.message}") from None
    lines: dict[tuple[Any, ...], int] = {}
    try:
        data = _plain(node, (), lines)
    except _Duplicate as exc:
        raise ConfigError(
            f"{shown}:{exc.line}: {exc.key!r} is written twice in one mapping (first on line "
            f"{exc.first}) — keep one of them"
        ) from None
    _validate(data, lines, shown)
    config = _build(cast(dict[str, Any], data), lines, shown)
    exclude = cast(dict[str, Any], data).get("exclude")
    return msgspec.structs.replace(config, exclude=tuple(exclude)) if exclude else config


def _blank(node: yaml.Node | None) -> bool:
    """A document with nothing in it: no node, or the empty scalar of a bare ``---``."""
    return node is None or (
        isinstance(node, yaml.ScalarNode)
        and node.value == ""
        and node.tag == "tag:yaml.org,2002:null"
    )


def _shown(root: Path, path: Path) -> str:
    try:  # the path as given, not where a symlink leads
        return (path.parent.resolve() / path.name).relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class _Duplicate(Exception):  # noqa: N818 - internal signal, turned into a ConfigError
    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


_INT = re.compile(r"-?[0-9]{1,18}")


def _plain(node: yaml.Node, where: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    """Plain data from a node, YAML 1.2 style, recording the line of every value and key."""
    lines.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in result:
                raise _Duplicate(key, key_node.start_mark.line + 1, lines[(*where, key, "<key>")])
            lines[(*where, key, "<key>")] = key_node.start_mark.line + 1
            result[key] = _plain(value_node, (*where, key), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*where, i), lines) for i, item in enumerate(node.value)]
    value = str(node.value)
    plain = getattr(node, "style", None) in (None, "")
    if plain and value in ("true", "True", "TRUE"):
        return True
    if plain and value in ("false", "False", "FALSE"):
        return False
    if plain and value in ("", "~", "null", "Null", "NULL"):
        return None
    if plain and _INT.fullmatch(value):  # ASCII digits only: "٣" is text; and no giant ints
        return int(value)
    return value


def _schema() -> dict[str, Any]:
    from flux_semver.repo.crds import data_text  # only when a config file exists

    text = data_text("config.schema.json")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _quick() -> Callable[[Any], bool] | None:
    """The schema compiled into one predicate (``crds.compile_root``): a valid config never
    imports jsonschema, slow to import; None when the schema outgrows what is compiled."""
    from flux_semver.repo import crds

    return crds.compile_root(_schema())


def _validate(data: Any, lines: Mapping[tuple[Any, ...], int], shown: str) -> None:
    quick = _quick()
    if quick is not None and quick(data):
        return
    # Imported only for a config that fails the quick check: jsonschema says what is wrong.
    jsonschema = importlib.import_module("jsonschema")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    located = [(_line_of(error, lines), error) for error in errors]
    line, error = min(located, key=lambda pair: (pair[0], len(pair[1].absolute_path)))
    raise ConfigError(f"{shown}:{line}: {_explain(error)}")


def _line_of(error: Any, lines: Mapping[tuple[Any, ...], int]) -> int:
    where = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return lines.get((*where, extra[0], "<key>"), lines.get(where, 1))
    while where not in lines and where:
        where = where[:-1]
    return lines.get(where, 1)


def _where(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def _explain(error: Any) -> str:
    where = _where(list(error.absolute_path))
    schema = error.schema
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in schema.get("properties", {})]
        return (
            f"unknown key {extra[0]!r} in {where} — allowed keys are "
            f"{', '.join(allowed)}; check the spelling"
        )
    if error.validator == "required":
        return (
            f"{where} lacks {error.message.split(' ')[0]} — add it (see the README's Configuration)"
        )
    if error.validator == "enum":
        options = ", ".join(str(o) for o in schema["enum"])
        return f"{where} is {error.instance!r} — use one of: {options}"
    if error.validator == "type":
        return f"{where} must be {_a(schema['type'])}, not {_a(_type_name(error.instance))}"
    if error.validator == "pattern":
        return (
            f"{where} is {error.instance!r} — a stage name or alias is letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    if error.validator == "uniqueItems":
        return f"{where} lists a value twice — list each alias once"
    if error.validator == "minItems":
        return f"{where} is empty — list at least one stage"
    if error.validator == "anyOf" and where.split(".")[-2:-1] == ["approval"]:
        return (
            f"{where} is {error.instance!r} — use required, none or a number of "
            "approving reviews such as 2"
        )
    if error.validator == "minLength":
        return f"{where} is empty — write a glob such as clusters/prod*/**"
    return f"{where}: {error.message}"  # pragma: no cover - every validator the schema uses


def _a(kind: str) -> str:
    words = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "boolean": "true or false",
        "integer": "a number",
        "null": "empty",
    }
    return words.get(kind, kind)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    if isinstance(value, int):
        return "integer"
    return "string"


def _default(name: str) -> Stage | None:
    return next((s for s in DEFAULT_CONFIG.stages if s.name == name), None)


def _misspelt(name: str, names: Sequence[str]) -> str | None:
    """The default stage ``name`` looks like a misspelling of (``prodution``), when the
    config does not define that stage itself."""
    lowered = name.lower()
    words = {w for s in DEFAULT_CONFIG.stages for w in (s.name, *s.aliases)}
    if lowered in words or len(lowered) < 5:  # "prd", "stg": abbreviations, not typos
        return None
    import difflib  # only for a name of its own: its import compiles a pattern

    for stage in DEFAULT_CONFIG.stages:
        if stage.name in names:
            continue
        for word in (stage.name, *stage.aliases):
            if difflib.SequenceMatcher(None, lowered, word).ratio() >= 0.8:
                return stage.name
    return None


def _build(data: dict[str, Any], lines: Mapping[tuple[Any, ...], int], shown: str) -> Config:
    stages: list[Stage] = []
    owner: dict[str, str] = {}  # alias (lower case) -> stage name
    names = [str(item["name"]) for item in data["stages"]]
    for i, item in enumerate(data["stages"]):
        name: str = item["name"]
        here = lines.get(("stages", i, "name"), 1)
        if any(s.name == name for s in stages):
            raise ConfigError(
                f"{shown}:{here}: stage {name!r} is listed twice — give every stage its own name"
            )
        typo = _misspelt(name, names)
        if typo is not None:
            raise ConfigError(
                f"{shown}:{here}: stage {name!r} looks like a misspelling of the default stage "
                f"{typo!r} — write name: {typo} (it keeps the default's rules: "
                f"{_summary(_default(typo))}), or give your own stage a name further from it"
            )
        base = _default(name)
        after = item.get("after")
        if after is None and "after" not in item and base is not None and base.after in names:
            after = base.after
        if after is not None and not any(s.name == after for s in stages):
            line = lines.get(("stages", i, "after"), here)
            if after == name:
                raise ConfigError(
                    f"{shown}:{line}: stage {name!r} is after itself — name the "
                    "stage it must wait for, or remove `after`"
                )
            if after in names:
                raise ConfigError(
                    f"{shown}:{line}: stage {name!r} is after {after!r}, which "
                    "comes later — list the gate stage before the stages it gates"
                )
            raise ConfigError(
                f"{shown}:{line}: `after: {after}` names no stage — use one of: {', '.join(names)}"
            )
        given = item.get("aliases")
        inherited = base.aliases if base is not None and given is None else ()
        aliases = tuple(dict.fromkeys([*(given or inherited), name]))
        for alias in aliases:
            taken = owner.setdefault(alias.lower(), name)
            if taken != name:
                line = lines.get(("stages", i, "aliases"), here)
                raise ConfigError(
                    f"{shown}:{line}: alias {alias!r} is claimed by stages "
                    f"{taken!r} and {name!r} — keep it in one of them"
                )
        on = {**(base.on if base is not None else DEFAULT_RULES), **item.get("on", {})}
        approval = {**(base.approval if base is not None else {}), **item.get("approval", {})}
        exact = item.get("exact", base.exact if base is not None else False)
        stages.append(
            Stage(
                name=name,
                aliases=aliases,
                on=cast(dict[str, StageRule], on),
                paths=tuple(item.get("paths", [])),
                exact=bool(exact),
                after=after,
                approval=approval,
                verify=_verify(item, i, lines, shown),
                freeze=_freeze(item, i, lines, shown),
            )
        )
    _check_verified(stages, lines, shown)
    return Config(stages=tuple(stages), source=shown)


def _summary(stage: Stage | None) -> str:
    if stage is None:  # pragma: no cover - only default stages are suggested
        return "none"
    parts = [f"exact: {str(stage.exact).lower()}"]
    if stage.after:
        parts.append(f"after: {stage.after}")
    return ", ".join(parts)


def to_yaml(config: Config) -> str:
    """The effective configuration as ``.flux-semver.yaml`` text: every key of every stage,
    the inherited and default ones included (``flux-semver config``)."""
    out = [f"# effective configuration ({config.source or 'built-in defaults'})", "stages:"]
    for stage in config.stages:
        out.append(f"  - name: {stage.name}")
        out.append(f"    aliases: [{', '.join(stage.aliases)}]")
        if stage.paths:
            out.append("    paths: [" + ", ".join(json.dumps(p) for p in stage.paths) + "]")
        out.append(f"    exact: {str(stage.exact).lower()}")
        if stage.after:
            out.append(f"    after: {stage.after}")
        rules = ", ".join(f"{t}: {stage.rule_for(t)}" for t in RELEASE_TYPES)
        out.append(f"    on: {{{rules}}}")
        if stage.approval:
            given = ", ".join(f"{k}: {v}" for k, v in stage.approval.items())
            out.append(f"    approval: {{{given}}}")
        if stage.verify is not None:
            parts = [f"status: {stage.verify.status}"] if stage.verify.status else []
            if stage.verify.soak is not None:
                parts.append(f"soak: {int(stage.verify.soak.total_seconds() // 60)}m")
            out.append(f"    verify: {{{', '.join(parts)}}}")
        for window in stage.freeze:
            out.append(f"    # freeze: {window.label}")
    out.append("exclude: [" + ", ".join(json.dumps(g) for g in config.exclude) + "]")
    return "\n".join(out) + "\n"


def _verify(
    item: Mapping[str, Any], i: int, lines: Mapping[tuple[Any, ...], int], shown: str
) -> Verify | None:
    """``verify: {status, soak}`` of stage ``i``, its soak read as a duration."""
    data = item.get("verify")
    if data is None:
        return None
    soak = None
    if "soak" in data:
        try:
            soak = parse_duration(data["soak"])
        except WindowError as exc:
            line = lines.get(("stages", i, "verify", "soak"), 1)
            raise ConfigError(f"{shown}:{line}: stages[{i}].verify.soak: {exc}") from None
    return Verify(status=data.get("status"), soak=soak)


def _freeze(
    item: Mapping[str, Any], i: int, lines: Mapping[tuple[Any, ...], int], shown: str
) -> tuple[Any, ...]:
    windows = []
    for j, entry in enumerate(item.get("freeze", [])):
        try:
            if "days" not in entry and ("from" not in entry or "to" not in entry):
                raise WindowError(
                    "a freeze window needs `days` (weekly) or both `from` and "
                    '`to` dates — e.g. {days: [fri], from: "15:00", tz: UTC}'
                )
            windows.append(freeze_window(entry))
        except WindowError as exc:
            where = ("stages", i, "freeze", j)
            line = lines.get((*where, exc.key) if exc.key else where, lines.get(where, 1))
            raise ConfigError(f"{shown}:{line}: stages[{i}].freeze[{j}]: {exc}") from None
    return tuple(windows)


def _check_verified(
    stages: Sequence[Stage], lines: Mapping[tuple[Any, ...], int], shown: str
) -> None:
    """``verify`` belongs on a gate stage: one some other stage names with ``after``."""
    gates = {s.after for s in stages if s.after}
    for i, stage in enumerate(stages):
        if stage.verify is not None and stage.name not in gates:
            line = lines.get(("stages", i, "verify", "<key>"), 1)
            gated = [s.name for s in stages if s.name != stage.name]
            hint = f"add `after: {stage.name}` to the stage that must wait for it" + (
                f" (one of {', '.join(gated)})" if gated else ""
            )
            raise ConfigError(
                f"{shown}:{line}: stages[{i}].verify is set on {stage.name!r}, "
                f"but no stage is gated by it (no `after: {stage.name}`) — move "
                f"verify to the gate stage, or {hint}"
            )
