"""Phase 9 of the `agents` engine: the month's measures (DESIGN §5), computed by loops over the agents and the
contract book. Same definitions as the vectorized metrics (docs/ODD.md §7), written independently; only the
pure formulas of kernels.py (HHI, shares, CR3) are shared.

Flows are this month's; at the start (before any step) the contracts in force count at what they owe in the
first month, and there has been no spot market yet.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from model import kernels, schema
from model.records import ACTIVE, BLOCKED, UNDER_REVIEW
from model.state import PROVIDER_KINDS, VENDOR_KINDS
from model.units import index_to_month

from .ledger import is_captive, owed_h100e, remaining_value_usd_bn

NAMED_SERIES_LIMIT = 30  # per-provider / per-lab columns only for markets this small


def weighted_mean(values, weights) -> float:
    """Weighted mean; NaN when the weights sum to nothing."""
    total = sum(weights)
    return sum(v * w for v, w in zip(values, weights)) / total if total > 0 else math.nan


def contract_flows(state):
    """Per contract (delivered h100e, paid USD bn) this month; at the start, what each owes in month 0, as billed."""
    c = state.contracts
    if state.month >= 0:
        return [float(x) for x in c.this_month_h100e], [float(x) for x in c.this_month_paid_usd_bn]
    delivered = [owed_h100e(c, i, 0) for i in range(c.n)]
    return delivered, [float(kernels.usd_bn(d, c.price_usd_per_h100e_hour[i])) for i, d in enumerate(delivered)]


def metrics(state, ctx) -> None:
    ctx.metrics, ctx.per_agent = compute(state, ctx)
    ctx.supply = named_lab_supply(state, contract_flows(state)[0])


def compute(state, ctx):
    vendors, providers, labs = ctx.agents["vendor"], ctx.agents["provider"], ctx.agents["lab"]
    c, month, started = state.contracts, state.month, state.month >= 0
    n_p, n_l = len(providers), len(labs)
    delivered, paid = contract_flows(state)
    captive = [is_captive(state, c.seller[i], c.buyer_lab[i]) for i in range(c.n)]
    market = [c.status[i] == ACTIVE and c.buyer_lab[i] >= 0 and not captive[i] for i in range(c.n)]

    by_seller, to_lab, external = [0.0] * n_p, [0.0] * n_l, [0.0] * n_p
    contracted, delivering, backlog, commitments = [0.0] * n_p, [0.0] * n_p, [0.0] * n_p, [0.0] * n_l
    pair_delivered, pair_paid = defaultdict(float), defaultdict(float)
    for i in range(c.n):
        seller, lab = int(c.seller[i]), int(c.buyer_lab[i])
        by_seller[seller] += delivered[i]
        if lab >= 0:
            to_lab[lab] += delivered[i]
        if not captive[i]:
            external[seller] += paid[i]
        if market[i]:
            contracted[seller] += c.quantity_h100e[i]
            delivering[seller] += delivered[i]  # counts once the contract delivers, not at signing
        left = remaining_value_usd_bn(c, i, month)
        backlog[seller] += left
        if lab >= 0:
            commitments[lab] += left
        if delivered[i] == 0 and paid[i] == 0:
            continue  # a pair enters with its first flow, so contracts that deliver nothing (closed) change no order
        buyer = ("lab", lab) if lab >= 0 else ("provider", int(c.buyer_provider[i]))
        pair_delivered[(buyer, seller)] += delivered[i]
        pair_paid[(buyer, seller)] += paid[i]
    spot_sold = [provider.spot_sold_h100e if started else 0.0 for provider in providers]
    spot_paid = [provider.spot_revenue_usd_bn if started else 0.0 for provider in providers]
    spot_bought = [lab.spot_h100e if started else 0.0 for lab in labs]
    if started:
        by_seller = [provider.delivered_h100e for provider in providers]
        to_lab = [lab.delivered_h100e for lab in labs]

    cloud_revenue = [p.non_ai_revenue_usd_bn_per_month + external[p.row] + spot_paid[p.row] for p in providers]
    revenue_share = kernels.shares_of(cloud_revenue)
    contracted_share = kernels.shares_of(contracted)
    delivering_share = kernels.shares_of(delivering)
    residual = [p.kind == PROVIDER_KINDS.index("other") for p in providers]
    firm_share = [0.0] * n_p  # contracted shares summed by firm (at the row of the provider in control)
    for p in providers:
        firm_share[p.firm] += contracted_share[p.row]

    through = [by_seller[row] + spot_sold[row] for row in range(n_p)]
    delivered_to_labs = sum(to_lab) + sum(spot_bought)
    at_risk = [x / delivered_to_labs if delivered_to_labs > 0 else 0.0 for x in through]

    top_customer, lab_pairs = [0.0] * n_p, defaultdict(list)
    for (buyer, seller), amount in pair_delivered.items():
        if amount <= 0:
            continue
        kind, row = buyer
        if not (kind == "lab" and is_captive(state, seller, row)):
            top_customer[seller] = max(top_customer[seller], pair_paid[(buyer, seller)])
        if kind == "lab":
            lab_pairs[row].append(amount)
    largest_customer = [top_customer[row] / cloud_revenue[row] if cloud_revenue[row] > 0 else 0.0
                        for row in range(n_p)]
    supplier_hhi, largest_provider, supplier_count = [0.0] * n_l, [0.0] * n_l, [0] * n_l
    for row, amounts in lab_pairs.items():
        shares = kernels.shares_of(amounts)
        supplier_hhi[row] = kernels.hhi(shares)
        largest_provider[row] = float(max(shares))
        supplier_count[row] = len(amounts)
    over_revenue = [commitments[lab.row] / (12.0 * lab.revenue_usd_bn_per_month)
                    if lab.revenue_usd_bn_per_month > 0 else 0.0 for lab in labs]

    shipped = [v.shipped_h100e if started else v.production_h100e_per_month for v in vendors]
    merchant_shipped = [shipped[v.row] for v in vendors if v.kind == VENDOR_KINDS.index("merchant")]
    sellers = [p for p in providers if not p.is_self_builder]
    capacity = sum(p.capacity_h100e for p in providers)
    used = sum(through[p.row] - p.leased_in_h100e for p in providers if not p.defaulted)  # failed: no capacity
    idle = sum(float(kernels.idle_h100e(p.capacity_h100e * (1.0 - p.outage_share) + p.leased_in_h100e,
                                        through[p.row])) for p in sellers)
    seller_capacity = sum(p.capacity_h100e for p in sellers)
    # at the start (nothing settled yet) a lab gets what its contracts in force schedule for the first month
    unmet = sum(max(lab.demand_h100e - lab.delivered_h100e - lab.spot_h100e if started
                    else lab.demand_h100e - to_lab[lab.row], 0.0) for lab in labs)
    market_rows = [i for i in range(c.n) if market[i]]
    new_rows = [i for i in market_rows if c.active_step[i] == month]
    new_1y = [i for i in new_rows if c.duration_months[i] <= 12]

    def list_price(kind: str | None) -> float:
        chosen = [p for p in sellers if kind is None or p.kind == PROVIDER_KINDS.index(kind)]
        return weighted_mean([p.list_price_usd_per_h100e_hour for p in chosen], [p.capacity_h100e for p in chosen])

    m = {
        "date": index_to_month(ctx.params.start_month, month),
        "month_index": month,
        "provider_hhi_contracted": kernels.hhi(contracted_share, residual),
        "provider_cr3_contracted": kernels.concentration_ratio(contracted_share, 3, residual),
        "firm_hhi_contracted": kernels.hhi(firm_share, [residual[p.firm] for p in providers]),
        "provider_hhi_delivering": kernels.hhi(delivering_share, residual),
        "provider_hhi_revenue": kernels.hhi(revenue_share, residual),
        "provider_cr3_revenue": kernels.concentration_ratio(revenue_share, 3, residual),
        "largest_provider_share_revenue": max([0.0] + [float(revenue_share[p.row]) for p in providers
                                                       if not residual[p.row]]),
        "vendor_hhi_shipments": kernels.hhi(kernels.shares_of(shipped)),
        "merchant_leader_share": float(max(kernels.shares_of(merchant_shipped), default=0.0)),
        "lab_supplier_hhi_mean": weighted_mean(supplier_hhi, [lab.contracted_h100e for lab in labs]),
        "largest_customer_share_max": max(largest_customer, default=0.0),
        "compute_at_risk_max": max(at_risk, default=0.0),
        "committed_price_usd_per_h100e_hour": weighted_mean([c.price_usd_per_h100e_hour[i] for i in market_rows],
                                                            [c.quantity_h100e[i] for i in market_rows]),
        "new_contract_price_usd_per_h100e_hour": weighted_mean([c.price_usd_per_h100e_hour[i] for i in new_rows],
                                                               [c.quantity_h100e[i] for i in new_rows]),
        "contract_index_1y_usd_per_h100e_hour": weighted_mean([c.price_usd_per_h100e_hour[i] for i in new_1y],
                                                              [c.quantity_h100e[i] for i in new_1y]),
        "contract_quote_1y_usd_per_h100e_hour": weighted_mean([p.contract_price_usd_per_h100e_hour for p in sellers],
                                                              [p.capacity_h100e for p in sellers]),
        "list_price_usd_per_h100e_hour": list_price(None),
        "list_price_hyperscaler_usd_per_h100e_hour": list_price("hyperscaler"),
        "list_price_neocloud_usd_per_h100e_hour": list_price("neocloud"),
        "list_price_other_usd_per_h100e_hour": list_price("other"),
        "spot_price_usd_per_h100e_hour": state.spot_price_usd_per_h100e_hour if started else math.nan,
        "utilisation": used / capacity if capacity > 0 else 0.0,
        "idle_capacity_h100e": idle,
        "idle_share": idle / seller_capacity if seller_capacity > 0 else 0.0,
        "capacity_h100e": capacity,
        "demand_h100e": sum(lab.demand_h100e for lab in labs),
        "delivered_h100e": delivered_to_labs,
        "unmet_demand_h100e": unmet,
        "backlog_usd_bn": sum(backlog),
        **{name: sum(getattr(agent, column) for agent in ctx.agents[kind])
           for name, (kind, column) in schema.TOTALS.items()},
        "power_under_construction_gw": sum(float(state.providers.power_pipeline_gw[p.row].sum()) for p in providers),
        "providers_defaulted": sum(1 for p in providers if p.defaulted),
        "breaches": int(state.breaches),
        "contracts_active": sum(1 for i in range(c.n) if c.status[i] == ACTIVE),
        "contracts_signed": sum(1 for i in range(c.n) if c.active_step[i] == month) if started else 0,
        "contracts_under_review": sum(1 for i in range(c.n) if c.status[i] == UNDER_REVIEW),
        "contracts_blocked": sum(1 for i in range(c.n) if c.status[i] == BLOCKED) + state.contract_archive.blocked,
        "commitments_over_revenue_max": max(over_revenue, default=0.0),
    }
    if n_p <= NAMED_SERIES_LIMIT:
        for p in providers:
            m[f"revenue_share[{p.name}]"] = float(revenue_share[p.row])
            m[f"contracted_share[{p.name}]"] = float(contracted_share[p.row])
            m[f"delivering_share[{p.name}]"] = float(delivering_share[p.row])
            m[f"backlog_usd_bn[{p.name}]"] = backlog[p.row]
    for lab in [lab for lab in labs if lab.frontier][:NAMED_SERIES_LIMIT]:
        m[f"supplier_hhi[{lab.name}]"] = supplier_hhi[lab.row]
        m[f"supplier_count[{lab.name}]"] = supplier_count[lab.row]
        m[f"largest_provider_share[{lab.name}]"] = largest_provider[lab.row]
    per_agent = {
        "vendor": {"shipped_h100e": shipped, "shipment_share": kernels.shares_of(shipped)},
        "provider": {"delivered_h100e": by_seller, "spot_sold_h100e": spot_sold,
                     "cloud_revenue_usd_bn": cloud_revenue, "revenue_share": revenue_share,
                     "contracted_share": contracted_share, "backlog_usd_bn": backlog,
                     "largest_customer_share": largest_customer, "compute_at_risk_share": at_risk},
        "lab": {"supplier_hhi": supplier_hhi, "supplier_count": supplier_count,
                "largest_provider_share": largest_provider, "commitments_over_revenue": over_revenue,
                "runway_months": [float(kernels.runway_months(
                    lab.cash_usd_bn, kernels.burn_usd_bn(lab.bills_usd_bn, lab.revenue_usd_bn_per_month)))
                    for lab in labs]},
    }
    return m, per_agent


def named_lab_supply(state, delivered) -> dict:
    """Per (named lab, provider) pair with any contract (in force or archived): its active contracts' full quantity, what they owe this
    month (month 0 at the start) and what they delivered."""
    c, n_p, month = state.contracts, len(state.providers), max(state.month, 0)
    pairs = defaultdict(lambda: [0.0, 0.0, 0.0])
    for key in state.contract_archive.frontier_pairs:  # pairs whose contracts are all archived are listed too
        pairs[int(key)]
    for i in range(c.n):
        lab = int(c.buyer_lab[i])
        if lab < 0 or not state.labs.frontier[lab]:
            continue
        totals = pairs[lab * n_p + int(c.seller[i])]
        if c.status[i] == ACTIVE:
            totals[0] += c.quantity_h100e[i]
            totals[1] += owed_h100e(c, i, month)
            totals[2] += delivered[i]
    keys = sorted(pairs)
    totals = np.array([pairs[k] for k in keys], dtype=float).reshape(len(keys), 3)
    return {"lab": np.array([k // n_p for k in keys], dtype=np.int64),
            "provider": np.array([k % n_p for k in keys], dtype=np.int64),
            "contracted_h100e": totals[:, 0], "scheduled_h100e": totals[:, 1], "delivered_h100e": totals[:, 2]}
