"""The AWS-OpenAI deal: the 2025 replay against the same history without the deal (same seeds)."""

from __future__ import annotations

import pandas as pd

from model import load_scenario

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

DEAL = "openai-aws-2025-11"
# column: (panel title, y-axis label with units, a share?)
SERIES = {"supplier_hhi[OpenAI]": ("OpenAI's supplier HHI", "HHI of its deliveries by provider (0-10,000)", False),
          "backlog_usd_bn[AWS]": ("AWS's contract backlog", "remaining contract value ($B)", False),
          "provider_hhi_contracted": ("Market HHI, signed contracts", "HHI of contracted AI capacity (0-10,000)",
                                      False),
          "contracted_share[AWS]": ("AWS's share of contracted AI capacity", "share (%)", True)}


def aws_openai_deal(out, seeds=(1, 2, 3), steps: int = 36, executor: str = "serial", workers=None,
                    quick: bool = False, overwrite: bool = False):
    out = prepare(out, overwrite)
    seeds = tuple(seeds)[:1] if quick else tuple(seeds)
    steps = min(steps, 14) if quick else steps
    replay = load_scenario("aws-openai-2025")
    variants = {"with the deal": replay, "without the deal": replay.without(DEAL)}
    tasks, labels = [], {}
    for variant, scenario in variants.items():
        for seed in seeds:
            labels[len(tasks)] = (variant, seed)
            tasks.append(RunTask(run_id=len(tasks), seed=seed, steps=steps, scenario=scenario, keep_timeseries=True))
    results = run_tasks(tasks, executor, workers, name="aws_openai_deal")
    frames = [results[i]["timeseries"].assign(variant=labels[i][0], seed=labels[i][1]) for i in results]
    series = pd.concat(frames, ignore_index=True)
    mean = series.groupby(["variant", "date"])[[c for c in SERIES]].mean().reset_index()
    fig, axes = subplots(2, 2, figsize=(11, 7.5))
    for ax, (column, (title, unit, share)) in zip(axes.ravel(), SERIES.items()):
        for variant, colour in (("with the deal", "#1f78b4"), ("without the deal", "#e66101")):
            band(ax, series[series.variant == variant], column, variant, colour)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        if share:
            percent_axis(ax)
        mark_events(ax, replay)
        date_axis(ax)
    axes[0, 0].legend(fontsize=8)
    stand_alone(fig, "The $38B AWS-OpenAI contract (2025-11): the replay with and without it",
                "Each panel: the 2025 replay with the deal and the same history without it, on common seeds; "
                "dotted lines mark the replay's large scripted deals and shocks.", "aws-openai-2025", seeds, steps)
    figures = [save(fig, out, "aws_openai_deal.png")]
    dates = [d for d in ("2025-12", "2026-12", "2027-12") if d in set(mean["date"])] or [mean["date"].max()]
    rows = []
    for column, (label, _, _) in SERIES.items():
        for date in dates:
            a = mean[(mean.variant == "with the deal") & (mean.date == date)][column].iloc[0]
            b = mean[(mean.variant == "without the deal") & (mean.date == date)][column].iloc[0]
            rows.append({"metric": label, "date": date, "with": a, "without": b, "difference": a - b})
    return write_report(
        out, "aws_openai_deal", "The AWS-OpenAI deal and its counterfactual",
        "What did the $38B AWS contract change? The 2025 replay is run with and without it, on the same seeds "
        "(common random numbers), so the differences are the deal's alone.",
        {"scenario": "aws-openai-2025, and the same without event `openai-aws-2025-11`", "executor": executor},
        [("Results (means over seeds)", table(pd.DataFrame(rows)))], figures, seeds, steps, quick,
        data={"runs": series})
