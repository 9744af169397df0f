"""Competition screens (model/competition.py) and Eisenberg-Noe clearing (model/risk.py) on cases worked by hand
(issue #15)."""

import numpy as np
import pytest

from model import kernels
from model.competition import (
    GUPPI_SAFE_HARBOUR,
    cmcr,
    delta_mhhi,
    guppi,
    lab_surplus_usd_per_hour,
    logit_diversion,
    upp,
    vguppi_downstream,
    vguppi_upstream,
)
from model.risk import eisenberg_noe


def test_logit_diversion_is_in_proportion_to_share():
    """Shares 50 / 30 / 20: firm 1's lost sales go 0.3 / 0.5 = 60% to firm 2 and 0.2 / 0.5 = 40% to firm 3; firm
    3's go 0.5 / 0.8 = 62.5% to firm 1."""
    d = logit_diversion(np.array([0.5, 0.3, 0.2]))
    assert d[0, 1] == pytest.approx(0.6) and d[0, 2] == pytest.approx(0.4) and d[2, 0] == pytest.approx(0.625)
    assert np.allclose(np.diag(d), 0.0) and np.allclose(d.sum(axis=1), 1.0)  # no outside good: all diverted


def test_upp_and_guppi_by_hand():
    """D12 = 0.6, p2 = $10, c2 = $6, a 10% efficiency on c1 = $5: UPP = 0.6 x 4 - 0.5 = $1.90. GUPPI with p1 = $8:
    0.6 x 0.4 x 10 / 8 = 30%, far above the 5% read as safe."""
    assert upp(0.6, 10.0, 6.0, 0.1, 5.0) == pytest.approx(1.9)
    assert guppi(0.6, 0.4, 10.0, 8.0) == pytest.approx(0.30) and 0.30 > GUPPI_SAFE_HARBOUR


def test_cmcr_reduces_to_the_symmetric_textbook_form():
    """Symmetric firms (Werden 1996): CMCR = m d / ((1 - m)(1 - d)); m = 0.4, d = 0.2: 0.08 / 0.48 = 16.7%.
    Asymmetric: m1 = 0.3, m2 = 0.5, D12 = 0.25, D21 = 0.4, p1 = 10, p2 = 12:
    (0.3 x 0.1 + 0.5 x 0.25 x 1.2) / (0.7 x 0.9) = 0.18 / 0.63 = 28.6%."""
    assert cmcr(0.4, 0.4, 0.2, 0.2, 1.0, 1.0) == pytest.approx(0.08 / 0.48)
    assert cmcr(0.3, 0.5, 0.25, 0.4, 10.0, 12.0) == pytest.approx(0.18 / 0.63)


def test_a_silent_stake_raises_the_modified_hhi_of_the_owner_that_holds_it():
    """Two firms of 50% each, owned and controlled by A and B. A buys 20% of firm 2's profits without control:
    firm 1's managers (A) now gain on 2's sales, 50 x 50 x 0.2 / 1 = 500 points; firm 2's (B) gain nothing on 1's.
    The HHI stays 5,000; the MHHI is 5,500. With the stake a controlling one (A controls both), firm 2's term is
    50 x 50 x (1 x 1) / (1 x 0.2) and the MHHI far above a full merger's 10,000: a controller with a small stake
    runs the firm for its other holding."""
    shares = np.array([0.5, 0.5])
    control = np.array([[1.0, 0.0], [0.0, 1.0]])     # owners x firms
    ownership = np.array([[1.0, 0.2], [0.0, 0.8]])
    assert kernels.hhi(shares) == pytest.approx(5000.0)
    assert delta_mhhi(shares, control, ownership) == pytest.approx(500.0)
    assert delta_mhhi(shares, np.array([[1.0, 1.0], [0.0, 0.0]]), ownership) == pytest.approx(500.0 + 12500.0)


