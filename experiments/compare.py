"""Comparing two runs: headline metrics at chosen dates, and the contracts each signed in a period."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .outputs import OutputError

COMPARED = (
    ("OpenAI suppliers (count)", "supplier_count[OpenAI]"),
    ("OpenAI supplier HHI", "supplier_hhi[OpenAI]"),
    ("AWS revenue share", "revenue_share[AWS]"),
    ("AWS share of contracted AI capacity", "contracted_share[AWS]"),
    ("AWS backlog, $B", "backlog_usd_bn[AWS]"),
    ("Market HHI, contracted AI capacity", "provider_hhi_contracted"),
    ("Market CR3, contracted AI capacity", "provider_cr3_contracted"),
    ("Market HHI, cloud revenue", "provider_hhi_revenue"),
    ("Committed price, $/H100e-h", "committed_price_usd_per_h100e_hour"),
    ("Spot price, $/H100e-h", "spot_price_usd_per_h100e_hour"),
    ("List price hyperscalers, $/H100e-h", "list_price_hyperscaler_usd_per_h100e_hour"),
    ("Utilisation", "utilisation"),
    ("Idle capacity, H100e", "idle_capacity_h100e"),
    ("Idle share", "idle_share"),
    ("Breaches", "breaches"),
)


def read_run(folder: Path) -> tuple[pd.DataFrame, dict]:
    folder = Path(folder)
    series, manifest = folder / "timeseries.parquet", folder / "manifest.json"
    if not series.exists() or not manifest.exists():
        raise OutputError(f"{folder} is not a run folder (no timeseries.parquet and manifest.json)")
    return pd.read_parquet(series), json.loads(manifest.read_text())


def default_dates(series: pd.DataFrame) -> list[str]:
    """Every December in the run, and its last month."""
    dates = [d for d in series["date"] if d.endswith("-12") and d != series["date"].iloc[0]]
    last = series["date"].iloc[-1]
    return dates + ([last] if last not in dates else [])


def compare_runs(run_a: Path, run_b: Path, dates: list[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """(table of metric x date with A, B and B - A; warnings such as differing seeds)."""
    a, manifest_a = read_run(run_a)
    b, manifest_b = read_run(run_b)
    warnings = []
    if manifest_a["seed"] != manifest_b["seed"]:
        warnings.append(f"the runs have different seeds ({manifest_a['seed']} and {manifest_b['seed']}): "
                        "differences mix the change with randomness")
    dates = dates or default_dates(a)
    missing = [d for d in dates if d not in set(a["date"]) or d not in set(b["date"])]
    if missing:
        raise ValueError(f"date {missing[0]} is not in both runs (they cover {a['date'].iloc[0]} to "
                         f"{min(a['date'].iloc[-1], b['date'].iloc[-1])})")
    rows = []
    for label, column in COMPARED:
        if column not in a.columns or column not in b.columns:
            continue
        for date in dates:
            value_a = float(a.loc[a["date"] == date, column].iloc[0])
            value_b = float(b.loc[b["date"] == date, column].iloc[0])
            rows.append({"metric": label, "date": date, "A": value_a, "B": value_b, "B - A": value_b - value_a})
    return pd.DataFrame(rows), warnings


def is_ensemble(folder: Path) -> bool:
    return (Path(folder) / "ensemble.parquet").exists()


def compare_ensembles(dir_a: Path, dir_b: Path, dates: list[str] | None = None) -> pd.DataFrame:
    """Two ensembles on common random numbers (the same fitted posterior, seed and size, so member i of both has
    the same parameter draw and seed): per metric and date, each side's median over members and the effect B - A
    as the median and 5-95% band of the members' paired differences."""
    a, b = (pd.read_parquet(Path(d) / "ensemble.parquet") for d in (dir_a, dir_b))
    manifests = [json.loads((Path(d) / "manifest.json").read_text()) for d in (dir_a, dir_b)]
    for key in ("fit", "seed", "members"):
        if manifests[0].get(key) != manifests[1].get(key):
            raise OutputError(f"the ensembles are not paired: their {key} differs ({manifests[0].get(key)} and "
                              f"{manifests[1].get(key)}); run both with the same fit, --seed and --ensemble")
    draws = [c for c in a.columns if c.startswith("param.") or c == "seed"]
    first = [frame.groupby("member")[draws].first() for frame in (a, b)]
    if not first[0].equals(first[1]):
        raise OutputError("the ensembles are not paired: their members' draws differ")
    dates = dates or default_dates(a[a["member"] == 0])
    rows = []
    for label, column in COMPARED:
        if column not in a.columns or column not in b.columns:
            continue
        for date in dates:
            left = a[a["date"] == date].set_index("member")[column]
            right = b[b["date"] == date].set_index("member")[column]
            if left.empty or right.empty:
                raise ValueError(f"date {date} is not in both ensembles")
            effect = (right - left).dropna()
            rows.append({"metric": label, "date": date, "A": float(left.median()), "B": float(right.median()),
                         "effect_p05": float(effect.quantile(0.05)), "effect_p50": float(effect.median()),
                         "effect_p95": float(effect.quantile(0.95)), "members": int(effect.size)})
    return pd.DataFrame(rows)


