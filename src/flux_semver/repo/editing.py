"""Lossless range edits (README: flux-semver promote).

``set_ranges`` changes the bytes of each range value and nothing else: indentation, comments,
line endings (CRLF too), a byte-order mark, a missing final newline, anchors, the other
documents and the file's mode all stay. The value keeps its quote style where that still
reads back as the new range; a plain value that would not (``>=2.0.0 <3.0.0`` would start a
YAML block, ``1.2`` would read as a number) gets double quotes. Before anything is written
the new text is parsed again and must equal the old data with only the edited values
changed; then it replaces the file atomically (temporary file + rename).
"""

from __future__ import annotations

import copy
import glob
import json
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import yaml

from flux_semver.errors import FluxSemverError
from flux_semver.model import Policy
from flux_semver.repo import kinds, leftovers, locate, overlay_patch, yaml_positions


class EditError(FluxSemverError):
    """A range cannot be written as asked."""


class StalePolicyError(EditError):
    """The file changed since it was scanned: the policy is not where the scan saw it."""


# Characters a plain YAML scalar cannot start with (YAML indicators).
_PLAIN_START = frozenset("!&*-?:,[]{}#|>@`\"'%")


class _Edit(msgspec.Struct):
    policy: Policy
    new: str
    token: yaml_positions.Token
    style: str  # how the new value is written: plain, single or double


def set_ranges(root: Path, edits: Sequence[tuple[Policy, str]]) -> list[str]:
    """Apply several range edits, each file atomically; return the files that changed.

    Every file is prepared and verified before any is written, so an error in one edit
    leaves all files as they were.
    """
    pending = _prepared(root, edits)
    _replace_all(pending)
    return [file for file, _, _, _ in pending]


def edited_files(root: Path, edits: Sequence[tuple[Policy, str]]) -> dict[str, bytes]:
    """What :func:`set_ranges` would write, file by file, writing nothing: the new bytes of
    each file that changes (a caller that commits them, such as the action, needs no copy
    of the tree to edit)."""
    return {file: new for file, _, _, new in _prepared(root, edits)}


def _prepared(
    root: Path, edits: Sequence[tuple[Policy, str]]
) -> list[tuple[str, Path, bytes, bytes]]:
    """(file, path, old bytes, new bytes) of each file the edits change, each verified."""
    by_file: dict[str, list[tuple[Policy, str]]] = {}
    for policy, new_range in edits:  # a range in a shared base is set by its overlay's patch
        file = policy.shared if policy.shared is not None else policy.file
        by_file.setdefault(file, []).append((policy, new_range))
    pending: list[tuple[str, Path, bytes, bytes]] = []
    for file, items in by_file.items():
        path = root / file
        edited = _edited(path, file, items)
        if edited is not None:
            pending.append((file, path, *edited))
    return pending


