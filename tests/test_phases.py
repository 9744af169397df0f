"""Each phase on small hand-set markets."""

import importlib

import numpy as np
import pytest

from model.phases import booking, negotiation, regulation, settlement, supply
from model.records import ACTIVE, APPROVED, BLOCKED, NO_MONTH, ORDER_OPEN, PROPOSED, UNDER_REVIEW
from model.state import EXCLUSIVE, PROVIDER_KINDS, RIGHT_OF_FIRST_REFUSAL
from model.units import usd_bn

from .conftest import small_market

negotiation_module = importlib.import_module("model.phases.negotiation")
regulation_module = importlib.import_module("model.phases.regulation")


def add_contract(state, seller, lab, quantity, price=2.0, status=ACTIVE, start=0, duration=24, exclusive=False,
                 buyer_provider=-1, value=None):
    state.contracts.append(
        seller=seller, buyer_lab=lab, buyer_provider=buyer_provider, quantity_h100e=quantity,
        price_usd_per_h100e_hour=price, value_usd_bn=value if value is not None else usd_bn(quantity, price, duration),
        start_step=start, duration_months=duration, end_step=start + duration, exclusive=exclusive,
        status=status, proposed_step=start, active_step=start if status == ACTIVE else NO_MONTH)


# --- negotiation
def test_allocations_never_exceed_what_providers_offer():
    state, ctx = small_market(n_labs=6, n_providers=3, seed=1, min_contract_share=0.0)
    state.labs.demand_h100e[:] = 1e6  # everybody wants far more than exists
    state.labs.cash_usd_bn[:] = 1e4
    offered = negotiation_module.provider_offer_capacity(state, ctx)
    negotiation(state, ctx)
    c = state.contracts
    sold = np.bincount(c.seller, weights=c.quantity_h100e, minlength=len(state.providers))
    assert c.n > 0
    assert (sold <= offered * (1 + 1e-9)).all()
    assert (c.status == PROPOSED).all()
    # oversubscribed providers are filled: what they offered went to someone
    assert sold == pytest.approx(offered, rel=1e-6)


def test_a_lab_asks_when_its_gap_reaches_the_threshold_or_when_its_means_bind_and_buy_a_contract():
    """20% threshold, 5% minimum contract, demand 1,000 H100e, no contracts, no revenue, quote $2/h: means are the
    cash spread over the runway. A lab that can pay for its gap waits until the gap is 200; one that cannot buys
    what it can afford once that is over 50 (waiting would not make its deal larger)."""
    state, ctx = small_market(n_labs=4, n_providers=3, seed=4)
    labs, params = state.labs, ctx.params
    assert (params.request_threshold_share, params.min_contract_share) == (0.2, 0.05)
    labs.demand_h100e[:] = 1000.0
    labs.contract_months[:] = 24
    labs.revenue_usd_bn_per_month[:] = 0.0
    labs.quote_usd_per_h100e_hour[:] = 2.0
    per_h100e = usd_bn(1.0, 2.0)  # USD bn a month for one H100e at the lab's $2 quote
    affordable_h100e = np.array([40.0, 150.0, 1e5, 1e5])
    labs.cash_usd_bn[:] = per_h100e * affordable_h100e * params.funding_runway_months
    # the fourth expects its demand to shrink at 50% a month: gap 1,000 x e^(-0.5 x 12) = 2.5 H100e
    labs.demand_growth_per_month[3] = -0.5
    asked = negotiation_module.lab_requests(state, ctx)
    assert asked[0] == 0.0, "its means bind, but 40 H100e is under the 50 of a contract"
    assert asked[1] == pytest.approx(150.0), "its means bind: it buys the 150 it can afford, under the 200"
    assert asked[2] > 1000.0, "it can pay: the whole gap, which grows over the planning horizon"
    assert asked[3] == 0.0, "it can pay, but a gap of 2.5 is under the 200 threshold"
    labs.quote_usd_per_h100e_hour[1] = 8.0  # four times the price: the same money buys 37.5
    assert negotiation_module.lab_requests(state, ctx)[1] == 0.0, "at $8 its means fall under a contract"
    labs.quote_usd_per_h100e_hour[:] = 0.0
    assert (negotiation_module.lab_requests(state, ctx) == 0.0).all(), "no quote yet, no request"


