"""`compute-market sweep`: run a design (grid, Latin hypercube, Sobol) x seeds on an executor, streaming
each finished run to the results store, with a progress bar and a closing summary."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .executors import make_executor
from .manifest import git_commit, package_versions
from .store import ResultsStore
from .sweep_config import SweepConfig, run_list
from .tasks import OUTCOMES, RunTask, run_task


@dataclass
class SweepSummary:
    total: int
    skipped: int
    done: int
    failed: int
    seconds: float
    out: Path

    @property
    def runs_per_second(self) -> float:
        return (self.done + self.failed) / self.seconds if self.seconds > 0 else 0.0


def sweep_manifest(config: SweepConfig, runs: list[dict], executor) -> dict:
    return {
        "name": config.name, "fingerprint": config.fingerprint(), "config": config.model_dump(),
        "design": config.design, "samples": config.samples, "design_seed": config.design_seed,
        "parameter_ranges": {name: spec.model_dump(exclude_none=True) for name, spec in config.parameters.items()},
        "fixed": config.fixed, "seeds": config.seeds, "scenario": config.scenario, "steps": config.steps,
        "runs": len(runs), "outcomes": list(OUTCOMES), "executor": executor.name,
        "versions": package_versions(), "git": git_commit(),
    }


def tasks_for(config: SweepConfig, runs: list[dict], skip: set[int]) -> list[RunTask]:
    return [RunTask(run_id=run["run_id"], seed=run["seed"], steps=config.steps, scenario=config.scenario,
                    parameters={**config.fixed, **run["parameters"]}, keep_timeseries=config.timeseries)
            for run in runs if run["run_id"] not in skip]


def run_sweep(config: SweepConfig, out: Path, executor: str = "processes", workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, console: Console | None = None,
              also_written: tuple[str, ...] = ()) -> SweepSummary:
    """Run every run of `config` not yet done, storing each as it finishes; returns the counts.
    `also_written`: files the calling command adds to `out` afterwards (allowed there on a resume)."""
    store = ResultsStore(out, also_written)
    store.check_folder()
    try:
        return _run_sweep(config, store, executor, workers, scheduler, resume, console or Console(stderr=True))
    finally:
        store.close()


def _run_sweep(config, store, executor, workers, scheduler, resume, console) -> SweepSummary:
    runs = run_list(config)
    by_id = {run["run_id"]: run for run in runs}
    started = time.perf_counter()
    done = failed = 0
    with make_executor(executor, workers=workers, scheduler=scheduler) as pool:
        finished = store.prepare(sweep_manifest(config, runs, pool), resume)
        tasks = tasks_for(config, runs, finished)
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]} runs/s"), TimeElapsedColumn(), TextColumn("ETA"),
                   TimeRemainingColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            bar = progress.add_task(config.name, total=len(runs), completed=len(finished), rate="–")
            for result in pool.map_unordered(run_task, tasks):
                row = result["row"]
                run = by_id[row["run_id"]]
                row = {"run_id": row["run_id"], "point": run["point"], **_flat(run["parameters"]), "seed": row["seed"],
                       "status": row["status"], "error": row["error"], "traceback": row["traceback"],
                       "seconds": row["seconds"], **{k: float(row[k]) for k in OUTCOMES}}
                store.add(row, result["timeseries"])
                done, failed = done + (row["status"] == "ok"), failed + (row["status"] != "ok")
                elapsed = time.perf_counter() - started
                progress.update(bar, advance=1, rate=f"{(done + failed) / elapsed:.2f}")
    summary = SweepSummary(total=len(runs), skipped=len(finished), done=done, failed=failed,
                           seconds=time.perf_counter() - started, out=store.out)
    store.write_manifest({**store.read_manifest(), "last_session": {
        "done": done, "failed": failed, "skipped_as_finished": len(finished), "seconds": round(summary.seconds, 3),
        "executor": executor, "workers": workers}})
    return summary


def _flat(parameters: dict) -> dict:
    return {f"param.{name}": value for name, value in parameters.items()}


def print_sweep_summary(summary: SweepSummary, console: Console | None = None) -> None:
    console = console or Console()
    console.print(f"runs done {summary.done}, failed {summary.failed}"
                  + (f", already finished {summary.skipped}" if summary.skipped else "")
                  + f" of {summary.total}; wall time {summary.seconds:.1f} s; {summary.runs_per_second:.2f} runs/s")
    console.print(f"results: {summary.out / 'results'} (pandas.read_parquet), manifest: {summary.out / 'manifest.json'}")
    if summary.failed:
        console.print(f"[yellow]{summary.failed} runs failed: their errors are in the 'error' column[/yellow]")


def mean_by_point(results, outcome: str) -> np.ndarray:
    """An outcome averaged over seeds, per design point, in design order."""
    ok = results[results["status"] == "ok"]
    return ok.groupby("point")[outcome].mean().sort_index().to_numpy()