def test_eisenberg_noe_clears_a_chain_and_a_cycle():
    """A chain: A owes B 10, B owes C 10; A has 5 of its own, B and C nothing. A pays all it has, 5, to B, who
    passes it on: payments (5, 5, 0), shortfalls (5, 5, 0). A cycle: A and B owe each other 10 with nothing of
    their own: netting clears both in full (the greatest clearing vector), no shortfall."""
    chain = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]], dtype=float)
    pay, short = eisenberg_noe(chain, np.array([5.0, 0.0, 0.0]))
    assert np.allclose(pay, [5, 5, 0]) and np.allclose(short, [5, 5, 0])
    cycle = np.array([[0, 10], [10, 0]], dtype=float)
    pay, short = eisenberg_noe(cycle, np.zeros(2))
    assert np.allclose(pay, [10, 10]) and np.allclose(short, 0)


def test_eisenberg_noe_shares_a_shortfall_among_creditors_in_proportion():
    """A owes B 6 and C 4 and has 5: B gets 3 and C 2. B owes C 10 and has 4 of its own plus A's 3 = 7: it pays 7.
    C ends with 2 + 7 = 9 received. Shortfalls: A 5, B 3."""
    liabilities = np.array([[0, 6, 4], [0, 0, 10], [0, 0, 0]], dtype=float)
    pay, short = eisenberg_noe(liabilities, np.array([5.0, 4.0, 0.0]))
    assert np.allclose(pay, [5, 7, 0]) and np.allclose(short, [5, 3, 0])
    received = (liabilities / np.maximum(liabilities.sum(axis=1, keepdims=True), 1e-12)).T @ pay
    assert np.allclose(received, [0, 3, 9])


def test_diversion_measured_from_the_agents_matches_the_logit_closed_form():
    """Two labs that each want 500 H100e may buy from A, B and Other, all with room; Other is less reliable, so
    the labs' logit gives it a smaller share. Raising A's price 5% in the first month moves what A loses to B
    and Other in proportion to their shares (the logit's independence of irrelevant alternatives):
    D[A -> k] = s_k / (1 - s_A), with s the shares of the month's new contracts without the raise. The labs'
    best quote (B's price) is unchanged, so nothing leaves the market: the ratios sum to 1."""
    from experiments.diversion import measured_diversion, new_contracts
    from model.edges import compile_edges

    from .tiny import L1, L2, OTHER, A, B, tiny_model, tiny_state

    def market():
        state = tiny_state()
        state.providers.reliability[OTHER] = 0.8
        lab = np.array([L1, L1, L1, L2, L2, L2])
        provider = np.array([A, B, OTHER, A, B, OTHER])
        supply = {"supply_vendor": np.zeros(3, dtype=np.int64), "supply_provider": np.arange(3),
                  "supply_weight": np.ones(3), "supply_blocked": np.zeros(3, dtype=bool)}
        state.edges = compile_edges(lab, provider, np.zeros(6), 2, supply)
        return tiny_model(state)

    base = market()
    base.step()
    shares = new_contracts(base, 0).reindex(["A", "B", "Other"], fill_value=0.0)
    shares = shares / shares.sum()
    assert shares["Other"] < shares["B"] and shares["A"] == pytest.approx(shares["B"])  # A and B alike
    d = measured_diversion(market, "A", month=0, step=0.05)
    assert d["B"] == pytest.approx(shares["B"] / (1 - shares["A"]), rel=1e-6)
    assert d["Other"] == pytest.approx(shares["Other"] / (1 - shares["A"]), rel=1e-6)
    assert d.sum() == pytest.approx(1.0)


def test_guppis_summed_over_the_partners_products_give_the_r_antitrust_upp_example():
    """The R antitrust package documents upp.bertrand(prices = (50, 45, 70), margins = (.3, .4, .6),
    diversions = matrix(c(-1, .5, .01, .6, -1, .1, .02, .2, -1), ncol = 3), ownerPre = c(1, 0, 0)): product 1 merges
    with the firm of products 2 and 3. Its formula's net pressure on product i is the sum over the partner's
    products j of D_ij m_j p_j / p_i (R fills the matrix by column: D_12 = .6, D_13 = .02, D_21 = .5, D_31 = .01).
    By hand: product 1, (.6 x .4 x 45 + .02 x .6 x 70) / 50 = (10.8 + .84) / 50 = 23.28%; product 2,
    .5 x .3 x 50 / 45 = 16.667%; product 3, .01 x .3 x 50 / 70 = 0.2143%."""
    assert guppi(0.6, 0.4, 45.0, 50.0) + guppi(0.02, 0.6, 70.0, 50.0) == pytest.approx(0.2328)
    assert guppi(0.5, 0.3, 50.0, 45.0) == pytest.approx(0.166667, rel=1e-5)
    assert guppi(0.01, 0.3, 50.0, 70.0) == pytest.approx(0.0021429, rel=1e-4)