def test_negotiated_price_lies_between_cost_and_reservation():
    state, ctx = small_market(n_labs=5, n_providers=4, seed=2, captive=True)
    price, wtp, tradable = negotiation_module.edge_quotes(state, ctx)
    cost = state.providers.unit_cost_usd_per_h100e_hour[state.edges.provider]
    captive = state.labs.self_provider[state.edges.lab] == state.edges.provider
    market = tradable & ~captive
    assert market.any() and captive.any()
    assert (price[market] >= cost[market] - 1e-12).all()
    assert (price[market] <= wtp[market] + 1e-12).all()
    assert price[captive] == pytest.approx(cost[captive])


def test_exclusive_lab_only_contracts_with_its_holder_and_rofr_holder_is_asked_first():
    state, ctx = small_market(n_labs=2, n_providers=3, seed=4)
    state.labs.demand_h100e[:] = [50_000.0, 50_000.0]
    state.labs.cash_usd_bn[:] = 1e3
    state.labs.exclusivity_mode[:] = [EXCLUSIVE, RIGHT_OF_FIRST_REFUSAL]
    state.labs.exclusive_provider[:] = [1, 0]
    negotiation(state, ctx)
    c = state.contracts
    assert set(c.seller[c.buyer_lab == 0]) == {1}
    # the holder of first refusal had room for everything, so it got everything
    assert set(c.seller[c.buyer_lab == 1]) == {0}


def test_diversification_aversion_spreads_a_labs_purchases():
    def supplier_hhi(aversion):
        state, ctx = small_market(n_labs=1, n_providers=4, seed=5, diversification_aversion_scale=aversion)
        state.labs.demand_h100e[:] = 30_000.0  # a third more than it holds: above the request threshold
        state.labs.cash_usd_bn[:] = 1e3
        add_contract(state, seller=int(state.edges.provider[0]), lab=0, quantity=20_000.0)
        state.labs.contracted_h100e[0] = 20_000.0
        negotiation(state, ctx)
        c = state.contracts
        q = np.bincount(c.seller, weights=c.quantity_h100e, minlength=len(state.providers))
        return ((100 * q / q.sum()) ** 2).sum()
    assert supplier_hhi(5.0) < supplier_hhi(0.0)


# --- regulation
def review_case(strictness, hhi_shares, deal_h100e, exclusive=False, seed=0, residual=()):
    n = len(hhi_shares)
    state, ctx = small_market(n_labs=n, n_providers=n, seed=seed)
    r = state.regulators
    r.strictness[:] = strictness
    r.review_lag_months[:] = 0
    r.value_threshold_usd_bn[:] = 0.0
    state.providers.region[:] = ["US"] * n
    state.providers.kind[:] = 0  # named firms (no residual "other clouds")...
    state.providers.kind[list(residual)] = PROVIDER_KINDS.index("other")  # ...unless a test says so
    for provider, quantity in enumerate(hhi_shares):
        add_contract(state, seller=provider, lab=provider, quantity=quantity)
    add_contract(state, seller=0, lab=1, quantity=deal_h100e, status=PROPOSED, exclusive=exclusive)
    regulation(state, ctx)
    return state, state.contracts.n - 1


def test_regulator_blocks_presumptive_deal_when_strict():
    # shares 40/30/30: HHI 3,400; adding 20 at the leader -> Δ well above 100
    state, row = review_case(1.0, [40.0, 30.0, 30.0], 20.0)
    assert state.contracts.status[row] == BLOCKED
    assert state.regulators.blocks.sum() == 1


def test_regulator_caps_presumptive_deal_when_lenient():
    """Shares 40/30/30 (HHI 3,400); the cap q at the leader keeps ΔHHI at 100: 10^4 x ((40 + q)^2 + 2 x 30^2) /
    (100 + q)^2 = 3,500, i.e. 0.65 q^2 + 10 q - 100 = 0, q = (-10 + sqrt(360)) / 1.3 = 6.90282 H100e."""
    state, row = review_case(0.0, [40.0, 30.0, 30.0], 20.0)
    c = state.contracts
    assert c.status[row] == APPROVED
    assert c.quantity_h100e[row] == pytest.approx(6.902819970007904, rel=1e-9)
    assert list(state.regulators.caps) == [1, 0, 0]  # the US regulator's count only


@pytest.mark.parametrize("deal, presumed", [(20.0, False), (30.0, True)])
def test_the_presumption_needs_delta_over_100_and_a_high_hhi_or_share(deal, presumed):
    """Eight firms of 12.5 (HHI 1,250). +20 at one: HHI 10^4 x (32.5^2 + 7 x 12.5^2) / 120^2 = 1,493, Δ 243 > 100,
    but HHI < 1,800 and share 32.5/120 = 27% < 30%: no presumption, approved in full. +30: HHI 1,716 (< 1,800)
    but share 42.5/130 = 32.7% > 30% with Δ 466: presumed, and blocked (strictness 1)."""
    state, row = review_case(1.0, [12.5] * 8, deal)
    assert state.contracts.status[row] == (BLOCKED if presumed else APPROVED)
    assert state.contracts.quantity_h100e[row] == (deal if not presumed else state.contracts.quantity_h100e[row])


