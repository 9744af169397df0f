"""The declared step plan: the nine phases in DESIGN's order, each timed, with hooks users attach from outside."""

import numpy as np
import pytest

from model import STEP_PLAN, ComputeMarket
from model.records import APPROVED, BLOCKED

from .tiny import tiny_model


def test_the_plan_is_the_nine_phases_in_order_and_each_is_timed():
    assert [phase.name for phase in STEP_PLAN] == ["events", "demand", "supply", "pricing", "negotiation",
                                                   "regulation", "booking", "settlement", "metrics"]
    model = ComputeMarket(rng=1, horizon_months=2)
    model.step()
    assert set(model.phase_seconds) == {phase.name for phase in STEP_PLAN}
    assert all(seconds > 0 for seconds in model.phase_seconds.values())


@pytest.mark.parametrize("engine", ["vectorized", "agents"])
def test_a_custom_regulator_rule_and_a_logger_attached_as_hooks(engine):
    """A rule after the regulators' review: no lab may sign with provider A. It blocks A's approved contracts
    before booking activates them; a logger before settlement records the month."""
    model = tiny_model(engine=engine)

    def no_deals_with_a(m):
        c = m.state.contracts
        rows = np.flatnonzero((c.status == APPROVED) & (c.seller == 0))
        c.status[rows] = BLOCKED
        c.closed_step[rows] = m.state.month

    log = []
    model.add_hook("after", "regulation", no_deals_with_a)
    model.add_hook("before", "settlement", lambda m: log.append(m.date))
    model.step()
    model.step()
    c = model.state.contracts
    assert (c.status[c.seller == 0] == BLOCKED).all() and (c.seller == 0).any()
    assert model.state.providers.delivered_h100e[0] == 0.0
    assert log == ["2025-01", "2025-02"]


def test_hooks_name_a_known_phase_and_time():
    model = ComputeMarket(rng=1, horizon_months=1)
    with pytest.raises(ValueError, match="unknown phase 'pricng'"):
        model.add_hook("after", "pricng", print)
    with pytest.raises(ValueError, match="hook time must be 'before' or 'after', got 'during'"):
        model.add_hook("during", "pricing", print)


@pytest.mark.parametrize("engine", ["vectorized", "agents"])
def test_a_hook_that_ends_a_contract_between_booking_and_settlement_is_seen_by_the_credit_limit(engine):
    """Tiny market: L1 holds 500 H100e at A, L2 500 at B, $2/h for 24 months from month 0 (their whole demand, so
    nobody negotiates). After month 0, 23 months remain: a backlog of 500 x $2 x 730 h x 23 = $0.01679B each.
    A's fleet: 1,000 H100e at $43,800 = $0.0438B; no non-AI revenue. So a credit limit is fleet LTV x 0.0438 +
    backlog LTV x 0.01679. A hook after booking ends L1's contract at A: settlement's limit for A must count no
    backlog (what booking valued is not reused once a hook has run), while B's still does."""
    from model.records import TERMINATED

    from .tiny import L1, L2, A, B, add_active, tiny_state

    def limits(hook):
        state = tiny_state()
        add_active(state, A, L1, 500.0, 2.0)
        add_active(state, B, L2, 500.0, 2.0)
        model = tiny_model(state, engine=engine)
        if hook:
            model.add_hook("after", "booking", lambda m: m.state.contracts.status.__setitem__(0, TERMINATED))
        model.step()
        return model.state.providers.credit_limit_usd_bn, model.params

    fleet, backlog = 1000 * 43_800 / 1e9, 500 * 2.0 * 730 * 23 / 1e9
    (untouched, params), (ended, _) = limits(False), limits(True)
    with_backlog = params.fleet_loan_to_value * fleet + params.backlog_loan_to_value * backlog
    assert untouched[A] == pytest.approx(with_backlog) and untouched[B] == pytest.approx(with_backlog)
    assert ended[A] == pytest.approx(params.fleet_loan_to_value * fleet)
    assert ended[B] == pytest.approx(with_backlog)
