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

from .outputs import OutputError, check_output_dir


class ResultsStore:
    def __init__(self, out: Path):
        self.out = check_output_dir(Path(out))
        self.results = self.out / "results"
        self.timeseries = self.out / "timeseries"
        self.manifest_path = self.out / "manifest.json"

    def prepare(self, manifest: dict, resume: bool) -> set[int]:
        """Create the folders and write the manifest; with `resume`, return the ids of runs already done.

        A folder that holds another sweep (or any results, without --resume) is refused, so nothing is mixed.
        """
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

    @staticmethod
    def _write_atomic(path: Path, write) -> None:
        temporary = path.with_name(f".{path.name}.tmp")
        write(temporary)
        os.replace(temporary, path)

    def read(self) -> pd.DataFrame:
        return pd.read_parquet(self.results).sort_values("run_id", ignore_index=True)
