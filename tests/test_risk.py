"""Network risk measures on small hand-built graphs, with the answers worked by hand."""

import numpy as np
import pytest

from model.risk import circular_flows, compute_at_risk, debtrank, node_debtrank


def test_debtrank_on_a_chain():
    # B holds 5 of exposure to A, C holds 4 to B; capital A 10, B 10, C 8, so W[B,A] = W[C,B] = 0.5.
    exposure = np.array([[0, 0, 0], [5, 0, 0], [0, 4, 0]], dtype=float)
    capital = np.array([10.0, 10.0, 8.0])
    # A fails: B loses 0.5 of its capital, then C loses 0.5 x 0.5; value weights 10/28, 10/28, 8/28.
    assert node_debtrank(exposure, capital, capital) == pytest.approx([(0.5 * 10 + 0.25 * 8) / 28, 0.5 * 8 / 28, 0.0])


def test_debtrank_propagates_each_distress_once_in_a_cycle():
    exposure = np.array([[0, 10], [10, 0]], dtype=float)
    capital = np.array([10.0, 10.0])
    # A fails, B is wiped out (W = 1); B's distress comes back to A, which is already at 1: R = v_B = 0.5.
    assert debtrank(exposure, capital, capital, np.array([1.0, 0.0])) == pytest.approx([0.5])


def test_debtrank_of_a_partial_shock_and_a_zero_capital_node():
    exposure = np.array([[0, 0], [3, 0]], dtype=float)
    assert debtrank(exposure, np.array([10.0, 6.0]), np.array([1.0, 1.0]), np.array([0.4, 0.0])) == pytest.approx(
        [0.4 * 0.5 * 0.5])
    assert debtrank(exposure, np.array([10.0, 0.0]), np.array([1.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(
        [0.5])


def test_compute_at_risk_is_each_nodes_share_of_delivered_compute():
    assert compute_at_risk([30.0, 50.0, 20.0], 100.0) == pytest.approx([0.3, 0.5, 0.2])
    assert compute_at_risk([1.0, 2.0], 0.0) == pytest.approx([0.0, 0.0])


def test_circular_flows_follow_payment_shares():
    nvidia, openai, microsoft, coreweave = range(4)
    payments = {(openai, microsoft): 60.0, (openai, coreweave): 40.0,   # OpenAI pays its clouds
                (microsoft, nvidia): 30.0, (microsoft, 9): 20.0,        # Microsoft buys chips, 60% from NVIDIA
                (coreweave, nvidia): 20.0}                               # CoreWeave buys only NVIDIA
    equity = [(nvidia, openai, 10.0), (microsoft, openai, 13.0)]
    cycles = dict(circular_flows(equity, payments))
    assert cycles[(nvidia, openai, microsoft)] == pytest.approx(10 * 0.6 * 0.6)
    assert cycles[(nvidia, openai, coreweave)] == pytest.approx(10 * 0.4 * 1.0)
    assert cycles[(microsoft, openai)] == pytest.approx(13 * 0.6)
    assert len(cycles) == 3
    assert sum(v for k, v in cycles.items() if k[0] == nvidia) <= 10.0


def test_no_cycle_without_a_way_back():
    assert circular_flows([(0, 1, 5.0)], {(1, 2): 3.0, (2, 3): 3.0}) == []


def test_debtrank_covers_a_bounded_set_of_labs_in_large_markets():
    from model import ComputeMarket
    from model.risk import risk_tables

    model = ComputeMarket(market="generated", n_small_labs=400, generated_providers=12, rng=3)
    for _ in range(3):
        model.step()
    nodes, _ = risk_tables(model.state, model.params, max_labs=50)
    labs = nodes[nodes.kind == "lab"]
    assert len(labs) == 400 and labs["debtrank"].notna().sum() == 50
    assert nodes.loc[nodes.kind != "lab", "debtrank"].notna().all()
    assert labs["compute_at_risk_share"].notna().all()


def test_clearing_covers_the_coming_years_bills_and_a_lab_that_cannot_pay_leaves_a_shortfall():
    """tiny market, L1 holds 600 H100e from A at $2 for 24 months: it owes A 600 x 2 x 730 x 12 / 1e9 = $0.010512B
    over the coming year. With $10B cash and $1B a month of revenue it pays in full; with no cash and its revenue
    stressed to nothing it pays nothing and the whole bill is its shortfall (A, owing nothing, has none)."""
    from model.risk import risk_tables

    from .tiny import L1, A, add_active, tiny_model, tiny_state

    def shortfall(cash, revenue_share):
        state = tiny_state()
        add_active(state, A, L1, 600.0, 2.0)
        state.labs.cash_usd_bn[L1] = cash
        model = tiny_model(state)
        nodes, _ = risk_tables(model.state, model.params, lab_revenue_share=revenue_share)
        return nodes.set_index("name").loc[["L1", "A"], ["owed_next_year_usd_bn", "clearing_shortfall_usd_bn"]]

    paid = shortfall(10.0, 1.0)
    assert paid.loc["L1", "owed_next_year_usd_bn"] == pytest.approx(0.010512)
    assert paid.loc["L1", "clearing_shortfall_usd_bn"] == 0.0
    stressed = shortfall(0.0, 0.0)
    assert stressed.loc["L1", "clearing_shortfall_usd_bn"] == pytest.approx(0.010512)
    assert stressed.loc["A", "clearing_shortfall_usd_bn"] == 0.0