def test_modified_hhi_gives_the_r_antitrust_hhi_examples():
    """The R antitrust package's HHI example: shares .15, .2, .25, .35, .05; A makes products 1-2, B 3-4, C 5. A buys
    75% of product 3's profits and B 10% of product 1's, control unchanged. Owners x products:
    profits A (.9, 1, .75, 0, 0), B (.1, 0, .25, 1, 0), C (0, 0, 0, 0, 1); control A (1, 1, 0, 0, 0), B (0, 0, 1, 1,
    0), C (0, 0, 0, 0, 1). By hand, sum over j of s_j sum over k of s_k w_jk / w_jj (shares in %):
    j=1: 15 (15 + 20/.9 + 25 x .75/.9) = 870.83; j=2: 20 (13.5 + 20 + 18.75) = 1,045; j=3: 25 (15 x .4 + 25 + 35 x 4)
    = 4,275; j=4: 35 (1.5 + 6.25 + 35) = 1,496.25; j=5: 25. MHHI 7,712.08 (HHI of the products alone 2,500).
    When B also gets 30% of product 1's control, row j=1 becomes 15 (15 + 20 x .7/.66 + 25 x .6/.66 + 35 x .3/.66)
    = 1,122.73: MHHI 7,963.98."""
    shares = np.array([0.15, 0.2, 0.25, 0.35, 0.05])
    profits = np.array([[0.9, 1, 0.75, 0, 0], [0.1, 0, 0.25, 1, 0], [0, 0, 0, 0, 1]])
    control = np.array([[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 1]], dtype=float)
    assert kernels.hhi(shares) + delta_mhhi(shares, control, profits) == pytest.approx(7712.0833, rel=1e-7)
    control[:, 0] = [0.7, 0.3, 0.0]
    assert kernels.hhi(shares) + delta_mhhi(shares, control, profits) == pytest.approx(7963.9773, rel=1e-7)


def test_vertical_guppis_by_hand():
    """Upstream: a rival's lost sales divert 30% to the partner, whose margin is 40% on a $3 price, over the rival's
    $1.20 input price: .3 x .4 x 3 / 1.2 = 0.30. Downstream: 25% of the partner's lost sales go to a rival that buys
    the input at $1.20 with a 50% upstream margin, over the partner's $3: .25 x .5 x 1.2 / 3 = 0.05."""
    assert vguppi_upstream(0.3, 0.4, 3.0, 1.2) == pytest.approx(0.30)
    assert vguppi_downstream(0.25, 0.5, 1.2, 3.0) == pytest.approx(0.05)


def test_lab_surplus_is_the_area_under_the_models_demand_up_to_willingness_to_pay():
    """D(x) = 100 (x / 2)^-0.5, bought at $1, worth at most $4: the integral from 1 to 4 of 100 sqrt(2) x^-0.5 is
    100 sqrt(2) x 2 (2 - 1) = 282.84 $/h. With e = 1: 100 x 2 x ln 4 = 277.26. At or above $4, nothing."""
    assert lab_surplus_usd_per_hour(100.0, 1.0, 2.0, 4.0, 0.5) == pytest.approx(200 * np.sqrt(2))
    assert lab_surplus_usd_per_hour(100.0, 1.0, 2.0, 4.0, 1.0) == pytest.approx(200 * np.log(4))
    assert lab_surplus_usd_per_hour(100.0, 5.0, 2.0, 4.0, 0.5) == 0.0
