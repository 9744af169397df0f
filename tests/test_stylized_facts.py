"""Stylized facts of the AI compute market (issue #11), on the hand-built market of tests/tiny.py, both engines:
each asserts the direction and rough size of a response that follows from the mechanisms, not exact figures.

The figures worked exactly are in test_hand_built.py; these follow the market over several months.
"""

from __future__ import annotations

import pytest

from model.records import TERMINATED
from model.state import PROVIDER_KINDS

from .tiny import L1, L2, OTHER, A, B, add_active, after, tiny_model, tiny_state

ENGINES = pytest.mark.parametrize("engine", ["vectorized", "agents"])


def run(model, months: int):
    for _ in range(months):
        model.step()
    return model


@ENGINES
def test_excess_demand_raises_the_going_price_and_idle_capacity_lowers_it(engine):
    """Labs that want twice what A and B can deliver are turned away and the going price rises month after
    month; labs that want a tenth leave capacity idle and it falls."""
    scarce = tiny_state()
    scarce.labs.base_demand_h100e[:] = 2000.0
    scarce.labs.cash_usd_bn[:] = 100.0
    short = tiny_model(scarce, engine=engine)
    prices_short = after(short, "pricing", lambda m: float(m.state.providers.contract_price_usd_per_h100e_hour[A]))
    run(short, 6)
    ample = tiny_state()
    ample.labs.base_demand_h100e[:] = 100.0
    slack = tiny_model(ample, engine=engine)
    prices_slack = after(slack, "pricing", lambda m: float(m.state.providers.contract_price_usd_per_h100e_hour[A]))
    run(slack, 6)
    assert prices_short[-1] > 1.1 * 2.5 and prices_short == sorted(prices_short)
    assert prices_slack[-1] < 0.9 * 2.5 and prices_slack == sorted(prices_slack, reverse=True)


@ENGINES
def test_an_outage_raises_the_spot_price_and_moves_delivery_to_providers_with_spare_capacity(engine):
    """L1 holds 600 at A and L2 800 at B; Other is small (200 H100e). An outage takes 80% of A: L1 is short 400
    and buys them on the spot market from B and Other, which have 200 spare each, at a spot price that rises with
    unmet demand over idle capacity (without the outage nobody buys spot and the price is at its floor)."""
    def market(outage: bool):
        state = tiny_state()
        state.providers.capacity_h100e[OTHER], state.providers.power_gw[OTHER] = 200.0, 0.00016
        add_active(state, A, L1, 600.0, 2.0)
        add_active(state, B, L2, 800.0, 2.0)
        state.labs.base_demand_h100e[:] = [600.0, 800.0]
        events = [{"id": "cut", "date": "2025-01", "type": "outage", "provider": "A", "share": 0.8, "months": 3}]
        return run(tiny_model(state, events=events if outage else (), engine=engine), 1)
    calm, hit = market(False), market(True)
    assert hit.state.providers.delivered_h100e[A] == pytest.approx(200.0)
    assert hit.state.spot_price_usd_per_h100e_hour > calm.state.spot_price_usd_per_h100e_hour
    assert hit.state.labs.spot_h100e[L1] == pytest.approx(400.0)
    moved = hit.state.providers.spot_sold_h100e[[B, OTHER]].sum() - calm.state.providers.spot_sold_h100e[[B, OTHER]].sum()
    assert moved == pytest.approx(400.0)


@ENGINES
def test_a_demand_surge_raises_chip_orders_within_the_lead_time(engine):
    """Both labs' demand triples in month 2; within the quote horizon the providers turn requests away and
    order more chips than they would have without the surge."""
    def ordered(surge: bool):
        state = tiny_state()
        state.labs.cash_usd_bn[:] = 100.0
        events = [{"id": "surge", "date": "2025-03", "type": "demand_shock", "lab": "all", "factor": 3.0}]
        model = run(tiny_model(state, events=events if surge else (), engine=engine), 6)
        o = model.state.orders
        return o.quantity_h100e[(o.placed_step >= 2) & (o.placed_step <= 2 + model.params.quote_horizon_months)].sum()
    assert ordered(True) > ordered(False) + 500.0


@ENGINES
def test_a_lab_whose_revenue_collapses_breaches_and_its_largest_supplier_loses_most(engine):
    """L1 holds 600 at A and 200 at B for two years; its revenue goes and it has no cash: three months short, it
    breaches, and A strands three times what B does."""
    state = tiny_state()
    add_active(state, A, L1, 600.0, 2.0)
    add_active(state, B, L1, 200.0, 2.0)
    state.labs.base_demand_h100e[L1] = 800.0
    state.labs.cash_usd_bn[L1] = 0.0
    model = run(tiny_model(state, engine=engine, events=[
        {"id": "collapse", "date": "2025-01", "type": "revenue_shock", "lab": "L1", "factor": 0.0}]), 4)
    p = model.state.providers
    assert model.state.labs.defaulted[L1]
    assert p.stranded_usd_bn[A] == pytest.approx(3 * p.stranded_usd_bn[B]) and p.stranded_usd_bn[B] > 0


