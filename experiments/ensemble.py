"""`compute-market run --ensemble N`: the uncertainty of a run's figures. N members, each a parameter set drawn
from the scenario's fitted posterior (by the particles' weights, `model/fits/NAME.posterior.csv`) with its own
seed (the run's seed + the member's number), so members differ in parameters and in chance alike; every headline
metric is then reported as the median and the 5-95% band over members.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model import load_scenario
from model.posterior import posterior_draws

from .executors import make_executor
from .summary import HEADLINES
from .tasks import RunTask, run_task

BAND = (5, 50, 95)


def run_ensemble(scenario, n: int, seed: int, steps: int | None, executor: str = "serial", workers=None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every member's monthly metrics with its draw, the bands: per date and metric, p05, p50 and p95)."""
    spec = load_scenario(scenario)
    _, draws = posterior_draws(spec, n, seed)
    steps = spec.steps if steps is None else steps
    tasks = [RunTask(run_id=i, seed=seed + i, steps=steps, scenario=spec,
                     parameters=draw, keep_timeseries=True) for i, draw in enumerate(draws)]
    series = []
    with make_executor(executor, workers=workers) as pool:
        for result in pool.map_unordered(run_task, tasks):
            row = result["row"]
            if row["status"] != "ok":
                raise RuntimeError(f"ensemble member {row['run_id']} failed: {row['error']}")
            draw = {f"param.{k}": v for k, v in draws[row["run_id"]].items()}
            series.append(result["timeseries"].assign(member=row["run_id"], seed=row["seed"], **draw))
    members = pd.concat(series, ignore_index=True).sort_values(["member", "month_index"], ignore_index=True)
    return members, bands(members)


def bands(members: pd.DataFrame) -> pd.DataFrame:
    """Per date and headline metric: the 5th, 50th and 95th percentiles over members."""
    columns = [column for _, column, _ in HEADLINES if column in members]
    long = members.melt(id_vars=["date"], value_vars=columns, var_name="metric", value_name="value")
    grouped = long.groupby(["date", "metric"], sort=False)["value"]
    out = pd.concat({f"p{q:02d}": grouped.quantile(q / 100) for q in BAND}, axis=1).reset_index()
    return out


def write_ensemble(members: pd.DataFrame, band: pd.DataFrame, out: Path, manifest: dict) -> list[Path]:
    from .outputs import write_staged

    def write(staging: Path) -> None:
        members.to_parquet(staging / "ensemble.parquet", index=False)
        band.to_parquet(staging / "bands.parquet", index=False)
    return write_staged(out, "run-ensemble", write, manifest)
