"""No partial writes: ``promote`` changes every file or none, and never leaves half a file.

``promote 2.0.0`` rewrites three policy files. Each test runs it as a real process and
breaks it part-way:

- a rename fails (a ``Path.replace`` hook in the child process raises EROFS on one call):
  every file keeps its old bytes and no temporary file is left;
- a real write limit (``RLIMIT_FSIZE``) makes the temporary copy of the largest file fail,
  or a real read-only directory refuses it: the same;
- the process is killed with SIGKILL just before the 1st, 2nd or 3rd rename, or while the
  temporary copies are being written: each file is then entirely old or entirely new, never a
  mixture or a truncation, and a second ``promote`` finishes the job and removes the
  temporary files the killed run could not.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.unprivileged import as_a_user

FILES = [f"clusters/{stage}/imagepolicy.yaml" for stage in ("dev", "pre-prod", "prod")]
POLICY = """\
# {stage}: kept byte for byte around the range\r
apiVersion: image.toolkit.fluxcd.io/v1\r
kind: ImagePolicy\r
metadata:\r
  name: myapp-{name}\r
  namespace: flux-system\r
spec:\r
  imageRepositoryRef:\r
    name: myapp\r
  policy:\r
    semver:\r
      range: '{range}'  # the range\r
{padding}"""
START = {"dev": "1.2.x", "pre-prod": "1.2.x", "prod": "1.2.3"}
NEW = {"dev": "2.0.x", "pre-prod": "2.0.x", "prod": "2.0.0"}

# Runs the CLI in a child process with a fault: "<what> <call>" where what is fail (the
# rename raises EROFS), kill (SIGKILL before the rename) or kill-staging (SIGKILL while a
# temporary copy is being synced), on the given call.
FAULTY = """\
import errno, os, pathlib, signal, sys
what, at = sys.argv[1], int(sys.argv[2])
calls = {"replace": 0, "fsync": 0}
real_replace, real_fsync = pathlib.Path.replace, os.fsync
def replace(self, target):
    calls["replace"] += 1
    if calls["replace"] == at and what == "fail":
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(target))
    if calls["replace"] == at and what == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(self, target)
def fsync(fd):
    calls["fsync"] += 1
    if calls["fsync"] == at and what == "kill-staging":
        os.kill(os.getpid(), signal.SIGKILL)
    return real_fsync(fd)
pathlib.Path.replace = replace
os.fsync = fsync
from flux_semver.cli import main
sys.exit(main(sys.argv[3:]))
"""


# prod without a gate (after: null), so one promote writes all three files: a gated prod would
# wait for pre-prod's change and be written by a later promote
CONFIG = "stages:\n  - name: dev\n  - name: pre-prod\n  - name: prod\n    after: null\n"


def write_repo(root: Path, padding: dict[str, int] | None = None) -> dict[str, bytes]:
    contents = {}
    root.mkdir(parents=True, exist_ok=True)
    (root / ".flux-semver.yaml").write_text(CONFIG)
    for stage, rng in START.items():
        rel = f"clusters/{stage}/imagepolicy.yaml"
        pad = "".join(f"# note {i}\r\n" for i in range((padding or {}).get(stage, 0)))
        data = POLICY.format(
            stage=stage, name=stage.replace("-", ""), range=rng, padding=pad
        ).encode()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        contents[rel] = data
    return contents


def promote(
    root: Path, *fault: str, preexec_fn: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = ["-c", FAULTY, *fault] if fault else ["-m", "flux_semver"]
    return subprocess.run(
        [sys.executable, *argv, "-C", str(root), "promote", "2.0.0"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        preexec_fn=preexec_fn,
    )


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A repository, its files' old bytes and the bytes a promote without faults writes."""
    clean = tmp_path / "clean"
    write_repo(clean)
    done = promote(clean, "fail", "0")  # the hook installed, no fault
    assert done.returncode == 0, done.stderr
    new = {rel: (clean / rel).read_bytes() for rel in FILES}
    root = tmp_path / "gitops"
    old = write_repo(root)
    for rel, stage in zip(FILES, START, strict=True):
        assert new[rel] != old[rel]
        assert new[rel] == old[rel].replace(
            f"'{START[stage]}'".encode(), f"'{NEW[stage]}'".encode()
        )
    return root, old, new


