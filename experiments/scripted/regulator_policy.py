"""Regulator policy: HHI thresholds x strictness, and what they do to concentration, blocked deals and prices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import load_scenario
from model.scenario import PolicyEvent

from ..tasks import RunTask
from .common import human, prepare, run_tasks, save, stand_alone, subplots, table, write_report

NO_EFFECT = 0.01  # a panel whose cells differ by less than 1% of their mean says "no effect" instead of colours
OUTCOMES = {"market_hhi_2027": "Market HHI, signed contracts, 2027-12 (0-10,000)",
            "contracts_blocked": "Deals blocked (to the end)",
            "committed_price_end": "Committed price at the end ($ per H100e-hour)"}


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
    results = run_tasks(tasks, executor, workers, name="regulator_policy")
    runs = pd.DataFrame([{"HHI threshold": cells[i][0], "strictness": cells[i][1], "seed": cells[i][2],
                          **{k: results[i]["row"][k] for k in OUTCOMES}} for i in results])
    frame = runs.drop(columns="seed").groupby(["HHI threshold", "strictness"]).mean().reset_index()
    fig, axes = subplots(1, 3, figsize=(14, 4.8))
    for ax, (column, label) in zip(axes, OUTCOMES.items()):
        heat_map(fig, ax, frame.pivot(index="HHI threshold", columns="strictness", values=column), label)
    stand_alone(fig, "Regulator policy: the post-deal HHI threshold against strictness",
                f"Every regulator reviews deals above ${value_threshold_usd_bn:g}B from 2025-01; each cell is the "
                "mean over seeds. A panel whose cells differ by less than 1% says so instead of spreading colours.",
                "baseline plus a policy event", seeds, steps)
    figures = [save(fig, out, "regulator_policy.png")]
    return write_report(
        out, "regulator_policy", "Regulator policy: thresholds and strictness",
        f"Every regulator reviews contracts above ${value_threshold_usd_bn:g}B from 2025-01, with the post-deal HHI "
        "threshold and the strictness (the probability that a presumptive deal is blocked rather than capped) "
        "varied; the other screen thresholds stay at the 2023 US Merger Guidelines (ΔHHI 100, share 30%).",
        {"scenario": "baseline plus a policy event (review threshold and strictness)", "HHI thresholds": thresholds,
         "strictness": strictness, "executor": executor},
        [("Results (means over seeds)", table(frame))], figures, seeds, steps, quick, data={"runs": runs})


def heat_map(fig, ax, grid: pd.DataFrame, label: str) -> None:
    """The grid's cells coloured on their own range, each with its value; "no effect" when they barely differ."""
    values = grid.to_numpy(dtype=float)
    spread = float(np.nanmax(values) - np.nanmin(values))
    flat = spread <= NO_EFFECT * max(abs(float(np.nanmean(values))), 1e-12)
    image = ax.imshow(np.zeros_like(values) if flat else values, cmap="Greys" if flat else "viridis",
                      vmin=0 if flat else None, vmax=4 if flat else None, aspect="auto")
    ax.set_xticks(range(len(grid.columns)), [f"{s:g}" for s in grid.columns])
    ax.set_yticks(range(len(grid.index)), [f"{t:,.0f}" for t in grid.index])
    ax.set_xlabel("strictness (probability a presumptive deal is blocked)", fontsize=8)
    ax.set_ylabel("post-deal HHI threshold", fontsize=8)
    ax.set_title(label + ("\nno effect: the cells differ by under 1%" if flat else ""), fontsize=9)
    for (r, c), value in np.ndenumerate(values):
        ax.text(c, r, human(value), ha="center", va="center", color="black" if flat else "white", fontsize=8)
    if not flat:
        fig.colorbar(image, ax=ax)
