"""The model's formulas on hand-worked cases."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import kernels


def test_the_going_price_moves_with_scarcity_within_cost_and_willingness_to_pay():
    # turned away 100 of 1,000 with nothing idle: pressure 0.1; x sensitivity 0.5 = +5%
    assert kernels.scarcity_pressure(100.0, 0.0, 1000.0) == pytest.approx(0.1)
    assert kernels.scarcity_pressure(0.0, 250.0, 1000.0) == pytest.approx(-0.25)
    assert kernels.scarcity_pressure(2.0, 0.0, 0.0) == pytest.approx(2.0)  # no capacity counts as one H100e
    assert kernels.next_contract_price(2.0, 0.1, 0.5, 0.05, 1.5, 4.0) == pytest.approx(2.1)
    # -0.25 x 0.5 = -12.5% is held to -5%: 1.9; +3 x 0.5 held to +5%
    assert kernels.next_contract_price(2.0, -0.25, 0.5, 0.05, 1.5, 4.0) == pytest.approx(1.9)
    assert kernels.next_contract_price(2.0, 3.0, 0.5, 0.05, 1.5, 4.0) == pytest.approx(2.1)
    # never below full cost, never above the highest willingness to pay (unless cost is above it)
    assert kernels.next_contract_price(1.55, -1.0, 0.5, 0.05, 1.5, 4.0) == pytest.approx(1.5)
    assert kernels.next_contract_price(3.9, 1.0, 0.5, 0.05, 1.5, 4.0) == pytest.approx(4.0)
    assert kernels.next_contract_price(3.0, 0.0, 0.5, 0.05, 5.0, 4.0) == pytest.approx(5.0)


def test_demand_growth_funding_and_investment_formulas():
    # demand at twice the reference price with elasticity 0.8: 2^-0.8 = 0.574; no quote yet: the base
    assert kernels.demand_at_price(1000.0, 4.6, 2.3, 0.8) == pytest.approx(1000.0 * 2 ** -0.8)
    assert kernels.demand_at_price(1000.0, 0.0, 2.3, 0.8) == 1000.0
    # growth 0.115 over a long-run 0.015 with an 18-month half-life: the excess 0.1 x 2^(-1/18) = 0.096222
    assert kernels.faded_growth(0.115, 0.015, 18.0) == pytest.approx(0.015 + 0.1 * 2 ** (-1 / 18))
    assert kernels.faded_growth(0.01, 0.015, 18.0) == 0.01  # below the long-run rate it stays
    # 12 months of fading growth: 12 x 0.015 + 0.1 x (1 - d^12) / (1 - d), d = 2^(-1/18)
    d = 2 ** (-1 / 18)
    assert kernels.expected_log_growth(0.115, 0.015, 18.0, 12) == pytest.approx(0.18 + 0.1 * (1 - d ** 12) / (1 - d))
    assert kernels.expected_log_growth(0.01, 0.015, 18.0, 12) == pytest.approx(0.12)
    # runway: cash 6 at a burn of 0.5 = 12 months; no burn: 999; burn is bills beyond revenue
    assert kernels.runway_months(6.0, 0.5) == pytest.approx(12.0) and kernels.runway_months(6.0, 0.0) == 999.0
    assert kernels.burn_usd_bn(1.5, 1.0) == pytest.approx(0.5) and kernels.burn_usd_bn(1.0, 1.5) == 0.0
    assert kernels.burn_usd_bn(1.0 + 1e-15, 1.0) == 0.0  # rounding residue is no burn
    # smoothing 0.5 of 100 new on 20 old: 60; margin (3 / 2 - 1) / 0.3 = 1.67 -> 1; (2.3 / 2 - 1) / 0.3 = 0.5
    assert kernels.smoothed(20.0, 100.0, 0.5) == pytest.approx(60.0)
    assert kernels.margin_factor(3.0, 2.0, 0.3) == 1.0 and kernels.margin_factor(2.3, 2.0, 0.3) == pytest.approx(0.5)
    assert kernels.margin_factor(1.8, 2.0, 0.3) == 0.0
    # target: (load 1,000 + unserved 200 x margin 0.5) x 1.15 = 1,265
    assert kernels.fleet_target(1000.0, 200.0, 0.5, 0.15) == pytest.approx(1265.0)
    # power: need 1.5 GW, have 1.2: start 0.3, but at most 8% of the 1 GW built = 0.08; a tiny builder 0.0008
    assert kernels.power_to_start(1.5, 1.2, 1.0, 0.08) == pytest.approx(0.08)
    assert kernels.power_to_start(1.1, 1.2, 1.0, 0.08) == 0.0
    assert kernels.power_to_start(1.2 + 1e-12, 1.2, 1.0, 0.08) == 0.0  # a rounding residue starts nothing
    assert kernels.power_to_start(0.5, 0.0, 0.0, 0.08) == pytest.approx(0.0008)  # at least 10 MW x 8%
    # vendor expansion: backlog 9,000 net of 3,000 inventory over a 3,000 target (3 months x 1,000): pressure
    # 6,000 / 3,000 - 1 = 1, price 10% over base adds 0.1: 1.1 x 0.02 = 2.2% of output = 22
    assert kernels.vendor_expansion(1000.0, 6000.0, 1.1, 3.0, 0.02, 0.05) == pytest.approx(22.0)
    assert kernels.vendor_expansion(1000.0, 0.0, 0.9, 3.0, 0.02, 0.05) == 0.0
    assert kernels.vendor_expansion(1000.0, 1e6, 2.0, 3.0, 0.02, 0.05) == pytest.approx(50.0)  # the 5% cap
    # output, capacity 1,000 and a month of stock: due 300 with 200 in stock makes 300 + 1,000 - 200 = 1,100, at
    # most 1,000; due 300 with 900 in stock makes 400 (ships 300, keeps 1,000); with 1,500 in stock it makes nothing
    assert kernels.vendor_output(1000.0, 300.0, 200.0, 1.0) == pytest.approx(1000.0)
    assert kernels.vendor_output(1000.0, 300.0, 900.0, 1.0) == pytest.approx(400.0)
    assert kernels.vendor_output(1000.0, 300.0, 1500.0, 1.0) == 0.0


def test_months_to_slots_and_the_cost_of_a_site():
    # a 4-slot ring in month 5: slot 2 (month 6) is 1 month away, slot 3 two, slot 0 three, slot 1 four
    assert list(kernels.months_to_slots(4, 5)) == [3, 4, 1, 2]
    # $10B per GW over 1.25M H100e per GW: $8,000 per H100e
    assert kernels.site_cost_usd_per_h100e(10.0, 1.25e6) == pytest.approx(8000.0)


def test_due_within_sums_the_ring_slots_of_the_coming_months():
    # a 4-slot ring in month 5: slot 6 % 4 = 2 completes next month, then slots 3, 0, 1
    ring = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 0.0, 0.0, 5.0]])
    assert list(kernels.due_within(ring, 5, 1)) == [3.0, 0.0]
    assert list(kernels.due_within(ring, 5, 2)) == [7.0, 5.0]
    assert list(kernels.due_within(ring, 5, 9)) == [10.0, 15.0]  # more months than the ring holds: all of it
    assert kernels.due_within(ring[0], 5, 3) == 8.0  # one row


def test_term_structure_of_contract_prices():
    # discount(d) = 0.5 d / (d + 24): 12 -> 1/6, 24 -> 1/4, 48 -> 1/3
    assert kernels.commitment_discount(24, 0.5, 24) == pytest.approx(0.25)
    assert kernels.term_price(2.5, 12, 0.5, 24) == pytest.approx(2.5)  # 12 months is the going price
    assert kernels.term_price(2.5, 48, 0.5, 24) == pytest.approx(2.5 * (2 / 3) / (5 / 6))  # $2.00
    assert kernels.term_price(2.5, 0, 0.5, 24) == pytest.approx(2.5 / (5 / 6))  # on demand: $3.00
    # 48 months pay 1 - 0.5 x 48 / 72 = 2/3 of on demand, 12 months 1 - 0.5 x 12 / 36 = 5/6: $2.00 from $2.50
    assert kernels.term_share(48, 0.5, 24) == pytest.approx(2 / 3) and kernels.term_share(12, 0.5, 24) == \
        pytest.approx(5 / 6)
    assert kernels.term_price_at_share(2.5, 2 / 3, 5 / 6) == pytest.approx(2.0)


def test_list_price_is_the_contract_price_with_its_premium_and_a_cut_lowers_it():
    assert kernels.list_price(2.5, 0.2, 1.5) == pytest.approx(3.0)
    assert kernels.list_price(1.0, 0.2, 1.5) == 1.5  # never below cost
    # AWS: $2.60 x 2.91 = $7.566; a 44% cut: (2.91 x 0.56) - 1 = 0.6296, list $4.237
    cut = kernels.premium_after_cut(1.91, 0.44)
    assert cut == pytest.approx(0.6296)
    assert kernels.list_price(2.6, cut, 1.3) == pytest.approx(7.566 * 0.56)


def test_unit_cost_is_annuitised_capex_plus_opex():
    # $30,000 at 10% over 5 years: annuity factor 0.263797; /8760 h = $0.9034/h, + $0.40 opex.
    assert kernels.unit_cost_usd_per_h100e_hour(30_000, 0.10, 5, 0.40) == pytest.approx(0.40 + 30_000 * 0.2637975 / 8760,
                                                                                      rel=1e-6)
    assert kernels.capital_recovery_factor(0.0, 5) == pytest.approx(0.2)


def test_pro_rata_never_exceeds_what_is_available_or_requested():
    assert kernels.pro_rata([30, 10], 20) == pytest.approx([15, 5])
    assert kernels.pro_rata([3, 1], 20) == pytest.approx([3, 1])
    alloc = kernels.weighted_pro_rata([10, 10, 10], [1, 1, 3], 15)
    assert alloc == pytest.approx([3, 3, 9]) and alloc.sum() == pytest.approx(15)
    # the captive owner's request is filled first when it alone would exceed its share
    alloc = kernels.weighted_pro_rata([2, 20], [10, 1], 12)
    assert alloc[0] == pytest.approx(2) and alloc.sum() == pytest.approx(12) and (alloc <= [2, 20]).all()


def test_segmented_pro_rata_matches_one_segment_at_a_time():
    rng = np.random.default_rng(3)
    requested, weights = rng.uniform(0, 10, 12), rng.uniform(1, 3, 12)
    segment = np.repeat([0, 1, 2], 4)
    available = np.array([5.0, 100.0, 20.0])
    together = kernels.weighted_pro_rata_segments(requested, weights, segment, available, 3)
    for s in range(3):
        alone = kernels.weighted_pro_rata(requested[segment == s], weights[segment == s], available[s])
        assert together[segment == s] == pytest.approx(alone)
        assert together[segment == s].sum() <= available[s] + 1e-9


def test_hhi_and_cr3_on_known_shares():
    assert kernels.hhi([0.5, 0.3, 0.2]) == pytest.approx(3800)
    assert kernels.hhi([1.0]) == pytest.approx(10_000)
    assert kernels.hhi([0.25] * 4) == pytest.approx(2500)
    assert kernels.concentration_ratio([0.1, 0.4, 0.2, 0.3]) == pytest.approx(0.9)
    # a residual "others" category counts in the total but is not a firm
    assert kernels.hhi([0.3, 0.2, 0.5], fragmented=[False, False, True]) == pytest.approx(1300)
    assert kernels.concentration_ratio([0.3, 0.2, 0.5], 1, fragmented=[False, False, True]) == pytest.approx(0.3)
    assert kernels.shares_of([2, 6]) == pytest.approx([0.25, 0.75])


@pytest.mark.parametrize(("hhi_post", "delta", "share", "expected"), [
    (1850, 120, 0.20, True),    # highly concentrated market, change above 100
    (1700, 120, 0.20, False),   # below 1,800: no presumption from the HHI
    (1700, 110, 0.32, True),    # a 32% share with a change above 100
    (2500, 90, 0.40, False),    # change of 100 or less: never a presumption
])
def test_merger_presumption_textbook_cases(hhi_post, delta, share, expected):
    assert bool(kernels.merger_presumption(hhi_post, delta, share)) is expected


def test_hhi_after_adding_a_contract():
    before, after, share = kernels.hhi_after_adding([50, 30, 20], 0, 100)
    assert before == pytest.approx(3800)
    assert after == pytest.approx(1e4 * (0.75**2 + 0.15**2 + 0.1**2))
    assert share == pytest.approx(0.75)


def test_ramp_schedule_adds_up_to_scheduled_months():
    for duration, ramp in [(84, 14), (12, 3), (10, 0), (5, 5)]:
        months = np.arange(duration)
        assert kernels.ramp_share(months, ramp).sum() == pytest.approx(kernels.scheduled_months(duration, ramp))
        for k in (0, 1, ramp, duration):
            assert kernels.scheduled_months_elapsed(k, ramp) == pytest.approx(kernels.ramp_share(months[:k], ramp).sum())


def test_paid_share_and_finance_keep_money_non_negative():
    assert kernels.paid_share([10, 2, 0], [5, 4, 0]) == pytest.approx([1.0, 0.5, 1.0])
    # a bill over the means by rounding residue (1e-12 of it) is paid in full; by a millionth, it is not
    assert kernels.paid_share(1.0, 1.0 + 1e-12) == 1.0 and kernels.paid_share(1.0, 1.0 + 1e-6) < 1.0
    cash, debt = kernels.finance(np.array([5.0, 5.0, 0.0]), np.array([0.0, 2.0, 3.0]), np.array([-8.0, 1.0, 5.0]))
    assert cash == pytest.approx([0.0, 4.0, 2.0]) and debt == pytest.approx([3.0, 0.0, 0.0])


def test_hhi_by_group_per_lab():
    index, largest, count = kernels.hhi_by_group([0, 0, 0, 1], [0, 1, 1, 2], [1.0, 1.0, 2.0, 5.0], 3, 3)
    assert index == pytest.approx([1e4 * (0.25**2 + 0.75**2), 10_000, 0])
    assert largest == pytest.approx([0.75, 1.0, 0.0])
    assert count.tolist() == [2, 1, 0]


def test_top_k_in_segments_keeps_the_best_per_segment_with_ties_to_the_earlier():
    segment = np.array([0, 0, 0, 1, 1, 2])
    score = np.array([1.0, 3.0, 3.0, 5.0, -1.0, 0.0])
    assert kernels.top_k_in_segments(segment, score, 1).tolist() == [False, True, False, True, False, True]
    assert kernels.top_k_in_segments(segment, score, 2).tolist() == [False, True, True, True, True, True]
    assert kernels.top_k_in_segments(segment, score, 5).all()
    assert kernels.segment_max_sorted(score, kernels.segment_starts(segment)).tolist() == [3, 3, 3, 5, 5, 0]


@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from([-np.inf, -1.0, 0.0, 0.5, 1.0, 2.0])), max_size=60),
       st.integers(1, 5))
def test_top_k_in_segments_matches_a_stable_sort_per_segment(entries, k):
    """Many ties and -inf scores: the partition path and its tie fallback pick what a stable sort picks."""
    entries = sorted(entries, key=lambda e: e[0])  # segments sorted, order within a segment kept
    segment = np.array([s for s, _ in entries], dtype=np.int64)
    score = np.array([v for _, v in entries], dtype=float)
    expected = np.zeros(len(entries), dtype=bool)
    for seg in set(segment.tolist()):
        members = [i for i in range(len(entries)) if segment[i] == seg and score[i] > -np.inf]
        for i in sorted(members, key=lambda i: -score[i])[:k]:  # sorted() is stable: earlier first on ties
            expected[i] = True
    assert kernels.top_k_in_segments(segment, score, k).tolist() == expected.tolist()
    assert kernels.top_k_by_passes(segment, score, k).tolist() == expected.tolist()


# --- the formulas shared by both engines since issue #10, each on numbers worked by hand
def test_usd_bn_is_quantity_times_price_times_730_hours():
    assert kernels.usd_bn(1000.0, 2.0) == pytest.approx(1000 * 2 * 730 / 1e9)          # $1.46M a month
    assert kernels.usd_bn(1000.0, 2.0, 12) == pytest.approx(1000 * 2 * 730 * 12 / 1e9)  # a year: $17.52M


def test_scripted_terms_solve_for_the_missing_one():
    """36 months with a 6-month ramp hold 36 - 6 + 7/2 = 33.5 full months. 100,000 H100e at $2/h:
    100,000 x 2 x 730 x 33.5 / 1e9 = $4.891B. From $4.891B and $2/h the quantity is 100,000; from $4.891B and
    100,000 the price is $2."""
    assert kernels.scripted_terms(100_000.0, 2.0, None, 36, 6) == pytest.approx((100_000.0, 2.0, 4.891))
    assert kernels.scripted_terms(None, 2.0, 4.891, 36, 6) == pytest.approx((100_000.0, 2.0, 4.891))
    assert kernels.scripted_terms(100_000.0, None, 4.891, 36, 6) == pytest.approx((100_000.0, 2.0, 4.891))
    # no ramp: 12 full months
    assert kernels.scripted_terms(1000.0, 1.0, None, 12, 0)[2] == pytest.approx(1000 * 730 * 12 / 1e9)


def test_delivery_ratio_is_available_over_scheduled_at_most_one():
    ratio = kernels.delivery_ratio(np.array([500.0, 1200.0, 0.0, 10.0]), np.array([1000.0, 1000.0, 0.0, 0.0]))
    assert list(ratio) == [0.5, 1.0, 1.0, 1.0]


def test_idle_is_what_is_left_with_rounding_residue_zeroed():
    idle = kernels.idle_h100e(np.array([1000.0, 1000.0, 1000.0]), np.array([600.0, 1000.0 - 1e-7, 1000.0 - 1e-5]))
    assert idle[0] == 400.0
    assert idle[1] == 0.0                                 # 1e-7 is under 1e-9 x 1,000 = 1e-6: residue
    assert idle[2] == pytest.approx(1e-5)


def test_spot_clearing_price():
    """Mean cost $1.50, markup 50%: at demand = idle the price is $2.25; at half, $1.125, floored at the
    cheapest cost $1.20; at three times, $6.75, capped at the dearest list $4.00; elasticity 2 at twice idle:
    1.5 x 1.5 x 4 = $9 -> $4; a cap under the floor gives the floor."""
    assert kernels.spot_clearing_price(1.5, 1.2, 4.0, 1.0, 0.5, 1.0) == pytest.approx(2.25)
    assert kernels.spot_clearing_price(1.5, 1.2, 4.0, 0.5, 0.5, 1.0) == pytest.approx(1.2)
    assert kernels.spot_clearing_price(1.5, 1.2, 4.0, 3.0, 0.5, 1.0) == pytest.approx(4.0)
    assert kernels.spot_clearing_price(1.5, 1.0, 10.0, 2.0, 0.5, 2.0) == pytest.approx(9.0)
    assert kernels.spot_clearing_price(1.5, 2.0, 1.8, 1.0, 0.5, 1.0) == pytest.approx(2.0)


def test_vendor_price_follows_backlog_within_limits():
    """Production 1,000 a month, target 3 months (3,000). Backlog 4,500: pressure 0.5, +0.05 x 0.5 = +2.5%.
    Backlog 0: pressure -1, -5%. Backlog 30,000: pressure capped at 2, move at +10%. The price stays within
    0.5-2x its base."""
    assert kernels.vendor_price(20_000.0, 20_000.0, 4500.0, 1000.0, 3.0, 0.05) == pytest.approx(20_500.0)
    assert kernels.vendor_price(20_000.0, 20_000.0, 0.0, 1000.0, 3.0, 0.05) == pytest.approx(19_000.0)
    assert kernels.vendor_price(20_000.0, 20_000.0, 30_000.0, 1000.0, 3.0, 0.5) == pytest.approx(22_000.0)
    assert kernels.vendor_price(39_000.0, 20_000.0, 30_000.0, 1000.0, 3.0, 0.5) == pytest.approx(40_000.0)
    assert kernels.vendor_price(10_100.0, 20_000.0, 0.0, 1000.0, 3.0, 0.5) == pytest.approx(10_000.0)
    # with no production the target is floored at 1 H100e: backlog 2 gives pressure 1
    assert kernels.vendor_price(100.0, 100.0, 2.0, 0.0, 3.0, 0.05) == pytest.approx(105.0)


def test_offer_utility_weighs_price_reliability_relationship_and_concentration():
    """Weights (3, 5, 0.5): price $2 against a $4 reservation costs 3 x 0.5 = 1.5; reliability 0.9 gives 4.5;
    relationship 0.2 gives 0.1; holding 40% at this provider with aversion 2 costs 0.8: 4.5 + 0.1 - 1.5 - 0.8."""
    weights = (3.0, 5.0, 0.5)
    assert kernels.offer_base_utility(2.0, 4.0, 0.9, 0.2, weights) == pytest.approx(3.1)
    assert kernels.offer_utility(2.0, 4.0, 0.9, 0.2, 0.4, 2.0, weights) == pytest.approx(2.3)


def test_ramped_load_and_months_left_on_a_ramp():
    """300 h100e on a 3-month ramp from month 0 owe 100, 200 and then 300 (month 5); without a ramp 300; a contract
    starting in month 7, one ended by month 5 (its end step) and one not live owe nothing in month 5. A 12-month
    contract with that ramp holds 12 - 3 + 2 = 11 full months, of which 1/3 + 2/3 + 1 = 2 are due after 3 months,
    so 9 are left; after 5, 7 (12 - 5); without a ramp, 12 - k."""
    from types import SimpleNamespace

    from model.market_rules import ramped_h100e
    for months in (np.int64, np.int32):  # contracts keep their months as int32 (schema.py)
        c = SimpleNamespace(quantity_h100e=np.full(8, 300.0), start_step=np.array([0, 0, 0, 0, 0, 7, 0, 0], months),
                            end_step=np.array([12, 12, 12, 12, 12, 19, 5, 12], months),
                            ramp_months=np.array([3, 3, 3, 3, 0, 0, 0, 3], months))
        month = np.array([0, 1, 2, 5, 5, 5, 5, 1])
        live = np.array([True] * 7 + [False])
        assert ramped_h100e(c, month, live) == pytest.approx([100.0, 200.0, 300.0, 300.0, 300.0, 0.0, 0.0, 0.0])
        assert ramped_h100e(c, 1, live[[0, 4]], rows=np.array([0, 4])) == pytest.approx([200.0, 300.0])
    left = kernels.scheduled_months_left(np.array([3, 5, 4, 0]), np.array([12, 12, 12, 12]), np.array([3, 3, 0, 3]))
    assert left == pytest.approx([9.0, 7.0, 8.0, 11.0])
    assert kernels.scheduled_months_left(np.array([1]), np.array([12]), np.array([3]))[0] == pytest.approx(11 - 1 / 3)


def test_a_lookup_finds_the_contracts_of_chosen_labs():
    """Rows 2, none (-1), 0 and 2 of a table read 30, the missing value, 10 and 30. Contracts bought by a provider
    (-1) and by labs 0, 2, 1, 2; labs 2 and 0 chosen: the 2nd, 3rd and 5th."""
    from model.market_rules import at_rows, bought_by
    assert at_rows(np.array([10, 20, 30]), np.array([2, -1, 0, 2]), 0).tolist() == [30, 0, 10, 30]
    assert bought_by(np.array([-1, 0, 2, 1, 2]), np.array([2, 0]), 3).tolist() == [False, True, True, False, True]
    assert not bought_by(np.array([-1, 1]), np.array([], dtype=np.int64), 3).any()


def test_grouped_sums_and_concentration_by_group():
    """Pairs (a, b): (0, 1) 3 + 1, (0, 2) 4, (1, 0) 5: sums 4, 4, 5. Group 0 splits 4 / 4: HHI 5,000,
    largest share 0.5, two b's; group 1 is one b: 10,000."""
    a, b, sums, more = kernels.grouped_sum([0, 0, 1, 0], [1, 2, 0, 1], [3.0, 4.0, 5.0, 1.0], 3, [1.0, 1.0, 1.0, 1.0])
    assert list(a) == [0, 0, 1] and list(b) == [1, 2, 0]
    assert list(sums) == [4.0, 4.0, 5.0] and list(more) == [2.0, 1.0, 1.0]
    index, largest, count = kernels.concentration_by_group(a, sums, 3)
    assert list(index) == pytest.approx([5000.0, 10_000.0, 0.0])
    assert list(largest) == [0.5, 1.0, 0.0] and list(count) == [2, 1, 0]


