"""Validation against 2025: every figure of `model/data/market-2025.csv` the model has an output for, held against
runs of the replay (and its endogenous twin) over several seeds: real, model median and 5-95% band, error, and
whether the figure lies within its stated tolerance.

Each figure is declared once in `FIGURES`: which row of the data file it is, how the model's figure is read from
a run, its tolerance (the issue's targets; None when only reported) and its role: a *calibration target* (a model
input was set from it, so matching it is no success of the model) or a *prediction* (nothing was fitted to it).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model import load_scenario
from model.datafiles import DATA_DIR
from model.scenario import fitted_targets

from .manifest import git_commit, package_versions
from .outputs import write_staged
from .run import run_scenario

DATA_FILE = DATA_DIR / "market-2025.csv"
SCENARIOS = ("aws-openai-2025", "endogenous-2025")
PREDICTION, TARGET = "prediction", "calibration target"
FILES = ("validation.csv", "validation.md", "manifest.json")


class ValidationError(ValueError):
    """The data file or a figure declaration is wrong; the message names the row."""


@dataclass(frozen=True)
class Tolerance:
    """How close the model must come: within `points` of the real figure (shares), within `relative` of it, or
    inside [low, high] (a range the issue states)."""
    points: float | None = None
    relative: float | None = None
    low: float | None = None
    high: float | None = None

    def holds(self, model: float, real: float) -> bool:
        if math.isnan(model):
            return False
        if self.points is not None:
            return abs(model - real) <= self.points
        if self.relative is not None:
            return abs(model / real - 1.0) <= self.relative
        return self.low <= model <= self.high

    def text(self) -> str:
        if self.points is not None:
            return f"±{self.points:g} points"
        if self.relative is not None:
            return f"±{100 * self.relative:g}%"
        return f"{self.low:g} to {self.high:g}"


class RunFigures:
    """What a figure reads from one run: its monthly timeseries and per-agent panel, by month ("YYYY-MM")."""

    def __init__(self, model):
        self.series = model.timeseries().set_index("date")
        panel = model.agent_table()
        self.panel = panel[panel["month_index"] >= 0]

    def column(self, kind: str, name: str, column: str) -> pd.Series:
        rows = self.panel[(self.panel["kind"] == kind) & (self.panel["name"] == name)]
        return rows.set_index("date")[column].astype(float)

    def at(self, kind: str, name: str, column: str, month: str) -> float:
        return float(self.column(kind, name, column).get(month, np.nan))

    def total(self, kind: str, name: str, column: str, months: list[str]) -> float:
        values = self.column(kind, name, column).reindex(months)
        return float(values.sum()) if values.notna().all() else np.nan

    def share_pct(self, name: str, months: list[str]) -> float:
        """A provider's share of all providers' cloud revenue over `months`, in percent."""
        rows = self.panel[(self.panel["kind"] == "provider") & self.panel["date"].isin(months)]
        total = rows["cloud_revenue_usd_bn"].astype(float).sum()
        own = rows.loc[rows["name"] == name, "cloud_revenue_usd_bn"].astype(float).sum()
        return 100.0 * own / total if total > 0 else np.nan

    def market_revenue(self, months: list[str]) -> float:
        rows = self.panel[(self.panel["kind"] == "provider") & self.panel["date"].isin(months)]
        return float(rows["cloud_revenue_usd_bn"].astype(float).sum())

    def series_at(self, column: str, month: str) -> float:
        return float(self.series[column].get(month, np.nan)) if column in self.series else np.nan


def quarter(end: str) -> list[str]:
    """The three months of the calendar or fiscal quarter whose last month is `end` ("YYYY-MM")."""
    year, month = int(end[:4]), int(end[5:7])
    out = []
    for back in (2, 1, 0):
        m = month - back
        y = year if m > 0 else year - 1
        out.append(f"{y:04d}-{(m - 1) % 12 + 1:02d}")
    return out


YEAR_2025 = [f"2025-{m:02d}" for m in range(1, 13)]
ShareOf = Callable[[RunFigures], float]


@dataclass(frozen=True)
class Figure:
    """One figure of the data file (by date, metric prefix and entity) and the model's counterpart."""
    date: str
    metric: str
    entity: str
    label: str
    output: ShareOf
    tolerance: Tolerance | None = None
    role: str = PREDICTION
    note: str = ""