@ENGINES
def test_a_levered_provider_fails_and_takes_its_customers_delivery_with_it(engine):
    """A owes $1B against a credit limit of ~$0.03B (half its small fleet and backlog) and has no cash: its debt
    stays over the limit, it defaults after three months, L1's contract with it ends and L1 gets nothing from A;
    its lenders lose the debt (grown by three months of interest at 5% + 6% x 2 = 17% a year, the rate of a
    provider at twice its limit or more) less 40% of the fleet's value ($0.0175B)."""
    state = tiny_state()
    add_active(state, A, L1, 500.0, 2.0)
    state.labs.base_demand_h100e[:] = [500.0, 0.0]
    state.providers.cash_usd_bn[A], state.providers.debt_usd_bn[A] = 0.0, 1.0
    model = tiny_model(state, engine=engine)
    delivered = after(model, "settlement", lambda m: float(m.state.providers.delivered_h100e[A]))
    run(model, 4)
    p, c = model.state.providers, model.state.contracts
    assert p.defaulted[A] and not p.defaulted[B]
    assert c.status[0] == TERMINATED and delivered[-1] == 0.0 and delivered[0] == pytest.approx(500.0)
    assert 1.0 < p.lender_loss_usd_bn[A] < 1.0 + 3 * 0.17 / 12 * 1.05
    assert "A defaults" in " ".join(model.event_log()["event"])


@ENGINES
def test_a_self_builder_rents_once_its_own_build_rate_binds(engine):
    """B is L2's own fleet (1,000 H100e, at cost $1.50/h) and cannot build power. L2 asks its own fleet first. At a
    base demand of 500 H100e it wants 500 x (2.50 / 1.50)^0.8 = 752.4 at cost, all of it from B, and rents nothing;
    at 1,500 it fills B and rents at least the 500 beyond its fleet from the clouds."""
    def market(demand: float):
        state = tiny_state()
        state.providers.kind[B] = PROVIDER_KINDS.index("self_builder")
        state.providers.captive_lab[B], state.labs.self_provider[L2] = L2, B
        state.labs.base_demand_h100e[:] = [0.0, demand]
        state.labs.cash_usd_bn[:] = 100.0
        return run(tiny_model(state, engine=engine, power_build_max_share_per_month=0.0), 3)
    def own_and_rented(model):
        c = model.state.contracts
        mine = c.buyer_lab == L2
        return c.quantity_h100e[mine & (c.seller == B)].sum(), c.quantity_h100e[mine & (c.seller != B)].sum()
    own, rented = own_and_rented(market(500.0))
    assert own == pytest.approx(752.4, abs=0.1) and rented == 0.0
    own, rented = own_and_rented(market(1500.0))
    assert own == pytest.approx(1000.0) and rented >= 500.0


@pytest.mark.extended
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_the_scripted_history_the_named_labs_sign_multi_year_contracts_every_year_to_2030(seed):
    """In the replay, OpenAI and Anthropic sign only their scripted deals in 2025 (`history_until`), deals that
    cover their demand well into 2027; their demand keeps growing past that cover, so each goes back to the market
    and signs at least one contract of two years or more in each of 2026, 2027, 2028, 2029 and 2030. Except
    OpenAI in 2027: its $300B Oracle deal delivers from 2027 and, at the fitted demand growth (0.75 of the
    calibrated, docs/calibration.md), covers that year with what it signed in 2026; it returns in 2028. (Before
    the library used the fit, OpenAI signed in 2027 too.)"""
    from experiments.run import run_scenario

    contracts = run_scenario("aws-openai-2025", steps=72, seed=seed).model.contract_table()
    negotiated = contracts[(contracts.origin == "negotiated") & (contracts.duration_months >= 24)]
    expected = {"OpenAI": {"2026", "2028", "2029", "2030"}, "Anthropic": {"2026", "2027", "2028", "2029", "2030"}}
    for lab, every_year in expected.items():
        years = set(negotiated.proposed_month[negotiated.buyer_name == lab].str[:4])
        assert "2025" not in years, lab
        assert every_year <= years, (lab, sorted(years))


@ENGINES
def test_a_vendor_without_orders_idles_its_capacity_instead_of_piling_up_stock(engine):
    """Chips can make 1,000 H100e a month. With no lab wanting compute no provider orders chips, so Chips makes
    only what tops its stock up to a month of capacity: after a year it holds 1,000 H100e, not 12,000, and it has
    made nothing since the first month."""
    state = tiny_state()
    state.labs.base_demand_h100e[:] = 0.0
    model = run(tiny_model(state, engine=engine), 12)
    v = model.state.vendors
    assert v.inventory_h100e[0] == pytest.approx(1000.0) and v.output_h100e[0] == 0.0
    assert v.production_h100e_per_month[0] == pytest.approx(1000.0)
