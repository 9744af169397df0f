"""Runs tasks in local worker processes (concurrent.futures), yielding results as they finish."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait


class ProcessesExecutor:
    name = "processes"

    def __init__(self, workers=None, scheduler=None):
        self.workers = workers or os.cpu_count() or 1
        self._pool = None

    def __enter__(self):
        # forkserver: workers start from a clean interpreter, not a copy of this (possibly threaded) one
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"))
        return self

    def __exit__(self, *exc):
        self._pool.shutdown(wait=True, cancel_futures=True)
        return False

    def map_unordered(self, function, tasks):
        tasks = iter(tasks)
        pending = set()
        # keep a bounded number of tasks in flight, so memory stays flat however long the sweep
        for task in tasks:
            pending.add(self._pool.submit(function, task))
            if len(pending) >= 4 * self.workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
