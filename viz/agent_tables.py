"""This month's state of every vendor, provider and lab as table rows for the page: the outputs of issue #11
(capacity and power, prices, capex, debt and default; the vendors' order book, inventory and shipments; labs'
revenue, funding and runway), each column with its unit in its label."""

from __future__ import annotations

import numpy as np

# kind -> (column, label with unit, decimals); a column is read from the month's per-agent metrics when they hold
# it, else from the state's arrays, else from DERIVED
AGENT_COLUMNS = {
    "provider": (
        ("capacity_h100e", "installed H100e", 0),
        ("power_gw", "power GW", 2),
        ("power_under_construction_gw", "power building GW", 2),
        ("waiting_power_h100e", "chips waiting for power H100e", 0),
        ("open_orders_h100e", "chips on order H100e", 0),
        ("utilisation", "utilisation", 2),
        ("contract_price_usd_per_h100e_hour", "12-month price $/h", 2),
        ("list_price_usd_per_h100e_hour", "on-demand $/h", 2),
        ("backlog_usd_bn", "backlog $B", 1),
        ("chip_capex_usd_bn", "chip capex $B/month", 2),
        ("power_capex_usd_bn", "power and site capex $B/month", 2),
        ("debt_usd_bn", "debt $B", 1),
        ("credit_limit_usd_bn", "credit limit $B", 1),
        ("defaulted", "defaulted", None),
    ),
    "vendor": (
        ("production_h100e_per_month", "capacity H100e/month", 0),
        ("output_h100e", "made H100e", 0),
        ("shipped_h100e", "shipped H100e", 0),
        ("backlog_h100e", "order book H100e", 0),
        ("inventory_h100e", "inventory H100e", 0),
        ("price_usd_per_h100e", "price $/H100e", 0),
        ("revenue_usd_bn", "revenue $B/month", 2),
    ),
    "lab": (
        ("demand_h100e", "demand H100e", 0),
        ("delivered_h100e", "delivered H100e", 0),
        ("quote_usd_per_h100e_hour", "best quote $/h", 2),
        ("revenue_usd_bn_per_month", "revenue $B/month", 2),
        ("funding_raised_usd_bn", "funding raised $B", 1),
        ("cash_usd_bn", "cash $B", 1),
        ("runway_months", "runway months", 0),
        ("defaulted", "defaulted", None),
    ),
}

DERIVED = {"power_under_construction_gw": lambda providers: providers.power_pipeline_gw.sum(axis=1)}


def agent_rows(model, kind: str) -> list[dict]:
    """One row per agent of `kind` (its name, then AGENT_COLUMNS[kind]), rounded for display."""
    table = getattr(model.state, f"{kind}s")
    metrics = model.ctx.per_agent.get(kind, {})
    columns = {}
    for column, _, decimals in AGENT_COLUMNS[kind]:
        if column in metrics:
            values = np.asarray(metrics[column])
        elif column in DERIVED:
            values = DERIVED[column](table)
        else:
            values = np.asarray(getattr(table, column))
        columns[column] = ([bool(v) for v in values] if decimals is None
                           else [round(float(v), decimals) for v in values])
    return [{"name": name, **{column: values[row] for column, values in columns.items()}}
            for row, name in enumerate(table.name)]


def headers(kind: str) -> list[dict]:
    """The table's column headers: the agent's name, then each column's label."""
    return [{"text": kind, "value": "name"}, *({"text": label, "value": column}
                                               for column, label, _ in AGENT_COLUMNS[kind])]