def _share(name: str, end: str) -> ShareOf:
    return lambda run: run.share_pct(name, quarter(end))


def _quarter_total(kind: str, name: str, column: str, end: str) -> ShareOf:
    return lambda run: run.total(kind, name, column, quarter(end))


def _year_total(kind: str, name: str, column: str) -> ShareOf:
    return lambda run: run.total(kind, name, column, YEAR_2025)


def _at(kind: str, name: str, column: str, month: str, scale: float = 1.0) -> ShareOf:
    return lambda run: scale * run.at(kind, name, column, month)


def _series(column: str, month: str) -> ShareOf:
    return lambda run: run.series_at(column, month)


SHARE_NOTE = ("model: the provider's cloud revenue (non-AI, plus AI revenue paid by other firms) over all "
              "providers' in the quarter")
BACKLOG_NOTE = "model: remaining value of the contracts it sold"
AI_ONLY_RPO = ("most of this RPO is non-AI (Microsoft 365, enterprise cloud), which the model does not hold as "
               "contracts; the model's figure is its AI backlog only, so it is reported, not held to a tolerance")
CAPEX_NOTE = "model: the provider's payments for chips and sites in 2025"


def _figures() -> tuple[Figure, ...]:
    shares = []
    for end in ("2025-03", "2025-06", "2025-09", "2025-12"):
        for entity, name in (("AWS", "AWS"), ("Microsoft", "Microsoft Azure"), ("Google", "Google Cloud")):
            shares.append(Figure(f"{end}", "cloud_infra_services_share_pct (Synergy", entity,
                                 f"{name} cloud share, quarter to {end} (%)", _share(name, end), Tolerance(points=2.0),
                                 note=SHARE_NOTE))
    spend = [Figure(end, "cloud_infra_services_spend_quarter (Synergy)", "market",
                    f"cloud infrastructure spend, quarter to {end} (USD bn)",
                    (lambda e: lambda run: run.market_revenue(quarter(e)))(end),
                    note="model: all providers' cloud revenue in the quarter")
             for end in ("2025-03", "2025-06", "2025-09", "2025-12")]
    return (*shares, *spend,
            Figure("2025-09", "cloud_infra_services_share_pct (Synergy", "Top-3 combined",
                   "AWS + Microsoft + Google share, quarter to 2025-09 (%)",
                   lambda run: sum(run.share_pct(n, quarter("2025-09")) for n in ("AWS", "Microsoft Azure",
                                                                                   "Google Cloud"))),
            Figure("2025-09", "cloud_infra_services_share_pct (Synergy", "Oracle",
                   "Oracle cloud share, quarter to 2025-09 (%)", _share("Oracle", "2025-09")),
            Figure("2025-09", "cloud_segment_revenue_quarter", "AWS", "AWS revenue, quarter to 2025-09 (USD bn)",
                   _quarter_total("provider", "AWS", "cloud_revenue_usd_bn", "2025-09")),
            Figure("2025-12", "cloud_segment_revenue_quarter", "AWS", "AWS revenue, quarter to 2025-12 (USD bn)",
                   _quarter_total("provider", "AWS", "cloud_revenue_usd_bn", "2025-12")),
            Figure("2025-12", "cloud_segment_revenue_year", "AWS", "AWS revenue, 2025 (USD bn)",
                   _year_total("provider", "AWS", "cloud_revenue_usd_bn")),
            Figure("2025-06", "cloud_segment_revenue_quarter", "Google Cloud",
                   "Google Cloud revenue, quarter to 2025-06 (USD bn)",
                   _quarter_total("provider", "Google Cloud", "cloud_revenue_usd_bn", "2025-06")),
            Figure("2025-09", "cloud_segment_revenue_quarter", "Google Cloud",
                   "Google Cloud revenue, quarter to 2025-09 (USD bn)",
                   _quarter_total("provider", "Google Cloud", "cloud_revenue_usd_bn", "2025-09")),
            Figure("2025-09", "revenue_quarter", "CoreWeave", "CoreWeave revenue, quarter to 2025-09 (USD bn)",
                   _quarter_total("provider", "CoreWeave", "cloud_revenue_usd_bn", "2025-09")),
            Figure("2025-12", "neocloud_quarterly_cloud_revenue", "CoreWeave",
                   "CoreWeave revenue, quarter to 2025-12 (USD bn)",
                   _quarter_total("provider", "CoreWeave", "cloud_revenue_usd_bn", "2025-12")),
            Figure("2025-09", "revenue_quarter", "Nebius", "Nebius revenue, quarter to 2025-09 (USD bn)",
                   _quarter_total("provider", "Nebius", "cloud_revenue_usd_bn", "2025-09")),
            # backlogs
            Figure("2025-08", "RPO", "Oracle", "Oracle backlog, 2025-08 (USD bn)",
                   _series("backlog_usd_bn[Oracle]", "2025-08"), Tolerance(relative=0.3), note=BACKLOG_NOTE),
            Figure("2025-09", "cloud_backlog", "Google Cloud", "Google Cloud backlog, 2025-09 (USD bn)",
                   _series("backlog_usd_bn[Google Cloud]", "2025-09"), Tolerance(relative=0.3), note=BACKLOG_NOTE),
            Figure("2025-09", "revenue_backlog", "CoreWeave", "CoreWeave backlog, 2025-09 (USD bn)",
                   _series("backlog_usd_bn[CoreWeave]", "2025-09"), Tolerance(relative=0.3), note=BACKLOG_NOTE),
            Figure("2025-06", "cloud_backlog", "AWS", "AWS backlog, 2025-06 (USD bn)",
                   _series("backlog_usd_bn[AWS]", "2025-06"), note=AI_ONLY_RPO),
            Figure("2025-09", "commercial_RPO", "Microsoft", "Microsoft commercial RPO, 2025-09 (USD bn)",
                   _series("backlog_usd_bn[Microsoft Azure]", "2025-09"), note=AI_ONLY_RPO),
            # CoreWeave's customer concentration
            Figure("2025-06", "largest_customer_revenue_share", "CoreWeave (Microsoft)",
                   "CoreWeave's largest customer, quarter to 2025-06 (% of revenue)",
                   lambda run: 100.0 * np.nanmean([run.at("provider", "CoreWeave", "largest_customer_share", m)
                                                   for m in quarter("2025-06")]),
                   Tolerance(low=60.0, high=80.0), note="model: the monthly mean over the quarter"),
            # labs
            Figure("2025-06", "annualized_revenue", "OpenAI", "OpenAI revenue run-rate, 2025-06 (USD bn a year)",
                   _at("lab", "OpenAI", "revenue_usd_bn_per_month", "2025-06", 12.0),
                   note="the start revenue is back-cast from this figure, the growth from December's"),
            Figure("2025-12", "annualized_revenue_target", "OpenAI",
                   "OpenAI revenue run-rate, 2025-12 (USD bn a year)",
                   _at("lab", "OpenAI", "revenue_usd_bn_per_month", "2025-12", 12.0), Tolerance(relative=0.25),
                   role=TARGET, note="OpenAI's revenue growth in labs.csv is solved from this figure"),
            Figure("2025-11", "total_compute_commitments", "OpenAI", "OpenAI's compute commitments, 2025-11 (USD bn)",
                   lambda run: run.at("lab", "OpenAI", "commitments_over_revenue", "2025-11")
                   * 12.0 * run.at("lab", "OpenAI", "revenue_usd_bn_per_month", "2025-11"),
                   note="model: remaining value of OpenAI's contracts"),
            # vendors
            Figure("2025-07", "datacenter_revenue_quarter", "NVIDIA",
                   "NVIDIA data-center revenue, quarter to 2025-07 (USD bn)",
                   _quarter_total("vendor", "NVIDIA", "revenue_usd_bn", "2025-07"), Tolerance(relative=0.3),
                   note="fiscal Q2 2026 (May-July 2025); model: NVIDIA's chip revenue"),
            Figure("2025-05", "AI_semiconductor_revenue_quarter", "Broadcom",
                   "Broadcom AI semiconductor revenue, quarter to 2025-04 (USD bn)",
                   _quarter_total("vendor", "Broadcom custom", "revenue_usd_bn", "2025-04"),
                   note="fiscal Q2 2025 (Feb-Apr 2025)"),
            Figure("2025-08", "AI_semiconductor_revenue_quarter", "Broadcom",
                   "Broadcom AI semiconductor revenue, quarter to 2025-07 (USD bn)",
                   _quarter_total("vendor", "Broadcom custom", "revenue_usd_bn", "2025-07"),
                   note="fiscal Q3 2025 (May-July 2025)"),
            # capex
            Figure("2025-10", "capex_guidance_2025", "Amazon", "Amazon capex 2025 (USD bn)",
                   _year_total("provider", "AWS", "capex_spend_usd_bn"), Tolerance(relative=0.3),
                   note=CAPEX_NOTE + " (AWS stands for Amazon)"),
            Figure("2025-10", "capex_guidance_2025", "Alphabet", "Alphabet capex 2025 (USD bn)",
                   _year_total("provider", "Google Cloud", "capex_spend_usd_bn"), Tolerance(relative=0.3),
                   note=CAPEX_NOTE + " (Google Cloud, with DeepMind's fleet, stands for Alphabet)"),
            Figure("2025-10", "capex_guidance_2025", "Meta", "Meta capex 2025 (USD bn)",
                   _year_total("provider", "Meta Infrastructure", "capex_spend_usd_bn"), Tolerance(relative=0.3),
                   note=CAPEX_NOTE),
            Figure("2025-09", "capex_quarter", "Microsoft", "Microsoft capex, quarter to 2025-09 (USD bn)",
                   _quarter_total("provider", "Microsoft Azure", "capex_spend_usd_bn", "2025-09"),
                   Tolerance(relative=0.3), note=CAPEX_NOTE),
            Figure("2025-09", "capex_quarter", "Amazon", "Amazon capex, quarter to 2025-09 (USD bn)",
                   _quarter_total("provider", "AWS", "capex_spend_usd_bn", "2025-09"), note=CAPEX_NOTE),
            Figure("2025-11", "capex_guidance_2025_revised", "CoreWeave", "CoreWeave capex 2025 (USD bn)",
                   _year_total("provider", "CoreWeave", "capex_spend_usd_bn"), note=CAPEX_NOTE),
            # prices
            Figure("2025-05", "H100_on_demand_price", "AWS EC2 P5 (pre-June-2025 cut)",
                   "AWS on-demand H100 price, 2025-05 ($/h)",
                   _at("provider", "AWS", "list_price_usd_per_h100e_hour", "2025-05")),
            Figure("2025-05", "H100_on_demand_price", "GCP A3 (pre-cut)", "Google on-demand H100 price, 2025-05 ($/h)",
                   _at("provider", "Google Cloud", "list_price_usd_per_h100e_hour", "2025-05")),
            Figure("2025-10", "H100_rental_price", "market (1-yr contract index, cycle low)",
                   "1-year H100 contract index, 2025 low ($/h)",
                   lambda run: float(run.series["contract_index_1y_usd_per_h100e_hour"].reindex(YEAR_2025).min())
                   if "contract_index_1y_usd_per_h100e_hour" in run.series else np.nan,
                   Tolerance(low=1.5, high=2.0), note="model: the lowest monthly 1-year contract index of 2025"),
            )


