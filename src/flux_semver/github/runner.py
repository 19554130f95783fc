"""Talking to the Actions runner: outputs, the job summary, masks, annotations and log lines.

actions-toolkit reads inputs well, but has no job summary and prints empty annotation
properties, so this small module writes the runner's files and commands itself, with the
escaping of :mod:`flux_semver.workflow_commands`. Without a runner (no ``GITHUB_OUTPUT`` or
``GITHUB_STEP_SUMMARY``) outputs and the summary are simply not written.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from flux_semver.github_limits import STEP_SUMMARY
from flux_semver.workflow_commands import Level, annotation, command, neutralise

SUMMARY_LIMIT = STEP_SUMMARY.size  # bytes GitHub shows of one step's summary
_SUMMARY_CUT = "\n\n> **Cut here:** the job summary reached GitHub's 1 MiB limit.\n"


class Runner:
    """The runner's side of one action step, read from its environment."""

    def __init__(self, env: Mapping[str, str], out: TextIO | None = None) -> None:
        self._output = env.get("GITHUB_OUTPUT") or None
        self._summary = env.get("GITHUB_STEP_SUMMARY") or None
        self._out = out if out is not None else sys.stdout
        self._summary_bytes = 0
        self._summary_cut = False

    def _print(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    def mask(self, secret: str) -> None:
        """Ask the runner to hide ``secret`` in every later log line."""
        for piece in secret.splitlines():
            if piece.strip():
                self._print(command("add-mask", piece))

    def commands(self, text: str) -> None:
        """Lines a reporter made workflow commands of, already escaped; the other lines are
        printed as :meth:`info` prints them."""
        for line in text.splitlines():
            self._print(
                line
                if line.startswith(("::error ", "::warning ", "::notice "))
                else neutralise(line)
            )

    def info(self, text: str) -> None:
        """A log line of user-influenced text, printed so it cannot act as a command."""
        self._print(neutralise(text))

    def annotate(
        self,
        level: Level,
        message: str,
        file: str | None = None,
        line: int | None = None,
        col: int | None = None,
        title: str | None = None,
    ) -> None:
        """An ``::error``/``::warning``/``::notice`` annotation; empty properties left out."""
        self._print(annotation(level, message, file=file, line=line, col=col, title=title))

    def set_output(self, name: str, value: str) -> None:
        """Append ``name<<DELIMITER`` ... to ``$GITHUB_OUTPUT`` with a fresh random delimiter."""
        if self._output is None:
            return
        while True:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            if delimiter not in value:
                break
        with Path(self._output).open("a", encoding="utf-8", newline="") as handle:
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")

    def append_summary(self, markdown: str) -> None:
        """Append Markdown to the job summary, never past GitHub's 1 MiB per step."""
        if self._summary is None or self._summary_cut:
            return
        text = markdown if markdown.endswith("\n") else markdown + "\n"
        data = text.encode("utf-8")
        room = SUMMARY_LIMIT - self._summary_bytes
        if len(data) > room:
            note = _SUMMARY_CUT.encode("utf-8")
            data = data[: max(room - len(note), 0)].decode("utf-8", "ignore").encode() + note
            self._summary_cut = True
        with Path(self._summary).open("ab") as handle:
            handle.write(data)
        self._summary_bytes += len(data)
