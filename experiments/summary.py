"""The readable summary of a run: headline metrics at start and end, and the largest contracts."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

HEADLINES = (
    ("Revenue share, AWS", "revenue_share[AWS]", "pct"),
    ("Revenue share, Microsoft Azure", "revenue_share[Microsoft Azure]", "pct"),
    ("Revenue share, Google Cloud", "revenue_share[Google Cloud]", "pct"),
    ("Provider HHI, cloud revenue", "provider_hhi_revenue", "hhi"),
    ("Provider HHI, contracted AI capacity", "provider_hhi_contracted", "hhi"),
    ("Provider CR3, contracted AI capacity", "provider_cr3_contracted", "pct"),
    ("OpenAI supplier HHI", "supplier_hhi[OpenAI]", "hhi"),
    ("Committed price, $/H100e-hour", "committed_price_usd_per_h100e_hour", "usd"),
    ("12-month going price (quote index), $/H100e-hour", "contract_quote_1y_usd_per_h100e_hour", "usd"),
    ("List price hyperscalers, $/H100e-hour", "list_price_hyperscaler_usd_per_h100e_hour", "usd"),
    ("List price neoclouds, $/H100e-hour", "list_price_neocloud_usd_per_h100e_hour", "usd"),
    ("Spot price, $/H100e-hour", "spot_price_usd_per_h100e_hour", "usd"),
    ("Utilisation", "utilisation", "pct"),
    ("Idle capacity share", "idle_share", "pct"),
    ("Installed capacity, M H100e", "capacity_h100e", "mega"),
    ("Demand, M H100e", "demand_h100e", "mega"),
    ("Unmet demand, M H100e", "unmet_demand_h100e", "mega"),
    ("Contract backlog, $B", "backlog_usd_bn", "bn"),
    ("Capex this month (chips + power), $B", "capex_usd_bn", "usd"),
    ("Powered capacity, GW", "power_gw", "usd"),
    ("Power under construction, GW", "power_under_construction_gw", "usd"),
    ("Vendor order book, M H100e", "vendor_backlog_h100e", "mega"),
    ("Vendor inventory, M H100e", "vendor_inventory_h100e", "mega"),
    ("Provider debt, $B", "provider_debt_usd_bn", "bn"),
    ("Lab funding raised (cumulative), $B", "lab_funding_raised_usd_bn", "bn"),
    ("Breaches (cumulative)", "breaches", "int"),
    ("Providers defaulted", "providers_defaulted", "int"),
    ("Lenders' losses (cumulative), $B", "lender_loss_usd_bn", "bn"),
)
FORMATS = {"pct": "{:.1%}", "hhi": "{:,.0f}", "usd": "{:.2f}", "mega": "{:.2f}", "bn": "{:,.0f}", "int": "{:d}"}


def fmt(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if kind == "mega":
        value = value / 1e6
    if kind == "int":
        value = int(value)
    return FORMATS[kind].format(value)


def wide_console() -> Console:
    """A console that keeps tables on one line when printing to a file or pipe."""
    return Console(width=None if Console().is_terminal else 150)


def print_summary(model, stepping_seconds: float, out=None, console: Console | None = None, risk=None) -> None:
    """Headline metrics at start and end, the largest contracts, and the end's risk (`risk`: model.risk())."""
    console = console or wide_console()
    ts = model.timeseries()
    first, last = ts.iloc[0], ts.iloc[-1]
    console.print(f"[bold]compute-market[/bold] · scenario [bold]{model.spec.name}[/bold] · seed {model.seed} · "
                  f"{model.engine} engine · {len(ts) - 1} months to {model.date} · "
                  f"stepping {stepping_seconds:.2f} s")
    table = Table(title="Headline results", show_lines=False)
    table.add_column("metric")
    table.add_column(f"start, {first['date']} (contracts in force)", justify="right")
    table.add_column(f"end ({last['date']})", justify="right")
    for label, column, kind in HEADLINES:
        if column in ts.columns:
            table.add_row(label, fmt(first[column], kind), fmt(last[column], kind))
    console.print(table)
    contracts = model.contract_table()
    largest = contracts[contracts["status"].isin(["active", "completed", "approved", "under_review"])
                        & ~contracts["captive"]]
    largest = largest.sort_values("value_usd_bn", ascending=False).head(8)
    deals = Table(title="Largest contracts (in-house fleets left out)")
    for column in ("buyer", "seller", "value $B", "H100e", "$/h", "start", "months", "status", "origin"):
        deals.add_column(column, justify="right" if column in ("value $B", "H100e", "$/h", "months") else "left")
    for _, row in largest.iterrows():
        deals.add_row(row["buyer_name"], row["seller_name"], f"{row['value_usd_bn']:,.1f}",
                      f"{row['quantity_h100e']:,.0f}", f"{row['price_usd_per_h100e_hour']:.2f}", row["start_month"],
                      str(row["duration_months"]), row["status"], row["origin"])
    console.print(deals)
    nodes, circular = risk if risk is not None else model.risk()
    risk = Table(title="Concentration risk at the end: top nodes by DebtRank")
    for column in ("node", "kind", "DebtRank", "compute at risk", "capital $B"):
        risk.add_column(column, justify="left" if column in ("node", "kind") else "right")
    for row in nodes.head(5).itertuples(index=False):
        risk.add_row(row.name, row.kind, f"{row.debtrank:.3f}", f"{row.compute_at_risk_share:.1%}",
                     f"{row.capital_usd_bn:,.1f}")
    console.print(risk)
    short = nodes[nodes["clearing_shortfall_usd_bn"] > 1e-9]
    console.print("Clearing of the coming year's obligations (Eisenberg-Noe): "
                  + (f"${short['clearing_shortfall_usd_bn'].sum():,.1f}B short at {len(short)} of them (largest: "
                     f"{short.sort_values('clearing_shortfall_usd_bn').iloc[-1]['name']})" if len(short)
                     else "every node pays in full"))
    if len(circular):
        console.print(f"Circular flows (investment returning to the investor): ${circular['value_usd_bn'].sum():,.1f}B "
                      f"in {len(circular)} cycles; largest: {circular['cycle'].iloc[0]} "
                      f"(${circular['value_usd_bn'].iloc[0]:,.1f}B)")
    if out is not None:
        console.print(f"Results written to [bold]{out}[/bold]")


def print_ensemble(scenario: str, fit: str, members: int, band, console: Console | None = None) -> None:
    """Each headline at the start and the end as the median and [5%-95%] over the ensemble's members."""
    console = console or wide_console()
    dates = list(dict.fromkeys(band["date"]))
    first, last = dates[0], dates[-1]
    console.print(f"[bold]compute-market[/bold] · scenario [bold]{scenario}[/bold] · ensemble of {members} members "
                  f"(parameters drawn from the fitted posterior {fit!r}, each with its own seed)")
    table = Table(title="Headline results: median [5%-95%] over members")
    table.add_column("metric")
    table.add_column(f"start, {first}", justify="right")
    table.add_column(f"end ({last})", justify="right")
    by = band.set_index(["date", "metric"])
    for label, column, kind in HEADLINES:
        if (last, column) in by.index:
            cells = []
            for date in (first, last):
                row = by.loc[(date, column)]
                cells.append(f"{fmt(row['p50'], kind)} [{fmt(row['p05'], kind)}-{fmt(row['p95'], kind)}]")
            table.add_row(label, *cells)
    console.print(table)
