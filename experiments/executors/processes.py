"""Runs tasks in local worker processes (concurrent.futures), yielding results as they finish."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path


class ProcessesExecutor:
    name = "processes"

    def __init__(self, workers=None, scheduler=None):
        self.workers = workers or os.cpu_count() or 1
        self._pool = None

    def __enter__(self):
        # forkserver: workers start from a clean interpreter, not a copy of this (possibly threaded) one
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                         initializer=_worker_start, initargs=(os.getpid(),))
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



def _worker_start(sweep_pid: int) -> None:
    """In each worker: leave Ctrl-C to the sweep (which stops the pool cleanly), and end when the sweep's
    process is gone, so a sweep killed outright (SIGKILL) leaves no worker behind. (A worker's parent is the
    forkserver, which outlives a killed sweep because the workers hold its pipe; so the worker watches the
    sweep itself, twice a second.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(sweep_pid,), daemon=True, name="end-with-sweep").start()


def _end_with(pid: int, every_s: float = 0.5) -> None:
    while _alive(pid):
        time.sleep(every_s)
    os._exit(1)


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a killed process not yet reaped by its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in ("Z", "X")