def test_other_clouds_count_in_the_total_but_are_no_firm_in_the_screen():
    """A 300, B 300 and Other clouds 400. Firms only: HHI 900 + 900 = 1,800; +50 at A: (350^2 + 300^2) / 1,050^2
    = 1,927, Δ 127: presumed, blocked. Were Other a firm the HHI would fall (3,400 -> 3,379) and it would pass."""
    state, row = review_case(1.0, [300.0, 300.0, 400.0], 50.0, residual=[2])
    assert state.contracts.status[row] == BLOCKED


def test_regulator_approves_deal_without_presumption():
    # ten equal providers' worth of capacity at three: a tiny deal changes HHI by less than 100
    state, row = review_case(1.0, [100.0, 100.0, 100.0], 1.0)
    assert state.contracts.status[row] == APPROVED
    assert state.contracts.quantity_h100e[row] == 1.0


def test_small_deals_skip_review_and_large_ones_wait_for_the_lag():
    state, ctx = small_market(n_labs=2, n_providers=2, seed=6)
    state.providers.region[:] = ["US", "US"]
    state.regulators.value_threshold_usd_bn[:] = 10.0
    state.regulators.review_lag_months[:] = 2
    add_contract(state, 0, 0, 100.0, status=PROPOSED, value=1.0)
    add_contract(state, 0, 1, 100.0, status=PROPOSED, value=50.0)
    regulation(state, ctx)
    assert list(state.contracts.status) == [APPROVED, UNDER_REVIEW]
    assert state.contracts.review_due_step[1] == 2


# --- supply and booking
def test_vendor_ships_no_more_than_it_makes_and_captive_owner_comes_first():
    state, ctx = small_market(n_labs=2, n_providers=2, seed=7)
    v = state.vendors
    v.production_h100e_per_month[0] = 100.0
    v.inventory_h100e[:] = 0.0
    v.captive_owner[0] = 1
    for provider in (0, 1):
        state.orders.append(provider=provider, vendor=0, quantity_h100e=100.0, remaining_h100e=100.0,
                            price_usd_per_h100e=20_000.0, placed_step=-5, ready_step=0, filled_step=NO_MONTH,
                            status=ORDER_OPEN)
    capacity_before = state.providers.capacity_h100e.copy()
    supply(state, ctx)
    shipped = 100.0 - state.orders.remaining_h100e
    assert shipped.sum() == pytest.approx(100.0)
    assert shipped[1] == pytest.approx(3 * shipped[0])  # strategic priority 3
    pipeline = state.providers.pipeline_h100e.sum(axis=1)
    assert pipeline == pytest.approx(shipped)
    assert (state.providers.capacity_h100e >= capacity_before).all()


def test_booking_activates_approved_contracts_and_orders_chips_for_the_backlog():
    state, ctx = small_market(n_labs=1, n_providers=2, seed=8)
    p = state.providers
    add_contract(state, 0, 0, p.capacity_h100e[0] * 2, status=APPROVED)
    booking(state, ctx)
    assert state.contracts.status[0] == ACTIVE
    need = p.capacity_h100e[0] * 2 * (1 + ctx.params.reserve_margin) - p.capacity_h100e[0]
    assert state.orders.quantity_h100e[state.orders.provider == 0].sum() == pytest.approx(need)
    assert p.open_orders_h100e[0] == pytest.approx(need)


# --- settlement
def test_outage_cuts_deliveries_pro_rata_and_labs_pay_for_what_is_delivered():
    state, ctx = small_market(n_labs=2, n_providers=2, seed=9)
    p, labs = state.providers, state.labs
    p.kind[:] = 0
    p.capacity_h100e[:] = 1000.0
    p.outage_share[0] = 0.5
    labs.demand_h100e[:] = [600.0, 200.0]
    labs.cash_usd_bn[:] = 100.0
    add_contract(state, 0, 0, 600.0, price=2.0)
    add_contract(state, 0, 1, 200.0, price=3.0)
    settlement(state, ctx)
    delivered = state.contracts.this_month_h100e
    assert delivered == pytest.approx([375.0, 125.0])  # 500 available over 800 scheduled
    assert state.contracts.paid_usd_bn == pytest.approx([usd_bn(375.0, 2.0), usd_bn(125.0, 3.0)])
    # the shortfall is bought on the spot market from the other provider's idle capacity
    assert labs.spot_h100e.sum() == pytest.approx(300.0)
    assert labs.spend_usd_bn.sum() == pytest.approx((p.contract_revenue_usd_bn + p.spot_revenue_usd_bn).sum())


