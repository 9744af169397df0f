"""The deal assessment's report: the competition view and the systemic-risk view side by side, with bands, the
figures, the data, the parameters' sources and the command that reproduces it, written into the output folder at
once."""

from __future__ import annotations

from pathlib import Path
from textwrap import fill

import pandas as pd
from matplotlib.ticker import PercentFormatter

from model.event_text import describe
from model.params import param_sources

from .deal_runs import ARMS, STRESSED_LAB_REVENUE_SHARE
from .manifest import git_commit, package_versions, provenance_line
from .outputs import write_staged
from .scripted.common import band, date_axis, human, stand_alone, subplots, table

COLOURS = dict(zip(ARMS, ("#e66101", "#1f78b4", "#33a02c")))
PATHS = {"committed_price_usd_per_h100e_hour": "Price of contracts in force ($/H100e-hour)",
         "spot_price_usd_per_h100e_hour": "Spot price ($/H100e-hour)",
         "delivered_h100e": "Compute delivered to labs (H100e)",
         "firm_hhi_contracted": "Firm HHI of contracted capacity (0-10,000)"}
SCREEN_PARAMETERS = ("demand_price_elasticity", "reference_price_usd_per_h100e_hour", "contract_price_sensitivity",
                     "strategic_priority", "regulator_hhi_threshold", "regulator_delta_hhi_threshold")


def plain(event) -> str:
    """The event in words when its file gives no description (the event log's wording where it needs no run)."""
    if event.type in ("merger", "acquisition", "equity"):
        return describe(event, {}, "2025-01")
    return ", ".join(f"{k} {v}" for k, v in event.model_dump(exclude={"id", "date", "type", "description"},
                                                             exclude_none=True).items() if v not in ("", None))


def band_text(row) -> str:
    """'median (5-95%: low to high)' of a row with p05, p50, p95; a yes/no figure as yes, no or "in some runs"."""
    if "presumption" in str(row.get("measure", "")):
        return "yes" if row["p05"] == 1 else "no" if row["p95"] == 0 else "in some runs"
    if row["p05"] == row["p95"]:
        return human(row["p50"])
    return f"{human(row['p50'])} ({human(row['p05'])} to {human(row['p95'])})"


def difference_bands(paired: pd.DataFrame, measures) -> pd.DataFrame:
    """Per arm and measure, the paired difference's median and 5-95% band over seeds and draws."""
    rows = []
    for arm, part in paired.groupby("arm", sort=False):
        for key in measures:
            values = part[key].astype(float)
            rows.append({"arm": arm, "measure": key, "p05": values.quantile(0.05), "p50": values.median(),
                         "p95": values.quantile(0.95)})
    return pd.DataFrame(rows)


def level(per_run: pd.DataFrame, arm: str, key: str) -> str:
    return human(float(per_run.loc[per_run["arm"] == arm, key].median()))


def view_table(per_run, paired, measures: dict) -> str:
    """Rows: a measure, its median without and with the deal, and the paired difference with its band."""
    diffs = difference_bands(paired, measures)
    arms = [a for a in ARMS if a in set(per_run["arm"])]
    header = ["measure", *[f"{a} (median)" for a in arms], *[f"Δ {a} (5-95%)" for a in arms[1:]]]
    rows = []
    for key, label in measures.items():
        row = [label, *[level(per_run, a, key) for a in arms]]
        for arm in arms[1:]:
            row.append(band_text(diffs[(diffs.arm == arm) & (diffs.measure == key)].iloc[0]))
        rows.append(row)
    return table(pd.DataFrame(rows, columns=header))


