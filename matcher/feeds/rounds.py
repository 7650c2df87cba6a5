"""A fetch round: download many URLs and, as each answer arrives, hand its processing
(parsing a feed, extracting a page) to a process pool, so the CPU work overlaps the downloads."""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Callable

from matcher.feeds.fetch import FetchRequest, FetchResult, fetch_all
from matcher.workers import process_pool

POOL_MIN_BATCH = 4  # below this, a process pool costs more than it saves


def new_pool(workers: int, size: int) -> ProcessPoolExecutor | None:
    """A pool of `workers` (0: one per core) for `size` tasks, or None when not worth it."""
    workers = workers or os.cpu_count() or 1
    if workers > 1 and size >= POOL_MIN_BATCH:
        return process_pool(workers)
    return None


@dataclass
class InFlight:
    """Requests fetched, their processing handed to the pool and not yet collected."""

    answers: list[FetchResult]
    futures: dict
    fn: Callable
    args_for: Callable


def fetch_and_submit(requests: list[FetchRequest], fs, fn, args_for, pool) -> InFlight:
    """Fetch every request and, as each answer arrives, submit fn(*args_for(answer)) to the
    pool: parsing and extraction overlap the downloads instead of waiting for the last one."""
    futures: dict = {}

    def on_result(i: int, answer: FetchResult) -> None:
        args = args_for(answer)
        if args is not None and pool is not None:
            try:
                futures[i] = pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError, OSError):
                pass  # done in collect, in this process

    return InFlight(fetch_all(requests, fs, on_result=on_result), futures, fn, args_for)


def collect(work: InFlight) -> tuple[list[FetchResult], list]:
    """(answers, outputs); outputs[i] is None where args_for(answer) is None."""
    outputs: list = [None] * len(work.answers)
    for i, answer in enumerate(work.answers):
        args = work.args_for(answer)
        if args is None:
            continue
        if i in work.futures:
            try:
                outputs[i] = work.futures[i].result()
                continue
            except (BrokenProcessPool, pickle.PicklingError, OSError):
                pass  # a pool that cannot work must not cost the night
        outputs[i] = work.fn(*args)
    return work.answers, outputs


def fetch_and_process(requests: list[FetchRequest], fs, fn, args_for, workers: int):
    """Fetch every request and run fn(*args_for(answer)) on each answer in a process pool
    (made when worth it), as answers arrive. Returns (answers, outputs)."""
    pool = new_pool(workers, len(requests))
    try:
        return collect(fetch_and_submit(requests, fs, fn, args_for, pool))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