def test_snap_to_zero_and_segment_sums():
    assert list(kernels.snap_to_zero(np.array([1e-10, 2e-9, -3.0, 5.0]), 1.0)) == [0.0, 2e-9, 0.0, 5.0]
    starts = kernels.segment_starts(np.array([0, 0, 2, 2, 2, 5]))
    assert list(starts) == [0, 2, 5]
    assert list(kernels.segment_sum_sorted(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), starts)) == \
        [3.0, 3.0, 12.0, 12.0, 12.0, 6.0]


def test_sums_by_row_leave_out_no_row():
    assert list(kernels.sum_by([2, 0, 2], [1.0, 2.0, 3.0], minlength=4)) == [2.0, 0.0, 4.0, 0.0]
    assert kernels.sum_by(np.array([], dtype=np.int64), np.array([]), minlength=2).dtype == float
    assert list(kernels.sum_by_row(np.array([1, -1, 1, 0]), np.array([1.0, 5.0, 2.0, 4.0]), 3)) == [4.0, 3.0, 0.0]
    # the last row gets its own entries (1 + 3) and none of the -1 entry's 5; no entries: zeros
    assert list(kernels.sum_by_row(np.array([2, -1, 2]), np.array([1.0, 5.0, 3.0]), 3)) == [0.0, 0.0, 4.0]
    assert list(kernels.sum_by_row(np.array([], dtype=np.int64), np.array([]), 2)) == [0.0, 0.0]


