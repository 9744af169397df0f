"""Regulator policy: HHI thresholds x strictness, and what they do to concentration, blocked deals and prices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import load_scenario
from model.scenario import PolicyEvent

from ..tasks import RunTask
from .common import prepare, run_tasks, save, subplots, table, write_report


def screened_from_start(base, value_threshold_usd_bn: float, strictness: float):
    event = PolicyEvent(id="experiment-policy", date="2025-01", type="policy", regulator="all",
                        value_threshold_usd_bn=value_threshold_usd_bn, strictness=strictness)
    return base.model_copy(update={"events": [*base.events, event]})


def regulator_policy(out, seeds=(1, 2), steps: int = 36, executor: str = "serial", workers=None, quick: bool = False,
                     thresholds=(1000, 1800, 2500), strictness=(0.0, 0.5, 1.0), value_threshold_usd_bn: float = 1.0,
                     overwrite: bool = False):
    out = prepare(out, overwrite)
    seeds = tuple(seeds)[:1] if quick else tuple(seeds)
    thresholds, strictness = ((1000, 2500), (0.0, 1.0)) if quick else (tuple(thresholds), tuple(strictness))
    steps = min(steps, 12) if quick else steps
    base = load_scenario("baseline")
    tasks, cells = [], {}
    for threshold in thresholds:
        for strict in strictness:
            scenario = screened_from_start(base, value_threshold_usd_bn, strict)
            for seed in seeds:
                cells[len(tasks)] = (threshold, strict, seed)
                tasks.append(RunTask(run_id=len(tasks), seed=seed, steps=steps, scenario=scenario,
                                     parameters={"regulator_hhi_threshold": float(threshold)}))
    results = run_tasks(tasks, executor, workers)
    rows = [{"HHI threshold": cells[i][0], "strictness": cells[i][1], "seed": cells[i][2],
             **{k: results[i]["row"][k] for k in ("market_hhi_2027", "contracts_blocked", "committed_price_end")}}
            for i in results]
    frame = pd.DataFrame(rows).groupby(["HHI threshold", "strictness"]).mean(numeric_only=True).reset_index()
    fig, axes = subplots(1, 3, figsize=(14, 4))
    for ax, (column, label) in zip(axes, {"market_hhi_2027": "market HHI (contracted), end",
                                          "contracts_blocked": "blocked deals",
                                          "committed_price_end": "committed price ($/H100e-h)"}.items()):
        grid = frame.pivot(index="HHI threshold", columns="strictness", values=column)
        image = ax.imshow(grid.to_numpy(), cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(grid.columns)), [f"{s:g}" for s in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{t:,.0f}" for t in grid.index])
        ax.set_xlabel("strictness (probability a presumptive deal is blocked)")
        ax.set_ylabel("HHI threshold")
        ax.set_title(label)
        for (r, c), value in np.ndenumerate(grid.to_numpy()):
            ax.text(c, r, f"{value:,.3g}", ha="center", va="center", color="white", fontsize=8)
        fig.colorbar(image, ax=ax)
    figures = [save(fig, out, "regulator_policy.png")]
    return write_report(
        out, "regulator_policy", "Regulator policy: thresholds and strictness",
        f"Every regulator reviews contracts above ${value_threshold_usd_bn:g}B from 2025-01, with the post-deal HHI "
        "threshold and the strictness (the probability that a presumptive deal is blocked rather than capped) "
        "varied; the other screen thresholds stay at the 2023 US Merger Guidelines (ΔHHI 100, share 30%).",
        {"scenario": "baseline plus a policy event (review threshold and strictness)", "HHI thresholds": thresholds,
         "strictness": strictness, "executor": executor},
        [("Results (means over seeds)", table(frame))], figures, seeds, steps, quick)
