"""Run a command with a real pseudo-terminal as its stdout, as a person at a terminal would."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def on_a_terminal(command: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> str:
    """What ``command`` wrote to its terminal (stderr is not captured)."""
    leader, follower = pty.openpty()
    with subprocess.Popen(list(command), cwd=cwd, stdout=follower, env=dict(env)) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait()
    os.close(leader)
    return b"".join(chunks).decode()
