"""Child processes that never outlive their parent (Linux ``PR_SET_PDEATHSIG``)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent(*, own_group: bool) -> Callable[[], None]:
    """A ``preexec_fn``: the kernel kills the child when its parent dies.

    ``own_group`` puts the child in its own process group, so a terminal's Ctrl-C reaches only
    the parent, which then stops the child in order.
    """

    def _preexec() -> None:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if own_group:
            os.setpgrp()

    return _preexec
