"""Every phase on the hand-built market of tests/tiny.py, stepped through `model.step()` on both engines. Each
test's docstring works its numbers by hand from the market's round figures; the test asserts them exactly (to
floating-point rounding). A hook after the phase under test reads the state at that point of the month."""

import pytest

from model.records import ACTIVE, APPROVED, BLOCKED, ORDER_OPEN, TERMINATED, UNDER_REVIEW

from .tiny import L1, L2, OTHER, A, B, add_active, after, tiny_model, tiny_state

ENGINES = pytest.mark.parametrize("engine", ["vectorized", "agents"])
EXACT = 1e-12


def approx(value):
    return pytest.approx(value, rel=EXACT, abs=1e-15)


@ENGINES
def test_events_an_outage_takes_capacity_offline_for_exactly_its_months(engine):
    """A loses half its capacity for 2 months from the first month: offline in months 0 and 1, back in month 2.
    With 600 H100e owed to L1 (its whole demand; L2 has no money, so nobody negotiates) and 1,000 installed, A
    delivers min(600, 500) = 500 in months 0-1, then 600."""
    state = tiny_state()
    add_active(state, A, L1, 600.0, 2.0)
    state.labs.base_demand_h100e[L1] = 600.0
    state.labs.cash_usd_bn[L2] = state.labs.revenue_usd_bn_per_month[L2] = 0.0
    model = tiny_model(state, engine=engine, events=[
        {"id": "cut", "date": "2025-01", "type": "outage", "provider": "A", "share": 0.5, "months": 2}])
    share = after(model, "events", lambda m: m.state.providers.outage_share[A])
    delivered = after(model, "settlement", lambda m: m.state.providers.delivered_h100e[A])
    for _ in range(3):
        model.step()
    assert share == [0.5, 0.5, 0.0]
    assert delivered == [approx(500.0), approx(500.0), approx(600.0)]


@ENGINES
def test_events_a_list_price_cut_lowers_the_on_demand_premium_for_good(engine):
    """A cuts its list price by 20% in the first month: premium (1 + 0.2) x (1 - 0.2) - 1 = -0.04, so its list
    price is 2.5 x 0.96 = $2.40/h instead of $3.00, and stays cut the next month (its going price unchanged:
    nothing idle or turned away is set; labs have no money, so no one trades)."""
    state = tiny_state()
    state.labs.cash_usd_bn[:] = state.labs.revenue_usd_bn_per_month[:] = 0.0
    model = tiny_model(state, engine=engine, events=[
        {"id": "cut", "date": "2025-01", "type": "list_price_cut", "provider": "A", "share": 0.2}])
    listed = after(model, "pricing", lambda m: float(m.state.providers.list_price_usd_per_h100e_hour[A]))
    model.step()
    model.state.providers.idle_h100e[:] = 0.0  # keep the going price where it was
    model.step()
    assert listed == [approx(2.4), approx(2.4)]
    assert model.state.providers.markup[A] == approx(-0.04)
    assert model.event_log()["event"].iloc[0] == "A cuts its on-demand prices by 20%"


@ENGINES
def test_demand_labs_grow_at_their_own_rates(engine):
    """L1's demand grows 1% a month in logs and its revenue 2%: 500 e^0.01 = 505.02508354208 H100e and
    1 x e^0.02 = $1.02020134002676B after one month; L2 (no growth) stays at 500 and $1B."""
    state = tiny_state()
    state.labs.demand_growth_per_month[L1] = 0.01
    state.labs.revenue_growth_per_month[L1] = 0.02
    model = tiny_model(state, engine=engine)
    seen = after(model, "demand", lambda m: (m.state.labs.demand_h100e.copy(), m.state.labs.revenue_usd_bn_per_month.copy()))
    model.step()
    demand, revenue = seen[0]
    assert list(demand) == [approx(505.02508354208396), approx(500.0)]
    assert list(revenue) == [approx(1.0202013400267558), approx(1.0)]