def contracts_signed(folder: Path, start: str, end: str) -> pd.DataFrame:
    """Contracts proposed between `start` and `end` (YYYY-MM, inclusive), not captive, any outcome."""
    path = Path(folder) / "contracts.parquet"
    if not path.exists():
        raise OutputError(f"{folder} is not a run folder (no contracts.parquet)")
    frame = pd.read_parquet(path)
    chosen = (frame["proposed_month"] >= start) & (frame["proposed_month"] <= end) & ~frame["captive"]
    return frame[chosen & (frame["origin"] != "start")]


def contracts_report(run_a: Path, run_b: Path, start: str, end: str, names=("A", "B")) -> str:
    """Markdown comparing the contracts two runs signed in a period: count, sizes, terms, who with whom."""
    frames = {name: contracts_signed(folder, start, end) for name, folder in zip(names, (run_a, run_b))}
    lines = [f"# Contracts signed {start} to {end}", ""]
    for name, folder in zip(names, (run_a, run_b)):
        lines.append(f"- {name}: `{folder}`")
    lines += ["", "## Count and size", "", "| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    stats = {
        "contracts": lambda f: f"{len(f)}",
        "total value, $B": lambda f: f"{f['value_usd_bn'].sum():,.1f}",
        "median value, $B": lambda f: f"{f['value_usd_bn'].median():,.2f}" if len(f) else "–",
        "90th percentile value, $B": lambda f: f"{f['value_usd_bn'].quantile(0.9):,.2f}" if len(f) else "–",
        "largest value, $B": lambda f: f"{f['value_usd_bn'].max():,.1f}" if len(f) else "–",
        "total quantity, H100e": lambda f: f"{f['quantity_h100e'].sum():,.0f}",
        "median term, months": lambda f: f"{f['duration_months'].median():.0f}" if len(f) else "–",
        "mean term, months": lambda f: f"{f['duration_months'].mean():.1f}" if len(f) else "–",
        "value-weighted price, $/H100e-h": lambda f: (
            f"{(f['price_usd_per_h100e_hour'] * f['value_usd_bn']).sum() / f['value_usd_bn'].sum():.2f}"
            if f["value_usd_bn"].sum() > 0 else "–"),
    }
    for label, stat in stats.items():
        lines.append(f"| {label} | " + " | ".join(stat(frames[n]) for n in names) + " |")
    lines += ["", "## Size distribution (count of contracts by value)", "",
              "| value | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    bins = [0, 0.1, 1, 10, 100, float("inf")]
    labels = ["< $0.1B", "$0.1-1B", "$1-10B", "$10-100B", "> $100B"]
    counts = {n: pd.cut(frames[n]["value_usd_bn"], bins, labels=labels, right=False).value_counts() for n in names}
    for label in labels:
        lines.append(f"| {label} | " + " | ".join(str(int(counts[n].get(label, 0))) for n in names) + " |")
    lines += ["", "## Who contracted with whom (named labs and lessees; value $B)", ""]
    for name in names:
        f = frames[name]
        named = f[~f["buyer_name"].str.startswith("Lab ")]
        pairs = named.groupby(["buyer_name", "seller_name"])["value_usd_bn"].agg(["count", "sum"])
        pairs = pairs.sort_values("sum", ascending=False)
        lines += [f"### {name}", "", "| buyer | seller | contracts | value $B |", "|---|---|---|---|"]
        lines += [f"| {buyer} | {seller} | {int(row['count'])} | {row['sum']:,.1f} |"
                  for (buyer, seller), row in pairs.iterrows()]
        small = f[f["buyer_name"].str.startswith("Lab ")]
        lines += [f"| smaller labs | {len(small['seller_name'].unique())} providers | {len(small)} | "
                  f"{small['value_usd_bn'].sum():,.1f} |", ""]
    return "\n".join(lines) + "\n"
