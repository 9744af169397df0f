"""Phase 5, negotiation: labs with a coverage gap request capacity along their eligible edges; providers quote
their going contract price for the lab's term; labs split their request by a logit over offers; oversubscribed
providers scale allocations down and record what they turned away; what is left goes to the next round.
Allocations become proposed contracts."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..edge_index import contract_edges
from ..kernels import sum_by
from ..market_rules import holds
from ..records import ORIGIN_NEGOTIATED, PROPOSED
from ..state import EXCLUSIVE, RIGHT_OF_FIRST_REFUSAL, MarketState
from ..units import usd_bn


def lab_requests(state: MarketState, ctx: StepContext) -> np.ndarray:
    """h100e each lab asks for: its projected demand not covered by lasting contracts, limited by its means;
    nothing when that is under `request_threshold_share` of its demand.

    Projected demand is today's grown over the planning horizon; a contract counts as cover while more than
    half a horizon of it remains; means are revenue plus cash spread over the funding runway.
    """
    labs, c, params = state.labs, state.contracts, ctx.params
    n = len(labs)
    horizon = params.planning_horizon_months
    projected = labs.demand_h100e * np.exp(params.demand_growth_scale * labs.demand_growth_per_month * horizon)
    held = holds(c.status)
    lasting = held & (c.end_step > state.month + horizon // 2)
    covered = kernels.sum_by_row(c.buyer_lab, np.where(lasting, c.quantity_h100e, 0.0), n)
    monthly_bill = kernels.sum_by_row(c.buyer_lab, np.where(held, usd_bn(c.quantity_h100e, c.price_usd_per_h100e_hour),
                                                            0.0), n)
    means = labs.revenue_usd_bn_per_month + np.maximum(labs.cash_usd_bn, 0.0) / params.funding_runway_months
    affordable = np.maximum(means - monthly_bill, 0.0) / usd_bn(1.0, labs.wtp_usd_per_h100e_hour)
    request = np.minimum(np.maximum(projected - covered, 0.0), affordable)
    asks = ~labs.defaulted & (request > params.request_threshold_share * labs.demand_h100e)
    return np.where(asks, request, 0.0)


def provider_offer_capacity(state: MarketState, ctx: StepContext) -> np.ndarray:
    """h100e a provider can still promise: installed + pipeline + on order + expansion share - committed
    (rounding residue below 1e-9 of the promise is zero, the rule the negotiation rounds use for what is left)."""
    p = state.providers
    promise = (p.capacity_h100e * (1.0 + ctx.params.quote_expansion_share) + p.pipeline_total_h100e
               + p.open_orders_h100e)
    return kernels.snap_to_zero(promise - p.committed_h100e, promise)


def edge_quotes(state: MarketState, ctx: StepContext, lab: np.ndarray | None = None,
                provider: np.ndarray | None = None):
    """Per eligible edge (or per (lab, provider) offer given): (quoted price, the lab's willingness to pay, tradable
    mask). A provider quotes its going 12-month price scaled to the lab's term (never below its full cost); its own
    lab gets cost. An offer is tradable when exclusivity allows it and the quote is within the lab's willingness."""
    e, p, labs, params = state.edges, state.providers, state.labs, ctx.params
    if lab is None:
        lab, provider = e.lab, e.provider
    captive = labs.self_provider[lab] == provider
    cost = p.unit_cost_usd_per_h100e_hour[provider]
    wtp = labs.wtp_usd_per_h100e_hour[lab]
    term = kernels.term_price(p.contract_price_usd_per_h100e_hour[provider], labs.contract_months[lab],
                              params.commitment_discount_max, params.commitment_discount_half_months)
    price = np.where(captive, cost, np.maximum(term, cost))
    only = sole_counterparty(labs)[lab]
    tradable = ((only == ANY_PROVIDER) | (provider == only)) & (captive | (price <= wtp))
    return price, wtp, tradable


ANY_PROVIDER, NO_PROVIDER = -1, -2


def sole_counterparty(labs) -> np.ndarray:
    """Per lab, the one provider it may trade with: its exclusive holder; ANY_PROVIDER when it is free,
    NO_PROVIDER when it has defaulted (or is exclusive to nobody)."""
    holder = np.where(labs.exclusive_provider >= 0, labs.exclusive_provider, NO_PROVIDER)
    only = np.where(labs.exclusivity_mode == EXCLUSIVE, holder, ANY_PROVIDER)
    return np.where(labs.defaulted, NO_PROVIDER, only)