@ENGINES
def test_supply_scarce_output_is_shared_pro_rata_and_priced_from_backlog(engine):
    """A and B each have 600 H100e on order, due now; the vendor makes 1,000: each gets 1,000 x 600/1,200 = 500,
    100 stay on order. Vendor revenue 1,000 x $20,000 = $0.02B. A pays 500 x $20,000 = $10M for the chips (cash
    10 -> $9.99B); for its unit cost each chip also carries its share of a powered site, $10B per GW / 1.25M H100e
    per GW = $8,000, so its fleet's capex blends to (43,800 x 1,000 + 500 x 28,000) / 1,500 = $38,533.33.
    Backlog 200 against a target of 3 months' output (3,000): pressure 200/3,000 - 1 = -0.9333, price change
    0.05 x -0.9333 = -4.667%: $19,066.67. The chips reach A's site pipeline for month 0 + 2."""
    state = tiny_state()
    for provider in (A, B):
        state.orders.append(provider=provider, vendor=0, quantity_h100e=600.0, remaining_h100e=600.0,
                            price_usd_per_h100e=20_000.0, placed_step=-3, ready_step=0, status=ORDER_OPEN)
    state.providers.open_orders_h100e[[A, B]] = 600.0
    model = tiny_model(state, engine=engine)
    model.add_hook("before", "negotiation", lambda m: m.state.labs.cash_usd_bn.__setitem__(slice(None), 0.0))
    seen = after(model, "supply", lambda m: m.state.copy())
    model.step()
    s = seen[0]
    assert list(s.orders.remaining_h100e) == [approx(100.0), approx(100.0)]
    assert s.vendors.shipped_h100e[0] == approx(1000.0)
    assert s.vendors.revenue_usd_bn[0] == approx(0.02)
    assert s.vendors.backlog_h100e[0] == approx(200.0)
    assert s.vendors.price_usd_per_h100e[0] == approx(20_000.0 * (1 - 0.05 * (1 - 200 / 3000)))
    assert s.providers.cash_usd_bn[A] == approx(9.99)
    assert s.providers.capex_usd_per_h100e[A] == approx(57_800_000 / 1500)
    assert s.providers.chip_capex_usd_bn[A] == approx(0.01)
    assert s.vendors.inventory_h100e[0] == 0.0
    assert s.providers.pipeline_h100e[A, 2] == approx(500.0)


@ENGINES
def test_supply_a_growing_backlog_raises_the_vendor_price(engine):
    """7,000 H100e on order, not yet due, so the month's 1,000 are not sold and are kept as inventory, which counts
    against the backlog: (7,000 - 1,000) / 3,000 - 1 = 1, change 0.05 x 1 = +5% (under the 10% limit):
    $20,000 -> $21,000."""
    state = tiny_state()
    state.orders.append(provider=A, vendor=0, quantity_h100e=7000.0, remaining_h100e=7000.0,
                        price_usd_per_h100e=20_000.0, placed_step=0, ready_step=5, status=ORDER_OPEN)
    model = tiny_model(state, engine=engine)
    seen = after(model, "supply", lambda m: (m.state.vendors.price_usd_per_h100e[0], m.state.vendors.inventory_h100e[0]))
    model.step()
    assert seen[0] == (approx(21_000.0), approx(1000.0))


@ENGINES
def test_supply_chips_wait_for_power_and_are_not_lost(engine):
    """A's sites are powered for its 1,000 installed H100e and power does not grow: 500 chips delivered in month 0
    finish their site in month 2 and wait for power there (capacity stays 1,000, 500 waiting)."""
    state = tiny_state()
    state.orders.append(provider=A, vendor=0, quantity_h100e=500.0, remaining_h100e=500.0,
                        price_usd_per_h100e=20_000.0, placed_step=-3, ready_step=0, status=ORDER_OPEN)
    model = tiny_model(state, engine=engine)
    seen = after(model, "supply", lambda m: (m.state.providers.capacity_h100e[A], m.state.providers.waiting_power_h100e[A]))
    for _ in range(3):
        model.step()
    assert seen == [(1000.0, 0.0), (1000.0, 0.0), (1000.0, approx(500.0))]


