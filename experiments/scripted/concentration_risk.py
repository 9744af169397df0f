"""Concentration risk: an outage of the provider with most compute at risk, by size and duration, and the
compute each named lab loses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import load_scenario
from model.scenario import OutageEvent

from ..tasks import RunTask
from .common import human, prepare, run_tasks, save, stand_alone, subplots, table, write_report

PROVIDER = "Microsoft Azure"
START = "2026-06"


def with_outage(base, share: float, months: int):
    event = OutageEvent(id="experiment-outage", date=START, type="outage", provider=PROVIDER, share=share, months=months)
    return base.model_copy(update={"events": [*base.events, event], "name": f"{base.name} + outage"})


def concentration_risk(out, seeds=(1, 2), steps: int = 24, executor: str = "serial", workers=None,
                       quick: bool = False, shares=(0.25, 0.5, 0.75), durations=(1, 2, 4), overwrite: bool = False):
    out = prepare(out, overwrite)
    seeds = tuple(seeds)[:1] if quick else tuple(seeds)
    shares, durations = ((0.5,), (1, 2)) if quick else (tuple(shares), tuple(durations))
    steps = max(steps, 18 + max(durations))
    base = load_scenario("aws-openai-2025")
    tasks, cells = [], {}
    for seed in seeds:
        cells[len(tasks)] = (0.0, 0, seed)
        tasks.append(RunTask(run_id=len(tasks), seed=seed, steps=steps, scenario=base, keep_supply=True))
        for share in shares:
            for months in durations:
                cells[len(tasks)] = (share, months, seed)
                tasks.append(RunTask(run_id=len(tasks), seed=seed, steps=steps, scenario=with_outage(base, share, months),
                                     keep_supply=True))
    results = run_tasks(tasks, executor, workers, name="concentration_risk")
    delivered = {}
    for run_id, (share, months, seed) in cells.items():
        supply = results[run_id]["supply"]
        delivered[(share, months, seed)] = supply.groupby("lab_name")["delivered_h100e"].sum()
    lost = []
    for (share, months, seed), by_lab in delivered.items():
        if share == 0:
            continue
        reference = delivered[(0.0, 0, seed)]
        for lab, value in (reference - by_lab.reindex(reference.index, fill_value=0.0)).items():
            lost.append({"outage share": share, "months": months, "seed": seed, "lab": lab, "H100e-months lost": value})
    lost = pd.DataFrame(lost)
    by_lab = lost.groupby(["outage share", "months", "lab"])["H100e-months lost"].mean().reset_index()
    total = by_lab.groupby(["outage share", "months"])["H100e-months lost"].sum().unstack("months")
    fig, (left, right) = subplots(1, 2, figsize=(12, 4.5))
    image = left.imshow(total.to_numpy(), cmap="Reds", aspect="auto")
    left.set_xticks(range(len(total.columns)), [f"{m} mo" for m in total.columns])
    left.set_yticks(range(len(total.index)), [f"{s:.0%}" for s in total.index])
    left.set_title("Compute the named labs lose (H100e-months, all labs)", fontsize=10)
    left.set_xlabel("outage length", fontsize=8)
    left.set_ylabel(f"share of {PROVIDER}'s capacity lost", fontsize=8)
    for (r, c), value in np.ndenumerate(total.to_numpy()):
        left.text(c, r, human(value), ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=left)
    worst = by_lab[(by_lab["outage share"] == max(shares)) & (by_lab["months"] == max(durations))]
    worst = worst.sort_values("H100e-months lost", ascending=False)
    right.barh(worst["lab"], worst["H100e-months lost"], color="#d73027")
    right.set_title(f"By lab: {max(shares):.0%} of its capacity for {max(durations)} months", fontsize=10)
    right.set_xlabel("H100e-months lost against the same run without the outage", fontsize=8)
    right.invert_yaxis()
    stand_alone(fig, f"Concentration risk: an outage at {PROVIDER} from {START}",
                "Compute lost: each named lab's delivered compute against the same run without the outage (same "
                "seed), summed over the run; means over seeds.", "aws-openai-2025 plus one outage", seeds, steps)
    figures = [save(fig, out, "concentration_risk.png")]
    summary = by_lab.pivot_table(index="lab", columns=["outage share", "months"], values="H100e-months lost")
    summary.columns = [f"{s:.0%} x {m} mo" for s, m in summary.columns]
    return write_report(
        out, "concentration_risk", "Concentration risk: who loses compute when the largest provider fails",
        f"{PROVIDER}, the provider with the most compute at risk in the replay, loses a share of its capacity from "
        f"{START} for some months. Compute lost is each named lab's delivered compute against the same run "
        "without the outage (same seed), summed over the run.",
        {"scenario": "aws-openai-2025 plus one outage event", "outage shares": shares, "durations (months)": durations,
         "executor": executor},
        [("Compute lost by lab (H100e-months, mean over seeds)", table(summary.reset_index()))],
        figures, seeds, steps, quick, data={"lost": lost})
