"""The comparison tab: two configurations side by side on common seeds (and common posterior draws), a
metric's median and 5-95% band over the members for each, and the band of their paired difference; or finished
run folders (`compute-market app --run DIR [--run DIR2]`) shown without running them again.

Member i of A and of B share the seed (the run's seed + i) and, with posterior draws, the parameter draw: the
difference B - A of one member is the effect of the change alone, on common random numbers.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import altair as alt
import pandas as pd
import solara
from solara.widgets import VegaLite

from model import load_scenario
from model.posterior import NoPosterior, posterior_draws

from .charts import EMBED, instant, titled
from .components import Download
from .session import KNOBS, Inputs, Session, allowed_scenarios

RUNS_ENV = "COMPUTE_MARKET_RUNS"  # finished run folders to show, separated by os.pathsep
MAX_MEMBERS = 20
METRICS = {
    "provider_hhi_contracted": "Market HHI, signed contracts (0-10,000)",
    "provider_hhi_delivering": "Market HHI, contracts delivering (0-10,000)",
    "provider_hhi_revenue": "Market HHI, cloud revenue (0-10,000)",
    "largest_provider_share_revenue": "Largest provider's share of cloud revenue (share)",
    "committed_price_usd_per_h100e_hour": "Committed price ($ per H100e-hour)",
    "spot_price_usd_per_h100e_hour": "Spot price ($ per H100e-hour)",
    "utilisation": "Utilisation (share of capacity)",
    "unmet_demand_h100e": "Unmet demand (H100e)",
    "capacity_h100e": "Installed capacity (H100e)",
    "backlog_usd_bn": "Contract backlog ($B)",
    "contracts_blocked": "Contracts blocked by regulators (to date)",
    "providers_defaulted": "Providers defaulted",
}
NONE = "none"


def members(inputs: Inputs, n: int, draws: list[dict] | None, side: str, progress=None) -> pd.DataFrame:
    """Each member's monthly metrics for `inputs`: member i at seed (inputs' seed + i), with draw i if given."""
    frames = []
    for i in range(n):
        model = inputs.model(seed=inputs.seed + i, draw=draws[i] if draws else None)
        while model.running:
            model.step()
        frames.append(model.timeseries().assign(side=side, member=i, seed=inputs.seed + i))
        if progress is not None:
            progress(side, i + 1)
    return pd.concat(frames, ignore_index=True)


def compare(a: Inputs, b: Inputs | None, n: int, with_draws: bool, progress=None) -> pd.DataFrame:
    """Members of A and B on common seeds (and common posterior draws of A's fitted set); without B, A's
    ensemble alone."""
    draws = posterior_draws(a.scenario, n, a.seed)[1] if with_draws else None
    sides = [members(a, n, draws, "A", progress)] + ([members(b, n, draws, "B", progress)] if b is not None else [])
    return pd.concat(sides, ignore_index=True)


def bands(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per side and month: the metric's 5/50/95% over members; side "B - A": of the paired differences."""
    wide = runs.pivot_table(index=["member", "date"], columns="side", values=metric)
    rows = [wide[side].rename("value").reset_index().assign(side=side) for side in wide.columns]
    if {"A", "B"} <= set(wide.columns):
        rows.append((wide["B"] - wide["A"]).rename("value").reset_index().assign(side="B - A"))
    long = pd.concat(rows, ignore_index=True).dropna()
    grouped = long.groupby(["side", "date"])["value"]
    return pd.DataFrame({"p05": grouped.quantile(0.05), "p50": grouped.median(), "p95": grouped.quantile(0.95),
                         "members": grouped.size()}).reset_index()


def compare_specs(band: pd.DataFrame, metric: str, names: dict[str, str]) -> tuple[dict, dict]:
    """(A and B: median line and 5-95% band over members; the paired difference B - A: median and band)."""
    band = band.assign(instant=band["date"].map(instant), label=band["side"].map(lambda s: names.get(s, s)))
    label = METRICS.get(metric, metric)
    colours = alt.Scale(domain=[names["A"], names["B"]], range=["#1f78b4", "#e66101"])
    x = alt.X("instant:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0,
                                                     tickCount={"interval": "year", "step": 1}))
    tooltip = ["date:N", "label:N", alt.Tooltip("p50:Q", format=",.4~g", title="median"),
               alt.Tooltip("p05:Q", format=",.4~g"), alt.Tooltip("p95:Q", format=",.4~g")]
    legend = alt.Color("label:N", scale=colours, title=None, legend=alt.Legend(orient="bottom", labelLimit=400))
    sides = alt.Chart(alt.NamedData("sides"))
    top = alt.layer(
        sides.mark_area(opacity=0.18).encode(x=x, y=alt.Y("p05:Q", title=label), y2="p95:Q", color=legend),
        sides.mark_line().encode(x=x, y="p50:Q", tooltip=tooltip, color=legend),
        title=titled(label, "Median over members (line) and 5-95% band (shade), on common seeds and draws."))
    diff = alt.Chart(alt.NamedData("difference"))
    bottom = alt.layer(
        diff.mark_area(opacity=0.25, color="#555").encode(x=x, y=alt.Y("p05:Q", title=f"B - A ({label})"),
                                                          y2="p95:Q"),
        diff.mark_line(color="#222").encode(x=x, y="p50:Q", tooltip=tooltip),
        alt.Chart(alt.NamedData("zero")).mark_rule(strokeDash=[3, 3], color="#999").encode(y="zero:Q"),
        title=titled("Difference, B - A (paired members)", "Median and 5-95% band of each member's difference: "
                     "the effect of the change on common random numbers."))
    specs = []
    for chart, height, data in ((top, 220, {"sides": band[band["side"].isin(["A", "B"])]}),
                                (bottom, 150, {"difference": band[band["side"] == "B - A"]})):
        spec = chart.properties(height=height, width="container").to_dict(validate=False)
        spec["usermeta"] = EMBED
        spec["datasets"] = {name: frame.to_dict("records") for name, frame in data.items()} | {"zero": [{"zero": 0}]}
        specs.append(spec)
    return specs[0], specs[1]


