"""The AWS-OpenAI deal: the 2025 replay against the same history without the deal (same seeds)."""

from __future__ import annotations

import pandas as pd

from model import load_scenario

from ..tasks import RunTask
from .common import date_axis, prepare, run_tasks, save, subplots, table, write_report

DEAL = "openai-aws-2025-11"
SERIES = {"supplier_hhi[OpenAI]": "OpenAI supplier HHI", "backlog_usd_bn[AWS]": "AWS backlog ($B)",
          "provider_hhi_contracted": "market HHI (contracted)", "contracted_share[AWS]": "AWS share of contracted AI"}


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
    results = run_tasks(tasks, executor, workers)
    frames = [results[i]["timeseries"].assign(variant=labels[i][0], seed=labels[i][1]) for i in results]
    series = pd.concat(frames, ignore_index=True)
    mean = series.groupby(["variant", "date"])[list(SERIES)].mean().reset_index()
    fig, axes = subplots(2, 2, figsize=(11, 7))
    for ax, (column, label) in zip(axes.ravel(), SERIES.items()):
        for variant, part in mean.groupby("variant"):
            ax.plot(pd.to_datetime(part["date"]), part[column], label=variant)
        ax.set_title(label)
        date_axis(ax)
    axes[0, 0].legend()
    figures = [save(fig, out, "aws_openai_deal.png")]
    dates = [d for d in ("2025-12", "2026-12", "2027-12") if d in set(mean["date"])] or [mean["date"].max()]
    rows = []
    for column, label in SERIES.items():
        for date in dates:
            a = mean[(mean.variant == "with the deal") & (mean.date == date)][column].iloc[0]
            b = mean[(mean.variant == "without the deal") & (mean.date == date)][column].iloc[0]
            rows.append({"metric": label, "date": date, "with": a, "without": b, "difference": a - b})
    return write_report(
        out, "aws_openai_deal", "The AWS-OpenAI deal and its counterfactual",
        "What did the $38B AWS contract change? The 2025 replay is run with and without it, on the same seeds "
        "(common random numbers), so the differences are the deal's alone.",
        {"scenario": "aws-openai-2025, and the same without event `openai-aws-2025-11`", "executor": executor},
        [("Results (means over seeds)", table(pd.DataFrame(rows)))], figures, seeds, steps, quick)