def by_agent_table(monthly: pd.DataFrame) -> str:
    """Each named lab's surplus and each provider's profit over the months, $B: the median without the deal and the
    paired difference with it (5-95%)."""
    columns = [c for c in monthly.columns if c.startswith(("lab_surplus_usd_bn[", "provider_profit_usd_bn["))]
    sums = monthly.groupby(["arm", "seed", "draw"])[columns].sum()
    base = sums.loc[ARMS[0]]
    rows = []
    for column in columns:
        kind, name = column.split("[")
        row = {"": "lab surplus" if kind.startswith("lab") else "provider profit", "who": name.rstrip("]"),
               "without the deal (median)": human(float(base[column].median()))}
        for arm in ARMS[1:]:
            if arm in sums.index.get_level_values(0):
                diff = sums.loc[arm][column] - base[column]
                row[f"Δ {arm} (5-95%)"] = band_text({"p05": diff.quantile(0.05), "p50": diff.median(),
                                                     "p95": diff.quantile(0.95)})
        rows.append(row)
    return table(pd.DataFrame(rows))


def side_by_side(screened, per_run, paired, effects: dict, risks: dict) -> str:
    """The headline table: the competition view's figures in the left columns, the risk view's in the right."""
    diffs = difference_bands(paired, [*effects, *risks])
    with_deal = diffs[diffs.arm == ARMS[1]].set_index("measure")
    left = [(r["measure"] if r["deal"] == screened["deal"].iloc[0] else f"{r['deal']}: {r['measure']}", band_text(r))
            for _, r in screened.iterrows() if any(k in r["measure"] for k in ("ΔHHI", "presumption", "GUPPI", "UPP",
                                                                              "CMCR", "ΔMHHI"))]
    left += [(f"Δ {effects[k][0]}", band_text(with_deal.loc[k])) for k in ("committed_price", "going_price",
                                                                           "lab_surplus", "provider_profit")]
    right = [(f"Δ {label}", band_text(with_deal.loc[k])) for k, label in risks.items()]
    n = max(len(left), len(right))
    left += [("", "")] * (n - len(left))
    right += [("", "")] * (n - len(right))
    lines = ["| Competition authority's view | with the deal | Financial-stability view | with the deal |",
             "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for (a, b), (c, d) in zip(left, right)]
    return "\n".join(lines)


def paths_figure(monthly: pd.DataFrame, setup: dict):
    fig, axes = subplots(2, 2, figsize=(11, 7.5))
    frame = monthly.assign(run=monthly["seed"].astype(str) + "/" + monthly["draw"].astype(str))
    for ax, (column, title) in zip(axes.ravel(), PATHS.items()):
        for arm in ARMS:
            part = frame[frame["arm"] == arm]
            if len(part):
                band(ax, part, column, arm, COLOURS[arm], over="run")
        ax.set_title(title, fontsize=10)
        date_axis(ax)
    axes[0, 0].legend(fontsize=8)
    stand_alone(fig, f"The market with and without {', '.join(setup['without'])}",
                "Monthly, from the deal's month: median over seeds and parameter draws, 5-95% band shaded. Same "
                "seeds in every arm (common random numbers).", setup["scenario"], setup["seeds"], setup["steps"],
                note=f"{setup['draws']} posterior draw(s) per seed." if setup["draws"] else "At the fitted parameters.")
    return fig


def relative_differences(per_run: pd.DataFrame, paired: pd.DataFrame, measures) -> pd.DataFrame:
    """The paired differences as shares of each run's level without the deal (NaN where that level is 0)."""
    base = per_run[per_run["arm"] == ARMS[0]].set_index(["seed", "draw"])[list(measures)].abs()
    part = paired.set_index(["seed", "draw"])
    relative = part[list(measures)] / base.loc[part.index].where(base.loc[part.index] > 0).to_numpy()
    return relative.assign(arm=part["arm"].to_numpy()).reset_index()


def differences_figure(per_run, paired: pd.DataFrame, effects: dict, risks: dict, setup: dict):
    """Left, the competition effects; right, the risk figures: paired differences with the deal as a share of the
    level without it, as bands (one scale for every measure)."""
    fig, (left, right) = subplots(1, 2, figsize=(12, 5.5))
    for ax, measures, title in ((left, {k: v[0] for k, v in effects.items()}, "Competition: effect of the deal"),
                                (right, risks, "Systemic risk: effect of the deal")):
        diffs = difference_bands(relative_differences(per_run, paired, measures), measures)
        diffs = diffs[diffs.arm == ARMS[1]].dropna(subset=["p50"])
        y = list(range(len(diffs)))
        ax.barh(y, diffs["p50"], color="#1f78b4", alpha=0.6)
        ax.errorbar(diffs["p50"], y, xerr=[diffs["p50"] - diffs["p05"], diffs["p95"] - diffs["p50"]], fmt="none",
                    color="#333", capsize=3)
        ax.set_yticks(y, [fill(measures[k], 34) for k in diffs["measure"]], fontsize=7)
        ax.axvline(0, color="#888", linewidth=0.8)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("with the deal - without, as a share of the level without it", fontsize=8)
    stand_alone(fig, "The deal's effects, competition and systemic risk side by side",
                "Bars: median paired difference over seeds and draws, as a share of the run's level without the deal "
                "(measures whose level is 0 are left out); whiskers: 5-95%.", setup["scenario"], setup["seeds"],
                setup["steps"], note=f"{setup['draws']} posterior draw(s) per seed." if setup["draws"] else "")
    return fig


def parameters_table(params, spec, parameter_sets) -> str:
    sources = param_sources()
    names = list(dict.fromkeys([*spec.parameters, *SCREEN_PARAMETERS]))
    rows = [[name, getattr(params, name), f"scenario {spec.name}" + (f" (fit {spec.fit})" if spec.fit else "")
             if name in spec.parameters else sources[name]] for name in names]
    text = table(pd.DataFrame(rows, columns=["parameter", "value", "source"]))
    if len(parameter_sets) > 1 or parameter_sets[0]:
        text += (f"\n\nEach of the {len(parameter_sets)} posterior draws replaces the fitted parameters it names "
                 "(posterior_draws.csv).")
    return text


def write_report(out: Path, setup, spec, events, variants, per_run, paired, screened, measured, monthly,
                 risk_nodes, params, parameter_sets) -> Path:
    from .assess_deal import COMMAND, EFFECTS, RISKS

    command = (f"compute-market {COMMAND} {setup['source'] or setup['scenario']} "
               + " ".join(f"--without {e}" for e in setup["without"])
               + f" --seeds {','.join(map(str, setup['seeds']))} --draws {setup['draws']} --steps {setup['steps']}"
               + (f" --efficiency {setup['efficiency']:g}" if setup["efficiency"] else "")
               + (" --quick" if setup["quick"] else "") + f" --out {out} --overwrite")
    git = git_commit()
    screens_text = table(screened.assign(band=[band_text(r) for _, r in screened.iterrows()])[
        ["deal", "measure", "band", "basis"]].rename(columns={"band": "median (5-95%)"}))
    diversion_text = table(measured[measured["samples"] > 0][["origin", "to", "p05", "p50", "p95", "samples"]]) \
        if len(measured) and (measured["samples"] > 0).any() else (
        "The agents measured no diversion: in the months after the deal the parties lost no new contracts to a 5% "
        "price rise (their labs' requests went unfilled elsewhere, or they signed nothing then), so the screens "
        "use the logit closed form on contracted shares, as an agency without a demand system would.")
    lines = [f"# Deal assessment: {', '.join(setup['without'])} in {spec.name}", "",
             "What the deal does to the compute market (the competition authority's questions) and to the network's "
             "financial fragility (the financial-stability team's), from the same pair of runs: the scenario as "
             "written and the same scenario without the deal, on the same seeds.", "", "## The deal", ""]
    lines += [f"- `{e.id}` ({e.date}, {e.type}): {e.description or plain(e)}" + (f" Source: {e.source}."
                                                                                  if getattr(e, "source", "") else "")
              for e in events]
    lines += ["", "## Set-up", "", f"- **scenario**: {spec.name} ({setup['source']})",
              f"- **arms**: {'; '.join(variants)}",
              f"- **seeds**: {', '.join(map(str, setup['seeds']))}; **parameter draws**: "
              f"{setup['draws'] or 'none (the fitted set)'}; **months**: {setup['steps']} (effects from month "
              f"{setup['deal_month']}, the deal's)",
              f"- **stated efficiency**: {setup['efficiency']:.0%}" if setup["efficiency"] else
              "- **stated efficiency**: none stated (give --efficiency to add the arm)",
              "", "## Side by side", "", side_by_side(screened, per_run, paired, EFFECTS, RISKS), "",
              "Screens: median over seeds and draws of the figure the month before the deal (5-95% band). Effects: "
              "with the deal minus without, paired by seed and draw. Predictions of the model, not calibration "
              "targets: no figure here was fitted.",
              "", "## Competition: screens", "", screens_text, "", "### Diversion measured from the agents", "",
              diversion_text, "", "## Competition: effects", "",
              view_table(per_run, paired, {k: v[0] for k, v in EFFECTS.items()}), "",
              "### Each lab and each provider ($B over the months from the deal)", "", by_agent_table(monthly), "",
              "Labs' surplus is the area under each lab's demand (the model's constant-elasticity demand, up to its "
              "willingness to pay) above the average price it paid, scaled by the share of its demand served. "
              "Providers' profit is contract and spot revenue less capacity bought in and the full unit cost of their "
              "capacity (capital charge included).", "", "## Systemic risk", "",
              view_table(per_run, paired, RISKS), "",
              "DebtRank, compute at risk and the clearing are of the network at the end of the run (the risk module's "
              "one interface, model.risk.risk_tables). The clearing (Eisenberg and Noe 2001) settles the obligations "
              "falling due over the coming year (contract bills as scheduled, open chip orders, interest and debt "
              "above credit limits) against cash, a year's outside revenue and the credit left; the stressed "
              f"clearing gives labs {STRESSED_LAB_REVENUE_SHARE:.0%} of their revenue.", "",
              "## Figures", "", "![paths](paths.png)", "", "![differences](differences.png)", "",
              "## What the model leaves out", "",
              "- Providers set their going price by scarcity (tâtonnement), not by a Bertrand first-order condition: "
              "the UPP, GUPPI and CMCR are what an authority would compute; the effects are what the agents do. "
              "Under one control, the parties move their prices on their pooled scarcity, are screened as one firm, "
              "and save the stated efficiency; a vendor serves a provider it owns first.",
              "- Labs' AI-service market is not modelled: vGUPPIs of provider-lab deals assume logit diversion on "
              "labs' revenue shares.",
              "- Stakes with no share on record are left out of the modified HHI (the table says how many).",
              "", "## Parameters and their sources", "", parameters_table(params, spec, parameter_sets), "",
              "## Data", "", "- `effects.parquet`: per run and arm, every effect and risk figure",
              "- `paired.parquet`: the paired differences (with - without) by seed and draw",
              "- `screens.parquet`, `diversion.parquet`, `monthly.parquet` (every run's months from the deal), "
              "`risk_nodes.parquet` (per node, arm and run)",
              "", "## Reproduce", "", "```bash", command, "```", "",
              provenance_line(git)]
    figures = {"paths.png": paths_figure(monthly, setup),
               "differences.png": differences_figure(per_run, paired, EFFECTS, RISKS, setup)}
    data = {"effects": per_run, "paired": paired, "screens": screened, "diversion": measured, "monthly": monthly,
            "risk_nodes": risk_nodes}
    if parameter_sets[0]:
        data["posterior_draws"] = pd.DataFrame(parameter_sets)
    manifest = {"command": command, "setup": {k: v if isinstance(v, (int, float, str, list)) or v is None else str(v)
                                              for k, v in setup.items()},
                "parameters": {name: getattr(params, name) for name in param_sources()},
                "versions": package_versions(), "git": git}

    def write(staging: Path) -> None:
        for name, fig in figures.items():
            fig.savefig(staging / name, dpi=110)
        for key, frame in data.items():
            frame.to_parquet(staging / f"{key}.parquet", index=False)
        (staging / "report.md").write_text("\n".join(lines) + "\n")
    write_staged(out, COMMAND, write, manifest)
    return out / "report.md"
