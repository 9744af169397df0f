"""Phase 7, booking: approved contracts become active; providers order chips from their vendors to cover
contracted load plus a reserve margin (this is how a lab's contract becomes a vendor's revenue)."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..edge_index import contract_edges
from ..kernels import sum_by
from ..market_rules import recount_commitments
from ..records import ACTIVE, APPROVED, ORDER_OPEN
from ..state import EXCLUSIVE, MarketState


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


def chip_needs(state: MarketState, ctx: StepContext) -> np.ndarray:
    """h100e each provider orders: committed x (1 + reserve margin) - (installed + pipeline + on order + leased)."""
    p, c = state.providers, state.contracts
    leased = (c.status == ACTIVE) & (c.buyer_provider >= 0)
    leased_in = sum_by(c.buyer_provider[leased], weights=c.quantity_h100e[leased], minlength=len(p))
    have = p.capacity_h100e + p.pipeline_total_h100e + p.open_orders_h100e + leased_in
    wanted = p.committed_h100e * (1.0 + ctx.params.reserve_margin)
    return kernels.snap_to_zero(wanted - have, wanted)


def place_orders(state: MarketState, need: np.ndarray) -> None:
    """Split each provider's need over its unblocked supply edges by sourcing weight; one order per edge."""
    e, v, p, month = state.edges, state.vendors, state.providers, state.month
    weight = np.where(e.supply_blocked, 0.0, e.supply_weight)
    total = sum_by(e.supply_provider, weights=weight, minlength=len(p))
    share = np.divide(weight, total[e.supply_provider], out=np.zeros_like(weight), where=total[e.supply_provider] > 0)
    quantity = need[e.supply_provider] * share
    rows = np.flatnonzero(quantity > 0)
    vendor = e.supply_vendor[rows]
    state.orders.append(
        provider=e.supply_provider[rows], vendor=vendor, quantity_h100e=quantity[rows],
        remaining_h100e=quantity[rows], price_usd_per_h100e=v.price_usd_per_h100e[vendor], placed_step=month,
        ready_step=month + v.lead_time_months[vendor], status=ORDER_OPEN)
    p.open_orders_h100e += sum_by(e.supply_provider[rows], weights=quantity[rows], minlength=len(p))


def booking(state: MarketState, ctx: StepContext) -> None:
    activate_approved(state)
    recount_commitments(state)
    place_orders(state, chip_needs(state, ctx))