def test_picks_and_deal_keys():
    """u in [0, 1) picks floor(u n): 0.0 -> 0, 0.49 of 4 -> 1, 0.999 of 4 -> 3 (never n). A deal's key is
    seller x 2^32 + buyer, a provider buyer counted after the labs."""
    assert list(kernels.pick_index(np.array([0.0, 0.49, 0.999]), 4)) == [0, 1, 3]
    assert kernels.deal_key(3, 7, -1, 50) == 3 * 2**32 + 7
    assert kernels.deal_key(3, -1, 2, 50) == 3 * 2**32 + 52


def test_depreciation_and_affordability():
    """1,000 H100e at $43,800 over 5 years: 43.8M / 60 months = $0.73M a month. $0.73M buys 1,000 H100e-months
    at $1/h (1,000 x 730 = $730,000), 500 at $2/h, and nothing at no budget."""
    assert kernels.depreciation_usd_bn(1000.0, 43_800.0, 5.0) == pytest.approx(0.00073)
    assert list(kernels.affordable_h100e(np.array([0.00073, 0.00073, -1.0]), np.array([1.0, 2.0, 1.0]))) == \
        pytest.approx([1000.0, 500.0, 0.0])
    assert kernels.affordable_h100e(1.0, 0.0) == 0.0


def test_paid_share_and_finance():
    assert list(kernels.paid_share(np.array([5.0, 1.0, -2.0, 3.0]), np.array([4.0, 4.0, 4.0, 0.0]))) == \
        [1.0, 0.25, 0.0, 1.0]
    # cash 1, debt 0: a flow of -3 borrows 2; cash 0, debt 2: +5 repays 2 and keeps 3
    assert kernels.finance(1.0, 0.0, -3.0) == (0.0, 2.0)
    assert kernels.finance(0.0, 2.0, 5.0) == (3.0, 0.0)