def end_table(band: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """The last month's median [5-95%] of A, B and B - A."""
    last = band[band["date"] == band["date"].max()]
    return [{"run": names.get(row.side, row.side), "month": row.date, "median": f"{row.p50:,.4g}",
             "5-95%": f"{row.p05:,.4g} to {row.p95:,.4g}", "members": int(row.members)} for row in last.itertuples()]


def read_run_folder(path: Path, side: str) -> tuple[pd.DataFrame, str]:
    """(the monthly metrics of a finished `run` or `run --ensemble` folder as members, its name)."""
    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"{path}: not a run folder (no such folder)")
    manifest = json.loads((path / "manifest.json").read_text()) if (path / "manifest.json").exists() else {}
    if (path / "ensemble.parquet").exists():
        runs = pd.read_parquet(path / "ensemble.parquet")
    elif (path / "timeseries.parquet").exists():
        runs = pd.read_parquet(path / "timeseries.parquet").assign(member=0)
    else:
        raise ValueError(f"{path}: not a run folder (no timeseries.parquet or ensemble.parquet)")
    scenario = manifest.get("scenario", {}).get("name", "?")
    seed = manifest.get("seed", "?")
    return runs.assign(side=side), f"{side}: {path.name} ({scenario}, seed {seed})"


def run_folders() -> list[Path]:
    return [Path(p) for p in os.environ.get(RUNS_ENV, "").split(os.pathsep) if p]


@solara.component
def CompareTab(session: Session):
    folders = run_folders()
    with solara.Column(gap="14px", classes=["cm-compare"]) as main:
        if folders:
            FinishedRuns(folders)
        LiveComparison(session)
    return main


@solara.component
def FinishedRuns(folders: list[Path]):
    """The run folders the server was started with, compared as they are (nothing is run again)."""
    loaded = solara.use_memo(lambda: [read_run_folder(path, side) for path, side in zip(folders, "AB")], [])
    runs = pd.concat([frame for frame, _ in loaded], ignore_index=True)
    names = {side: name for side, (_, name) in zip("AB", loaded)}
    names.setdefault("B", "-")
    metric, set_metric = solara.use_state("provider_hhi_contracted")
    band = bands(runs, metric)
    with solara.Column(classes=["cm-finished-runs"]):
        solara.Text("Finished runs (read from their folders): " + " and ".join(names[s] for s in "AB"
                                                                             if names[s] != "-"),
                    style={"font-weight": "600"})
        MetricPicker(runs, metric, set_metric)
        BandCharts(band, metric, names)
        solara.DataFrame(pd.DataFrame(end_table(band, names)), items_per_page=5)