FIGURES = _figures()


def parse_real(text: str) -> tuple[float, float, float]:
    """(value, low, high) of a data file's value: '41.1', '~125', '66-72' (its midpoint), '>20' (20, at least)."""
    cleaned = text.strip().lstrip("~").replace("~", "")
    if cleaned.startswith(">"):
        value = float(cleaned[1:])
        return value, value, math.inf
    if "-" in cleaned[1:]:
        low, high = (float(part) for part in cleaned.split("-", 1))
        return (low + high) / 2.0, low, high
    value = float(cleaned)
    return value, value, value


def data_rows(path: Path = DATA_FILE) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def find_row(rows: list[dict], figure: Figure) -> dict:
    """The data file's row for `figure` (its date's month, metric prefix and entity)."""
    for row in rows:
        if (row["date"][:7] == figure.date and row["metric"].startswith(figure.metric)
                and row["entity"] == figure.entity):
            return row
    raise ValidationError(f"{DATA_FILE}: no row dated {figure.date} with metric {figure.metric!r} and entity "
                          f"{figure.entity!r} (validation figure {figure.label!r})")


def steps_needed() -> int:
    """Months from the start (2025-01) to the last month any figure reads: all of 2025."""
    return 12


def collect(scenarios=SCENARIOS, seeds=(1, 2, 3, 4, 5), engine: str = "vectorized", progress=None) -> pd.DataFrame:
    """Run every scenario for every seed and hold each figure against the data: one row per (figure, scenario)."""
    rows = data_rows()
    matched = [(figure, find_row(rows, figure)) for figure in FIGURES]
    records = []
    for scenario in scenarios:
        fitted = fitted_targets(load_scenario(scenario).fit)  # figures its fitted set was fitted to
        values = {figure.label: [] for figure in FIGURES}
        for seed in seeds:
            model = run_scenario(scenario, steps=steps_needed(), seed=seed, engine=engine).model
            run = RunFigures(model)
            for figure in FIGURES:
                values[figure.label].append(figure.output(run))
            if progress is not None:
                progress(scenario, seed)
        for figure, row in matched:
            real, low, high = parse_real(row["value"])
            draws = np.asarray(values[figure.label], dtype=float)
            finite = draws[np.isfinite(draws)]
            median, p05, p95 = (np.percentile(finite, q) for q in (50, 5, 95)) if finite.size else (np.nan,) * 3
            within = figure.tolerance.holds(float(median), real) if figure.tolerance else None
            records.append({
                "scenario": scenario, "figure": figure.label, "date": row["date"], "metric": row["metric"],
                "entity": row["entity"], "unit": row["unit"], "real": real, "real_low": low, "real_high": high,
                "model_median": median, "model_p05": p05, "model_p95": p95,
                "error_pct": 100.0 * (median / real - 1.0) if real else np.nan,
                "error_points": median - real if figure.tolerance and figure.tolerance.points else np.nan,
                "tolerance": figure.tolerance.text() if figure.tolerance else "",
                "within_tolerance": within, "role": TARGET if figure.label in fitted else figure.role,
                "seeds": len(seeds),
                "note": figure.note, "source_title": row["source_title"], "source_url": row["source_url"]})
    return pd.DataFrame.from_records(records)


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def markdown(table: pd.DataFrame, seeds, manifest: dict) -> str:
    lines = ["# Validation against 2025", "",
             f"Seeds {', '.join(str(s) for s in seeds)}; commit {manifest['git']['commit'][:12]}"
             f"{' (uncommitted changes)' if manifest['git']['dirty'] else ''}. Real figures from "
             "`model/data/market-2025.csv` (each with its source below). *Role*: a **calibration target** is a "
             "figure a model input was set from (matching it is no success of the model); a **prediction** is not "
             "fitted to.", ""]
    for scenario, rows in table.groupby("scenario", sort=False):
        held = rows[rows["tolerance"] != ""]
        met = int(held["within_tolerance"].astype(bool).sum())
        lines += [f"## {scenario}", "", f"{met} of {len(held)} figures with a tolerance are within it.", "",
                  "| figure | real | model median | 5-95% band | error | tolerance | within | role |",
                  "|---|---|---|---|---|---|---|---|"]
        for _, r in rows.iterrows():
            error = (f"{r['error_points']:+.1f} pts" if math.isfinite(r["error_points"])
                     else f"{r['error_pct']:+.0f}%" if math.isfinite(r["error_pct"]) else "—")
            within = "" if r["within_tolerance"] is None else ("yes" if r["within_tolerance"] else "**no**")
            real = _number(r["real"]) if r["real_low"] == r["real_high"] else (
                f">{_number(r['real'])}" if math.isinf(r["real_high"])
                else f"{_number(r['real_low'])}-{_number(r['real_high'])}")
            lines.append(f"| {r['figure']} | {real} | {_number(r['model_median'])} | "
                         f"{_number(r['model_p05'])}-{_number(r['model_p95'])} | {error} | {r['tolerance']} | "
                         f"{within} | {r['role']} |")
        lines.append("")
    lines += ["## Notes and sources", ""]
    first = table.drop_duplicates("figure")
    for _, r in first.iterrows():
        note = f" {r['note']}." if r["note"] else ""
        lines.append(f"- **{r['figure']}**:{note} Source: [{r['source_title']}]({r['source_url']}).")
    return "\n".join(lines) + "\n"