def test_a_contract_is_still_ramping_exactly_while_its_ramp_share_is_below_one():
    """A 3-month ramp owes 1/3, 2/3, then all from its third month (since 0, 1, 2); no ramp owes all at once."""
    since = np.array([0, 1, 2, 5, 0])
    ramp = np.array([3, 3, 3, 3, 0])
    assert kernels.still_ramping(since, ramp).tolist() == [True, True, False, False, False]
    assert kernels.ramp_share(since, ramp).tolist() == pytest.approx([1 / 3, 2 / 3, 1.0, 1.0, 1.0])
    assert kernels.still_ramping(1, 3) and not kernels.still_ramping(2, 3)  # one contract at a time


def test_bounds_that_bind_only_away_from_the_defaults():
    """Edges found by the mutation check (docs/testing.md): each clip and floor where it binds."""
    # a one-month ramp owes everything from its first month
    assert kernels.ramp_share(0, 1) == 1.0
    # pressure is capped at 2: backlog 15,000 over a 3,000 target is 4 - 1 = 3 -> 2; x 0.01 = +2%
    assert kernels.vendor_price(20_000.0, 20_000.0, 15_000.0, 1000.0, 3.0, 0.01) == pytest.approx(20_400.0)
    # the monthly move is at least -10%: no backlog, sensitivity 0.5: -0.5 -> -0.1
    assert kernels.vendor_price(20_000.0, 20_000.0, 0.0, 1000.0, 3.0, 0.5) == pytest.approx(18_000.0)
    # less than one H100e scheduled and half of it available: half is delivered
    assert kernels.delivery_ratio(0.25, 0.5) == pytest.approx(0.5)
