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
