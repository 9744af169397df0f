"""Overcapacity: OpenAI's revenue and demand fall short after the 2025 build-out, by how much, and what follows."""

from __future__ import annotations

import pandas as pd

from model import load_scenario
from model.scenario import DemandShockEvent, RevenueShockEvent

from ..tasks import RunTask
from .common import (
    band,
    date_axis,
    mark_events,
    percent_axis,
    prepare,
    run_tasks,
    save,
    stand_alone,
    subplots,
    table,
    write_report,
)

SHOCK = "2027-01"


def with_shortfall(base, factor: float):
    events = [RevenueShockEvent(id="experiment-revenue", date=SHOCK, type="revenue_shock", lab="OpenAI",
                                factor=factor, growth_per_month=0.0 if factor < 1 else None),
              DemandShockEvent(id="experiment-demand", date=SHOCK, type="demand_shock", lab="OpenAI", factor=factor)]
    return base.model_copy(update={"events": [*base.events, *events], "name": f"{base.name} x{factor}"})


def overcapacity(out, seeds=(1, 2), steps: int = 60, executor: str = "serial", workers=None, quick: bool = False,
                 factors=(1.0, 0.8, 0.6, 0.4, 0.2), overwrite: bool = False):
    out = prepare(out, overwrite)
    seeds = tuple(seeds)[:1] if quick else tuple(seeds)
    factors = (1.0, 0.3) if quick else tuple(factors)
    steps = min(steps, 44) if quick else steps  # quick still runs well past the 2027-01 shock
    base = load_scenario("aws-openai-2025")
    tasks, labels = [], {}
    for factor in factors:
        for seed in seeds:
            labels[len(tasks)] = (factor, seed)
            tasks.append(RunTask(run_id=len(tasks), seed=seed, steps=steps, scenario=with_shortfall(base, factor),
                                 keep_timeseries=True))
    results = run_tasks(tasks, executor, workers, name="overcapacity")
    series = pd.concat([results[i]["timeseries"].assign(factor=labels[i][0], seed=labels[i][1]) for i in results],
                       ignore_index=True)
    # column: (panel title, y-axis label with units, a share?)
    columns = {"idle_share": ("Idle capacity", "sellers' capacity unused (%)", True),
               "spot_price_usd_per_h100e_hour": ("Spot price", "$ per H100e-hour", False),
               "breaches": ("Breaches", "contracts a lab could not pay (to date)", False),
               "stranded_usd_bn": ("Stranded contract value", "value of contracts ended by breach ($B)", False)}
    fig, axes = subplots(2, 2, figsize=(11, 7.5))
    for ax, (column, (title, unit, share)) in zip(axes.ravel(), columns.items()):
        for factor in factors:
            band(ax, series[series.factor == factor], column, f"revenue x{factor:g}")
        ax.axvline(pd.Timestamp(SHOCK), color="#c00", linestyle="--", linewidth=0.9)
        ax.text(pd.Timestamp(SHOCK), 0.98, " shortfall", transform=ax.get_xaxis_transform(), fontsize=7,
                va="top", color="#c00")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        if share:
            percent_axis(ax)
        mark_events(ax, base)
        date_axis(ax)
    axes[0, 0].legend(fontsize=8)
    stand_alone(fig, f"Overcapacity: OpenAI's revenue and demand fall short from {SHOCK}",
                "Each line: OpenAI's revenue and demand multiplied by the factor from the dashed line on (revenue "
                "then stops growing), on common seeds.", "aws-openai-2025 plus the shortfall", seeds, steps)
    figures = [save(fig, out, "overcapacity.png")]
    last = series[series["month_index"] == series["month_index"].max()]
    after = series[series["date"] >= SHOCK]
    summary = pd.DataFrame({
        "revenue factor": factors,
        "peak idle share": [after[after.factor == f]["idle_share"].max() for f in factors],
        "lowest spot price": [after[after.factor == f]["spot_price_usd_per_h100e_hour"].min() for f in factors],
        "breaches": [last[last.factor == f]["breaches"].mean() for f in factors],
        "stranded $B": [last[last.factor == f]["stranded_usd_bn"].mean() for f in factors],
    })
    return write_report(
        out, "overcapacity", "Overcapacity: when OpenAI's revenue falls short of its commitments",
        f"From {SHOCK}, OpenAI's revenue and demand are multiplied by a factor (and revenue stops growing): idle "
        "capacity, prices, breaches and the contract value they strand.",
        {"scenario": "aws-openai-2025 plus a revenue and a demand shock", "factors": factors, "executor": executor},
        [("Results (means over seeds)", table(summary))], figures, seeds, steps, quick, data={"runs": series})