def _edited(  # noqa: C901 - each early return is one refusal
    path: Path,
    file: str,
    items: list[tuple[Policy, str]],
) -> tuple[bytes, bytes] | None:
    """The file's (old, new) bytes, or None when every range already has its new value."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StalePolicyError(
            f"{file}: cannot read the file ({exc.strerror}) — scan the repository again"
        ) from None
    try:
        bom, text = yaml_positions.decode(raw)
        documents = yaml_positions.load(text)
    except yaml_positions.YamlError as exc:  # changed since the scan, or another document is bad
        raise EditError(f"{file}:{exc.line}:{exc.column}: {exc.message}") from None
    additions = [(p, r) for p, r in items if p.shared is not None]
    for policy, new_range in additions:
        _check_new(policy, new_range)
    items = [(p, r) for p, r in items if p.shared is None]
    edits: dict[int, _Edit] = {}
    for policy, new_range in items:
        _check_new(policy, new_range)
        token, current = _locate(policy, documents, text)
        if current == new_range:
            continue
        earlier = edits.get(token.start)
        if earlier is not None and earlier.new != new_range:
            raise EditError(
                f"{_where(policy)}: two different ranges asked for one policy "
                f"({earlier.new!r} and {new_range!r}) — ask for one"
            )
        style = "double" if token.kind == "plain" and _needs_quotes(new_range) else token.kind
        if token.kind == "raw" and any(c in new_range for c in "'\"\\}$#"):
            raise EditError(
                f"{_where(policy)}: {new_range!r} cannot stand inside the variable's "
                "default — edit it by hand"
            )
        edits[token.start] = _Edit(policy, new_range, token, style)
    if not edits and not additions:
        return None
    for _attempt in range(2):
        new_text = _splice(text, list(edits.values()))
        wrong = _verify(new_text, documents, list(edits.values())) if edits else []
        if not wrong:
            if additions:
                added = overlay_patch.add(new_text, additions)
                if added is None:
                    raise EditError(refusal(*additions[0]))
                new_text = added
            return raw, (bom + new_text).encode("utf-8")
        retry = [e for e in wrong if e.style == "plain"]
        if not retry:
            break
        for edit in retry:
            edit.style = "double"
    edit = wrong[0]
    raise EditError(
        f"{_where(edit.policy)}: writing {edit.new!r} here would change more than "
        "the range (is the range an anchor used elsewhere?) — write the range "
        "as a plain value on its own line"
    )


def _check_new(policy: Policy, new_range: str) -> None:
    if policy.patch:
        raise EditError(
            f"{policy.file}:{policy.line}: {policy.ref} is a Kustomize patch — "
            "edit the ImagePolicy it patches instead"
        )
    if policy.kind != "semver":
        raise EditError(
            f"{policy.file}:{policy.line}: {policy.ref} is a {policy.kind} policy; "
            "only semver ranges are rewritten"
        )
    why = unwritable(policy, new_range)
    if why is not None:
        raise EditError(why)
    if not new_range.strip() or any(c in new_range for c in "\r\n\x85\u2028\u2029"):
        raise EditError(
            f"{_where(policy)}: the new range {new_range!r} is empty or spans "
            "lines — give a one-line range such as 1.2.x"
        )


def unwritable(policy: Policy, new_range: str) -> str | None:
    """Why ``new_range`` cannot be written where the policy's range is (a base other stages
    share, no one place that holds it), with what to do instead; None when it can."""
    if policy.shared is not None and not policy.extendable:
        return refusal(policy, new_range)
    if policy.shared is not None:
        return None  # a patch is added to the overlay (see overlay_patch.add)
    if policy.range_line is None:
        return (
            f"{policy.file}:{policy.line}: {policy.ref}'s range is not written where "
            f"flux-semver can edit it ({policy.origin or 'Flux applies its default'}) — no "
            f"file was changed; write {'.'.join(kinds.KINDS[policy.resource].range_path)}: "
            f"{new_range} there by hand, then retry"
        )
    return None


def _where(policy: Policy) -> str:
    return f"{policy.file}:{policy.range_line or policy.line}:{policy.range_column or 1}"


def _locate(  # noqa: C901
    policy: Policy,
    documents: list[yaml_positions.Document],
    text: str,
) -> tuple[yaml_positions.Token, str]:
    """The policy's range token in the current text, checked against what the scan saw."""
    stale = StalePolicyError(
        f"{_where(policy)}: {policy.ref} changed since the repository "
        "was scanned — scan again and retry"
    )
    if policy.document >= len(documents):
        raise stale
    document = documents[policy.document]
    data = document.data
    path = _path(policy)
    if not policy.value_path:  # the kind's own field: the document must still be that policy
        if not isinstance(data, dict) or data.get("kind") != policy.resource:
            raise stale
        metadata = data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if str(name or "") != policy.name:
            raise stale
    if policy.inline:
        inside = locate.inline_token(text, document.node, policy.inline, path)
        if inside is None:
            raise EditError(
                f"{_where(policy)}: the range is inside an inline patch flux-semver "
                "cannot point at exactly — write the patch as a literal block "
                "(patch: |), or edit it by hand"
            )
        token, current = inside
    else:
        located = locate.walk(document.node, path)
        if located is None:
            raise stale
        token = yaml_positions.value_token(text, *located)
        current = str(located[1].value)
    if token.kind == "alias":
        raise EditError(
            f"{_where(policy)}: the range is an alias ({token.source}) of a value "
            "written elsewhere — write the range in place, then retry"
        )
    if token.kind not in ("plain", "single", "double"):
        raise EditError(
            f"{_where(policy)}: the range is written as a block or collection, not "
            "a one-line value — write it as `range: 1.2.x` and retry"
        )
    if token.start >= token.end:
        raise EditError(
            f"{_where(policy)}: the range is empty — write a range there by hand "
            "(such as 1.2.x), then retry"
        )
    if (token.line, token.column) != (policy.range_line, policy.range_column):
        raise stale
    if policy.value_span is not None:
        token, current = _span(policy, token, current, stale)
    if current != policy.range_text:
        raise stale
    return token, current


