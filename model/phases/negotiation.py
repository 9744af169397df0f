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
from ..market_rules import committed_cover_and_bills, deliverable_h100e, holds, load_h100e
from ..records import ORIGIN_NEGOTIATED, PROPOSED
from ..state import EXCLUSIVE, RIGHT_OF_FIRST_REFUSAL, MarketState
from ..units import usd_bn


def best_quotes(state: MarketState, price: np.ndarray, tradable: np.ndarray) -> np.ndarray:
    """Per lab, its cheapest tradable quote over its eligible edges (inf when it has none)."""
    e = state.edges
    quotes = np.where(tradable, price, np.inf)
    best = np.full(len(state.labs), np.inf)
    has = np.flatnonzero(e.lab_start[1:] > e.lab_start[:-1])
    if has.size:
        best[has] = np.minimum.reduceat(quotes, e.lab_start[has])
    return best


def expected_growth(growth_per_month, params, months: int):
    """Log growth a lab expects over `months`: its growth fading toward the long-run rate."""
    return kernels.expected_log_growth(growth_per_month, params.long_run_growth_per_month,
                                       params.growth_half_life_months, months)


def lab_requests(state: MarketState, ctx: StepContext) -> np.ndarray:
    """h100e each lab asks for: the demand it expects halfway through the term it contracts for (its
    `contract_months`), less what its contracts deliver once a contract signed now has ramped (month +
    `ramp_months`), limited by what it can afford at its quote; nothing when that is under
    `request_threshold_share` of its demand, or under `min_contract_share` of it when its means bind (it cannot
    afford its gap, so waiting would not make the deal larger). A lab keeping to a replay's scripted history asks
    only its own fleet (`edge_quotes`).

    Growth is expected to fade as it does (kernels.expected_log_growth). Means: revenue expected halfway through
    the term plus cash spread over the funding runway; bills: what its contracts schedule at month + ramp at their
    prices (a contract not yet started or still ramping counts only as far as it has started and ramped by then,
    for cover and bills alike). A lab on a multi-year term therefore buys ahead of its growth, in large deals.
    """
    labs, params = state.labs, ctx.params
    midterm = labs.contract_months // 2
    projected = labs.demand_h100e * np.exp(params.demand_growth_scale * expected_growth(
        labs.demand_growth_per_month, params, midterm))
    covered, bill = committed_cover_and_bills(state, ctx)
    means = (labs.revenue_usd_bn_per_month * np.exp(expected_growth(labs.revenue_growth_per_month, params, midterm))
             + np.maximum(labs.cash_usd_bn, 0.0) / params.funding_runway_months)
    quote = labs.quote_usd_per_h100e_hour
    affordable = np.where(quote > 0, np.maximum(means - bill, 0.0) / usd_bn(1.0, np.where(quote > 0, quote, 1.0)),
                          0.0)
    gap = np.maximum(projected - covered, 0.0)
    request = np.minimum(gap, affordable)
    # a lab whose means bind cannot wait for a larger gap: it buys what it can afford once that is a contract
    threshold = np.where(affordable < gap, params.min_contract_share, params.request_threshold_share)
    asks = ~labs.defaulted & (request > threshold * labs.demand_h100e)
    return np.where(asks, request, 0.0)


def provider_offer_capacity(state: MarketState, ctx: StepContext) -> np.ndarray:
    """h100e a provider can still promise: what it can deliver within the quote horizon (`deliverable_h100e`) less
    the load its contracts schedule then (rounding residue below 1e-9 of the promise is zero, the rule the
    negotiation rounds use for what is left)."""
    horizon = ctx.params.quote_horizon_months
    promise = deliverable_h100e(state, horizon, ctx.params.h100e_per_gw)
    load = sum_by(state.contracts.seller, weights=load_h100e(state.contracts, state.month + horizon),
                  minlength=len(state.providers))
    return kernels.snap_to_zero(promise - load, promise)


