"""Make user text safe to place in the evidence Markdown.

Test names, failure messages, notes, policy names and ranges come from other people's
files. Placed raw into Markdown they could break a table (``|``), open a link or an
image, inject HTML (``<img onerror=...>``), mention people (``@team``), typeset maths
(``$x$``), break out of the Mermaid diagram, or — printed to a GitHub Actions log — start
a workflow command (a line beginning with ``::``). Every function here returns text that
renders as exactly the characters it was given, and nothing more.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flux_semver.shorten import shorten

# Characters with a meaning inside a line of GitHub Markdown. ``<``, ``>``, ``&`` and
# ``"`` become entities; the rest get a backslash (CommonMark lets any ASCII punctuation
# be escaped that way). A leading ``:`` is escaped too, so no line can start ``::``.
_ESCAPES = str.maketrans(
    {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}
    | {char: "\\" + char for char in "\\`*_[]|~$#!"}
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
# A line that would start a block construct: heading, list, quote, thematic break,
# setext underline, ordered list, indented code.
_BLOCK_START = re.compile(r"^(\s*)([-+=>]|\d{1,9}[.)])")


def one_line(text: str) -> str:
    """Line breaks, tabs and control characters become single spaces; ends are trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").replace("\n", " ")
    return _CONTROL.sub(" ", text).strip()


def inline(text: str, limit: int | None = None) -> str:
    """User text as literal Markdown on one line (a table cell, a list item, a title).

    ``limit`` caps the visible length (before escaping) so one huge test name cannot
    crowd out everything else.
    """
    text = one_line(text)
    if limit is not None:
        text = shorten(text, limit)
    escaped = text.translate(_ESCAPES)
    if escaped.startswith(":"):
        escaped = "\\" + escaped
    # A zero-width space after "@" keeps "@team" from notifying a team.
    return _MENTION.sub("@&#8203;", escaped) if "@" in escaped else escaped


def block(text: str) -> list[str]:
    """Multi-line user text (notes) as Markdown lines that keep its line breaks.

    Each line is escaped like :func:`inline`; a line that would open a heading, list,
    quote or code block gets its first character escaped. Blank lines stay blank, so
    paragraphs survive. The caller places the lines (for example in a block quote).
    """
    lines: list[str] = []
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while raw_lines and not raw_lines[-1].strip():
        raw_lines.pop()
    while raw_lines and not raw_lines[0].strip():
        raw_lines.pop(0)
    for raw in raw_lines:
        line = inline(raw)
        match = _BLOCK_START.match(line)
        if match:
            start = match.start(2)
            line = line[:start] + "\\" + line[start:]
        lines.append(line)
    return lines


def code(text: str, *, in_table: bool = False) -> str:
    """User text as an inline code span (ranges, commands, file names).

    The fence is one backtick longer than the longest backtick run inside. In a table
    cell ``|`` is written ``\\|`` (GFM splits cells before it parses code spans).
    """
    text = one_line(text)
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def url(text: str) -> str:
    """A URL as a Markdown link destination that cannot end the link or a table cell early.

    Spaces, brackets, quotes, pipes and backslashes are percent-encoded; characters that
    are already legal in a URL (including ``%`` escapes) are kept.
    """
    return quote(one_line(text), safe="!#$%&'*+,/:;=?@-._~")


_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 .,_\-+*=~]")


def mermaid_label(text: str) -> str:
    """Text for a quoted Mermaid node label: anything but plain characters as ``#NNN;``.

    Quotes, brackets, ``<``, backticks and line breaks therefore cannot end the label,
    open HTML or a Markdown string, or close the fenced code block around the diagram.
    """
    return "".join(
        char if _MERMAID_SAFE.fullmatch(char) else f"#{ord(char)};" for char in one_line(text)
    )


def comment_value(text: str) -> str:
    """Text safe inside an HTML comment (``<!-- ... -->``): no ``>``, ``<``, ``!`` or spaces."""
    return quote(one_line(text), safe="-._~/:=@+")


def no_workflow_commands(markdown: str) -> str:
    """Defence in depth: no line of ``markdown`` may start (after blanks) with ``::``.

    The escaping above never produces such a line; this guards every rendering anyway
    because the runner reads any ``::`` line on stdout as a command.
    """
    if "::" not in markdown:
        return markdown
    return re.sub(r"(?m)^([ \t]*)::", lambda m: m.group(1) + "\\:\\:", markdown)
