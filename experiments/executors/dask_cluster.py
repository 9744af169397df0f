"""Runs tasks on a Dask cluster: a running one (`scheduler="tcp://host:port"`) or an embedded local cluster.

Tasks that were on a worker that dies are re-run elsewhere (`retries`); results are yielded as they finish
and written by the sweep in this process, so a rerun task is still stored once. A cluster left with no worker
for NO_WORKER_TIMEOUT_S stops the sweep with one line (it would wait forever).
"""

from __future__ import annotations

import time

CONNECT_TIMEOUT_S = 5  # how long to wait for a running scheduler to answer before saying it cannot be reached
NO_WORKER_TIMEOUT_S = 30.0  # how long a sweep waits on a cluster with no worker before it stops and says so
POLL_S = 1.0  # how often the sweep looks for finished runs and for workers


class SchedulerUnreachable(ValueError):
    """The Dask scheduler given did not answer (an input error: one line, non-zero exit, nothing written)."""


class NoWorkerLeft(ConnectionError):
    """Every worker of the cluster is gone and none came back within NO_WORKER_TIMEOUT_S."""


class DaskExecutor:
    name = "dask"

    def __init__(self, workers=None, scheduler=None, retries: int = 3):
        self.workers = workers
        self.scheduler = scheduler
        self.retries = retries
        self._client = self._cluster = None

    def __enter__(self):
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
            except (OSError, TimeoutError) as error:
                raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {self.scheduler}: no answer within "
                                           f"{CONNECT_TIMEOUT_S} s ({type(error).__name__})") from None
        else:
            self._cluster = LocalCluster(n_workers=self.workers or 2, threads_per_worker=1, processes=True,
                                         dashboard_address=None, host="127.0.0.1")
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc):
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        return False

    def map_unordered(self, function, tasks):
        from distributed import wait

        tasks = list(tasks)
        pending = set(self._client.map(function, tasks, pure=False, retries=self.retries,
                                       key=[f"run-{task.run_id}-{id(tasks)}" for task in tasks]))
        last_worker_seen = time.monotonic()
        while pending:
            try:
                done, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished within POLL_S
                done = ()
            for future in done:
                result = future.result()
                future.release()
                yield result
            if self._client.scheduler_info().get("workers"):
                last_worker_seen = time.monotonic()
            elif time.monotonic() - last_worker_seen > NO_WORKER_TIMEOUT_S:
                raise NoWorkerLeft(f"the Dask cluster at {self._client.scheduler.address} has had no worker for "
                                   f"{NO_WORKER_TIMEOUT_S:g} s, with {len(pending)} runs still to do: finished runs "
                                   "are stored; start workers and add --resume to continue")