def edge_quotes(state: MarketState, ctx: StepContext, lab: np.ndarray | None = None,
                provider: np.ndarray | None = None):
    """Per eligible edge (or per (lab, provider) offer given): (quoted price, the lab's willingness to pay, tradable
    mask). A provider quotes its going 12-month price scaled to the lab's term (never below its full cost); its own
    lab gets cost. An offer is tradable when exclusivity allows it, the provider has not failed, and it is the lab's
    own fleet or the quote is within the lab's willingness to pay and the lab is not keeping to a replay's history."""
    e, p, labs, params = state.edges, state.providers, state.labs, ctx.params
    if lab is None:
        lab, provider = e.lab, e.provider
    captive = labs.self_provider[lab] == provider
    cost = p.unit_cost_usd_per_h100e_hour[provider]
    wtp = labs.wtp_usd_per_h100e_hour[lab]
    discount = (params.commitment_discount_max, params.commitment_discount_half_months)
    term = kernels.term_price_at_share(p.contract_price_usd_per_h100e_hour[provider],
                                       kernels.term_share(labs.contract_months, *discount)[lab],
                                       kernels.term_share(12.0, *discount))  # kernels.term_price, per lab first
    price = np.where(captive, cost, np.maximum(term, cost))
    only = sole_counterparty(labs)[lab]
    # a lab keeping to a replay's scripted history trades only with its own fleet until the history ends
    in_market = (state.month > labs.history_until_step)[lab]  # per lab, then spread: one byte an edge
    tradable = (((only == ANY_PROVIDER) | (provider == only)) & (captive | ((price <= wtp) & in_market))
                & ~p.defaulted[provider])
    return price, wtp, tradable


ANY_PROVIDER, NO_PROVIDER = -1, -2


def sole_counterparty(labs) -> np.ndarray:
    """Per lab, the one provider it may trade with: its exclusive holder; ANY_PROVIDER when it is free,
    NO_PROVIDER when it has defaulted (or is exclusive to nobody)."""
    holder = np.where(labs.exclusive_provider >= 0, labs.exclusive_provider, NO_PROVIDER)
    only = np.where(labs.exclusivity_mode == EXCLUSIVE, holder, ANY_PROVIDER)
    return np.where(labs.defaulted, NO_PROVIDER, only)


def first_calls(labs) -> np.ndarray:
    """Per lab, the provider it asks alone in a negotiation's first round: the holder of a right of first refusal
    over it, else its own fleet (a self-builder or captive lab builds before it rents); ANY_PROVIDER when it has
    neither."""
    own = np.where(labs.self_provider >= 0, labs.self_provider, ANY_PROVIDER)
    return np.where(labs.exclusivity_mode == RIGHT_OF_FIRST_REFUSAL, labs.exclusive_provider, own)


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
    price_all, wtp_all, tradable_all = edge_quotes(state, ctx)
    best = best_quotes(state, price_all, tradable_all)
    labs.quote_usd_per_h100e_hour[:] = np.where(np.isfinite(best), best, labs.quote_usd_per_h100e_hour)
    asked_for = lab_requests(state, ctx)
    remaining = asked_for.copy()
    asking = remaining > 0
    rows = np.flatnonzero(asking[e.lab])  # only the edges of labs that ask this month
    p.refused_h100e[:] = 0.0
    if rows.size == 0:
        return
    lab, provider = e.lab[rows], e.provider[rows]
    left = offered = provider_offer_capacity(state, ctx)
    price, wtp, tradable = price_all[rows], wtp_all[rows], tradable_all[rows]
    contracted = edge_contracted(state, rows)
    first_call = first_calls(labs)[lab]
    waits_for_first_call = (first_call != ANY_PROVIDER) & (provider != first_call)
    aversion = labs.diversification_aversion * params.diversification_aversion_scale  # per lab
    weights = (params.price_weight, params.reliability_weight, params.relationship_weight)
    base_utility = kernels.offer_base_utility(price, wtp, p.reliability[provider], e.relationship[rows], weights)
    alloc = np.zeros(rows.size)
    allocated = np.zeros(n_labs)  # this month's allocations per lab, so far
    refused = np.zeros(n_providers)
    for round_ in range(params.negotiation_rounds):
        # the first round asks every tradable offer, full or not (what a full provider turns away is the scarcity
        # its price responds to), except that a lab with a first call asks only that provider; later rounds only
        # the providers with room left
        live = tradable & (remaining > 0)[lab]
        live &= ~waits_for_first_call if round_ == 0 else (left > 0)[provider]
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
    signed = signed[alloc[signed] >= params.min_contract_share * asked_for[lab[signed]]]
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
