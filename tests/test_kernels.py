"""The model's formulas on hand-worked cases."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import kernels


def test_nash_price_between_floor_and_reservation_and_rising_with_power():
    prices = [kernels.nash_price(1.5, 4.0, power, 0.0) for power in (0.0, 0.25, 0.5, 1.0)]
    assert prices == pytest.approx([1.5, 2.125, 2.75, 4.0])
    assert all(1.5 <= p <= 4.0 for p in prices)
    assert prices == sorted(prices)


def test_commitment_discount_lowers_price_but_not_below_cost():
    short = kernels.nash_price(1.5, 4.0, 0.6, kernels.commitment_discount(12, 0.5, 24))
    long = kernels.nash_price(1.5, 4.0, 0.6, kernels.commitment_discount(60, 0.5, 24))
    assert 1.5 < long < short < 4.0
    assert kernels.commitment_discount(24, 0.5, 24) == pytest.approx(0.25)


def test_bargaining_power_rises_with_utilisation_falls_with_options_and_is_bounded():
    base = kernels.bargaining_power(0.6, 0.8, 0.8, 0.5, 1, 0.1)
    assert base == pytest.approx(0.6)
    assert kernels.bargaining_power(0.6, 0.95, 0.8, 0.5, 1, 0.1) > base
    assert kernels.bargaining_power(0.6, 0.8, 0.8, 0.5, 10, 0.1) == pytest.approx(0.6 - 0.09)
    assert kernels.bargaining_power(5.0, 1.0, 0.8, 0.5, 1, 0.1) == 0.95


def test_unit_cost_is_annuitised_capex_plus_opex():
    # $30,000 at 10% over 5 years: annuity factor 0.263797; /8760 h = $0.9034/h, + $0.40 opex.
    assert kernels.unit_cost_usd_per_h100e_hour(30_000, 0.10, 5, 0.40) == pytest.approx(0.40 + 30_000 * 0.2637975 / 8760,
                                                                                      rel=1e-6)
    assert kernels.capital_recovery_factor(0.0, 5) == pytest.approx(0.2)


def test_list_price_rises_with_utilisation_and_never_falls_below_cost():
    low, ref, high = (kernels.list_price(1.5, 1.0, u, 0.8, 1.0) for u in (0.2, 0.8, 1.0))
    assert ref == pytest.approx(3.0)
    assert low < ref < high
    assert kernels.list_price(1.5, 0.0, 0.0, 0.8, 2.0) == 1.5


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