@ENGINES
def test_pricing_unit_cost_and_the_going_price_responds_to_scarcity(engine):
    """Unit cost: A's capex $43,800 over 5 years at 0% = $8,760 a year = $1.00/h, plus $0.50 opex: $1.50/h. B at a
    10% cost of capital: annuity factor 0.1 / (1 - 1.1^-5) = 0.263797, 43,800 x 0.263797 / 8,760 + 0.5 = $1.81899/h.

    Last month A turned away 100 H100e and had nothing idle: pressure 100 / 1,000 = 0.1, the price moves
    0.5 x 0.1 = +5%: 2.5 x 1.05 = $2.625/h, list 2.625 x 1.2 = $3.15/h. B had 300 idle: pressure -0.3, -15% is held
    to the 5% limit: $2.375/h, list $2.85/h. Other had everything idle (pressure -1, -5%) from $1.55: 1.4725 is
    below its $1.50 cost, so $1.50; list max(1.5 x 1.2, cost) = $1.80/h."""
    state = tiny_state()
    p = state.providers
    p.refused_h100e[A] = 100.0
    p.idle_h100e[B], p.cost_of_capital[B] = 300.0, 0.1
    p.idle_h100e[OTHER], p.contract_price_usd_per_h100e_hour[OTHER] = 1000.0, 1.55
    model = tiny_model(state, engine=engine)
    seen = after(model, "pricing", lambda m: (m.state.providers.unit_cost_usd_per_h100e_hour.copy(),
                                               m.state.providers.contract_price_usd_per_h100e_hour.copy(),
                                               m.state.providers.list_price_usd_per_h100e_hour.copy()))
    model.step()
    cost, contract, listed = seen[0]
    assert cost[A] == approx(1.5) and cost[B] == approx(1.8189874039737262) and cost[OTHER] == approx(1.5)
    assert list(contract) == [approx(2.625), approx(2.375), approx(1.5)]
    assert list(listed) == [approx(3.15), approx(2.85), approx(1.8)]


@ENGINES
def test_negotiation_equal_offers_split_evenly_at_the_going_price(engine):
    """Each lab asks for its whole demand, 500 H100e (no contracts; means of $1B + $10B/24 cover it). A and B quote
    their going 12-month price for the labs' 12-month terms: $2.50/h, within the $4 willingness to pay. Equal
    utilities split 250/250. Value over 12 months with a 3-month ramp (12 - 3 + 4/2 = 11 full months):
    250 x 2.5 x 730 x 11 / 1e9 = $0.00501875B each. Nothing was turned away."""
    model = tiny_model(engine=engine)
    model.step()
    c = model.state.contracts
    assert c.n == 4
    assert sorted(zip(c.buyer_lab.tolist(), c.seller.tolist())) == [(L1, A), (L1, B), (L2, A), (L2, B)]
    assert list(c.quantity_h100e) == [approx(250.0)] * 4
    assert list(c.price_usd_per_h100e_hour) == [approx(2.5)] * 4
    assert list(c.value_usd_bn) == [approx(0.00501875)] * 4
    assert (c.status == ACTIVE).all()  # $0.005B is under the regulator's threshold: approved, then active
    assert list(model.state.providers.refused_h100e) == [0.0, 0.0, 0.0]
    # a minimum contract of exactly half the demand (250) still signs all four: the rule is "at least"
    at_the_minimum = tiny_model(engine=engine, min_contract_share=0.5)
    at_the_minimum.step()
    assert at_the_minimum.state.contracts.n == 4


