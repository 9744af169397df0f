"""One run of a sweep, as a worker executes it: build the model, step it, reduce it to outcomes.

`run_task` never raises: a run that fails comes back with status "failed" and its error, so every executor
treats failures alike and the sweep goes on.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OUTCOMES = ("market_hhi_2027", "openai_supplier_hhi", "idle_share_last_12m", "breaches", "contracts_blocked",
            "committed_price_end", "spot_price_end", "utilisation_end", "provider_hhi_revenue_end", "stranded_usd_bn")


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run (picklable: a scenario is a name, a path or a pydantic Scenario)."""
    run_id: int
    seed: int
    steps: int
    scenario: object = "baseline"
    parameters: dict = field(default_factory=dict)
    keep_timeseries: bool = False
    keep_supply: bool = False  # the named labs' supplier mix each month (model.supply_table())


def outcomes(series: pd.DataFrame) -> dict[str, float]:
    """Headline outcomes of one run from its monthly metrics."""
    def at(column, date=None):
        if column not in series:
            return float("nan")
        rows = series if date is None else series[series["date"] <= date]
        return float(rows[column].iloc[-1]) if len(rows) else float("nan")

    last_year = series.iloc[-12:]
    return {
        "market_hhi_2027": at("provider_hhi_contracted", "2027-12"),
        "openai_supplier_hhi": at("supplier_hhi[OpenAI]"),
        "idle_share_last_12m": float(last_year["idle_share"].mean()),
        "breaches": at("breaches"),
        "contracts_blocked": at("contracts_blocked"),
        "committed_price_end": at("committed_price_usd_per_h100e_hour"),
        "spot_price_end": at("spot_price_usd_per_h100e_hour"),
        "utilisation_end": at("utilisation"),
        "provider_hhi_revenue_end": at("provider_hhi_revenue"),
        "stranded_usd_bn": at("stranded_usd_bn"),
    }


def run_task(task: RunTask) -> dict:
    """{"row": run_id, seed, status, error, seconds, outcomes; "timeseries", "supply": DataFrames or None}."""
    from model import ComputeMarket  # imported in the worker

    started = time.perf_counter()
    row = {"run_id": task.run_id, "seed": task.seed, "status": "ok", "error": ""}
    series = supply = None
    try:
        model = ComputeMarket(scenario=task.scenario, rng=task.seed, horizon_months=task.steps, **task.parameters)
        for _ in range(task.steps):
            model.step()
        series = model.timeseries()
        supply = model.supply_table() if task.keep_supply else None
        row.update(outcomes(series))
    except Exception as error:  # recorded, never raised: the sweep goes on
        row.update(status="failed", error=f"{type(error).__name__}: {error}",
                   traceback=traceback.format_exc(limit=3))
        row.update({name: np.nan for name in OUTCOMES})
        series = None
    row["seconds"] = time.perf_counter() - started
    row.setdefault("traceback", "")
    return {"row": row, "timeseries": series if task.keep_timeseries else None, "supply": supply}
