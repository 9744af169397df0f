"""`compute-market backtest --cutoff YYYY-MM`: score the model on what happened after the data it was fitted to.

1. **Calibrate on the past only**: the calibration file's priors and budget, fitted to every figure of `validate`
   dated before the cutoff (its targets are not used: most are dated later),
   on the 2025 replay cut at the cutoff (its scripted deals dated at or after the cutoff are dropped, and the
   labs that followed their scripted history negotiate from the cutoff on).
2. **Run the cut replay** at the posterior median for each seed, to the end of 2025.
3. **Score what came after** against what happened:
   - contracts: each scripted deal of the replay dated at or after the cutoff (each from `deals.csv`) is a real
     deal; a *hit* when the model signed a contract between the same buyer and seller within ±3 months of its
     date; for hits, the log ratio of the model's value in that window to the real value, and the months between;
   - market figures: each figure of `validate` with a tolerance, dated at or after the cutoff: the model's median
     and 5-95% band over seeds against the real value.
4. **Against a naive baseline**: a deal is a baseline hit when its seller was already among the buyer's suppliers
   at the end of 2024 (the 2024 supplier mix carried forward); a market figure's baseline is the last real value
   of the same metric and entity dated before the cutoff (persistence), when there is one.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from model import load_scenario
from model.units import month_to_index

from .calibrate.config import CalibrationConfig, Target
from .calibrate.report import weighted_quantiles
from .calibrate.smc import run_calibration
from .run import run_scenario
from .scripted.common import table
from .validation import FIGURES, RunFigures, data_rows, find_row, parse_real

WINDOW_MONTHS = 3
REPLAY = "aws-openai-2025"


class BacktestError(ValueError):
    """The cutoff leaves nothing to fit to or nothing to score."""


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def cut_replay(cutoff: str):
    """The replay with its scripted deals dated at or after `cutoff` dropped, its labs negotiating from the cutoff,
    and the deals dropped (the real deals to score against)."""
    replay = load_scenario(REPLAY)
    after = [e for e in replay.events if e.type == "contract" and e.date >= cutoff]
    cut = replay.without(*[e.id for e in after]) if after else replay
    cut = cut.model_copy(update={"parameters": {**cut.parameters, "history_until": previous_month(cutoff)},
                                 "name": f"{REPLAY} cut at {cutoff}"})
    return cut, after


def past_config(config: CalibrationConfig, cutoff: str, quick: bool) -> CalibrationConfig:
    """The calibration file's priors and budget, fitted to every figure of `validate` dated before the cutoff
    (weight 1, its default scale), over the months up to the cutoff."""
    targets = [Target(figure=figure.label) for figure in FIGURES if figure.date < cutoff]
    if not targets:
        raise BacktestError(f"no figure of the data is dated before the cutoff {cutoff}")
    steps = month_to_index("2025-01", cutoff)
    update = {"targets": targets, "left_out": [], "steps": max(steps, 1), "name": f"{config.name}-before-{cutoff}"}
    if quick:
        update |= {"population_size": 12, "generations": 2, "seeds": config.seeds[:1]}
    return config.model_copy(update=update)


def run_backtest(config: CalibrationConfig, cutoff: str, out: Path, executor: str = "processes", workers=None,
                 quick: bool = False, progress=print) -> dict[str, pd.DataFrame]:
    """Calibrate on the past, run past the cutoff, score; returns the tables (also written by the caller)."""
    import pyabc

    month_to_index("2025-01", cutoff)  # refuses a malformed month
    if not "2025-02" <= cutoff <= "2025-12":
        raise BacktestError(f"--cutoff must be a month from 2025-02 to 2025-12 (the data run through 2025), "
                            f"got {cutoff}")
    cut, real_deals = cut_replay(cutoff)
    past = past_config(config, cutoff, quick)
    progress(f"backtest at {cutoff}: calibrating on {len(past.targets)} targets dated before it, "
             f"{len(real_deals)} deals after it to score")
    run_calibration(past, Path(out) / "calibration", executor=executor, workers=workers, progress=progress,
                    scenario=cut)
    history = pyabc.History(f"sqlite:///{Path(out) / 'calibration' / 'history.db'}", _id=1)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    median = {name: weighted_quantiles(frame[name].to_numpy(), np.asarray(weights, dtype=float), (0.5,))[0]
              for name in past.parameters}
    models = [run_scenario(cut, steps=12, seed=seed, **median).model for seed in config.seeds]
    replay = run_scenario(REPLAY, steps=12, seed=config.seeds[0]).model  # the real deals' values, as scripted
    contracts = score_contracts(models, replay, real_deals, cutoff)
    figures = score_figures(models, cutoff)
    summary = summarise(contracts, figures)
    return {"contracts": contracts, "figures": figures, "summary": summary,
            "parameters": pd.DataFrame([{"parameter": k, "posterior_median": v} for k, v in median.items()])}


def score_contracts(models, replay, real_deals, cutoff: str) -> pd.DataFrame:
    """Each real deal after the cutoff: hit (per seed, then the share of seeds), value log ratio, timing, and
    whether the naive baseline (the buyer's 2024 suppliers) would have named its seller."""
    scripted = replay.contract_table().set_index("event_id")
    start_pairs = _start_pairs(replay)
    after = month_to_index("2025-01", cutoff)
    negotiated = []  # each seed's contracts negotiated from the cutoff on, built once
    for model in models:
        contracts = model.contract_table()
        negotiated.append(contracts[(contracts["origin"] == "negotiated") & (contracts["proposed_step"] >= after)])
    rows = []
    for event in real_deals:
        real_value = float(scripted.loc[event.id, "value_usd_bn"]) if event.id in scripted.index else math.nan
        month = month_to_index("2025-01", event.date)
        hits, ratios, gaps = [], [], []
        for signed_all in negotiated:
            signed = signed_all[(signed_all["buyer_name"] == event.buyer) & (signed_all["seller_name"] == event.seller)]
            near = signed[(signed["proposed_step"] - month).abs() <= WINDOW_MONTHS]
            hits.append(bool(len(near)))
            if len(near):
                ratios.append(math.log(near["value_usd_bn"].sum() / real_value) if real_value > 0 else math.nan)
                gaps.append(float((near["proposed_step"] - month).abs().min()))
        rows.append({"deal": event.id, "date": event.date, "buyer": event.buyer, "seller": event.seller,
                     "real_value_usd_bn": real_value, "hit_share": float(np.mean(hits)),
                     "log_value_ratio": float(np.mean(ratios)) if ratios else math.nan,
                     "months_off": float(np.mean(gaps)) if gaps else math.nan,
                     "baseline_hit": (event.buyer, event.seller) in start_pairs})
    return pd.DataFrame(rows)


def _start_pairs(model) -> set[tuple[str, str]]:
    """(buyer, seller) of the contracts in force at the start (end of 2024)."""
    contracts = model.contract_table()
    start = contracts[contracts["origin"] == "start"]
    return set(zip(start["buyer_name"], start["seller_name"]))


def score_figures(models, cutoff: str) -> pd.DataFrame:
    """Each figure with a tolerance dated at or after the cutoff: real, model median and band, within the
    tolerance or not, and the persistence baseline's error."""
    rows_data = data_rows()
    runs = [RunFigures(model) for model in models]
    rows = []
    for figure in FIGURES:
        if figure.tolerance is None or figure.date < cutoff:
            continue
        row = find_row(rows_data, figure)
        real, _, _ = parse_real(row["value"])
        values = np.array([figure.output(run) for run in runs], dtype=float)
        finite = values[np.isfinite(values)]
        median, p05, p95 = (np.percentile(finite, q) for q in (50, 5, 95)) if finite.size else (math.nan,) * 3
        baseline = _persistence(rows_data, row, cutoff)
        rows.append({"figure": figure.label, "date": figure.date, "real": real, "model_median": median,
                     "model_p05": p05, "model_p95": p95, "error_pct": 100 * (median / real - 1) if real else math.nan,
                     "within_tolerance": figure.tolerance.holds(float(median), real),
                     "baseline": baseline, "baseline_error_pct": 100 * (baseline / real - 1)
                     if real and math.isfinite(baseline) else math.nan,
                     "baseline_within_tolerance": figure.tolerance.holds(baseline, real)
                     if math.isfinite(baseline) else None})
    return pd.DataFrame(rows)


def _persistence(rows: list[dict], row: dict, cutoff: str) -> float:
    """The last real value of the same metric and entity dated before the cutoff (NaN if none)."""
    earlier = [r for r in rows if r["metric"] == row["metric"] and r["entity"] == row["entity"]
               and r["date"][:7] < cutoff]
    if not earlier:
        return math.nan
    try:
        return parse_real(max(earlier, key=lambda r: r["date"])["value"])[0]
    except ValueError:
        return math.nan


def summarise(contracts: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """The score table: model against the naive baseline."""
    has_baseline = figures[figures["baseline_within_tolerance"].notna()]
    return pd.DataFrame([
        {"score": "deal pair hit rate (same buyer and seller within ±3 months)",
         "model": contracts["hit_share"].mean() if len(contracts) else math.nan,
         "baseline": contracts["baseline_hit"].mean() if len(contracts) else math.nan, "n": len(contracts)},
        {"score": "mean absolute log ratio of deal values (hits)", "model": contracts["log_value_ratio"].abs().mean(),
         "baseline": math.nan, "n": int(contracts["log_value_ratio"].notna().sum())},
        {"score": "mean months off (hits)", "model": contracts["months_off"].mean(), "baseline": math.nan,
         "n": int(contracts["months_off"].notna().sum())},
        {"score": "market figures within tolerance", "model": figures["within_tolerance"].mean()
         if len(figures) else math.nan, "baseline": math.nan, "n": len(figures)},
        {"score": "market figures within tolerance, where persistence has a value",
         "model": has_baseline["within_tolerance"].mean() if len(has_baseline) else math.nan,
         "baseline": has_baseline["baseline_within_tolerance"].astype(float).mean() if len(has_baseline)
         else math.nan, "n": len(has_baseline)},
    ])


def backtest_markdown(cutoff: str, tables: dict, quick: bool) -> str:
    return "\n".join([f"# Backtest at {cutoff}" + (" (quick)" if quick else ""), "",
                      "Fitted to the figures dated before the cutoff on the replay cut there; scored on what came "
                      "after (experiments/backtest.py).", "", "## Score against the naive baseline", "",
                      table(tables["summary"].round(3)), "", "## Deals after the cutoff", "",
                      table(tables["contracts"].round(3)), "", "## Market figures after the cutoff", "",
                      table(tables["figures"].round(3)), "", "## Posterior medians used", "",
                      table(tables["parameters"].round(4)), ""])
