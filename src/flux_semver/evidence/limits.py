"""Fit a rendering into GitHub's size limits without losing what matters most.

GitHub refuses a pull request body or comment over 65,536 characters and a step summary
over 1 MiB. The renderer hands over its output as :class:`Section` values in display
order, each with a priority; :func:`fit` drops table rows and list items from the end of
the least important sections first (rows are ordered failures first, so passes go
before failures), then whole sections, and ends the text with a line saying what was
left out. Sections with :data:`KEEP` priority are cut only if nothing else is left.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from flux_semver.github_limits import Limit

KEEP = 1_000  # priority of sections that are never dropped while anything else can go


# Room kept for the closing line that says what was cut.
_NOTE_ROOM = 1_000


class Section(msgspec.Struct, frozen=True):
    """One part of the rendering: a head, rows that may be cut from the end, a tail.

    ``what`` names the rows for the closing note ("failed tests", "lines of the notes").
    The first ``pinned`` rows (failures, placed first) are cut only at ``pinned_priority``,
    after the other rows of every section below that. An ``atomic`` section (a diagram)
    is kept or dropped whole.
    """

    head: tuple[str, ...]
    rows: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()
    priority: int = KEEP
    what: str = "lines"
    atomic: bool = False
    pinned: int = 0
    pinned_priority: int = KEEP

    def lines(self, keep_rows: int | None = None) -> list[str]:
        rows = self.rows if keep_rows is None else self.rows[:keep_rows]
        return [*self.head, *rows, *self.tail]


def join(sections: Sequence[Section]) -> str:
    """The sections as Markdown: their lines, a blank line between sections."""
    return "\n\n".join("\n".join(s.lines()) for s in sections if s.lines()) + "\n"


def fit(sections: Sequence[Section], limit: Limit) -> str:
    """The sections joined, cut to ``limit`` as described in the module docstring."""
    text = join(sections)
    if limit.measure(text) <= limit.size:
        return text
    budget = max(limit.size - _NOTE_ROOM, 0)
    kept = [len(s.rows) for s in sections]
    dropped = [False] * len(sections)
    total = sum(_section_size(s, limit) for s in sections)
    for _, _, index, floor in _cut_steps(sections):
        if total <= budget:
            break
        section = sections[index]
        if not section.atomic:
            while kept[index] > floor and total > budget:
                kept[index] -= 1
                total -= limit.measure(section.rows[kept[index]]) + 1
        if floor == 0 and (section.atomic or kept[index] == 0) and total > budget:
            total -= _section_size(section, limit) - sum(
                limit.measure(row) + 1 for row in section.rows
            )
            dropped[index] = True
    parts = [
        "\n".join(s.lines(kept[i]))
        for i, s in enumerate(sections)
        if not dropped[i] and s.lines(kept[i])
    ]
    body = "\n\n".join(parts) + "\n"
    cut_chars = 0
    if limit.measure(body) > budget:  # still too big: cut the text itself, at a line end
        body, cut_chars = _hard_cut(body, budget, limit)
    left_out = [
        _left_out(section, kept[i], dropped[i])
        for i, section in enumerate(sections)
        if dropped[i] or kept[i] < len(section.rows)
    ]
    return body + "\n" + _note(left_out, cut_chars, limit) + "\n"


def _cut_steps(sections: Sequence[Section]) -> list[tuple[int, int, int, int]]:
    """(priority, order, section index, rows to keep at least), lowest priority first.

    Among equal priorities the later section goes first. :data:`KEEP` is never cut here.
    """
    steps: list[tuple[int, int, int, int]] = []
    for index, section in enumerate(sections):
        pinned = min(section.pinned, len(section.rows))
        if section.priority < KEEP:
            steps.append((section.priority, -index, index, pinned))
        if pinned and section.pinned_priority < KEEP:
            steps.append((section.pinned_priority, -index, index, 0))
    return sorted(steps)


def _left_out(section: Section, kept: int, dropped: bool) -> str:
    rows = len(section.rows)
    if section.atomic or not rows:
        return section.what
    if dropped or kept == 0:
        return f"all {rows:,} {section.what}"
    return f"{rows - kept:,} of {rows:,} {section.what}"


def _section_size(section: Section, limit: Limit) -> int:
    lines = section.lines()
    if not lines:
        return 0
    return sum(limit.measure(line) + 1 for line in lines) + 1


def _hard_cut(text: str, budget: int, limit: Limit) -> tuple[str, int]:
    if limit.unit == "bytes":
        raw = text.encode("utf-8")[:budget]
        head = raw.decode("utf-8", errors="ignore")
    else:
        head = text[:budget]
    if "\n" in head:
        head = head[: head.rindex("\n") + 1]
    return head, len(text) - len(head)


def _note(left_out: list[str], cut_chars: int, limit: Limit) -> str:
    parts = list(left_out)
    if cut_chars:
        parts.append(f"the last {cut_chars:,} characters")
    size = f"{limit.size:,}-{'byte' if limit.unit == 'bytes' else 'character'}"
    return (
        f"> [!NOTE]\n> This summary was cut to fit GitHub's {size} limit for {limit.what}; "
        f"left out: {'; '.join(parts)}. The full summary: run `flux-semver evidence` "
        "with the same inputs."
    )