def test_lab_that_cannot_pay_breaches_and_its_contracts_terminate():
    state, ctx = small_market(n_labs=1, n_providers=2, seed=10)
    labs = state.labs
    labs.cash_usd_bn[:] = 0.0
    labs.revenue_usd_bn_per_month[:] = 0.0
    add_contract(state, 0, 0, 1000.0, duration=24)
    for month in range(ctx.params.breach_after_months):
        state.month = month
        settlement(state, ctx)
    assert labs.defaulted[0]
    assert state.contracts.status[0] == 6  # terminated
    assert state.providers.stranded_usd_bn[0] > 0
    assert labs.cash_usd_bn[0] == 0.0 and labs.unpaid_usd_bn[0] > 0


# --- the contracts' edge index (model/edge_index.py)
def test_contract_edge_index_follows_new_contracts_and_discovered_edges():
    from model.edge_index import contract_edges, find_edges

    from .conftest import run
    model = run(0, market="generated", n_small_labs=150, generated_providers=25, small_lab_eligible_providers=4,
                discovery_probability_per_month=0.3, rng=5)
    s = model.state
    for _ in range(6):
        model.step()
        c = s.contracts
        expected = find_edges(s.edges, len(s.providers), c.buyer_lab, c.seller)
        assert np.array_equal(contract_edges(s), expected)
        on = expected >= 0
        assert np.array_equal(s.edges.lab[expected[on]], c.buyer_lab[on])
        assert np.array_equal(s.edges.provider[expected[on]], c.seller[on])
        assert np.array_equal(s.edges.lab_start, np.searchsorted(s.edges.lab, np.arange(len(s.labs) + 1)))
    assert s.topology_version > 0, "discovery inserted edges"
    assert np.all(expected[c.buyer_lab >= 0] >= 0), "every negotiated and start contract runs along an edge"


def test_a_contract_off_the_edges_joins_the_edge_its_lab_discovers():
    from model.edge_index import contract_edges, follow_inserted_edges
    from model.edges import insert_edges

    state, _ = small_market(n_labs=3, n_providers=3)
    keep = ~((state.edges.lab == 1) & (state.edges.provider == 2))  # lab 1 does not know provider 2
    e = state.edges
    state.edges = type(e)(lab=e.lab[keep], provider=e.provider[keep], relationship=e.relationship[keep],
                          lab_start=np.searchsorted(e.lab[keep], np.arange(4)), supply_vendor=e.supply_vendor,
                          supply_provider=e.supply_provider, supply_weight=e.supply_weight,
                          supply_blocked=e.supply_blocked)
    add_contract(state, seller=2, lab=1, quantity=10.0)   # a scripted deal off the edges
    add_contract(state, seller=0, lab=2, quantity=5.0)
    add_contract(state, seller=1, lab=-1, quantity=5.0, buyer_provider=0)  # a lease between providers
    before = contract_edges(state).copy()
    assert before[0] == -1 and before[2] == -1 and state.edges.lab[before[1]] == 2
    edges, at = insert_edges(state.edges, np.array([1]), np.array([2]), 3, 3)
    follow_inserted_edges(state, edges, at)
    after = contract_edges(state)
    assert (state.edges.lab[after[0]], state.edges.provider[after[0]]) == (1, 2)
    assert (state.edges.lab[after[1]], state.edges.provider[after[1]]) == (2, 0)
    assert after[2] == -1


def test_a_node_is_found_by_name_in_the_graphs_order():
    """The hand-built market's nodes: vendor Chips (0), providers A, B, Other (1-3), labs L1, L2 (4, 5), regulator
    US (6), then the investors: Funds is node 7. A name two nodes share gives the first (a lab also named "A":
    the provider, 1); an unknown name is refused."""
    from .tiny import tiny_state
    state = tiny_state()
    state.investors = ["Funds"]
    assert [state.node_index(name) for name in ("Chips", "A", "Other", "L2", "US", "Funds")] == [0, 1, 3, 5, 6, 7]
    state.labs.name[1] = "A"
    assert state.node_index("A") == 1
    with pytest.raises(ValueError, match="no node is named 'Nobody'"):
        state.node_index("Nobody")
