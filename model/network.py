"""The network of record: a networkx MultiDiGraph of vendors, providers, labs and regulators.

Edges carry `kind`: contract (provider -> buyer), supply (vendor -> provider), equity (investor -> investee),
oversight (regulator -> provider), eligible (provider -> lab: may negotiate). The step never walks it:
`compile_edges_from_graph` turns it into the arrays the phases use, and `refresh_graph` writes the arrays'
current state back for analysis, drawing and GraphML export.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from .edges import compile_edges
from .market_rules import holds, regulator_by_provider
from .records import CONTRACT_STATUS
from .state import PROVIDER_KINDS, VENDOR_KINDS, Edges, MarketState

LAYER_X = {"vendor": 0.0, "provider": 1.0, "lab": 2.0, "regulator": 1.0, "investor": 2.6}


def build_graph(state: MarketState) -> nx.MultiDiGraph:
    """The graph of record for `state`: every agent a node, every relationship an edge."""
    graph = nx.MultiDiGraph()
    names, kinds = state.node_names(), state.node_kinds()
    offsets = {kind: state.node_offset(kind) for kind in ("vendor", "provider", "lab", "regulator", "investor")}
    for node, (name, kind) in enumerate(zip(names, kinds)):
        graph.add_node(name, kind=kind, row=node - offsets[kind])
    refresh_graph(graph, state)
    return graph


def refresh_graph(graph: nx.MultiDiGraph, state: MarketState) -> nx.MultiDiGraph:
    """Write the arrays' current edges and key node attributes into `graph` (in place; returns it)."""
    v, p, labs, e, c = state.vendors, state.providers, state.labs, state.edges, state.contracts
    graph.remove_edges_from([(a, b, k) for a, b, k in graph.edges(keys=True)])
    for row, name in enumerate(v.name):
        graph.nodes[name].update(vendor_kind=VENDOR_KINDS[v.kind[row]],
                                 production_h100e_per_month=float(v.production_h100e_per_month[row]),
                                 price_usd_per_h100e=float(v.price_usd_per_h100e[row]))
    for row, name in enumerate(p.name):
        graph.nodes[name].update(provider_kind=PROVIDER_KINDS[p.kind[row]], region=p.region[row],
                                 capacity_h100e=float(p.capacity_h100e[row]),
                                 list_price_usd_per_h100e_hour=float(p.list_price_usd_per_h100e_hour[row]),
                                 utilisation=float(p.utilisation[row]))
    for row, name in enumerate(labs.name):
        graph.nodes[name].update(demand_h100e=float(labs.demand_h100e[row]), frontier=bool(labs.frontier[row]),
                                 defaulted=bool(labs.defaulted[row]))
    graph.add_edges_from(
        (p.name[prov], labs.name[lab], f"eligible:{labs.name[lab]}",
         {"kind": "eligible", "relationship": float(rel)})
        for lab, prov, rel in zip(e.lab, e.provider, e.relationship))
    graph.add_edges_from(
        (v.name[vend], p.name[prov], "supply", {"kind": "supply", "weight": float(w), "blocked": bool(b)})
        for vend, prov, w, b in zip(e.supply_vendor, e.supply_provider, e.supply_weight, e.supply_blocked))
    names = state.node_names()
    graph.add_edges_from(
        (names[a], names[b], f"equity:{i}", {"kind": "equity", "value_usd_bn": float(val), "step": int(s)})
        for i, (a, b, val, s) in enumerate(zip(state.equity.investor, state.equity.investee,
                                               state.equity.value_usd_bn, state.equity.step)))
    regulator = regulator_by_provider(state)
    graph.add_edges_from((state.regulators.name[r], p.name[prov], "oversight", {"kind": "oversight"})
                         for prov, r in enumerate(regulator) if r >= 0)
    held = np.flatnonzero(holds(c.status))
    graph.add_edges_from(
        (p.name[c.seller[i]], labs.name[c.buyer_lab[i]] if c.buyer_lab[i] >= 0 else p.name[c.buyer_provider[i]],
         f"contract:{c.id[i]}",
         {"kind": "contract", "contract_id": int(c.id[i]), "status": CONTRACT_STATUS[c.status[i]],
          "quantity_h100e": float(c.quantity_h100e[i]), "value_usd_bn": float(c.value_usd_bn[i]),
          "price_usd_per_h100e_hour": float(c.price_usd_per_h100e_hour[i]), "start_step": int(c.start_step[i]),
          "end_step": int(c.end_step[i]), "exclusive": bool(c.exclusive[i])})
        for i in held)
    graph.graph["month_index"] = int(state.month)
    return graph


def compile_edges_from_graph(graph: nx.MultiDiGraph, state: MarketState) -> Edges:
    """The eligible and supply edge arrays of `graph` (rows looked up by node name)."""
    row = {name: data["row"] for name, data in graph.nodes(data=True)}
    eligible = [(row[b], row[a], d.get("relationship", 0.0)) for a, b, d in graph.edges(data=True)
                if d["kind"] == "eligible"]
    supply = [(row[a], row[b], d.get("weight", 1.0), d.get("blocked", False)) for a, b, d in graph.edges(data=True)
              if d["kind"] == "supply"]
    lab, provider, relationship = (np.array(x, dtype=t) for x, t in zip(zip(*eligible), (np.int64, np.int64, float)))
    s_vendor, s_provider, s_weight, s_blocked = (np.array(x, dtype=t) for x, t in
                                                 zip(zip(*supply), (np.int64, np.int64, float, bool)))
    return compile_edges(lab, provider, relationship, len(state.labs),
                         {"supply_vendor": s_vendor, "supply_provider": s_provider, "supply_weight": s_weight,
                          "supply_blocked": s_blocked})


def relationship_graph(full: nx.MultiDiGraph) -> nx.Graph:
    """A light undirected graph for Mesa's Network space: every agent, linked by supply, equity, oversight and
    contracts held (eligible edges are left out: there can be millions)."""
    light = nx.Graph()
    light.add_nodes_from(full.nodes(data=True))
    light.add_edges_from((a, b) for a, b, d in full.edges(data=True) if d["kind"] != "eligible")
    return light


def layered_layout(state: MarketState) -> dict[str, tuple[float, float]]:
    """Positions in layers: vendors at x=0, providers at x=1, labs at x=2, regulators at x=1 below the providers."""
    positions = {}
    groups = {"vendor": state.vendors.name, "provider": state.providers.name, "lab": state.labs.name}
    for kind, names in groups.items():
        for i, name in enumerate(names):
            positions[name] = (LAYER_X[kind], 1.0 - (i + 0.5) / max(len(names), 1))
    for i, name in enumerate(state.regulators.name):
        positions[name] = (LAYER_X["regulator"] + 0.3 * (i - 1), -0.15)
    for i, name in enumerate(state.investors):
        positions[name] = (LAYER_X["investor"], 1.0 - (i + 0.5) / max(len(state.investors), 1))
    return positions


def write_graphml(graph: nx.MultiDiGraph, path) -> None:
    nx.write_graphml(graph, path)