@solara.component
def LiveComparison(session: Session):
    """A: this run's inputs; B: the same with one change. Both run for N members, then compared."""
    a = session.applied
    events = [NONE, *[event.id for event in load_scenario(a.scenario).events if event.id not in a.dropped]]
    scenario_b, set_scenario_b = solara.use_state(a.scenario)
    drop, set_drop = solara.use_state(NONE)
    knob, set_knob = solara.use_state(NONE)
    value, set_value = solara.use_state(1.0)
    n, set_n = solara.use_state(5)
    with_draws, set_with_draws = solara.use_state(False)
    metric, set_metric = solara.use_state("provider_hhi_contracted")
    result, set_result = solara.use_state(None)
    status, set_status = solara.use_state("")

    b = replace(a, scenario=scenario_b, parameters={} if scenario_b != a.scenario else a.parameters,
                dropped=() if scenario_b != a.scenario else a.dropped)
    if drop != NONE and scenario_b == a.scenario:
        b = replace(b, dropped=(*b.dropped, drop))
    if knob != NONE:
        b = b.with_value(knob, float(value))
    names = {"A": f"A: {a.scenario}, this run's inputs", "B": "B: " + variant_words(a, b)}
    alone = a == b  # nothing changed: an ensemble of A

    def run():
        try:
            set_status(f"running {n if alone else 2 * n} runs...")
            runs = compare(a, None if alone else b, n, with_draws,
                           progress=lambda side, i: set_status(f"{side}: {i} of {n} done"))
            set_result((runs, names))
            set_status("")
        except (NoPosterior, ValueError) as problem:
            set_status(f"Cannot compare: {str(problem)[:200]}")

    task = solara.lab.use_task(run, dependencies=None)

    solara.Markdown("**Compare two configurations on common seeds.** A is this run's inputs; B changes one thing. "
                    "Member i of both runs at seed (seed + i)" + (" with the same posterior draw" if with_draws else "")
                    + ", so their difference is the change's effect alone.")
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Select("B's scenario", values=allowed_scenarios(), value=scenario_b, on_value=set_scenario_b)
        solara.Select("B leaves out the event", values=events, value=drop, on_value=set_drop,
                      disabled=scenario_b != a.scenario, classes=["cm-compare-drop"])
        solara.Select("B sets", values=[NONE, *KNOBS], value=knob, on_value=set_knob)
        if knob != NONE:
            solara.InputFloat(f"to ({KNOBS[knob].low:g} to {KNOBS[knob].high:g})", value=value, on_value=set_value)
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        with solara.Div(style={"min-width": "260px"}):
            solara.SliderInt(f"members: {n}", value=n, min=1, max=MAX_MEMBERS, on_value=set_n)
        solara.Checkbox(label="draw parameters from the fitted posterior", value=with_draws,
                        on_value=set_with_draws)
        solara.Button("Run the ensemble of A" if alone else "Run the comparison", on_click=task, color="primary",
                      disabled=task.pending, classes=["cm-compare-run"])
    if alone:
        solara.Text("B is the same as A: the run shows A's ensemble (its median and 5-95% band over the members). "
                    "Change B's scenario, an event it leaves out or a setting to compare.", style={"color": "#777"})
    if status:
        solara.Text(status, classes=["cm-compare-status"])
    if result is not None:
        runs, shown_names = result
        band = bands(runs, metric)
        MetricPicker(runs, metric, set_metric)
        BandCharts(band, metric, shown_names)
        solara.DataFrame(pd.DataFrame(end_table(band, shown_names)), items_per_page=5)
        with solara.Row(justify="end"):
            Download("comparison-members", lambda: runs)


def MetricPicker(runs: pd.DataFrame, metric: str, set_metric):
    items = [{"text": label, "value": name} for name, label in METRICS.items() if name in runs.columns]
    solara.v.Select(label="Metric", items=items, v_model=metric, on_v_model=set_metric, dense=True,
                    class_="cm-compare-metric", style_="max-width: 480px")


def BandCharts(band: pd.DataFrame, metric: str, names: dict[str, str]):
    sides, difference = compare_specs(band, metric, names)
    with solara.Div(classes=["cm-grid", "cm-compare-chart"]):
        with solara.Div(classes=["cm-card"]):
            VegaLite.element(spec=sides)
        if (band["side"] == "B - A").any():
            with solara.Div(classes=["cm-card"]):
                VegaLite.element(spec=difference)


def variant_words(a: Inputs, b: Inputs) -> str:
    words = []
    if b.scenario != a.scenario:
        words.append(f"scenario {b.scenario}")
    words += [f"without {event}" for event in b.dropped if event not in a.dropped]
    words += [f"{name} = {value:g}" for name, value in b.parameters.items() if a.parameters.get(name) != value]
    return ", ".join(words) or "the same as A"

