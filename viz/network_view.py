"""The contract network as a layered picture: vendors -> providers -> labs, regulators and investors apart.

The named labs are drawn one by one (in a generated market without named labs, the `max_labs` largest); the rest
are grouped into one node. Each regulator is linked to the providers whose deals it screens (its region). The layout depends only on which nodes are shown, so it is
computed once per change of that set, not every step. Edge width is contract value, node size capacity
(providers, vendors' monthly output) or demand (labs); hover a node or edge for details.
"""

from __future__ import annotations

from functools import cache, lru_cache

import altair as alt
import numpy as np
import pandas as pd

from model.market_rules import holds
from model.state import PROVIDER_KINDS, MarketState

from .charts import EMBED, KIND_COLOURS, with_data

GROUPED = "Other labs"
COLUMN_X = {"vendor": 0.0, "provider": 1.0, "lab": 2.0, "labs (grouped)": 2.0, "investor": 2.7, "regulator": 1.0}


def shown_labs(state: MarketState, max_labs: int = 24) -> list[int]:
    """Rows of the labs drawn individually: the named (frontier) labs, or without any the largest by demand."""
    labs = state.labs
    named = [int(i) for i in np.flatnonzero(labs.frontier)]
    if named:
        return named[:max_labs]
    return sorted(int(i) for i in np.argsort(-labs.demand_h100e)[:max_labs])


@lru_cache(maxsize=16)
def layout(columns: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, tuple[float, float]]:
    """Positions for the shown nodes, by column; cached on the node set (topology), not the step."""
    positions = {}
    for kind, names in columns:
        n = len(names)
        for i, name in enumerate(names):
            y = 1.0 - (i + 0.5) / max(n, 1)
            if kind == "regulator":
                positions[name] = (COLUMN_X[kind] + 0.6 * (i - (n - 1) / 2), -0.12)
            else:
                positions[name] = (COLUMN_X[kind], y)
    return positions


EDGE_COLUMNS = ("source", "target", "value", "kind", "details", "x", "y", "x2", "y2")  # (x, y): source, (x2, y2): target


