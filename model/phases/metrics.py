"""Phase 9, metrics: the quantities of DESIGN §5 for this month, as model-level scalars and per-agent arrays.

Flows (deliveries, payments) are this month's; at the start (before any step) contracts in force count at
their scheduled quantity, so the start state has shares, prices and utilisation too.
"""

from __future__ import annotations

import numpy as np

from .. import kernels, schema
from ..archive import frontier_pairs
from ..context import StepContext
from ..edge_index import contract_edges
from ..kernels import idle_h100e, sum_by
from ..market_rules import (
    at_rows,
    booked_remaining_value_usd_bn,
    firm_of,
    holds,
    is_captive,
    market_contracts,
    market_quantities,
    residual_providers,
    scheduled_h100e,
)
from ..records import ACTIVE, BLOCKED, UNDER_REVIEW
from ..state import PROVIDER_KINDS, VENDOR_KINDS, MarketState
from ..units import index_to_month, usd_bn

NAMED_SERIES_LIMIT = 30  # per-provider / per-lab columns only for markets this small


def flows(state: MarketState) -> dict[str, np.ndarray]:
    """This month's contract deliveries (h100e) per contract, per seller and per buying lab, and spot sold per
    provider (read only: during a run these are the settlement's own arrays)."""
    c, p = state.contracts, state.providers
    if state.month >= 0:
        return {"delivered": c.this_month_h100e, "delivered_by_seller": p.delivered_h100e,
                "delivered_to_labs": state.labs.delivered_h100e, "paid": c.this_month_paid_usd_bn,
                "spot_sold": p.spot_sold_h100e, "spot_bought": state.labs.spot_h100e,
                "spot_paid": p.spot_revenue_usd_bn, "spot_price": state.spot_price_usd_per_h100e_hour}
    scheduled = scheduled_h100e(c, 0)
    zeros = np.zeros(len(p))
    return {"delivered": scheduled, "delivered_by_seller": sum_by(c.seller, weights=scheduled, minlength=len(p)),
            "delivered_to_labs": kernels.sum_by_row(c.buyer_lab, scheduled, len(state.labs)),
            "paid": usd_bn(scheduled, c.price_usd_per_h100e_hour),  # the start: contracts in force, as billed
            "spot_sold": zeros, "spot_bought": np.zeros(len(state.labs)), "spot_paid": zeros,
            "spot_price": np.nan}  # no spot market before the first month


def pair_flows(state: MarketState, delivered: np.ndarray, payment: np.ndarray):
    """This month's deliveries and payments summed by (buyer node, seller) pair, for the pairs with deliveries:
    (buyer node, seller, delivered h100e, payment USD bn). Buyer nodes are providers (0..P-1), then labs (P + lab).

    One grouping serves each provider's largest customer and each lab's supplier mix. Contracts along an eligible
    edge are summed by edge; the few others (leases between providers, scripted deals off the edges) are grouped.
    """
    c, e, n_p = state.contracts, state.edges, len(state.providers)
    edge = contract_edges(state)
    by_edge = [kernels.sum_by_row(edge, v, e.lab.size) for v in (delivered, payment)]
    on = np.flatnonzero(by_edge[0] > 0)
    on_edges = (n_p + e.lab[on], e.provider[on], by_edge[0][on], by_edge[1][on])
    off = np.flatnonzero(edge < 0)
    off = off[delivered[off] > 0]
    if off.size == 0:
        return on_edges
    buyer_node = np.where(c.buyer_lab[off] >= 0, n_p + c.buyer_lab[off], c.buyer_provider[off])
    off_edges = kernels.grouped_sum(buyer_node, c.seller[off], delivered[off], n_p, payment[off])
    return tuple(np.concatenate(pair) for pair in zip(off_edges, on_edges))


