"""Invariants over random small markets (hypothesis): conservation, bounds, shares."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import ComputeMarket
from model.records import ACTIVE

markets = st.fixed_dictionaries({
    "rng": st.integers(0, 2**32 - 1),
    "n_small_labs": st.integers(1, 25),
    "generated_providers": st.integers(1, 7),
    "generated_vendors": st.integers(1, 3),
    "small_lab_eligible_providers": st.integers(1, 5),
    "demand_growth_scale": st.floats(0.0, 3.0),
    "diversification_aversion_scale": st.floats(0.0, 4.0),
    "negotiation_rounds": st.integers(1, 4),
    "provider_bargaining_power": st.floats(0.0, 1.0),
    "regulator_strictness_scale": st.floats(0.0, 2.0),
})


def check_invariants(model: ComputeMarket) -> None:
    s = model.state
    p, labs, v, c = s.providers, s.labs, s.vendors, s.contracts
    # deliveries never exceed available capacity (own capacity, minus outages, plus leased-in)
    available = p.capacity_h100e * (1 - p.outage_share) + p.leased_in_h100e
    assert (p.delivered_h100e + p.spot_sold_h100e <= available * (1 + 1e-9) + 1e-6).all()
    # what labs pay equals what providers earn from AI (contracts to labs and spot)
    assert np.isclose(labs.spend_usd_bn.sum(), (p.contract_revenue_usd_bn - p.wholesale_cost_usd_bn
                                                + p.spot_revenue_usd_bn).sum(), rtol=1e-9, atol=1e-12)
    # nothing negative
    for array in (p.capacity_h100e, p.pipeline_h100e, p.cash_usd_bn, p.debt_usd_bn, p.unit_cost_usd_per_h100e_hour,
                  p.list_price_usd_per_h100e_hour, labs.cash_usd_bn, labs.demand_h100e, labs.spend_usd_bn,
                  labs.spot_h100e, v.inventory_h100e, v.price_usd_per_h100e, v.backlog_h100e, c.quantity_h100e,
                  c.price_usd_per_h100e_hour, c.value_usd_bn, c.this_month_h100e, s.orders.remaining_h100e):
        assert (array >= 0).all()
    assert s.spot_price_usd_per_h100e_hour >= 0
    # contracts deliver no more than their quantity
    assert (c.this_month_h100e <= c.quantity_h100e * (1 + 1e-12)).all()
    m = model.metrics
    for name, value in m.items():
        if name.startswith(("provider_hhi", "vendor_hhi", "supplier_hhi")) or name == "lab_supplier_hhi_mean":
            assert np.isnan(value) or 0 <= value <= 10_000 + 1e-6, name
    for kind in ("revenue_share", "contracted_share"):
        shares = model.ctx.per_agent["provider"][kind]
        assert (shares >= 0).all()
        assert np.isclose(shares.sum(), 1.0) or shares.sum() == 0
    if (c.status == ACTIVE).any():
        assert 0 <= m["utilisation"] <= 1 + 1e-9


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets)
def test_invariants_hold_every_month_on_random_markets(kwargs):
    model = ComputeMarket(market="generated", **kwargs)
    check_invariants(model)
    for _ in range(8):
        model.step()
        check_invariants(model)


def test_invariants_hold_on_the_baseline(baseline_24):
    check_invariants(baseline_24)
