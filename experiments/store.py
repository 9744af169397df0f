"""The results of a sweep on disk: a Parquet dataset that grows as runs finish.

    OUT/manifest.json              the design, parameter ranges, seeds, versions, git commit, progress
    OUT/results/run-000042.parquet one row per run (parameters, seed, status, error, outcomes)
    OUT/timeseries/run-000042.parquet  the run's monthly metrics, when the sweep asks for them

Each file is written to a hidden temporary name and renamed, so a reader (or an interrupted sweep) sees
whole runs only; `pandas.read_parquet(OUT / "results")` reads every finished run. A run's file name is its
id, so a rerun replaces it and a run is never stored twice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from .outputs import OutputError, check_output_dir, write_file_atomic

SWEEP_ENTRIES = ("manifest.json", "results", "timeseries", ".lock")


class ResultsStore:
    def __init__(self, out: Path, also_written: tuple[str, ...] = ()):
        """`also_written`: other files the command writes into the folder (sensitivity's tables)."""
        self.out = check_output_dir(Path(out))
        self.results = self.out / "results"
        self.timeseries = self.out / "timeseries"
        self.manifest_path = self.out / "manifest.json"
        self.allowed = set(SWEEP_ENTRIES) | set(also_written)
        self._lock = None

    def prepare(self, manifest: dict, resume: bool) -> set[int]:
        """Take the store's lock, create the folders and write the manifest; with `resume`, return the ids of
        runs already done.

        A folder that holds files a sweep does not write, another sweep, or any results without --resume is
        refused, and so is a store another process is writing (its lock is held): nothing is mixed.
        """
        self.check_folder()
        self._lock = StoreLock(self.out / ".lock")
        existing = self.read_manifest()
        if existing is not None:
            if not resume:
                raise OutputError(f"{self.out} already holds a sweep ({existing.get('name')}): use --resume to "
                                  "continue it, or another --out")
            if existing.get("fingerprint") != manifest["fingerprint"]:
                raise OutputError(f"{self.out} holds a different sweep ({existing.get('name')}, fingerprint "
                                  f"{existing.get('fingerprint')}): it cannot be resumed with this file")
        self.results.mkdir(parents=True, exist_ok=True)
        self.timeseries.mkdir(parents=True, exist_ok=True)
        self.write_manifest(manifest if existing is None else {**existing, **manifest})
        return self.finished_ids() if resume else set()

    def check_folder(self) -> None:
        """Refuse a folder holding files a sweep does not write (before any worker starts)."""
        if self.out.is_dir():
            foreign = sorted(p.name for p in self.out.iterdir() if p.name not in self.allowed)
            if foreign:
                raise OutputError(f"output folder {self.out} holds files a sweep did not write "
                                  f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}): choose an "
                                  "empty or new folder")

    def read_manifest(self) -> dict | None:
        return json.loads(self.manifest_path.read_text()) if self.manifest_path.exists() else None

    def write_manifest(self, manifest: dict) -> None:
        self._write_atomic(self.manifest_path, lambda path: path.write_text(json.dumps(manifest, indent=2,
                                                                                        default=str) + "\n"))

    def finished_ids(self) -> set[int]:
        """Runs stored with status ok (failed runs are tried again on resume)."""
        done = set()
        for path in self.results.glob("run-*.parquet"):
            table = pq.read_table(path, columns=["run_id", "status"])
            done |= {int(r) for r, s in zip(table["run_id"].to_pylist(), table["status"].to_pylist()) if s == "ok"}
        return done

    def add(self, row: dict, timeseries: pd.DataFrame | None = None) -> None:
        run_id = int(row["run_id"])
        if timeseries is not None:
            self._write_atomic(self.timeseries / f"run-{run_id:06d}.parquet",
                               lambda path: timeseries.assign(run_id=run_id).to_parquet(path, index=False))
        self._write_atomic(self.results / f"run-{run_id:06d}.parquet",
                           lambda path: pd.DataFrame([row]).to_parquet(path, index=False))

    _write_atomic = staticmethod(write_file_atomic)

    def close(self) -> None:
        """Release the lock (the operating system releases it too if the process dies)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def read(self) -> pd.DataFrame:
        return pd.read_parquet(self.results).sort_values("run_id", ignore_index=True)


class StoreLock:
    """An exclusive lock on a store (`flock` on OUT/.lock, held while the sweep writes): a second process
    that tries to write the same store is refused by name at once."""

    def __init__(self, path: Path):
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "unknown"
            self._file.close()
            raise OutputError(f"output folder {path.parent} is being written by another sweep (process {holder}): "
                              "wait for it to finish, or choose another --out") from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def release(self) -> None:
        self._file.close()