def network_frames(state: MarketState, max_labs: int = 24) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, edges) of the picture: positions, sizes, kinds and the details shown on hover."""
    nodes, edges = network_rows(state, max_labs)
    return pd.DataFrame(nodes), pd.DataFrame(edges, columns=list(EDGE_COLUMNS))


def network_rows(state: MarketState, max_labs: int = 24) -> tuple[list[dict], list[dict]]:
    """The nodes' and the edges' rows (records), in plain Python: the page draws them every step, and pandas
    made them at several times the cost."""
    v, p, labs, r = state.vendors, state.providers, state.labs, state.regulators
    lab_rows = shown_labs(state, max_labs)
    grouped = np.setdiff1d(np.arange(len(labs)), lab_rows)
    lab_names = [labs.name[i] for i in lab_rows] + ([f"{GROUPED} ({grouped.size})"] if grouped.size else [])
    columns = (("vendor", tuple(v.name)), ("provider", tuple(p.name)), ("lab", tuple(lab_names)),
               ("regulator", tuple(r.name)), ("investor", tuple(state.investors)))
    xy = layout(columns)
    rows = []
    for i, name in enumerate(v.name):
        rows.append((name, "vendor", v.production_h100e_per_month[i] * 6,
                     f"output {v.production_h100e_per_month[i]:,.0f} H100e/month; ${v.price_usd_per_h100e[i]:,.0f} per H100e"))
    for i, name in enumerate(p.name):
        rows.append((name, "provider", p.capacity_h100e[i],
                     f"{PROVIDER_KINDS[p.kind[i]]}; capacity {p.capacity_h100e[i]:,.0f} H100e; utilisation "
                     f"{p.utilisation[i]:.0%}; list ${p.list_price_usd_per_h100e_hour[i]:.2f}/h"
                     + (f"; OUTAGE {p.outage_share[i]:.0%}" if p.outage_share[i] > 0 else "")))
    for i in lab_rows:
        rows.append((labs.name[i], "lab", labs.demand_h100e[i],
                     f"demand {labs.demand_h100e[i]:,.0f} H100e; contracted {labs.contracted_h100e[i]:,.0f}; "
                     f"cash ${labs.cash_usd_bn[i]:,.1f}B" + ("; DEFAULTED" if labs.defaulted[i] else "")))
    if grouped.size:
        rows.append((lab_names[-1], "labs (grouped)", labs.demand_h100e[grouped].sum(),
                     f"{grouped.size} smaller labs; demand {labs.demand_h100e[grouped].sum():,.0f} H100e"))
    for i, name in enumerate(r.name):
        rows.append((name, "regulator", 0.0, f"HHI {r.hhi_threshold[i]:,.0f} / Δ {r.delta_hhi_threshold[i]:,.0f}; "
                     f"reviews {r.reviews[i]}, blocks {r.blocks[i]}"))
    for name in state.investors:
        rows.append((name, "investor", 0.0, "investor outside the market"))
    nodes = [{"name": name, "kind": kind, "size": float(size), "details": details, "x": xy[name][0], "y": xy[name][1]}
             for name, kind, size, details in rows]
    return nodes, _edges(state, lab_rows, lab_names, xy)


def _edges(state: MarketState, lab_rows, lab_names, xy) -> list[dict]:
    """Contracts in force summed by (seller, buyer) in name order, then supply, equity and screening links; only
    links whose two ends are drawn."""
    v, p, labs, c, e = state.vendors, state.providers, state.labs, state.contracts, state.edges
    shown = {row: labs.name[row] for row in lab_rows}
    other = lab_names[-1] if len(lab_names) > len(lab_rows) else None
    held = holds(c.status)
    # contracts summed by (seller, buyer) with numpy (millions in a large market), then named pair by pair
    n_p, n_shown = len(p), len(lab_rows)
    lab_code = np.full(len(labs), n_p + n_shown if other is not None else -1)  # the grouped labs', or none
    lab_code[lab_rows] = n_p + np.arange(n_shown)
    buyer_lab, seller = c.buyer_lab[held], c.seller[held]
    buyer = np.where(buyer_lab < 0, c.buyer_provider[held], lab_code[np.maximum(buyer_lab, 0)])
    drawn = buyer >= 0
    pair, at = np.unique(seller[drawn] * (n_p + n_shown + 1) + buyer[drawn], return_inverse=True)
    value = np.bincount(at, weights=c.value_usd_bn[held][drawn], minlength=pair.size)
    quantity = np.bincount(at, weights=c.quantity_h100e[held][drawn], minlength=pair.size)
    count = np.bincount(at, minlength=pair.size)
    buyer_names = list(p.name) + [labs.name[row] for row in lab_rows] + [other]
    named = sorted((p.name[key // (n_p + n_shown + 1)], buyer_names[key % (n_p + n_shown + 1)], val, q, n)
                   for key, val, q, n in zip(pair.tolist(), value.tolist(), quantity.tolist(), count.tolist()))
    links = [(s, t, val, "contract", f"{s} -> {t}: {n} contracts, ${val:,.1f}B, {q:,.0f} H100e")
             for s, t, val, q, n in named]
    for vendor, provider, blocked in zip(e.supply_vendor.tolist(), e.supply_provider.tolist(), e.supply_blocked.tolist()):
        s, t = v.name[vendor], p.name[provider]
        links.append((s, t, 0.0, "supply (blocked)" if blocked else "supply",
                      f"{s} supplies {t}" + (" (export control)" if blocked else "")))
    names, eq = state.node_names(), state.equity
    first_lab, first_regulator = state.node_offset("lab"), state.node_offset("regulator")
    for investor, investee, value in zip(eq.investor.tolist(), eq.investee.tolist(), eq.value_usd_bn.tolist()):
        s = names[investor]
        t = shown.get(investee - first_lab, other) if first_lab <= investee < first_regulator else names[investee]
        links.append((s, t, value, "equity", f"{s} invested ${value:,.1f}B in {t}"))
    for regulator, region in zip(state.regulators.name, state.regulators.region):
        for row in np.flatnonzero(np.asarray(p.region) == region):
            links.append((regulator, p.name[row], 0.0, "screens", f"{regulator} screens {p.name[row]}'s deals"))
    return [dict(zip(EDGE_COLUMNS, (s, t, float(val), kind, details, *xy[s], *xy[t])))
            for s, t, val, kind, details in links if s in xy and t in xy]


@cache
def template_network(width: int = 560, height: int = 520) -> dict:
    scale_x = alt.Scale(domain=[-0.25, 3.25])  # room for the labels right of the last column
    scale_y = alt.Scale(domain=[-0.25, 1.04])
    links = alt.Chart(alt.NamedData("edges")).mark_rule(opacity=0.5).encode(
        x=alt.X("x:Q", scale=scale_x, axis=None), y=alt.Y("y:Q", scale=scale_y, axis=None), x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("value:Q", scale=alt.Scale(range=[0.6, 9]), legend=None),
        color=alt.Color("kind:N", title="link", scale=alt.Scale(
            domain=["contract", "supply", "supply (blocked)", "equity", "screens"],
            range=["#1f78b4", "#aaaaaa", "#d73027", "#1b9e77", "#555555"]), legend=alt.Legend(orient="bottom", columns=3)),
        strokeDash=alt.condition("datum.kind == 'screens'", alt.value([3, 3]), alt.value([1, 0])),
        tooltip=[alt.Tooltip("details:N", title="link")])
    dots = alt.Chart(alt.NamedData("nodes")).mark_circle(opacity=0.9, stroke="white", strokeWidth=0.8).encode(
        x=alt.X("x:Q", scale=scale_x, axis=None), y=alt.Y("y:Q", scale=scale_y, axis=None),
        size=alt.Size("size:Q", scale=alt.Scale(range=[40, 900]), legend=None),
        fill=alt.Fill("kind:N", title="node", scale=alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values())),
                      legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=[alt.Tooltip("name:N"), alt.Tooltip("kind:N"), alt.Tooltip("details:N")])
    labels = alt.Chart(alt.NamedData("nodes")).mark_text(align="left", dx=9, fontSize=9, limit=110).encode(
        x=alt.X("x:Q", scale=scale_x, axis=None), y=alt.Y("y:Q", scale=scale_y, axis=None), text="name:N")
    chart = alt.layer(links, dots, labels, title=alt.TitleParams(
        "Who buys compute from whom", anchor="start", fontSize=13, subtitleFontSize=10, subtitleColor="#555",
        subtitle="Vendors supply providers; providers sell to labs (line width: contract value in force); "
                 "regulators screen their region's providers. Hover for details."))
    chart = chart.resolve_scale(color="independent").properties(width="container", height=height)
    spec = chart.configure_view(stroke=None).to_dict(validate=False)
    spec["usermeta"] = EMBED
    return spec


def network_spec(state: MarketState, max_labs: int = 24) -> dict:
    """The Vega-Lite spec of the network picture."""
    nodes, edges = network_rows(state, max_labs)
    return with_data(template_network(), nodes=nodes, edges=edges)