def _span(
    policy: Policy, token: yaml_positions.Token, value: str, stale: StalePolicyError
) -> tuple[yaml_positions.Token, str]:
    """The part of a value that holds the range (a substitution's default), as a token of
    its own: only where the value is written without escapes, so offsets carry over."""
    start, end = policy.value_span or (0, 0)
    inner = token.source[1:-1] if token.kind in ("single", "double") else token.source
    if inner != value or "\\" in inner or "''" in inner or end > len(value):
        raise EditError(
            f"{_where(policy)}: the default of the variable is written with "
            "escapes — edit it by hand"
        )
    offset = token.start + (1 if token.kind in ("single", "double") else 0)
    part = value[start:end]
    if not part:
        raise stale
    return yaml_positions.Token(
        offset + start,
        offset + end,
        "raw",
        part,
        token.line,
        token.column + (offset - token.start) + start,
    ), part


def _path(policy: Policy) -> tuple[locate.Step, ...]:
    return policy.value_path or kinds.KINDS[policy.resource].range_path


def refusal(policy: Policy, new_range: str) -> str:
    """Why a range in a shared base is not edited, and the exact patch that sets it in the
    stage's own overlay instead (one line of YAML for its ``patches:`` list)."""
    pointer = "/" + "/".join(kinds.KINDS[policy.resource].range_path)
    op = json.dumps([{"op": "add", "path": pointer, "value": new_range}])
    name, namespace = policy.patch_target
    target = f"kind: {policy.resource}, name: {name or policy.name}"
    if namespace:
        target += f", namespace: {namespace}"
    where = (
        f"{policy.file}:{policy.range_line}"
        if policy.range_line is not None
        else f"{policy.file} (not written: Flux's default)"
    )
    return (
        f"{where}: {policy.ref} in stage {policy.stage or '-'} takes its range from a "
        f"base other stages share — no file was changed; add this entry under `patches:` "
        f"in {policy.shared}, then retry: - {{target: {{{target}}}, patch: '{op}'}}"
    )


def _needs_quotes(value: str) -> bool:
    """Whether a plain scalar would not read back as ``value`` (the edit is verified anyway:
    a plain value that breaks its context, such as a comma in a flow mapping, gets quotes)."""
    if value != value.strip() or value[0] in _PLAIN_START or ": " in value or " #" in value:
        return True
    try:
        return not isinstance(yaml_positions.load_one(value), str)
    except yaml.YAMLError:
        return True


def _render(value: str, style: str) -> str:
    if style == "raw":  # a part of a value (see _span): written as it is
        return value
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "double":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _splice(text: str, edits: list[_Edit]) -> str:
    parts: list[str] = []
    at = 0
    for edit in sorted(edits, key=lambda e: e.token.start):
        parts.append(text[at : edit.token.start])
        parts.append(_render(edit.new, edit.style))
        at = edit.token.end
    parts.append(text[at:])
    return "".join(parts)


def _verify(new_text: str, old: list[yaml_positions.Document], edits: list[_Edit]) -> list[_Edit]:  # noqa: C901
    """The edits whose value does not read back, or all of them if anything else changed."""
    try:
        new = yaml_positions.load(new_text)
    except yaml_positions.YamlError:
        return edits
    if len(new) != len(old):
        return edits
    wrong = []
    wanted: list[str] = []
    for edit in edits:
        before = _value(old, edit.policy)
        span = edit.policy.value_span
        if span is not None and isinstance(before, str):
            wanted.append(before[: span[0]] + edit.new + before[span[1] :])
        else:
            wanted.append(edit.new)
        if _value(new, edit.policy) != wanted[-1]:
            wrong.append(edit)
        elif not edit.policy.inline:
            located = locate.walk(new[edit.policy.document].node, _path(edit.policy))
            if located is None or located[1].value != wanted[-1]:
                wrong.append(edit)
    if wrong:
        return wrong
    expected = copy.deepcopy([d.data for d in old])
    for edit, value in zip(edits, wanted, strict=True):
        policy = edit.policy
        if policy.inline:  # the patch text changed; inside it, only the range did
            patch = _get(new[policy.document].data, policy.inline)
            inner = _inline_data(_get(old[policy.document].data, policy.inline))
            if not isinstance(patch, str) or inner is None:
                return edits
            _set(inner, _path(policy), value)
            if _inline_data(patch) != inner:
                return edits
            _set(expected[policy.document], policy.inline, patch)
        else:
            _set(expected[policy.document], _path(policy), value)
    if expected != [d.data for d in new]:
        return edits
    return []


