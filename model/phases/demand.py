"""Phase 2, demand: labs' base demand and revenue grow at their own rates with noise from the `demand` and
`revenue` streams, fast growth fading toward the long-run rate; the compute each lab wants follows the price it was
last quoted; labs short of runway whose revenue grows raise a funding round (part from their largest supplier, the
rest from funds); smaller labs discover new providers (the `discovery` stream), which changes the graph."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..edge_index import follow_inserted_edges
from ..edges import insert_edges
from ..event_text import funding_text
from ..market_rules import bought_by, committed_cover_and_bills, is_captive
from ..state import FUNDS, PROVIDER_KINDS, MarketState


def demand(state: MarketState, ctx: StepContext) -> None:
    labs, params = state.labs, ctx.params
    n = len(labs)
    demand_noise = ctx.streams.normal("demand", state.month, np.arange(n))
    revenue_noise = ctx.streams.normal("revenue", state.month, np.arange(n))
    alive = ~labs.defaulted
    labs.base_demand_h100e[alive] *= np.exp(params.demand_growth_scale * labs.demand_growth_per_month[alive]
                                            + params.demand_noise_sd * demand_noise[alive])
    labs.revenue_usd_bn_per_month[alive] *= np.exp(labs.revenue_growth_per_month[alive]
                                                   + params.revenue_noise_sd * revenue_noise[alive])
    for growth in (labs.demand_growth_per_month, labs.revenue_growth_per_month):
        growth[alive] = kernels.faded_growth(growth[alive], params.long_run_growth_per_month,
                                             params.growth_half_life_months)
    labs.demand_h100e[alive] = kernels.demand_at_price(labs.base_demand_h100e[alive],
                                                       labs.quote_usd_per_h100e_hour[alive],
                                                       params.reference_price_usd_per_h100e_hour,
                                                       params.demand_price_elasticity)
    raise_funds(state, ctx)
    discover_providers(state, ctx)


def largest_suppliers(state: MarketState, labs: np.ndarray) -> np.ndarray:
    """For the labs `labs`, the cloud (hyperscaler or neocloud, not its own fleet, not failed since) that delivered
    each most last month, or -1; ties go to the lower row."""
    c, p, n_labs = state.contracts, state.providers, len(state.labs)
    rows = np.flatnonzero(bought_by(c.buyer_lab, labs, n_labs) & (c.this_month_h100e > 0))
    kind = p.kind[c.seller[rows]]
    cloud = (kind == PROVIDER_KINDS.index("hyperscaler")) | (kind == PROVIDER_KINDS.index("neocloud"))
    rows = rows[cloud & ~p.defaulted[c.seller[rows]] & ~is_captive(state, c.seller[rows], c.buyer_lab[rows])]
    supplier = np.full(n_labs, -1, dtype=np.int64)
    if rows.size == 0:
        return supplier[labs]
    lab, seller, amount = kernels.grouped_sum(c.buyer_lab[rows], c.seller[rows], c.this_month_h100e[rows], len(p))
    order = np.lexsort((seller, -amount, lab))
    first = order[np.r_[True, lab[order][1:] != lab[order][:-1]]]
    supplier[lab[first]] = seller[first]
    return supplier[labs]


def raise_funds(state: MarketState, ctx: StepContext) -> None:
    """Labs whose cash lasts under `funding_runway_trigger_months` at their burn (the larger of last month's bills
    and what their contracts schedule once a contract signed now has ramped, beyond this month's revenue), whose
    revenue grows faster than `funding_min_growth_per_month`, and who have not raised for `funding_interval_months`,
    raise `funding_round_revenue_multiple` years of revenue: a share from their largest supplier (which pays for
    it), the rest from funds. Labs in a replay's scripted history do not."""
    labs, p, params, month = state.labs, state.providers, ctx.params, state.month
    _, committed_bill = committed_cover_and_bills(state, ctx)
    burn = kernels.burn_usd_bn(np.maximum(labs.bills_usd_bn, committed_bill), labs.revenue_usd_bn_per_month)
    runway = kernels.runway_months(labs.cash_usd_bn, burn)
    amount = params.funding_round_revenue_multiple * 12.0 * labs.revenue_usd_bn_per_month
    rows = np.flatnonzero(~labs.defaulted & (runway < params.funding_runway_trigger_months)
                          & (labs.revenue_growth_per_month > params.funding_min_growth_per_month)
                          & (month - labs.last_round_step >= params.funding_interval_months)
                          & (month > labs.history_until_step) & (amount > 0))
    if rows.size == 0:
        return
    supplier = largest_suppliers(state, rows)
    from_supplier = np.where(supplier >= 0, params.funding_supplier_share * amount[rows], 0.0)
    from_funds = amount[rows] - from_supplier
    labs.cash_usd_bn[rows] += amount[rows]
    labs.funding_raised_usd_bn[rows] += amount[rows]
    labs.last_round_step[rows] = month
    paid = kernels.sum_by(np.maximum(supplier, 0), weights=from_supplier, minlength=len(p))
    p.cash_usd_bn[:], p.debt_usd_bn[:] = kernels.finance(p.cash_usd_bn, p.debt_usd_bn, -paid)
    funds = state.node_index(FUNDS)
    investor = np.stack([np.where(supplier >= 0, state.node_offset("provider") + supplier, -1),
                         np.full(rows.size, funds)], axis=1).ravel()
    value = np.stack([from_supplier, from_funds], axis=1).ravel()
    investee = np.repeat(state.node_offset("lab") + rows, 2)
    kept = value > 0
    state.equity.append(investor=investor[kept], investee=investee[kept], value_usd_bn=value[kept], step=month)
    for lab, total, seller, part in zip(rows, amount[rows], supplier, from_supplier):
        ctx.log.append((month, funding_text(labs.name[lab], total, p.name[seller] if seller >= 0 else "", part)))


def discovery_draws(state: MarketState, ctx: StepContext):
    """(labs that discover a provider this month, the cloud each discovers): each smaller lab draws whether it
    finds one (`discovery`) and which cloud, uniformly (`discovery_pick`)."""
    ids = np.arange(len(state.labs))
    clouds = np.flatnonzero(state.providers.kind != PROVIDER_KINDS.index("self_builder"))
    found = ctx.streams.uniform("discovery", state.month, ids) < ctx.params.discovery_probability_per_month
    pick = clouds[kernels.pick_index(ctx.streams.uniform("discovery_pick", state.month, ids), clouds.size)]
    found &= ~state.labs.frontier & ~state.labs.defaulted
    return np.flatnonzero(found), pick[found]


def discover_providers(state: MarketState, ctx: StepContext) -> None:
    labs_found, providers_found = discovery_draws(state, ctx)
    if labs_found.size == 0:
        return
    edges, inserted_at = insert_edges(state.edges, labs_found, providers_found, len(state.labs), len(state.providers))
    if inserted_at.size:
        follow_inserted_edges(state, edges, inserted_at)
        state.topology_version += 1
