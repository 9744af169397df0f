"""Bugs found in review (issue #10), each with a test that failed before its fix. Numbers are worked by hand."""

import numpy as np
import pytest

from model import ComputeMarket
from model.events import ResolvedEvent, apply_export_control
from model.market_rules import remaining_value_usd_bn
from model.phases.metrics import compute as compute_metrics
from model.phases.settlement import settlement
from model.records import ORDER_CANCELLED, ORDER_OPEN, UNDER_REVIEW
from model.scenario import ExportControlEvent
from model.units import usd_bn

from .conftest import small_market
from .test_phases import add_contract


def test_a_horizon_of_zero_months_or_past_the_longest_is_refused():
    with pytest.raises(ValueError, match="the horizon must be a whole number of months from 1 to 240, got 0"):
        ComputeMarket(rng=1, horizon_months=0)
    with pytest.raises(ValueError, match="got 2.5"):
        ComputeMarket(rng=1, horizon_months=2.5)
    with pytest.raises(ValueError, match="from 1 to 240, got 241"):
        ComputeMarket(rng=1, horizon_months=241)


def test_an_export_control_cancels_the_open_orders_it_stops():
    """Vendor 0 is in the US. Provider 0 (US) and provider 1 (EU) each have 100 H100e on order from it.
    Once vendor 0 may not ship abroad, provider 1's order is cancelled (100 H100e, nothing paid, so no refund
    is due) and its open orders fall from 100 to 0; provider 0's order stays open."""
    state, ctx = small_market(n_labs=1, n_providers=2, seed=3)
    state.vendors.region[0] = "US"
    state.providers.region[:] = ["US", "EU"]
    for provider in (0, 1):
        state.orders.append(provider=provider, vendor=0, quantity_h100e=100.0, remaining_h100e=100.0,
                            price_usd_per_h100e=20_000.0, placed_step=0, ready_step=3, status=ORDER_OPEN)
    state.providers.open_orders_h100e[:] = 100.0
    state.month = 2
    event = ExportControlEvent(id="x", date="2025-03", type="export_control", vendor="Vendor 1", active=True)
    text = apply_export_control(state, ctx, ResolvedEvent(0, 2, event, {"vendor": 0}))
    o = state.orders
    assert list(o.status) == [ORDER_OPEN, ORDER_CANCELLED]
    assert list(o.remaining_h100e) == [100.0, 0.0]
    assert o.cancelled_h100e[1] == 100.0 and o.cancelled_step[1] == 2
    assert list(state.providers.open_orders_h100e) == [100.0, 0.0]
    assert "100 H100e of open orders cancelled" in text


def test_the_export_controls_scenario_leaves_no_order_stuck_open():
    model = ComputeMarket(scenario="export-controls", rng=1, horizon_months=30)
    model.run_model()
    s = model.state
    o, v, p = s.orders, s.vendors, s.providers
    blocked = v.export_blocked[o.vendor] & (np.array(v.region, dtype=object)[o.vendor]
                                            != np.array(p.region, dtype=object)[o.provider])
    assert not ((o.status == ORDER_OPEN) & blocked).any()


def test_spot_buying_stays_within_a_labs_means():
    """One lab, no contracts, $7,300 of cash and no revenue, wanting far more than it can pay for. At spot price
    P $/h one H100e-month costs 730 x P dollars, so it buys 7,300 / (730 P) = 10 / P H100e, pays all $7,300 and
    falls into no arrears."""
    state, ctx = small_market(n_labs=1, n_providers=2, seed=5)
    labs = state.labs
    labs.demand_h100e[:] = 50_000.0
    labs.cash_usd_bn[:] = 7300 / 1e9
    labs.revenue_usd_bn_per_month[:] = 0.0
    labs.wtp_usd_per_h100e_hour[:] = 100.0
    settlement(state, ctx)
    price = state.spot_price_usd_per_h100e_hour
    assert labs.spot_h100e[0] == pytest.approx(10.0 / price, rel=1e-12)
    assert labs.spend_usd_bn[0] == pytest.approx(7300 / 1e9, rel=1e-12)
    assert labs.arrears_months[0] == 0 and labs.unpaid_usd_bn[0] == pytest.approx(0.0, abs=1e-18)


def test_a_contract_not_yet_active_keeps_its_whole_remaining_value():
    """1,000 H100e at $2/h for 24 months with no ramp is worth 1,000 x 2 x 730 x 24 / 1e9 = $0.03504B. Under
    review from month 0, it has delivered nothing by month 5: all $0.03504B remains."""
    state, ctx = small_market(n_labs=1, n_providers=1, seed=2)
    add_contract(state, seller=0, lab=0, quantity=1000.0, price=2.0, status=UNDER_REVIEW, start=0, duration=24)
    state.month = 5
    assert remaining_value_usd_bn(state)[0] == pytest.approx(0.03504, rel=1e-12)


def test_revenue_counts_what_labs_paid_not_what_they_were_billed():
    """A lab with $0.73M of cash and no revenue is billed for 1,000 H100e at $1/h: 1,000 x 1 x 730 = $0.73M. With
    its bill doubled to $2/h ($1.46M) it pays half, and the provider's cloud revenue counts the $0.73M paid."""
    state, ctx = small_market(n_labs=1, n_providers=1, seed=2)
    state.providers.non_ai_revenue_usd_bn_per_month[:] = 0.0
    state.providers.capacity_h100e[:] = 1000.0
    state.labs.demand_h100e[:] = 1000.0
    state.labs.cash_usd_bn[:] = 0.73e-3
    state.labs.revenue_usd_bn_per_month[:] = 0.0
    add_contract(state, seller=0, lab=0, quantity=1000.0, price=2.0, start=0, duration=12)
    settlement(state, ctx)
    assert state.labs.bills_usd_bn[0] == pytest.approx(1.46e-3, rel=1e-12)
    _, per_agent = compute_metrics(state, ctx)
    assert per_agent["provider"]["cloud_revenue_usd_bn"][0] == pytest.approx(0.73e-3, rel=1e-12)
    assert usd_bn(1000.0, 1.0) == pytest.approx(0.73e-3)
