"""Executors run sweep tasks and yield results as they finish. One executor per file, one small interface:

    with make_executor(name, workers=N, scheduler=...) as executor:
        for result in executor.map_unordered(function, tasks):
            ...
"""

from __future__ import annotations

from .dask_cluster import DaskExecutor
from .processes import ProcessesExecutor
from .serial import SerialExecutor

EXECUTORS = {"serial": SerialExecutor, "processes": ProcessesExecutor, "dask": DaskExecutor}


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None):
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r} (choose from {', '.join(EXECUTORS)})")
    if scheduler and name != "dask":
        raise ValueError("--scheduler only goes with --executor dask")
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    return EXECUTORS[name](workers=workers, scheduler=scheduler)
