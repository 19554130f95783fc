"""Run a child process as root without root's power to read and write any file.

The tests may run as root, where ``chmod 000`` or a read-only directory stops nothing. Used as
``preexec_fn``, :func:`as_a_user` drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
child's capability bounding set before it executes, so file permissions apply to it as they
do to any other user. For a non-root user it does nothing: permissions already apply.
"""

from __future__ import annotations

import ctypes
import os

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def as_a_user() -> None:
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
