"""Phase 3, supply: vendors make what their due orders take (and top their stock up to a month of capacity, at
most their capacity) and ship to open orders (weighted pro rata, captive owners first) from output plus
inventory; delivered chips enter the provider's build pipeline and, once their site is finished, are installed up
to its powered capacity (the rest wait for power); power under construction comes on line; vendors keep what they
did not sell, price from backlog net of inventory, and expand output against backlog and price, with a lead time."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..kernels import sum_by
from ..records import ORDER_FILLED, ORDER_OPEN
from ..state import MarketState
from ..units import USD_PER_BN


def order_priority(state: MarketState, ctx: StepContext, vendor, provider) -> np.ndarray:
    """Allocation weight of an order: `strategic_priority` for the vendor's captive owner, 1 otherwise."""
    return np.where(state.vendors.captive_owner[vendor] == provider, ctx.params.strategic_priority, 1.0)


def supply(state: MarketState, ctx: StepContext) -> None:
    v, o, month = state.vendors, state.orders, state.month
    # orders an export control stops were cancelled when it came in, and booking orders only along unblocked edges
    due = (o.status == ORDER_OPEN) & (o.ready_step <= month)
    rows = np.flatnonzero(due)
    v.output_h100e[:] = kernels.vendor_output(
        v.production_h100e_per_month, sum_by(o.vendor[rows], weights=o.remaining_h100e[rows], minlength=len(v)),
        v.inventory_h100e, ctx.params.vendor_inventory_months)
    available = v.output_h100e + v.inventory_h100e
    shipped = kernels.weighted_pro_rata_segments(
        o.remaining_h100e[rows], order_priority(state, ctx, o.vendor[rows], o.provider[rows]), o.vendor[rows],
        available, len(v))
    record_shipments(state, ctx, rows, shipped)
    finish_power(state)
    install(state, ctx.params.h100e_per_gw)
    close_vendor_month(state, ctx, available)


def record_shipments(state: MarketState, ctx: StepContext, rows: np.ndarray, shipped: np.ndarray) -> None:
    """Fill the orders `rows` with `shipped` h100e: pay the vendor, start the provider's sites, blend its capex
    (chip price plus its share of a powered site, `kernels.site_cost_usd_per_h100e`)."""
    v, p, o, month = state.vendors, state.providers, state.orders, state.month
    n_vendors, n_providers = len(v), len(p)
    o.remaining_h100e[rows] -= shipped
    filled = rows[o.remaining_h100e[rows] <= 1e-9 * np.maximum(o.quantity_h100e[rows], 1.0)]
    o.remaining_h100e[filled] = 0.0
    o.status[filled] = ORDER_FILLED
    o.filled_step[filled] = month
    chip_cost = shipped * o.price_usd_per_h100e[rows]
    v.shipped_h100e[:] = sum_by(o.vendor[rows], weights=shipped, minlength=n_vendors)
    v.revenue_usd_bn[:] = sum_by(o.vendor[rows], weights=chip_cost, minlength=n_vendors) / USD_PER_BN
    delivered = sum_by(o.provider[rows], weights=shipped, minlength=n_providers)
    spend = sum_by(o.provider[rows], weights=chip_cost, minlength=n_providers)
    fleet = p.capacity_h100e + p.pipeline_total_h100e
    cost_basis = spend + delivered * kernels.site_cost_usd_per_h100e(ctx.params.power_capex_usd_bn_per_gw,
                                                                     ctx.params.h100e_per_gw)
    with np.errstate(invalid="ignore", divide="ignore"):
        blended = (p.capex_usd_per_h100e * fleet + cost_basis) / (fleet + delivered)
    p.capex_usd_per_h100e[:] = np.where(delivered > 0, blended, p.capex_usd_per_h100e)
    p.chip_capex_usd_bn[:] = spend / USD_PER_BN
    p.cash_usd_bn[:], p.debt_usd_bn[:] = kernels.finance(p.cash_usd_bn, p.debt_usd_bn, -spend / USD_PER_BN)
    ring = p.pipeline_h100e.shape[1]
    p.pipeline_h100e[np.arange(n_providers), (month + p.site_lead_time_months) % ring] += delivered


def finish_power(state: MarketState) -> None:
    """Power whose construction ends this month comes on line."""
    p, ring = state.providers, state.providers.power_pipeline_gw.shape[1]
    p.power_gw += p.power_pipeline_gw[:, state.month % ring]
    p.power_pipeline_gw[:, state.month % ring] = 0.0


def install(state: MarketState, h100e_per_gw: float) -> None:
    """Sites finishing this month join those waiting for power; installed up to the powered capacity."""
    p, month = state.providers, state.month
    ring = p.pipeline_h100e.shape[1]
    finished = p.pipeline_h100e[:, month % ring].copy()
    p.pipeline_h100e[:, month % ring] = 0.0
    ready = p.waiting_power_h100e + finished
    powered = p.power_gw * h100e_per_gw
    installed = np.minimum(ready, np.maximum(powered - p.capacity_h100e, 0.0))
    p.capacity_h100e += installed
    p.waiting_power_h100e[:] = kernels.snap_to_zero(ready - installed, ready)


def close_vendor_month(state: MarketState, ctx: StepContext, available: np.ndarray) -> None:
    """Vendors keep unsold output as inventory, reprice from backlog net of inventory, bring finished expansions
    on line and decide new ones."""
    v, p, o, month, params = state.vendors, state.providers, state.orders, state.month, ctx.params
    v.inventory_h100e[:] = kernels.snap_to_zero(available - v.shipped_h100e, available)
    still_open = o.status == ORDER_OPEN
    v.backlog_h100e[:] = sum_by(o.vendor[still_open], weights=o.remaining_h100e[still_open], minlength=len(v))
    p.open_orders_h100e[:] = sum_by(o.provider[still_open], weights=o.remaining_h100e[still_open], minlength=len(p))
    v.price_usd_per_h100e[:] = kernels.vendor_price(
        v.price_usd_per_h100e, v.base_price_usd_per_h100e, v.backlog_h100e - v.inventory_h100e,
        v.production_h100e_per_month, params.vendor_target_backlog_months, params.vendor_price_sensitivity)
    ring = v.expansion_h100e_per_month.shape[1]
    v.production_h100e_per_month += v.expansion_h100e_per_month[:, month % ring]
    v.expansion_h100e_per_month[:, month % ring] = 0.0
    added = kernels.vendor_expansion(v.production_h100e_per_month, v.backlog_h100e - v.inventory_h100e,
                                     v.price_usd_per_h100e / v.base_price_usd_per_h100e,
                                     params.vendor_target_backlog_months, params.vendor_expansion_sensitivity,
                                     params.vendor_max_expansion_per_month)
    v.expansion_h100e_per_month[:, (month + params.vendor_expansion_lead_months) % ring] += added