@ENGINES
def test_negotiation_a_full_provider_turns_requests_away_and_a_long_term_is_cheaper(engine):
    """B is full: 1,000 installed x 1.5 promised, all committed to L2 already (1,500 H100e at $2, 24 months), so it
    can promise nothing. L1 asks 500 and splits it evenly over A and B in the first round (equal utilities): B turns
    its 250 away; in round two L1 asks A, with room, for the 250 left. L1 signs 500 at A.

    L1's term is 48 months: term price 2.5 x (1 - 0.5 x 48/72) / (1 - 0.5 x 12/36) = 2.5 x (2/3) / (5/6) = $2.00/h."""
    state = tiny_state()
    add_active(state, B, L2, 1500.0, 2.0)
    state.labs.base_demand_h100e[L2] = 1500.0
    state.labs.contract_months[L1] = 48
    model = tiny_model(state, engine=engine)
    model.step()
    c = model.state.contracts
    new = c.origin == 1
    assert c.seller[new].tolist() == [A] and c.quantity_h100e[new][0] == approx(500.0)
    assert c.price_usd_per_h100e_hour[new][0] == approx(2.0)
    assert model.state.providers.refused_h100e[B] == approx(250.0)
    assert model.state.providers.refused_h100e[A] == 0.0


@ENGINES
def test_negotiation_logit_split_and_the_minimum_contract(engine):
    """A is more reliable (0.95 vs 0.90): utility +5 x 0.05 = 0.25 over B. At temperature 0.5 the split is
    1 : e^(-0.25/0.5) = 1 : 0.60653, so A gets 500 / 1.60653 = 311.2297 H100e and B 188.7703. With a minimum
    contract of 40% of demand (200 H100e) B's part is not signed."""
    state = tiny_state()
    state.providers.reliability[A] = 0.95
    model = tiny_model(state, engine=engine)
    model.step()
    c = model.state.contracts
    at_a = c.quantity_h100e[(c.buyer_lab == L1) & (c.seller == A)]
    at_b = c.quantity_h100e[(c.buyer_lab == L1) & (c.seller == B)]
    assert at_a[0] == approx(311.22966560092726) and at_b[0] == approx(188.77033439907274)
    strict = tiny_model(state, engine=engine, min_contract_share=0.4)
    strict.step()
    assert set(strict.state.contracts.seller.tolist()) == {A}


def regulated_state(strictness: float):
    """Active from the start: L1-A 600 H100e at $2, L2-B 200 at $3, L2-Other 200 at $2.5 (labs' demand covered, so
    they do not negotiate); the regulator reviews every deal (threshold $0)."""
    state = tiny_state()
    add_active(state, A, L1, 600.0, 2.0)
    add_active(state, B, L2, 200.0, 3.0)
    add_active(state, OTHER, L2, 200.0, 2.5)
    state.labs.base_demand_h100e[:] = [600.0, 400.0]
    state.regulators.value_threshold_usd_bn[0] = 0.0
    state.regulators.strictness[0] = strictness
    return state


def regulated_market(strictness: float, engine: str):
    """`regulated_state`, and a scripted 400 H100e at $2 for 12 months, A -> L1, that is reviewed."""
    return tiny_model(regulated_state(strictness), engine=engine, events=[
        {"id": "deal", "date": "2025-01", "type": "contract", "seller": "A", "buyer": "L1", "quantity_h100e": 400.0,
         "price_usd_per_h100e_hour": 2.0, "duration_months": 12, "ramp_months": 0}])


@ENGINES
def test_regulation_blocks_a_presumptive_deal(engine):
    """Filed in month 0 (lag 1), decided in month 1. Before: shares 0.6 / 0.2 / 0.2 with Other not a firm:
    HHI 3,600 + 400 = 4,000. After: A 1,000 of 1,400: 10^4 x (1,000^2 + 200^2) / 1,400^2 = 5,306.1, ΔHHI 1,306 >
    100 and HHI > 1,800: presumed harmful; strictness 1 blocks it."""
    model = regulated_market(1.0, engine)
    status = after(model, "regulation", lambda m: int(m.state.contracts.status[3]))
    model.step()
    model.step()
    assert status == [UNDER_REVIEW, BLOCKED]
    c, r = model.state.contracts, model.state.regulators
    assert c.closed_step[3] == 1 and c.decided_step[3] == 1 and c.review_due_step[3] == 1
    assert (r.reviews[0], r.blocks[0], r.caps[0]) == (1, 1, 0)
    # the log names the regulator, the parties, the value (400 x 2 x 730 x 12 / 1e9 = $0.0070B), HHI after, change
    assert "US review of L1–A ($0.007B): HHI after 5,306 (+1,306): blocked" in model.event_log().event.tolist()