def contents(root: Path) -> dict[str, bytes]:
    return {rel: (root / rel).read_bytes() for rel in FILES}


def leftovers(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() not in (*FILES, ".flux-semver.yaml")
    )


@pytest.mark.parametrize("at", [1, 2, 3])
def test_a_failing_rename_leaves_every_file_old(
    repo: tuple[Path, dict[str, bytes], dict[str, bytes]], at: int
) -> None:
    root, old, _ = repo
    done = promote(root, "fail", str(at))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"flux-semver: error: {FILES[at - 1]}: cannot write the file (Read-only file system) — "
        "no file was changed; make it and its directory writable, then retry"
    ]
    assert "Traceback" not in done.stdout + done.stderr
    assert contents(root) == old
    assert leftovers(root) == []


def test_a_real_write_limit_leaves_every_file_old(tmp_path: Path) -> None:
    # prod's file is larger than the process may write: its temporary copy fails for real
    # (EFBIG), after dev's and pre-prod's copies were already staged.
    root = tmp_path / "gitops"
    old = write_repo(root, padding={"prod": 2000})
    limit = 8192
    assert len(old[FILES[0]]) < limit < len(old[FILES[2]])

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = promote(root, preexec_fn=limited)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"flux-semver: error: {FILES[2]}: cannot write the file (File too large) — no file "
        "was changed; make it and its directory writable, then retry"
    ]
    assert contents(root) == old
    assert leftovers(root) == []


def test_a_read_only_directory_leaves_every_file_old(
    repo: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    # Real permissions: the child runs without root's power to write anywhere (see
    # tests/support/unprivileged.py), so prod's read-only directory refuses its temporary file
    # after dev's and pre-prod's were staged.
    root, old, _ = repo
    (root / "clusters" / "prod").chmod(0o555)
    try:
        done = promote(root, preexec_fn=as_a_user)
    finally:
        (root / "clusters" / "prod").chmod(0o755)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"flux-semver: error: {FILES[2]}: cannot write the file (Permission denied) — no file "
        "was changed; make it and its directory writable, then retry"
    ]
    assert contents(root) == old
    assert leftovers(root) == []


@pytest.mark.parametrize(
    ("what", "at", "renamed"),
    [
        ("kill-staging", 2, 0),
        ("kill", 1, 0),
        ("kill", 2, 1),
        ("kill", 3, 2),
    ],
)
def test_killed_mid_way_every_file_is_old_or_new(
    repo: tuple[Path, dict[str, bytes], dict[str, bytes]], what: str, at: int, renamed: int
) -> None:
    root, old, new = repo
    done = promote(root, what, str(at))
    assert done.returncode == -signal.SIGKILL
    now = contents(root)
    assert [now[rel] == new[rel] for rel in FILES] == [i < renamed for i in range(3)]
    assert [now[rel] == old[rel] for rel in FILES] == [i >= renamed for i in range(3)]
    # SIGKILL leaves no chance to clean up: the temporaries of files not yet renamed stay,
    # hidden, named after their file and the dead process, and whole. The scan never reads
    # them, and any later run that walks the repository removes them (git add -A must never
    # commit them).
    for stale in leftovers(root):
        match = re.fullmatch(r"(clusters/[a-z-]+/)\.(imagepolicy\.yaml)\.(\d+)\.[^/]+\.tmp", stale)
        assert match is not None, stale
        assert (root / stale).read_bytes() in (new[match[1] + match[2]], b"")
    check = subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(root), "policies"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0 and ".tmp" not in check.stdout
    assert leftovers(root) == []  # swept by that read-only run already
    # A second promote finishes the release.
    again = promote(root)
    assert again.returncode == 0, again.stderr
    assert contents(root) == new
    assert leftovers(root) == []


def test_the_sweep_spares_temporaries_of_live_processes_and_other_files(
    repo: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, _, new = repo
    directory = root / "clusters" / "dev"
    live = directory / f".imagepolicy.yaml.{os.getpid()}.abcd1234.tmp"  # this test is alive
    other = directory / ".imagepolicy.yaml.notes.tmp"  # not a name flux-semver writes
    for path in (live, other):
        path.write_bytes(b"someone else's")
    done = promote(root)
    assert done.returncode == 0, done.stderr
    assert contents(root) == new
    assert live.read_bytes() == other.read_bytes() == b"someone else's"
