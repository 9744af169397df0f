"""Invariants over random small markets (hypothesis): conservation, bounds, shares."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from model import ComputeMarket
from model.records import ACTIVE, BLOCKED, COMPLETED, NO_MONTH, ORIGIN_START, TERMINATED
from model.state import PROVIDER_KINDS

markets = st.fixed_dictionaries({
    "rng": st.integers(0, 2**32 - 1),
    "n_small_labs": st.integers(1, 25),
    "generated_providers": st.integers(1, 7),
    "generated_vendors": st.integers(1, 3),
    "small_lab_eligible_providers": st.integers(1, 5),
    "demand_growth_scale": st.floats(0.0, 3.0),
    "diversification_aversion_scale": st.floats(0.0, 4.0),
    "negotiation_rounds": st.integers(1, 4),
    "contract_price_sensitivity": st.floats(0.0, 2.0),
    "regulator_strictness_scale": st.floats(0.0, 2.0),
})


CENT_USD_BN = 1e-11


def independent_contracted_hhi(model: ComputeMarket) -> float:
    """HHI of contracted capacity computed from the contract table with pandas, apart from the model's code:
    active contracts bought by labs from providers other than the lab's own fleet; 'other' providers count in
    the total but are no firm."""
    s = model.state
    frame = model.contract_table()
    own = {row: s.labs.self_provider[row] for row in range(len(s.labs))}
    market = frame[(frame.status == "active") & (frame.buyer_lab >= 0)
                   & (frame.seller != frame.buyer_lab.map(own))]
    by_seller = market.groupby("seller").quantity_h100e.sum()
    if by_seller.sum() <= 0:
        return 0.0
    shares = by_seller / by_seller.sum()
    firms = [row for row in shares.index if PROVIDER_KINDS[s.providers.kind[row]] != "other"]
    return float(((100 * shares[firms]) ** 2).sum())


def check_invariants(model: ComputeMarket) -> None:
    s = model.state
    p, labs, v, c = s.providers, s.labs, s.vendors, s.contracts
    # capacity delivered (contracts and spot) never above what a provider has: own, less outages, plus leased-in
    available = p.capacity_h100e * (1 - p.outage_share) + p.leased_in_h100e
    trading = ~p.defaulted  # a provider that defaulted at the end of this month delivered before it failed
    assert (p.delivered_h100e + p.spot_sold_h100e <= available * (1 + 1e-12) + 1e-9)[trading].all()
    assert (p.capacity_h100e[p.defaulted] == 0).all() and (p.debt_usd_bn[p.defaulted] == 0).all()
    # money: what labs paid this month is, to the cent, what their contracts record as paid plus what providers
    # earned on the spot market; and providers buying wholesale pay what their sellers earn from them
    if s.month >= 0:
        from_labs = c.this_month_paid_usd_bn[c.buyer_lab >= 0].sum() + p.spot_revenue_usd_bn.sum()
        assert abs(labs.spend_usd_bn.sum() - from_labs) <= CENT_USD_BN
        wholesale = c.this_month_paid_usd_bn[c.buyer_provider >= 0].sum()
        assert abs(p.wholesale_cost_usd_bn.sum() - wholesale) <= CENT_USD_BN
        assert abs(p.contract_revenue_usd_bn.sum() - c.this_month_paid_usd_bn.sum()) <= CENT_USD_BN
        # nobody pays more than billed, and a lab short of money pays all it has
        assert (labs.spend_usd_bn <= labs.bills_usd_bn + CENT_USD_BN).all()
    # nothing negative
    for array in (p.capacity_h100e, p.pipeline_h100e, p.cash_usd_bn, p.debt_usd_bn, p.unit_cost_usd_per_h100e_hour,
                  p.list_price_usd_per_h100e_hour, labs.cash_usd_bn, labs.demand_h100e, labs.spend_usd_bn,
                  labs.spot_h100e, v.inventory_h100e, v.price_usd_per_h100e, v.backlog_h100e, c.quantity_h100e,
                  c.price_usd_per_h100e_hour, c.value_usd_bn, c.this_month_h100e, s.orders.remaining_h100e):
        assert (array >= 0).all()
    # contracts deliver no more than their quantity, and only while active and in their term
    assert (c.this_month_h100e <= c.quantity_h100e * (1 + 1e-12)).all()
    delivering = c.this_month_h100e > 0
    if s.month >= 0 and delivering.any():
        assert (c.start_step[delivering] <= s.month).all() and (c.end_step[delivering] > s.month).all()
    # lifecycle stamps in order where set: proposed <= decided <= active; closed after each; review after filing
    for earlier, later in (("proposed_step", "decided_step"), ("decided_step", "active_step"),
                           ("active_step", "closed_step"), ("proposed_step", "review_due_step"),
                           ("decided_step", "closed_step"), ("active_step", "start_step")):
        a, b = getattr(c, earlier), getattr(c, later)
        both = (a != NO_MONTH) & (b != NO_MONTH) & (c.origin != ORIGIN_START)
        assert (a[both] <= b[both]).all(), f"{earlier} after {later}"
    closed = np.isin(c.status, (COMPLETED, BLOCKED, TERMINATED))
    assert (c.closed_step[closed] != NO_MONTH).all() and (c.closed_step[~closed] == NO_MONTH).all()
    assert (c.active_step[c.status == ACTIVE] != NO_MONTH).all()
    # the contracted HHI the model reports is the one computed from its contract table
    assert model.metrics["provider_hhi_contracted"] == pytest.approx(independent_contracted_hhi(model), abs=1e-6)
    if (c.status == ACTIVE).any():
        assert 0 <= model.metrics["utilisation"] <= 1 + 1e-9


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets)
# found by this test: a lab's funding round was asked of its largest supplier of last month, which had failed
# since, and the failed provider took on debt
@example({"rng": 9, "n_small_labs": 9, "generated_providers": 5, "generated_vendors": 1,
          "small_lab_eligible_providers": 4, "demand_growth_scale": 0.5, "diversification_aversion_scale": 0.0,
          "negotiation_rounds": 1, "contract_price_sensitivity": 0.0, "regulator_strictness_scale": 0.0})
def test_invariants_hold_every_month_on_random_markets(kwargs):
    model = ComputeMarket(market="generated", **kwargs)
    check_invariants(model)
    for _ in range(8):
        model.step()
        check_invariants(model)


def test_invariants_hold_every_month_of_the_library_scenarios():
    for scenario in ("baseline", "aws-openai-2025", "concentration-risk", "regulator-strict"):
        model = ComputeMarket(scenario=scenario, rng=2, horizon_months=36)
        check_invariants(model)
        while model.running:
            model.step()
            check_invariants(model)