@ENGINES
def test_regulation_caps_a_deal_at_the_delta_hhi_threshold(engine):
    """With strictness 0 the deal is capped at the largest q with ΔHHI <= 100: 10^4 x ((600 + q)^2 + 200^2) /
    (1,000 + q)^2 = 4,100, i.e. 0.59 q^2 + 380 q - 10,000 = 0, q = (-380 + sqrt(168,000)) / 1.18 = 25.3204 H100e
    (counting Other as a firm would give 31.51). Its value is recomputed: 25.3204 x 2 x 730 x 12 / 1e9."""
    model = regulated_market(0.0, engine)
    model.step()
    model.step()
    c, r = model.state.contracts, model.state.regulators
    assert c.quantity_h100e[3] == pytest.approx(25.32036494778302, rel=1e-9)
    assert c.value_usd_bn[3] == pytest.approx(0.0004436127938851585, rel=1e-9)
    assert (r.reviews[0], r.blocks[0], r.caps[0]) == (1, 0, 1)
    assert c.status[3] == ACTIVE and c.start_step[3] == 1 and c.end_step[3] == 13
    assert "US review of L1–A ($0.007B): HHI after 5,306 (+1,306): approved with a cap to $0.00044B" \
        in model.event_log().event.tolist()


@ENGINES
def test_booking_activates_and_orders_chips_for_the_reserve(engine):
    """A scripted 1,000 H100e A -> L1 is approved (under the threshold) and activates in month 0. The load it
    schedules at the 9-month quote horizon, 1,000, x 1.15 reserve = 1,150 exceeds A's 1,000 installed by 150: A
    orders 150 from the vendor at this month's price for month 0 + 1. The vendor sold nothing this month and keeps
    its 1,000 as inventory: pressure -1,000 / 3,000 - 1 = -4/3, change 0.05 x -4/3 = -6.67%: $18,666.67.
    L2 has no money, so nobody else signs."""
    state = tiny_state()
    state.labs.cash_usd_bn[L2] = 0.0
    state.labs.revenue_usd_bn_per_month[L2] = 0.0
    model = tiny_model(state, engine=engine, events=[
        {"id": "deal", "date": "2025-01", "type": "contract", "seller": "A", "buyer": "L1", "quantity_h100e": 1000.0,
         "price_usd_per_h100e_hour": 2.0, "duration_months": 12, "ramp_months": 0}])
    seen = after(model, "regulation", lambda m: int(m.state.contracts.status[0]))
    model.step()
    c, o = model.state.contracts, model.state.orders
    assert seen == [APPROVED]
    assert c.n == 1 and c.status[0] == ACTIVE and c.active_step[0] == 0 and c.end_step[0] == 12
    assert o.n == 1 and o.provider[0] == A and o.quantity_h100e[0] == approx(150.0)
    assert o.price_usd_per_h100e[0] == approx(20_000.0 * (1 - 0.05 * 4 / 3)) and o.ready_step[0] == 1
    assert model.state.edges.relationship[0] == approx(0.2)  # the L1-A edge


@ENGINES
def test_settlement_shortfall_is_shared_pro_rata(engine):
    """A owes 600 to each lab (1,200) but has 500 after a half outage: each gets 600 x 500/1,200 = 250 and pays
    250 x $2 x 730 h = $365,000; A earns $730,000."""
    state = tiny_state()
    add_active(state, A, L1, 600.0, 2.0)
    add_active(state, A, L2, 600.0, 2.0)
    state.labs.base_demand_h100e[:] = 250.0  # no spot buying
    model = tiny_model(state, engine=engine, events=[
        {"id": "cut", "date": "2025-01", "type": "outage", "provider": "A", "share": 0.5, "months": 1}])
    model.step()
    s = model.state
    assert list(s.labs.delivered_h100e) == [approx(250.0), approx(250.0)]
    assert list(s.labs.spend_usd_bn) == [approx(0.000365), approx(0.000365)]
    assert s.providers.contract_revenue_usd_bn[A] == approx(0.00073)