def compute(state: MarketState, ctx: StepContext) -> tuple[dict, dict]:
    """(model-level metrics, per-agent arrays by kind) for the current month."""
    v, p, labs, c = state.vendors, state.providers, state.labs, state.contracts
    n_p, n_l = len(p), len(labs)
    f = flows(state)
    delivered = f["delivered"]
    captive = is_captive(state, c.seller, c.buyer_lab)
    payment = f["paid"]
    spot_revenue = f["spot_paid"]
    external_revenue = sum_by(c.seller, weights=np.where(captive, 0.0, payment), minlength=n_p)
    cloud_revenue = p.non_ai_revenue_usd_bn_per_month + external_revenue + spot_revenue
    revenue_share = kernels.shares_of(cloud_revenue)

    active_market = market_contracts(state, captive)
    contracted = market_quantities(state, active_market)
    contracted_share = kernels.shares_of(contracted)
    # what the market's contracts deliver this month: a deal signed today counts here only once it delivers
    delivering_share = kernels.shares_of(sum_by(c.seller, weights=np.where(active_market, delivered, 0.0),
                                                minlength=n_p))

    through = f["delivered_by_seller"] + f["spot_sold"]
    to_labs = f["delivered_to_labs"].sum() + f["spot_bought"].sum()
    at_risk = through / to_labs if to_labs > 0 else np.zeros(n_p)

    pair_buyer, pair_seller, pair_delivered, pair_payment = pair_flows(state, delivered, payment)
    pair_lab = pair_buyer - n_p  # >= 0 for labs
    pair_captive = is_captive(state, pair_seller, np.where(pair_lab >= 0, pair_lab, -1))
    top_customer = np.zeros(n_p)
    np.maximum.at(top_customer, pair_seller[~pair_captive], pair_payment[~pair_captive])
    largest_customer_share = np.divide(top_customer, cloud_revenue, out=np.zeros(n_p), where=cloud_revenue > 0)

    to_lab = pair_lab >= 0
    supplier_hhi, largest_provider_share, supplier_count = kernels.concentration_by_group(
        pair_lab[to_lab], pair_delivered[to_lab], n_l)
    remaining = np.where(holds(c.status), booked_remaining_value_usd_bn(state, ctx), 0.0)
    lab_commitments = kernels.sum_by_row(c.buyer_lab, remaining, n_l)
    commitments_over_revenue = np.divide(lab_commitments, 12.0 * labs.revenue_usd_bn_per_month,
                                         out=np.zeros(n_l), where=labs.revenue_usd_bn_per_month > 0)
    backlog = sum_by(c.seller, weights=remaining, minlength=n_p)

    shipped = v.shipped_h100e if state.month >= 0 else v.production_h100e_per_month
    kinds = {"provider": p, "vendor": v, "lab": labs}
    merchant = v.kind == VENDOR_KINDS.index("merchant")
    # leased capacity is used at its owner, not counted twice; a provider that failed this month has no capacity left
    used = np.where(p.defaulted, 0.0, through - p.leased_in_h100e)
    capacity_total = p.capacity_h100e.sum()
    available = p.capacity_h100e * (1.0 - p.outage_share) + p.leased_in_h100e
    idle = idle_h100e(available, through)
    idle[p.kind == PROVIDER_KINDS.index("self_builder")] = 0.0
    sells = p.kind != PROVIDER_KINDS.index("self_builder")
    hyperscaler = p.kind == PROVIDER_KINDS.index("hyperscaler")
    neocloud = p.kind == PROVIDER_KINDS.index("neocloud")
    market_q = c.quantity_h100e[active_market]
    residual = residual_providers(state)
    firm = firm_of(p)
    active_now = c.active_step == state.month  # became active this month
    new = active_now & active_market
    new_1y = new & (c.duration_months <= 12)
    other = p.kind == PROVIDER_KINDS.index("other")

    m = {
        "date": index_to_month(ctx.params.start_month, state.month),
        "month_index": state.month,
        "provider_hhi_contracted": kernels.hhi(contracted_share, residual),
        "provider_cr3_contracted": kernels.concentration_ratio(contracted_share, 3, residual),
        # providers under one control (a merger, an acquisition) as one firm
        "firm_hhi_contracted": kernels.hhi(sum_by(firm, weights=contracted_share, minlength=n_p), residual[firm]),
        "provider_hhi_delivering": kernels.hhi(delivering_share, residual),
        "provider_hhi_revenue": kernels.hhi(revenue_share, residual),
        "provider_cr3_revenue": kernels.concentration_ratio(revenue_share, 3, residual),
        "largest_provider_share_revenue": float(np.where(residual, 0.0, revenue_share).max(initial=0.0)),
        "vendor_hhi_shipments": kernels.hhi(kernels.shares_of(shipped)),
        "merchant_leader_share": float(kernels.shares_of(shipped[merchant]).max(initial=0.0)),
        "lab_supplier_hhi_mean": _weighted_mean(supplier_hhi, labs.contracted_h100e),
        "largest_customer_share_max": float(largest_customer_share.max(initial=0.0)),
        "compute_at_risk_max": float(at_risk.max(initial=0.0)),
        "committed_price_usd_per_h100e_hour": _weighted_mean(c.price_usd_per_h100e_hour[active_market], market_q),
        "new_contract_price_usd_per_h100e_hour": _weighted_mean(c.price_usd_per_h100e_hour[new],
                                                                c.quantity_h100e[new]),
        "contract_index_1y_usd_per_h100e_hour": _weighted_mean(c.price_usd_per_h100e_hour[new_1y],
                                                               c.quantity_h100e[new_1y]),
        "contract_quote_1y_usd_per_h100e_hour": _weighted_mean(p.contract_price_usd_per_h100e_hour[sells],
                                                               p.capacity_h100e[sells]),
        "list_price_usd_per_h100e_hour": _weighted_mean(p.list_price_usd_per_h100e_hour[sells],
                                                        p.capacity_h100e[sells]),
        "list_price_hyperscaler_usd_per_h100e_hour": _weighted_mean(p.list_price_usd_per_h100e_hour[hyperscaler],
                                                                    p.capacity_h100e[hyperscaler]),
        "list_price_neocloud_usd_per_h100e_hour": _weighted_mean(p.list_price_usd_per_h100e_hour[neocloud],
                                                                 p.capacity_h100e[neocloud]),
        "list_price_other_usd_per_h100e_hour": _weighted_mean(p.list_price_usd_per_h100e_hour[other],
                                                              p.capacity_h100e[other]),
        "spot_price_usd_per_h100e_hour": float(f["spot_price"]),
        "utilisation": float(used.sum() / capacity_total) if capacity_total > 0 else 0.0,
        "idle_capacity_h100e": float(idle.sum()),
        "idle_share": float(idle.sum() / p.capacity_h100e[sells].sum()) if p.capacity_h100e[sells].sum() > 0 else 0.0,
        "capacity_h100e": float(capacity_total),
        "demand_h100e": float(labs.demand_h100e.sum()),
        "delivered_h100e": float(to_labs),
        "unmet_demand_h100e": float(np.maximum(labs.demand_h100e - f["delivered_to_labs"] - f["spot_bought"],
                                               0.0).sum()),
        "backlog_usd_bn": float(backlog.sum()),
        **{name: float(getattr(kinds[kind], column).sum()) for name, (kind, column) in schema.TOTALS.items()},
        "power_under_construction_gw": float(p.power_pipeline_gw.sum()),
        "providers_defaulted": int(np.count_nonzero(p.defaulted)),
        "breaches": int(state.breaches),
        "contracts_active": int(np.count_nonzero(c.status == ACTIVE)),
        "contracts_signed": int(np.count_nonzero(active_now)) if state.month >= 0 else 0,
        "contracts_under_review": int(np.count_nonzero(c.status == UNDER_REVIEW)),
        "contracts_blocked": int(np.count_nonzero(c.status == BLOCKED)) + state.contract_archive.blocked,
        "commitments_over_revenue_max": float(commitments_over_revenue.max(initial=0.0)),
    }
    if n_p <= NAMED_SERIES_LIMIT:
        for row, name in enumerate(p.name):
            m[f"revenue_share[{name}]"] = float(revenue_share[row])
            m[f"contracted_share[{name}]"] = float(contracted_share[row])
            m[f"delivering_share[{name}]"] = float(delivering_share[row])
            m[f"backlog_usd_bn[{name}]"] = float(backlog[row])
    for row in np.flatnonzero(labs.frontier)[:NAMED_SERIES_LIMIT]:
        m[f"supplier_hhi[{labs.name[row]}]"] = float(supplier_hhi[row])
        m[f"supplier_count[{labs.name[row]}]"] = int(supplier_count[row])
        m[f"largest_provider_share[{labs.name[row]}]"] = float(largest_provider_share[row])
    # the per-agent panel's derived columns (schema.py); flows the start state has not had come from `flows`
    per_agent = {
        "vendor": {"shipped_h100e": shipped, "shipment_share": kernels.shares_of(shipped)},
        "provider": {"delivered_h100e": f["delivered_by_seller"], "spot_sold_h100e": f["spot_sold"],
                     "cloud_revenue_usd_bn": cloud_revenue, "revenue_share": revenue_share,
                     "contracted_share": contracted_share, "backlog_usd_bn": backlog,
                     "largest_customer_share": largest_customer_share, "compute_at_risk_share": at_risk},
        "lab": {"supplier_hhi": supplier_hhi, "supplier_count": supplier_count,
                "largest_provider_share": largest_provider_share,
                "commitments_over_revenue": commitments_over_revenue,
                "runway_months": kernels.runway_months(
                    labs.cash_usd_bn, kernels.burn_usd_bn(labs.bills_usd_bn, labs.revenue_usd_bn_per_month))},
    }
    return m, per_agent