def _inline_data(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        documents = yaml_positions.load(text)
    except yaml_positions.YamlError:
        return None
    return documents[0].data if len(documents) == 1 else None


def _value(documents: list[yaml_positions.Document], policy: Policy) -> Any:
    """The range value a policy points at in a file's documents (inside its inline patch)."""
    if policy.document >= len(documents):
        return None
    data = documents[policy.document].data
    if policy.inline:
        data = _inline_data(_get(data, policy.inline))
    return _get(data, _path(policy))


def _get(data: Any, keys: Sequence[locate.Step]) -> Any:
    for key in keys:
        if isinstance(key, int):
            if not isinstance(data, list) or not 0 <= key < len(data):
                return None
            data = data[key]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def _set(data: Any, keys: Sequence[locate.Step], value: str) -> None:
    for key in keys[:-1]:
        data = data[key]
    data[keys[-1]] = value


def _replace_all(pending: Sequence[tuple[str, Path, bytes, bytes]]) -> None:
    """Replace every file, or none: each new content goes to a temporary file beside its
    target first, then come the renames. If one fails, the files already renamed get their
    old bytes back (atomically too); no temporary file is left behind."""
    staged: list[str] = []
    try:
        for file, path, _, content in pending:
            try:
                staged.append(_stage(path, content))
            except OSError as exc:
                raise _unwritable(file, exc) from None
        done: list[tuple[str, Path, bytes]] = []
        for (file, path, old, _), temporary in zip(pending, staged, strict=True):
            try:
                Path(temporary).replace(os.path.realpath(path))
            except OSError as exc:
                _restore(done)
                raise _unwritable(file, exc) from None
            done.append((file, path, old))
    finally:
        for temporary in staged:
            Path(temporary).unlink(missing_ok=True)


def _unwritable(file: str, exc: OSError) -> EditError:
    return EditError(
        f"{file}: cannot write the file ({exc.strerror}) — no file was changed; "
        "make it and its directory writable, then retry"
    )


def _restore(done: Sequence[tuple[str, Path, bytes]]) -> None:
    left = []
    for file, path, old in done:
        try:
            _write_atomically(path, old)
        except OSError:
            left.append(file)
    if left:
        raise EditError(
            f"{', '.join(left)}: written, then not restored when a later file "
            "failed — restore them from Git (git checkout -- FILE)"
        )


def _stage(path: Path, content: bytes) -> str:
    """A temporary file beside ``path`` (through symlinks) holding ``content``, mode kept.

    Its name carries this process's id, so that a later run can remove what a killed one
    left behind (see ``_sweep``)."""
    real = Path(os.path.realpath(path))
    mode = stat.S_IMODE(real.stat().st_mode)
    _sweep(real)
    handle, temporary = tempfile.mkstemp(
        dir=real.parent, prefix=f".{real.name}.{os.getpid()}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _sweep(real: Path) -> None:
    """Remove the temporary files of ``real`` left by runs that were killed mid-write: those
    named ``.<name>.<pid>.<random>.tmp`` whose process no longer exists."""
    for found in real.parent.glob(f".{glob.escape(real.name)}.*.tmp"):
        leftovers.remove_if_stale(str(found), found.name)


def _write_atomically(path: Path, content: bytes) -> None:
    """Replace the file's bytes through a temporary file and a rename; keep its mode."""
    temporary = _stage(path, content)
    try:
        Path(temporary).replace(os.path.realpath(path))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