@ENGINES
def test_settlement_a_lab_that_cannot_pay_breaches_and_its_provider_strands_the_rest(engine):
    """L1 owes 600 x $2 x 730 h = $876,000 a month on a 24-month contract and has only $500,000 of revenue and no
    cash: it pays 500,000 a month, falls 376,000 short and breaches after the third month short (month 2). A
    strands 21 months (months 3-23): 600 x 2 x 730 x 21 / 1e9 = $0.018396B."""
    state = tiny_state()
    add_active(state, A, L1, 600.0, 2.0)
    state.labs.base_demand_h100e[L1] = 600.0
    state.labs.cash_usd_bn[:] = 0.0
    state.labs.revenue_usd_bn_per_month[:] = [0.0005, 0.0]
    model = tiny_model(state, engine=engine)
    arrears = after(model, "settlement", lambda m: int(m.state.labs.arrears_months[L1]))
    for _ in range(3):
        model.step()
    s = model.state
    assert arrears == [1, 2, 3]
    assert s.labs.spend_usd_bn[L1] == approx(0.0005)
    assert s.labs.unpaid_usd_bn[L1] == approx(3 * 0.000376)
    assert s.contracts.status[0] == TERMINATED and s.contracts.closed_step[0] == 2
    assert s.providers.stranded_usd_bn[A] == approx(0.018396)
    assert s.labs.defaulted[L1] and s.breaches == 1 and s.labs.demand_h100e[L1] == 0.0


@ENGINES
def test_metrics_concentration_prices_and_dependency(engine):
    """Active: L1-A 600 at $2, L2-B 200 at $3, L2-Other 200 at $2.5; demand equals contracts (no spot, no asks).
    Contracted shares 0.6 / 0.2 / 0.2; Other is not a firm: HHI 3,600 + 400 = 4,000, CR3 0.8. Committed price
    weighted by quantity: (600 x 2 + 200 x 3 + 200 x 2.5) / 1,000 = $2.30. Revenue paid: 0.876, 0.438, 0.365 ($M):
    shares 0.5217 / 0.2609 / 0.2174, HHI 52.17^2 + 26.09^2 = 3,402.65. A carries 600 of the 1,000 delivered: compute
    at risk 0.6. L1 buys only from A (supplier HHI 10,000), L2 half and half (5,000): mean weighted by contracted
    quantity (10,000 x 600 + 5,000 x 400) / 1,000 = 8,000. Backlog after month 0: 23 months of each contract,
    (600 x 2 + 200 x 3 + 200 x 2.5) x 730 x 23 / 1e9 = $0.038617B. Utilisation 1,000 / 3,000."""
    state = tiny_state()
    add_active(state, A, L1, 600.0, 2.0)
    add_active(state, B, L2, 200.0, 3.0)
    add_active(state, OTHER, L2, 200.0, 2.5)
    state.labs.base_demand_h100e[:] = [600.0, 400.0]
    model = tiny_model(state, engine=engine)
    model.step()
    m = model.metrics
    assert m["provider_hhi_contracted"] == approx(4000.0)
    assert m["provider_cr3_contracted"] == approx(0.8)
    assert m["committed_price_usd_per_h100e_hour"] == approx(2.3)
    assert m["provider_hhi_revenue"] == approx(3402.6465028355387)
    assert m["largest_provider_share_revenue"] == approx(0.876 / 1.679)
    assert m["compute_at_risk_max"] == approx(0.6)
    assert m["lab_supplier_hhi_mean"] == approx(8000.0)
    assert m["largest_customer_share_max"] == approx(1.0)
    assert m["backlog_usd_bn"] == approx(0.038617)
    assert m["utilisation"] == approx(1 / 3)
    assert m["idle_capacity_h100e"] == approx(2000.0)
    assert m["spot_price_usd_per_h100e_hour"] == approx(1.5)  # no spot buyers: the floor, min unit cost
    assert m["unmet_demand_h100e"] == approx(0.0)
    assert m["commitments_over_revenue_max"] == approx(0.020148 / 12)


