"""Phase 7, booking: approved contracts become active; providers invest ahead. Each orders chips for the load its
contracts schedule at the quote horizon plus the demand it could not serve (as far as its margin justifies), with a
reserve; cancels orders (for a fee) when it has far more than that; and starts power construction for the fleet
it is building. Chips are paid on shipment, power as it is built."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..edge_index import contract_edges
from ..kernels import sum_by
from ..market_rules import (
    booked_backlog_usd_bn,
    committed_spending_usd_bn,
    credit_limits,
    load_h100e,
    recount_commitments,
)
from ..records import ACTIVE, APPROVED, ORDER_CANCELLED, ORDER_OPEN
from ..state import EXCLUSIVE, PROVIDER_KINDS, MarketState
from ..units import USD_PER_BN


def activate_approved(state: MarketState) -> np.ndarray:
    """Approved -> active from this month (or the scripted start, if later); returns the rows activated."""
    c, e, month = state.contracts, state.edges, state.month
    rows = np.flatnonzero(c.status == APPROVED)
    c.status[rows] = ACTIVE
    c.active_step[rows] = month
    c.start_step[rows] = np.maximum(c.start_step[rows], month)
    c.end_step[rows] = c.start_step[rows] + c.duration_months[rows]
    on_edge = contract_edges(state)[rows]
    on_edge = on_edge[on_edge >= 0]
    e.relationship[on_edge] = np.minimum(e.relationship[on_edge] + 0.2, 1.0)
    lab_rows = rows[c.buyer_lab[rows] >= 0]
    exclusive = lab_rows[c.exclusive[lab_rows]]
    state.labs.exclusivity_mode[c.buyer_lab[exclusive]] = EXCLUSIVE
    state.labs.exclusive_provider[c.buyer_lab[exclusive]] = c.seller[exclusive]
    return rows


def fleet_targets(state: MarketState, ctx: StepContext) -> np.ndarray:
    """h100e each provider invests for (kernels.fleet_target), after folding this month's refused requests and last
    month's shortfall into its smoothed unserved demand. A self-builder serves its own lab whatever the margin."""
    p, params = state.providers, ctx.params
    horizon = state.month + params.quote_horizon_months
    load = sum_by(state.contracts.seller, weights=load_h100e(state.contracts, horizon), minlength=len(p))
    p.unserved_h100e[:] = kernels.smoothed(p.unserved_h100e, p.refused_h100e + p.shortfall_h100e,
                                           params.demand_signal_smoothing)
    margin = kernels.margin_factor(p.contract_price_usd_per_h100e_hour, p.unit_cost_usd_per_h100e_hour,
                                   params.investment_margin_target)
    margin = np.where(p.kind == PROVIDER_KINDS.index("self_builder"), 1.0, margin)
    return kernels.fleet_target(load, p.unserved_h100e, margin, params.reserve_margin)


def supply_shares(state: MarketState) -> np.ndarray:
    """Per supply edge, its share of the provider's orders: sourcing weight over the provider's unblocked edges."""
    e = state.edges
    weight = np.where(e.supply_blocked, 0.0, e.supply_weight)
    total = sum_by(e.supply_provider, weights=weight, minlength=len(state.providers))[e.supply_provider]
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def place_orders(state: MarketState, need: np.ndarray) -> None:
    """Split each provider's need over its unblocked supply edges by sourcing weight; one order per edge."""
    e, v, p, month = state.edges, state.vendors, state.providers, state.month
    quantity = need[e.supply_provider] * supply_shares(state)
    rows = np.flatnonzero(quantity > 0)
    vendor = e.supply_vendor[rows]
    state.orders.append(
        provider=e.supply_provider[rows], vendor=vendor, quantity_h100e=quantity[rows],
        remaining_h100e=quantity[rows], price_usd_per_h100e=v.price_usd_per_h100e[vendor], placed_step=month,
        ready_step=month + v.lead_time_months[vendor], status=ORDER_OPEN)
    p.open_orders_h100e += sum_by(e.supply_provider[rows], weights=quantity[rows], minlength=len(p))


