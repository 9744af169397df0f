"""What is already under way at the start, for calibrated and generated markets alike: sites being finished,
power under construction, vendors' output expansions already decided, and the 2024 order book of chips."""

from __future__ import annotations

import numpy as np

from .kernels import sum_by
from .records import ORDER_OPEN
from .schema import PIPELINE_MONTHS, POWER_PIPELINE_MONTHS, VENDOR_PIPELINE_MONTHS
from .state import MarketState


def start_power_pipeline(power_gw: np.ndarray, lead_months: np.ndarray, share: float) -> np.ndarray:
    """Power under construction at the start: `share` of each provider's built power, finishing in equal parts in
    each month of its lead time (months 0 .. lead - 1)."""
    ring = np.zeros((power_gw.size, POWER_PIPELINE_MONTHS))
    for row, (gw, lead) in enumerate(zip(power_gw, lead_months)):
        ring[row, :lead] = share * gw / lead
    return ring


def start_site_pipeline(under_construction_h100e: np.ndarray, lead_months: np.ndarray) -> np.ndarray:
    """Chips delivered whose sites are being finished at the start, finishing in equal parts in each month of the
    provider's site lead time (months 0 .. lead - 1)."""
    ring = np.zeros((under_construction_h100e.size, PIPELINE_MONTHS))
    for row, (quantity, lead) in enumerate(zip(under_construction_h100e, lead_months)):
        ring[row, :lead] = quantity / lead
    return ring


def planned_expansions(production: np.ndarray, growth: np.ndarray, lead_months: int) -> np.ndarray:
    """Output expansions already decided at the start: the planned monthly growth of each vendor's output over the
    expansion lead time, month k adding production x (1 + g)^k x g."""
    ring = np.zeros((production.size, VENDOR_PIPELINE_MONTHS))
    for k in range(min(lead_months, VENDOR_PIPELINE_MONTHS)):
        ring[:, k] = production * (1.0 + growth) ** k * growth
    return ring


def start_order_book(state: MarketState, backlog_months: float) -> None:
    """The 2024 order book: `backlog_months` of each vendor's output on order at the start, due now, shared over
    its supply edges by sourcing weight x the provider's installed capacity, at the vendor's start price."""
    v, p, e = state.vendors, state.providers, state.edges
    weight = e.supply_weight * p.capacity_h100e[e.supply_provider]
    per_vendor = sum_by(e.supply_vendor, weights=weight, minlength=len(v))
    share = np.divide(weight, per_vendor[e.supply_vendor], out=np.zeros_like(weight),
                      where=per_vendor[e.supply_vendor] > 0)
    quantity = backlog_months * v.production_h100e_per_month[e.supply_vendor] * share
    rows = np.flatnonzero(quantity > 0)
    vendor = e.supply_vendor[rows]
    state.orders.append(provider=e.supply_provider[rows], vendor=vendor, quantity_h100e=quantity[rows],
                        remaining_h100e=quantity[rows], price_usd_per_h100e=v.price_usd_per_h100e[vendor],
                        placed_step=-v.lead_time_months[vendor], ready_step=0, status=ORDER_OPEN)
    p.open_orders_h100e[:] = sum_by(e.supply_provider[rows], weights=quantity[rows], minlength=len(p))
    v.backlog_h100e[:] = sum_by(vendor, weights=quantity[rows], minlength=len(v))