@ENGINES
def test_settlement_one_ordinary_month_of_money(engine):
    """Month 0 of the tiny market. Each lab signs 250 H100e at A and at B for $2.50/h (the negotiation test),
    on a 3-month ramp: 1/3 is owed now, 83.33 per contract, so each lab receives 166.67 and A delivers 166.67.
    Idle: A and B 1,000 - 166.67 = 833.33, Other 1,000 (2,666.67). Each lab still wants 500 - 166.67 = 333.33:
    demand over idle 666.67 / 2,666.67 = 0.25, and 1.5 x 1.5 x 0.25 = $0.5625 is floored at the cheapest idle cost,
    $1.50. All of it is served; providers sell 0.25 of their idle: A and B 208.33, Other 250.
    Each lab pays 166.67 x 2.5 x 730 = $304,166.67 on contracts and 333.33 x 1.5 x 730 = $365,000 spot.
    A earns $304,166.67 + $730,000 x 208.33/666.67 = $228,125 of spot; pays opex 1,000 x 0.5 x 730 = $365,000;
    with $1B of non-AI revenue at a 30% margin it banks $300M: cash 10 + 0.3 + 0.00016729167, less $0.2M of power
    construction (its 1,000 H100e with 25% headroom need 0.001 GW, it has 0.0008: it starts 0.0002 GW and pays the
    first tenth of $10B/GW over its 10-month lead time), and its non-AI revenue grows 1.7% to $1.017B. Depreciation 1,000 x 43,800 / 60 months = $730,000: profit = flow - 0.00073.
    Other (no cash) borrowed $0.2M for the same power construction as A's; in settlement it pays interest on it:
    its credit limit is half its fleet's book value, 0.5 x 1,000 x $43,800 = $0.0219B, so the rate is
    5% + 6% x 0.0002 / 0.0219 = 5.0548% a year, $842 this month; it earns $273,750 of spot and pays $365,000 of
    opex: it borrows $91,250 + $842 more.
    Utilisation: A (166.67 + 208.33) / 1,000 = 0.375, Other 0.25. Compute at risk, spot included: A carries 375 of
    the 1,000 H100e labs received, 0.375."""
    state = tiny_state()
    state.providers.non_ai_revenue_usd_bn_per_month[A] = 1.0
    state.providers.cash_usd_bn[OTHER] = 0.0
    model = tiny_model(state, engine=engine)
    model.step()
    s, m = model.state, model.metrics
    p, labs = s.providers, s.labs
    assert list(labs.delivered_h100e) == [approx(500 / 3)] * 2
    assert s.spot_price_usd_per_h100e_hour == approx(1.5)
    assert list(labs.spot_h100e) == [approx(1000 / 3)] * 2
    assert list(p.spot_sold_h100e) == [approx(625 / 3), approx(625 / 3), approx(250.0)]
    assert list(labs.spend_usd_bn) == [approx(0.00030416666666666667 + 0.000365)] * 2
    assert list(labs.cash_usd_bn) == [approx(11.0 - 0.00030416666666666667 - 0.000365)] * 2
    assert p.contract_revenue_usd_bn[A] == approx(0.00030416666666666667)
    assert p.spot_revenue_usd_bn[A] == approx(0.000228125) and p.spot_revenue_usd_bn[OTHER] == approx(0.00027375)
    flow_a = 0.3 + 0.00030416666666666667 + 0.000228125 - 0.000365
    assert p.cash_usd_bn[A] == approx(10.0 + flow_a - 0.0002) and p.debt_usd_bn[A] == 0.0
    assert p.power_started_gw[A] == approx(0.0002) and p.power_capex_usd_bn[A] == approx(0.0002)
    assert p.profit_usd_bn[A] == approx(flow_a - 0.00073)
    assert p.non_ai_revenue_usd_bn_per_month[A] == approx(1.017)
    interest = 0.0002 * (0.05 + 0.06 * 0.0002 / 0.0219) / 12
    assert p.credit_limit_usd_bn[OTHER] == approx(0.0219) and p.interest_usd_bn[OTHER] == approx(interest)
    assert p.cash_usd_bn[OTHER] == 0.0 and p.debt_usd_bn[OTHER] == approx(0.00009125 + 0.0002 + interest)
    assert list(p.utilisation) == [approx(0.375), approx(0.375), approx(0.25)]
    assert m["compute_at_risk_max"] == approx(0.375)
    assert m["unmet_demand_h100e"] == approx(0.0) and m["delivered_h100e"] == approx(1000.0)