def cancel_orders(state: MarketState, ctx: StepContext, surplus: np.ndarray) -> None:
    """Each provider with a surplus cuts every open order by the same share, surplus / on order (at most all of
    it), and pays the vendor `order_cancellation_fee_share` of what it cancels."""
    o, p, v, month = state.orders, state.providers, state.vendors, state.month
    share = np.minimum(np.divide(surplus, p.open_orders_h100e, out=np.zeros(len(p)), where=p.open_orders_h100e > 0),
                       1.0)
    rows = np.flatnonzero((o.status == ORDER_OPEN) & (share[o.provider] > 0))
    if rows.size == 0:
        return
    amount = o.remaining_h100e[rows] * share[o.provider[rows]]
    fee = ctx.params.order_cancellation_fee_share * amount * o.price_usd_per_h100e[rows] / USD_PER_BN
    o.remaining_h100e[rows] -= amount
    o.cancelled_h100e[rows] += amount
    o.cancellation_fee_usd_bn[rows] += fee
    done = rows[o.remaining_h100e[rows] <= 1e-9 * np.maximum(o.quantity_h100e[rows], 1.0)]
    o.remaining_h100e[done] = 0.0
    o.status[done] = ORDER_CANCELLED
    o.cancelled_step[done] = month
    p.open_orders_h100e[:] = kernels.snap_to_zero(
        p.open_orders_h100e - sum_by(o.provider[rows], weights=amount, minlength=len(p)), p.open_orders_h100e)
    paid = sum_by(o.provider[rows], weights=fee, minlength=len(p))
    p.cash_usd_bn[:], p.debt_usd_bn[:] = kernels.finance(p.cash_usd_bn, p.debt_usd_bn, -paid)
    v.revenue_usd_bn += sum_by(o.vendor[rows], weights=fee, minlength=len(v))


def unit_chip_price_usd(state: MarketState) -> np.ndarray:
    """Each provider's expected price of one H100e of chips: its supply edges' vendor prices, by their shares."""
    e = state.edges
    return sum_by(e.supply_provider, weights=supply_shares(state) * state.vendors.price_usd_per_h100e[e.supply_vendor],
                  minlength=len(state.providers))


def start_power(state: MarketState, ctx: StepContext, headroom: np.ndarray) -> None:
    """Start power construction for the fleet being built (installed, in sites, on order), or for the load its
    contracts schedule when power started now comes on line (with the reserve margin) if that is more, with the
    headroom, within the build rate and what it can finance (its whole cost counts against the credit headroom);
    pay for everything under construction, cost per GW spread over the provider's lead time."""
    p, c, params, month = state.providers, state.contracts, ctx.params, state.month
    # the fleet it is building, or the load its contracts schedule once power started now is on line, if more
    on_line = (month + p.power_lead_time_months).astype(c.start_step.dtype)  # in the contracts' month type: faster
    due = sum_by(c.seller, weights=load_h100e(c, on_line[c.seller]), minlength=len(p))
    fleet = np.maximum(p.capacity_h100e + p.pipeline_total_h100e + p.open_orders_h100e,
                       due * (1.0 + params.reserve_margin))
    needed_gw = fleet * (1.0 + params.power_headroom_share) / params.h100e_per_gw
    building = p.power_pipeline_gw.sum(axis=1)
    start = kernels.power_to_start(needed_gw, p.power_gw + building, p.power_gw, params.power_build_max_share_per_month)
    start *= kernels.affordable_share(start * params.power_capex_usd_bn_per_gw, headroom)
    ring = p.power_pipeline_gw.shape[1]
    p.power_pipeline_gw[np.arange(len(p)), (month + p.power_lead_time_months) % ring] += start
    p.power_started_gw[:] = start
    p.power_capex_usd_bn[:] = (building + start) * params.power_capex_usd_bn_per_gw / p.power_lead_time_months
    p.cash_usd_bn[:], p.debt_usd_bn[:] = kernels.finance(p.cash_usd_bn, p.debt_usd_bn, -p.power_capex_usd_bn)


def booking(state: MarketState, ctx: StepContext) -> None:
    activate_approved(state)
    recount_commitments(state)
    p, c, params = state.providers, state.contracts, ctx.params
    leased = (c.status == ACTIVE) & (c.buyer_provider >= 0)
    leased_in = sum_by(c.buyer_provider[leased], weights=c.quantity_h100e[leased], minlength=len(p))
    target = fleet_targets(state, ctx)
    have = p.capacity_h100e + p.pipeline_total_h100e + p.open_orders_h100e + leased_in
    need = kernels.snap_to_zero(target - have, target)
    # what it can finance: cash plus credit left, less what it has committed and not yet paid; chips first, then power
    limit = credit_limits(state, params, booked_backlog_usd_bn(state, ctx))
    headroom = (p.cash_usd_bn + np.maximum(limit - p.debt_usd_bn, 0.0)
                - committed_spending_usd_bn(state, params.power_capex_usd_bn_per_gw))
    chip_cost = need * unit_chip_price_usd(state) / USD_PER_BN
    financed = kernels.affordable_share(chip_cost, headroom)
    place_orders(state, need * financed)
    cancel_orders(state, ctx, np.where(have > (1.0 + params.order_cancellation_threshold_share) * target,
                                       have - target, 0.0))
    start_power(state, ctx, headroom - chip_cost * financed)
    p.capex_spend_usd_bn[:] = p.chip_capex_usd_bn + p.power_capex_usd_bn
