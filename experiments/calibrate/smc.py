"""The ABC-SMC run (pyabc): uniform priors, the targets' distance, an adaptive threshold (pyabc's median
epsilon), on one of three samplers: serial, local processes, or a Dask cluster. The history is a SQLite
database in the output folder, written at the end of every generation, so a killed calibration resumes from its
last whole generation (`--resume`, refused if the calibration file changed). The run goes one generation at a
time, printing the threshold, the acceptance rate, simulations per second and the time left.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..manifest import git_commit, package_versions
from ..outputs import OutputError, check_output_dir, write_file_atomic
from ..store import StoreLock
from .simulate import simulator_for
from .targets import distance, resolve_targets

HISTORY = "history.db"
CALIBRATION_ENTRIES = ("history.db", "manifest.json", ".lock", "posterior.csv", "fit.csv", "diagnostics.csv",
                       "calibration.md", "pairs.png")  # and NAME.toml, NAME.posterior.csv


@dataclass
class TargetDistance:
    """pyabc's distance function: picklable, so every sampler can ship it."""
    targets: list

    def __call__(self, simulated: dict, observed: dict) -> float:
        return distance(simulated, observed, self.targets)


def make_sampler(executor: str, workers: int | None, scheduler: str | None):
    import pyabc

    if executor == "serial":
        return pyabc.sampler.SingleCoreSampler(), None
    if executor == "processes":
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers or 2), None
    if executor == "dask":
        from ..executors.dask_cluster import DaskExecutor
        cluster = DaskExecutor(workers=workers, scheduler=scheduler).__enter__()
        return pyabc.sampler.DaskDistributedSampler(dask_client=cluster._client, batch_size=4), cluster
    raise ValueError(f"unknown executor {executor!r} (choose from serial, processes, dask)")


def observed_values(config) -> dict:
    return {target.figure.label: target.real for target in resolve_targets(config)}


def run_calibration(config, out: Path, executor: str = "processes", workers: int | None = None,
                    scheduler: str | None = None, resume: bool = False, observed: dict | None = None,
                    progress=print, scenario=None) -> Path:
    """Calibrate `config` into `out`; returns the history database. `observed`: the targets' values, if not
    the data's (the parameter-recovery test gives the model's own); `scenario`: a Scenario to run instead of
    the config's (the backtest's replay cut at its cutoff)."""
    import pyabc

    out = check_output_dir(Path(out))
    out.mkdir(parents=True, exist_ok=True)
    written = (*CALIBRATION_ENTRIES, f"{config.name}.toml", f"{config.name}.posterior.csv")
    foreign = sorted(p.name for p in out.iterdir() if p.name not in written and not p.name.startswith("."))
    if foreign:
        raise OutputError(f"output folder {out} holds files a calibration did not write ({', '.join(foreign[:3])})")
    lock = StoreLock(out / ".lock")
    try:
        return _run(config, out, executor, workers, scheduler, resume, observed, progress, pyabc, scenario)
    finally:
        lock.release()


def _run(config, out, executor, workers, scheduler, resume, observed, progress, pyabc, scenario) -> Path:
    db_path, manifest_path = out / HISTORY, out / "manifest.json"
    fingerprint = config.fingerprint()
    if db_path.exists():
        if not resume:
            raise OutputError(f"{out} already holds a calibration: add --resume to continue it, or choose another "
                              "--out")
        earlier = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        if earlier.get("fingerprint") != fingerprint:
            raise OutputError(f"{out} holds a calibration of another file or scenario (fingerprint "
                              f"{earlier.get('fingerprint')}, this one {fingerprint}): it cannot be resumed")
    logging.getLogger("ABC").setLevel(logging.WARNING)  # our own progress lines instead of pyabc's
    targets = resolve_targets(config)
    observed = observed_values(config) if observed is None else observed
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", p.low, p.high - p.low)
                                  for name, p in config.parameters.items()})
    write_file_atomic(manifest_path, lambda path: path.write_text(json.dumps({
        "output_of": "calibrate", "name": config.name, "fingerprint": fingerprint, "config": config.model_dump(),
        "observed": observed, "executor": executor, "workers": workers, "versions": package_versions(),
        "git": git_commit()}, indent=2, default=str) + "\n"))
    sampler, cluster = make_sampler(executor, workers, scheduler)
    db = f"sqlite:///{db_path}"
    started, done_before = time.perf_counter(), None
    try:
        while True:
            abc = pyabc.ABCSMC(simulator_for(config, scenario), prior, TargetDistance(targets),
                               population_size=config.population_size, sampler=sampler)
            if db_path.exists():
                history = abc.load(db, 1, observed_sum_stat=observed)
                generations_done = history.max_t + 1
            else:
                history = abc.new(db, observed)
                generations_done = 0
            if done_before is None:
                done_before = generations_done
                progress(f"calibration {config.name}: {len(config.parameters)} parameters, {len(targets)} targets, "
                         f"{config.population_size} particles x {config.generations} generations, seeds "
                         f"{config.seeds}, {executor}" + (f"; resuming after generation {generations_done}"
                                                          if generations_done else ""))
            if generations_done >= config.generations or _converged(history, config):
                break
            np.random.seed((config.design_seed + generations_done) % 2**32)  # pyabc samples with numpy's global
            generation_started = time.perf_counter()
            simulations_before = history.total_nr_simulations
            history = abc.run(max_nr_populations=1)
            _report_generation(history, config, started, generation_started, simulations_before, done_before,
                               progress)
    finally:
        if cluster is not None:
            cluster.__exit__(None, None, None)
    return db_path


def _converged(history, config) -> bool:
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    return bool(len(populations)) and float(populations["epsilon"].iloc[-1]) <= config.min_epsilon


def _report_generation(history, config, started, generation_started, simulations_before, done_before, progress):
    populations = history.get_all_populations()
    last = populations[populations["t"] >= 0].iloc[-1]
    t = int(last["t"])
    seconds = time.perf_counter() - generation_started
    simulations = history.total_nr_simulations - simulations_before
    runs = simulations * len(config.seeds)
    per_generation = (time.perf_counter() - started) / max(t + 1 - done_before, 1)
    left = per_generation * (config.generations - t - 1)
    progress(f"  generation {t + 1}/{config.generations}: epsilon {float(last['epsilon']):.3f}, accepted "
             f"{int(last['particles'])} of {simulations} simulations ({runs / seconds:.1f} runs/s), ETA {left:.0f} s")
