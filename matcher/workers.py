"""Process pools for the CPU-bound stages (parsing, extraction, analysis)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor


def _die_with_parent(parent: int) -> None:
    """Pool initializer: a worker ends when the run does, even when the run is SIGKILLed.

    Forked workers inherit the run's lock; orphans blocked on an empty queue would hold it
    forever and every later `matcher run` would be refused as "in progress".
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the run died before the line above
        os._exit(0)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes that die with this one."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),))