def write_validation(table: pd.DataFrame, out: Path, seeds, scenarios, engine: str) -> list[Path]:
    """Write validation.csv, validation.md and manifest.json into `out` at once (staged, then moved)."""
    manifest = {"command": "validate", "scenarios": list(scenarios), "seeds": list(seeds), "engine": engine,
                "steps": steps_needed(), "data_file": str(DATA_FILE.name), "versions": package_versions(),
                "git": git_commit()}

    def write(staging: Path) -> None:
        table.to_csv(staging / "validation.csv", index=False)
        (staging / "validation.md").write_text(markdown(table, seeds, manifest))
    return write_staged(out, "validate", write, manifest)


def parse_seeds(text: str) -> tuple[int, ...]:
    """'1-5' or '1,2,3' (or a mix: '1-3,7') as seeds; refuses anything else naming the value."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                if last < first:
                    raise ValueError
                seeds.extend(range(first, last + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise ValidationError(f"--seeds must be whole numbers like '1-5' or '1,2,3', got {text!r}") from None
    if not seeds or min(seeds) < 0 or max(seeds) >= 2**63:
        raise ValidationError(f"--seeds must be whole numbers from 0 to 2^63-1, got {text!r}")
    return tuple(seeds)


def print_validation(table: pd.DataFrame) -> None:
    """The figures with a tolerance, per scenario: real, model median and band, within or not."""
    from rich.console import Console
    from rich.table import Table
    console = Console(width=140)
    for scenario, rows in table.groupby("scenario", sort=False):
        shown = Table(title=f"{scenario}: held against 2025", show_lines=False)
        for column in ("figure", "real", "model (5-95%)", "tolerance", "within", "role"):
            shown.add_column(column)
        for _, r in rows[rows["tolerance"] != ""].iterrows():
            shown.add_row(r["figure"], _number(r["real"]),
                          f"{_number(r['model_median'])} ({_number(r['model_p05'])}-{_number(r['model_p95'])})",
                          r["tolerance"], "yes" if r["within_tolerance"] else "no", r["role"])
        console.print(shown)