def edge_contracted(state: MarketState, rows: np.ndarray | None = None) -> np.ndarray:
    """h100e each lab holds at each eligible provider (contracts proposed, under review, approved or active),
    for every edge or the edges `rows`."""
    c = state.contracts
    edge = contract_edges(state)
    held = np.where(holds(c.status), c.quantity_h100e, 0.0)
    per_edge = kernels.sum_by_row(edge, held, state.edges.lab.size)
    return per_edge if rows is None else per_edge[rows]


def negotiation(state: MarketState, ctx: StepContext) -> None:
    e, p, labs, params = state.edges, state.providers, state.labs, ctx.params
    n_labs, n_providers = len(labs), len(p)
    asked_for = lab_requests(state, ctx)
    remaining = asked_for.copy()
    asking = remaining > 0
    rows = np.flatnonzero(asking[e.lab])  # only the edges of labs that ask this month
    p.refused_h100e[:] = 0.0
    if rows.size == 0:
        return
    lab, provider = e.lab[rows], e.provider[rows]
    left = offered = provider_offer_capacity(state, ctx)
    price, wtp, tradable = edge_quotes(state, ctx, lab, provider)
    contracted = edge_contracted(state, rows)
    first_refusal_wait = ((labs.exclusivity_mode[lab] == RIGHT_OF_FIRST_REFUSAL)
                          & (provider != labs.exclusive_provider[lab]))
    aversion = labs.diversification_aversion * params.diversification_aversion_scale  # per lab
    weights = (params.price_weight, params.reliability_weight, params.relationship_weight)
    base_utility = kernels.offer_base_utility(price, wtp, p.reliability[provider], e.relationship[rows], weights)
    alloc = np.zeros(rows.size)
    allocated = np.zeros(n_labs)  # this month's allocations per lab, so far
    refused = np.zeros(n_providers)
    for round_ in range(params.negotiation_rounds):
        # the first round asks every tradable offer, full or not (what a full provider turns away is the scarcity
        # its price responds to); later rounds only the providers with room left
        live = tradable & (remaining > 0)[lab]
        live &= ~first_refusal_wait if round_ == 0 else (left > 0)[provider]
        live = np.flatnonzero(live)  # sorted by lab
        if live.size == 0:
            continue
        on_lab, on_provider = lab[live], provider[live]
        held = (labs.contracted_h100e + allocated)[on_lab]
        own_share = np.divide(contracted[live] + alloc[live], held, out=np.zeros(live.size), where=held > 0)
        utility = base_utility[live] - aversion[on_lab] * own_share  # kernels.offer_utility, its fixed part once
        shortlisted = np.flatnonzero(kernels.top_k_in_segments(on_lab, utility, params.max_offers_per_request))
        live, on_lab, on_provider, utility = live[shortlisted], on_lab[shortlisted], on_provider[shortlisted], \
            utility[shortlisted]
        starts = kernels.segment_starts(on_lab)
        weight = np.exp((utility - kernels.segment_max_sorted(utility, starts)) / params.logit_temperature)
        total = kernels.segment_sum_sorted(weight, starts)
        asked = remaining[on_lab] * weight / total
        asked_of = sum_by(on_provider, weights=asked, minlength=n_providers)
        scale = np.where(asked_of > left, left / np.where(asked_of > 0, asked_of, 1.0), 1.0)
        refused += np.maximum(asked_of - left, 0.0)
        got = asked * scale[on_provider]
        alloc[live] += got
        labs_here = on_lab[starts]
        got_by_lab = np.add.reduceat(got, starts)
        allocated[labs_here] += got_by_lab
        remaining[labs_here] = kernels.snap_to_zero(remaining[labs_here] - got_by_lab, asked_for[labs_here])
        left = kernels.snap_to_zero(left - sum_by(on_provider, weights=got, minlength=n_providers), offered)
    p.refused_h100e[:] = refused
    signed = np.flatnonzero(alloc > 0)
    signed = signed[alloc[signed] >= params.min_contract_share * labs.demand_h100e[lab[signed]]]
    propose_contracts(state, ctx, provider[signed], lab[signed], alloc[signed], price[signed], rows[signed])


def propose_contracts(state: MarketState, ctx: StepContext, seller, lab, quantity, price, edge) -> None:
    """Append negotiated contracts along the eligible edges `edge` in `proposed` status, starting this month
    for the lab's preferred term."""
    duration = state.labs.contract_months[lab]
    ramp = ctx.params.ramp_months
    month = state.month
    state.contracts.append(
        seller=seller, buyer_lab=lab, quantity_h100e=quantity, price_usd_per_h100e_hour=price,
        value_usd_bn=usd_bn(quantity, price, kernels.scheduled_months(duration, ramp)),
        start_step=month, duration_months=duration, ramp_months=ramp, end_step=month + duration,
        status=PROPOSED, origin=ORIGIN_NEGOTIATED, proposed_step=month)
    contract_edges(state, new_on=edge)