def supply_of_named_labs(state: MarketState) -> dict[str, np.ndarray]:
    """Per (named lab, provider) pair with a contract (in force or archived): quantity contracted (active, full), scheduled this month
    (the ramp applied, zero before the start) and delivered this month.

    The supplier mix of the frontier labs over time (e.g. AWS's part of OpenAI's compute).
    """
    c, labs = state.contracts, state.labs
    n_p = len(state.providers)
    rows = np.flatnonzero(at_rows(labs.frontier, c.buyer_lab, False))  # a provider buyer (-1) is no named lab
    keys = c.buyer_lab[rows] * n_p + c.seller[rows]
    unique = frontier_pairs(state, keys)  # the pairs of archived contracts too
    index = np.searchsorted(unique, keys)
    active = c.status[rows] == ACTIVE
    quantity = c.quantity_h100e[rows]
    due_now = scheduled_h100e(c, max(state.month, 0), rows)
    delivered = flows(state)["delivered"][rows]
    contracted, scheduled, delivered = (sum_by(index[active], weights=v[active], minlength=unique.size)
                                        for v in (quantity, due_now, delivered))
    return {"lab": unique // n_p, "provider": unique % n_p, "contracted_h100e": contracted,
            "scheduled_h100e": scheduled, "delivered_h100e": delivered}


def _weighted_mean(values, weights) -> float:
    """Weighted mean; NaN when there is nothing to average (no contracts signed, no providers of a kind)."""
    total = float(np.sum(weights))
    return float(np.sum(values * weights) / total) if total > 0 else float("nan")


def metrics(state: MarketState, ctx: StepContext) -> None:
    ctx.metrics, ctx.per_agent = compute(state, ctx)
    ctx.supply = supply_of_named_labs(state)
