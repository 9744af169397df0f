"""`compute-market assess-deal`: a deal assessed as a competition authority and a financial-stability team would,
side by side. The scenario as written holds the deal; the counterfactual drops it (`--without ID`). Both run on
the same seeds and parameter draws; the effects are the paired differences, shown as bands."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from model import load_scenario
from model.events import contract_terms
from model.posterior import posterior_draws
from model.units import month_to_index

from .deal_runs import ARMS, ArmTask, run_arm
from .deal_screens import screens
from .diversion import diversion_bands
from .executors import make_executor
from .outputs import check_output_dir

COMMAND = "assess-deal"
DEAL_TYPES = ("merger", "acquisition", "equity", "exclusivity", "contract")
# effect: (label with units, how a run's monthly table gives it)
EFFECTS = {
    "committed_price": ("price of contracts in force, $/H100e-hour (mean)",
                        lambda m: m["committed_price_usd_per_h100e_hour"].mean()),
    "going_price": ("going 12-month price, $/H100e-hour (mean)",
                    lambda m: m["contract_quote_1y_usd_per_h100e_hour"].mean()),
    "spot_price": ("spot price, $/H100e-hour (mean)", lambda m: m["spot_price_usd_per_h100e_hour"].mean()),
    "delivered": ("compute delivered to labs, million H100e-months", lambda m: m["delivered_h100e"].sum() / 1e6),
    "unmet": ("labs' unmet demand, thousand H100e (mean)", lambda m: m["unmet_demand_h100e"].mean() / 1e3),
    "firm_hhi": ("firm HHI of contracted capacity, points (last month)", lambda m: m["firm_hhi_contracted"].iloc[-1]),
    "lab_surplus": ("labs' surplus, $B (sum over the months)",
                    lambda m: m.filter(like="lab_surplus_usd_bn[").to_numpy().sum()),
    "provider_profit": ("providers' profit after full cost, $B (sum)",
                        lambda m: m.filter(like="provider_profit_usd_bn[").to_numpy().sum()),
}
RISKS = {
    "debtrank_max": "largest DebtRank of one node's failure (share of system value)",
    "compute_at_risk_max": "largest share of delivered compute through one node",
    "clearing_shortfall_usd_bn": "clearing shortfall of the coming year's obligations, $B (Eisenberg-Noe)",
    "clearing_defaulters": "nodes short in the clearing",
    "clearing_shortfall_stressed_usd_bn": "clearing shortfall with labs' revenue halved, $B",
    "clearing_defaulters_stressed": "nodes short with labs' revenue halved",
    "providers_defaulted": "providers defaulted by the end (the run's own cascade)",
    "lender_loss_usd_bn": "lenders' losses by the end, $B",
}


class DealError(ValueError):
    """The assessment cannot be set up as asked; the message names the option and the value."""


def deal_events(spec, without: list[str]):
    """The events the assessment drops, each of a deal type."""
    if not without:
        raise DealError("--without: name the deal event(s) to assess (an event id of the scenario)")
    spec.without(*without)  # refuses an unknown id, naming the scenario's events
    events = [e for e in spec.events if e.id in without]
    for event in events:
        if event.type not in DEAL_TYPES:
            raise DealError(f"--without {event.id}: the {event.type} event is no deal (deals: {', '.join(DEAL_TYPES)})")
    return events


def arms(spec, events, efficiency: float | None):
    """{arm: scenario}: without the deal, with it at no efficiency, and with it at the stated efficiency (the
    option's, else the file's) when a merger or acquisition states one; and that efficiency."""
    mergers = [e.id for e in events if e.type in ("merger", "acquisition")]
    if efficiency is not None and not mergers:
        raise DealError(f"--efficiency {efficiency:g}: an efficiency is for mergers and acquisitions, and the deal "
                        "has none")
    if efficiency is not None and not 0.0 <= efficiency < 1.0:
        raise DealError(f"--efficiency must be a share from 0 to below 1, got {efficiency:g}")
    stated = efficiency if efficiency is not None else max(
        [e.efficiency_share for e in events if e.id in mergers], default=0.0)

    def at(share):
        return spec.model_copy(update={"events": [e.model_copy(update={"efficiency_share": share})
                                                  if e.id in mergers else e for e in spec.events]})
    variants = {ARMS[0]: spec.without(*[e.id for e in events]), ARMS[1]: at(0.0)}
    if stated > 0:
        variants[ARMS[2]] = at(stated)
    return variants, stated


def run_all(tasks: list[ArmTask], executor: str, workers: int | None) -> list[dict]:
    results = []
    with make_executor(executor, workers=workers) as pool:
        for result in pool.map_unordered(run_arm, tasks):
            results.append(result)
            print(f"{COMMAND}: {len(results)} of {len(tasks)} runs done", file=sys.stderr, flush=True)
    return sorted(results, key=lambda r: r["run_id"])


def measured_diversions(without_spec, events, rows_of, deal_month, steps, seeds, parameter_sets,
                        months: int = 5) -> pd.DataFrame:
    """D[party -> every other provider] from the agents, for each provider party of a horizontal or vertical deal,
    over the seeds, the parameter draws and the deal's month and the `months` after (within the horizon)."""
    from model import ComputeMarket

    parties = []
    for event in events:
        rows = rows_of(event)
        for key in ("acquirer_provider", "target"):
            if rows.get(key, -1) >= 0 and event.type in ("merger", "acquisition", "equity"):
                parties.append(rows[key])
    months = [m for m in range(deal_month, deal_month + months + 1) if m < steps]
    runs = [(seed, draw) for seed in seeds for draw in range(len(parameter_sets))]

    def make(run):
        seed, draw = run
        return ComputeMarket(scenario=without_spec, rng=seed, horizon_months=steps, **parameter_sets[draw])

    frames = []
    for row in dict.fromkeys(parties):
        name = make(runs[0]).state.providers.name[row]
        frames.append(diversion_bands(make, name, months, runs).assign(origin=name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["to", "p05", "p50", "p95", "samples", "origin"])


def effects_table(results: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per run: each effect and risk figure, per arm; paired differences arm - without, by seed and draw)."""
    rows = []
    for r in results:
        m, risk = r["monthly"], r["risk"]
        row = {"arm": r["arm"], "seed": r["seed"], "draw": r["draw"]}
        row.update({key: float(fn(m)) for key, (_, fn) in EFFECTS.items()})
        row.update({key: float(risk[key]) for key in RISKS if key in risk})
        row["providers_defaulted"] = float(m["providers_defaulted"].iloc[-1])
        row["lender_loss_usd_bn"] = float(m["lender_loss_usd_bn"].iloc[-1])
        rows.append(row)
    per_run = pd.DataFrame(rows)
    measures = [*EFFECTS, *RISKS]
    base = per_run[per_run["arm"] == ARMS[0]].set_index(["seed", "draw"])[measures]
    paired = []
    for arm in ARMS[1:]:
        part = per_run[per_run["arm"] == arm].set_index(["seed", "draw"])[measures]
        if len(part):
            paired.append((part - base.loc[part.index]).assign(arm=arm).reset_index())
    return per_run, pd.concat(paired, ignore_index=True)


def screen_table(results, events, rows_of, measured: pd.DataFrame, params, efficiency: float) -> pd.DataFrame:
    """The screens from each run without the deal (one per seed and draw): median and 5-95% band of each."""
    medians = {(o, t): v for o, t, v in zip(measured.get("origin", []), measured.get("to", []),
                                            measured.get("p50", []))}
    frames = [screens(r["before"], events, rows_of, medians, params, efficiency).assign(seed=r["seed"], draw=r["draw"])
              for r in results if r["arm"] == ARMS[0]]
    every = pd.concat(frames, ignore_index=True)
    every["value"] = every["value"].astype(float)
    grouped = every.groupby(["deal", "measure"], sort=False)
    table = grouped["value"].agg(p05=lambda v: v.quantile(0.05), p50="median", p95=lambda v: v.quantile(0.95))
    return table.join(grouped["basis"].first()).reset_index()


def assess_deal(scenario: str, without: list[str], out: Path, seeds=(1, 2, 3, 4), draws: int = 0,
                efficiency: float | None = None, steps: int | None = None, executor: str = "serial",
                workers: int | None = None, quick: bool = False, overwrite: bool = False) -> dict:
    """Run the assessment and write its report (see module doc); returns the tables and the report's path."""
    from model import ComputeMarket

    from .deal_report import side_by_side, write_report

    out = check_output_dir(Path(out), COMMAND, overwrite)
    spec = load_scenario(scenario)
    events = deal_events(spec, list(without))
    variants, stated = arms(spec, events, efficiency)
    seeds = tuple(seeds)[:1] if quick else tuple(seeds)
    if not seeds:
        raise DealError("--seeds: give at least one seed")
    steps = steps or spec.steps
    if draws < 0:
        raise DealError(f"--draws must be 0 or more, got {draws}")
    probe = ComputeMarket(scenario=variants[ARMS[1]], rng=seeds[0], horizon_months=steps)  # the deal's rows
    deal_month = min(month_to_index(probe.params.start_month, e.date) for e in events)
    if deal_month >= steps:
        raise DealError(f"--steps {steps}: the deal ({events[0].date}) is after the last month simulated")
    fit, parameter_sets = posterior_draws(scenario, draws, seeds[0]) if draws else (spec.fit, [{}])
    resolved = {r.event.id: r.rows for month in probe.ctx.timeline.values() for r in month}

    def rows_of(event):
        rows = dict(resolved[event.id])
        if event.type == "contract":
            rows["quantity_h100e"] = contract_terms(event, probe.params.h100e_per_gw)[0]
        return rows

    tasks = [ArmTask(run_id=len(variants) * (d * len(seeds) + s) + a, arm=arm, seed=seed, draw=d, scenario=variant,
                     parameters=parameters, steps=steps, deal_month=deal_month)
             for d, parameters in enumerate(parameter_sets) for s, seed in enumerate(seeds)
             for a, (arm, variant) in enumerate(variants.items())]
    results = run_all(tasks, executor, workers)
    measured = measured_diversions(variants[ARMS[0]], events, rows_of, deal_month, steps,
                                   seeds[:1] if quick else seeds[:3], parameter_sets[:3], 1 if quick else 5)
    per_run, paired = effects_table(results)
    screened = screen_table(results, events, rows_of, measured, probe.params, stated)
    monthly = pd.concat([r["monthly"] for r in results], ignore_index=True)
    risk_nodes = pd.concat([r["risk"]["nodes"].assign(arm=r["arm"], seed=r["seed"], draw=r["draw"])
                            for r in results], ignore_index=True)
    setup = {"scenario": spec.name, "source": spec.source, "without": list(without), "seeds": list(seeds),
             "draws": draws, "fit": fit, "efficiency": stated, "steps": steps, "deal_month": deal_month,
             "executor": executor, "quick": quick}
    report = write_report(out, setup, spec, events, variants, per_run, paired, screened, measured, monthly,
                          risk_nodes, probe.params, parameter_sets)
    return {"report": report, "headline": side_by_side(screened, per_run, paired, EFFECTS, RISKS), "paired": paired, "screens": screened, "per_run": per_run, "diversion": measured}

