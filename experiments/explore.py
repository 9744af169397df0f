"""`compute-market explore SWEEP_DIR`: what lies behind an outcome across a finished sweep.

- **Envelopes**: for a few monthly metrics (when the sweep kept its runs' timeseries), the median, the 5-95% band
  and the full range over runs, drawn apart for the runs of interest and the others.
- **PRIM** (the Patient Rule Induction Method of Friedman and Fisher, through EMA Workbench): the runs of interest
  are those whose outcome is above (or below) a threshold; PRIM finds a box of parameter ranges that holds many of
  them (coverage: the share of all runs of interest inside the box) and mostly them (density: the share of the
  box's runs that are of interest). The box is the one PRIM's peeling stops at (density above `PRIM_THRESHOLD`,
  or its last).

It writes `explore.md`, `prim_tradeoff.png` (coverage against density along the peeling), `prim_box.png` (the
box's limits against the parameters' ranges), `envelopes.png` and `box.csv`, with a manifest, as one output.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from .manifest import git_commit, package_versions
from .outputs import check_output_dir, write_staged
from .scripted.common import band, date_axis, human, percent_axis, stand_alone, subplots, table

PRIM_THRESHOLD = 0.8  # the density PRIM peels towards
ENVELOPE_METRICS = {"provider_hhi_contracted": "Market HHI, signed contracts (0-10,000)",
                    "idle_share": "Idle capacity (share of sellers' capacity)",
                    "spot_price_usd_per_h100e_hour": "Spot price ($ per H100e-hour)",
                    "unmet_demand_h100e": "Unmet demand (H100e)"}


class ExploreError(ValueError):
    """The sweep folder, the outcome or the threshold cannot be explored; the message says which and why."""


@dataclass(frozen=True)
class Sweep:
    results: pd.DataFrame     # one row per finished run
    timeseries: pd.DataFrame  # monthly metrics per run (empty when the sweep did not keep them)
    manifest: dict
    parameters: list[str]     # the design's parameters


def read_sweep(folder: Path) -> Sweep:
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not folder.is_dir() or not manifest_path.exists() or not (folder / "results").is_dir():
        raise ExploreError(f"{folder}: not a sweep folder (no manifest.json and results/)")
    manifest = json.loads(manifest_path.read_text())
    results = pd.read_parquet(folder / "results")
    results = results[results["status"] == "ok"].sort_values("run_id", ignore_index=True)
    series = list((folder / "timeseries").glob("run-*.parquet")) if (folder / "timeseries").is_dir() else []
    timeseries = pd.read_parquet(folder / "timeseries") if series else pd.DataFrame()
    parameters = [c.removeprefix("param.") for c in results.columns if c.startswith("param.")]
    if len(results) < 10:
        raise ExploreError(f"{folder}: {len(results)} finished runs; PRIM needs at least 10")
    return Sweep(results, timeseries, manifest, parameters)


def of_interest(sweep: Sweep, outcome: str, above: float | None, below: float | None) -> np.ndarray:
    """The runs whose outcome is above `above` (or below `below`)."""
    known = [c for c in sweep.results.columns if c not in ("run_id", "point", "seed", "status", "error", "traceback",
                                                           "seconds") and not c.startswith("param.")]
    if outcome not in known:
        raise ExploreError(f"unknown outcome {outcome!r} (this sweep's outcomes: {', '.join(known)})")
    if (above is None) == (below is None):
        raise ExploreError("give one threshold: --above X or --below X")
    values = sweep.results[outcome].to_numpy(dtype=float)
    y = values > above if above is not None else values < below
    if y.all() or not y.any():
        raise ExploreError(f"{int(y.sum())} of {y.size} runs have {outcome} {'above' if above is not None else 'below'}"
                           f" {human(above if above is not None else below)} (its values run from "
                           f"{human(values.min())} to {human(values.max())}): PRIM needs some runs of interest "
                           "and some not")
    return y


def prim_box(x: pd.DataFrame, y: np.ndarray):
    """(the PRIM box object, its limits on the restricted parameters, its coverage, density and mass)."""
    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        box = prim.Prim(x, y, threshold=PRIM_THRESHOLD).find_box()
    stats = box.peeling_trajectory.iloc[box._cur_box]
    limits = box.box_lims[box._cur_box]
    initial = box.prim.box_init
    restricted = [name for name in x.columns if (limits[name] != initial[name]).any()]
    frame = pd.DataFrame({"parameter": restricted,
                          "box low": [float(limits[name].iloc[0]) for name in restricted],
                          "box high": [float(limits[name].iloc[1]) for name in restricted],
                          "range low": [float(initial[name].iloc[0]) for name in restricted],
                          "range high": [float(initial[name].iloc[1]) for name in restricted]})
    return box, frame, float(stats["coverage"]), float(stats["density"]), float(stats["mass"])


def envelopes(sweep: Sweep, y: np.ndarray, names: tuple[str, str]):
    """Median and 5-95% band over runs of each metric, runs of interest apart from the others."""
    metrics = {k: v for k, v in ENVELOPE_METRICS.items() if k in sweep.timeseries.columns}
    fig, axes = subplots(1, len(metrics), figsize=(4.2 * len(metrics), 4.2))
    interest = dict(zip(sweep.results["run_id"], y))
    series = sweep.timeseries.assign(interest=sweep.timeseries["run_id"].map(interest))
    for ax, (column, label) in zip(np.atleast_1d(axes), metrics.items()):
        for flag, name, colour in ((True, names[0], "#d73027"), (False, names[1], "#4575b4")):
            part = series[series["interest"] == flag]
            band(ax, part, column, name, colour, over="run_id")
            grouped = part.groupby("date")[column]
            ax.fill_between(pd.to_datetime(list(grouped.groups)), grouped.min(), grouped.max(), color=colour,
                            alpha=0.06, linewidth=0)
        ax.set_title(label, fontsize=9)
        if column == "idle_share":
            percent_axis(ax)
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: human(value)))
        date_axis(ax)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    return fig


def explore(folder: Path, outcome: str, out: Path, above: float | None = None, below: float | None = None,
            overwrite: bool = False) -> dict:
    """Explore the sweep in `folder` for runs with `outcome` above (or below) a threshold; write the report."""
    out = check_output_dir(Path(out), "explore", overwrite)
    sweep = read_sweep(folder)
    y = of_interest(sweep, outcome, above, below)
    rule = f"{outcome} {'>' if above is not None else '<'} {human(above if above is not None else below)}"
    x = sweep.results[[f"param.{p}" for p in sweep.parameters]].rename(columns=lambda c: c.removeprefix("param."))
    box, limits, coverage, density, mass = prim_box(x, y)
    manifest = sweep.manifest
    seeds, steps, scenario = manifest.get("seeds", []), manifest.get("steps", 0), manifest.get("scenario", "?")
    footer = dict(scenario=str(scenario), seeds=seeds, steps=steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tradeoff = box.show_tradeoff()
        tradeoff.set_size_inches(6.5, 5)
        stand_alone(tradeoff, f"PRIM: the peeling trajectory for {rule}",
                    "Each point a box along the peeling: coverage (share of the runs of interest inside) against "
                    "density (share of the box's runs that are of interest); colour: parameters restricted.",
                    **footer)
        inspected = box.inspect(style="graph")[0]
        inspected.set_size_inches(9, 3.2 + 0.5 * max(len(limits), 1))
        stand_alone(inspected, f"PRIM box for {rule}",
                    f"The box's limits on each restricted parameter, against its range in the sweep; coverage "
                    f"{coverage:.0%}, density {density:.0%}.", **footer)
    figures = {"prim_tradeoff.png": tradeoff, "prim_box.png": inspected}
    if not sweep.timeseries.empty:
        fig = envelopes(sweep, y, (f"runs with {rule}", "the other runs"))
        stand_alone(fig, f"Envelopes over the sweep's runs: those with {rule} against the others",
                    "Median (line), 5-95% band (shade) and full range (light shade) over runs.", **footer)
        figures["envelopes.png"] = fig
    lines = [f"# What lies behind {rule}", "",
             f"Sweep `{folder}` ({manifest.get('name', '?')}): {len(y):,} finished runs of scenario `{scenario}`, "
             f"{steps} months, seeds {seeds}. Runs of interest: {int(y.sum()):,} ({y.mean():.0%}) with {rule}.", "",
             "## PRIM box", "",
             f"PRIM (EMA Workbench, peeling towards a density of {PRIM_THRESHOLD:.0%}) keeps the box below: it holds "
             f"{coverage:.0%} of the runs of interest (coverage), {density:.0%} of the runs inside it are of "
             f"interest (density, against {y.mean():.0%} over the whole sweep), and it holds {mass:.0%} of all "
             "runs (mass).", "", table(limits) if len(limits) else "The box restricts no parameter.", "",
             "## Figures", "", *[f"![{name}]({name})" for name in figures], "", "## Reproduce", "", "```bash",
             f"compute-market explore {folder} --outcome {outcome} "
             + (f"--above {above:g}" if above is not None else f"--below {below:g}") + f" --out {out} --overwrite",
             "```"]

    def write(staging: Path) -> None:
        for name, fig in figures.items():
            fig.savefig(staging / name, dpi=110)
        limits.to_csv(staging / "box.csv", index=False)
        (staging / "explore.md").write_text("\n".join(lines) + "\n")

    write_staged(out, "explore", write, {"sweep": str(folder), "outcome": outcome, "above": above, "below": below,
                                         "runs": len(y), "of_interest": int(y.sum()), "coverage": coverage,
                                         "density": density, "versions": package_versions(), "git": git_commit()})
    return {"report": out / "explore.md", "limits": limits, "coverage": coverage, "density": density,
            "of_interest": int(y.sum()), "runs": len(y)}