@ENGINES
def test_settlement_spot_buying_is_within_what_is_left_after_contract_bills(engine):
    """L1 holds 1 H100e at $2/h ($1,460 due this month) and has $8,000 of cash and $2,000 of revenue: $8,540 is
    left for spot capacity, which buys 8,540 / (730 P) H100e at the spot price P; it pays everything and owes
    nothing. L2 has no money."""
    state = tiny_state()
    add_active(state, A, L1, 1.0, 2.0)
    state.labs.cash_usd_bn[:] = [8000 / 1e9, 0.0]
    state.labs.revenue_usd_bn_per_month[:] = [2000 / 1e9, 0.0]
    model = tiny_model(state, engine=engine)
    model.step()
    labs, price = model.state.labs, model.state.spot_price_usd_per_h100e_hour
    assert labs.spot_h100e[L1] == pytest.approx(8540 / (730 * price), rel=1e-9)
    assert labs.spend_usd_bn[L1] == pytest.approx(10_000 / 1e9, rel=1e-9) and labs.arrears_months[L1] == 0
    assert labs.spot_h100e[L2] == 0.0


@ENGINES
def test_a_deal_signed_for_later_delivery_counts_in_signed_hhi_at_once_and_in_delivering_hhi_when_it_delivers(engine):
    """In force: A-L1 600 H100e, B-L2 200, Other-L2 200 (Other counts in the total, not as a firm). A scripted
    400 H100e A-L1 deal signed in 2025-01 delivers from 2025-03 (no review: the threshold is above its value).
    Signed contracts in force from 2025-01: A 1,000 of 1,400, HHI 10^4 x (1,000^2 + 200^2) / 1,400^2 = 5,306.1.
    Deliveries until 2025-02: 600 / 200 / 200, HHI 10^4 x (0.6^2 + 0.2^2) = 4,000; from 2025-03 as the signed."""
    state = tiny_state()
    add_active(state, A, L1, 600.0, 2.0, duration=36)
    add_active(state, B, L2, 200.0, 3.0, duration=36)
    add_active(state, OTHER, L2, 200.0, 2.5, duration=36)
    state.labs.base_demand_h100e[:] = [600.0, 400.0]
    state.regulators.value_threshold_usd_bn[0] = 1e6
    model = tiny_model(state, engine=engine, events=[
        {"id": "later", "date": "2025-01", "start": "2025-03", "type": "contract", "seller": "A", "buyer": "L1",
         "quantity_h100e": 400.0, "price_usd_per_h100e_hour": 2.0, "duration_months": 12, "ramp_months": 0}])
    for _ in range(3):
        model.step()
    ts = model.timeseries().set_index("date")
    assert ts.loc["2024-12", "provider_hhi_contracted"] == pytest.approx(4000.0)
    assert ts.loc["2025-01", "provider_hhi_contracted"] == pytest.approx(5306.1224, rel=1e-6)
    assert ts.loc["2025-02", "provider_hhi_delivering"] == pytest.approx(4000.0)
    assert ts.loc["2025-03", "provider_hhi_delivering"] == pytest.approx(5306.1224, rel=1e-6)
    assert ts.loc["2025-02", "delivering_share[A]"] == pytest.approx(0.6)
