"""The engines agree on every library scenario (and a test scenario with every event type), seeds 1-3, over the
full horizon; and those runs pass through every branch of the rules (extended suite: `pytest -m extended`)."""

from pathlib import Path

import numpy as np
import pytest

from model import ComputeMarket, scenario_names

from .equivalence import assert_same_run

pytestmark = pytest.mark.extended
SCENARIOS = [*scenario_names(), str(Path(__file__).parent / "scenarios" / "every-branch.toml")]
SEEDS = (1, 2, 3)
BRANCHES = ("a lab paying short", "a breach", "an outage", "an export control", "a review that blocks",
            "a review that caps", "a default event")
seen: dict[str, set] = {}


def run_whole(scenario, seed, engine):
    model = ComputeMarket(scenario=scenario, rng=seed, engine=engine)
    paid_short = False
    while model.running:
        model.step()
        labs = model.state.labs
        paid_short |= bool((labs.spend_usd_bn < labs.bills_usd_bn * (1 - 1e-12)).any())
    model.paid_short = paid_short
    return model


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: Path(s).stem)
def test_engines_agree_over_the_whole_horizon(scenario, seed):
    fast, slow = run_whole(scenario, seed, "vectorized"), run_whole(scenario, seed, "agents")
    assert fast.state.month + 1 == fast.horizon_months == 72
    assert_same_run(fast, slow)
    types = {event.type for event in fast.spec.events}
    r = fast.state.regulators
    for branch, happened in zip(BRANCHES, (fast.paid_short, fast.state.breaches > 0,
                                           bool(np.any([e.type == "outage" for e in fast.spec.events])),
                                           "export_control" in types, r.blocks.sum() > 0, r.caps.sum() > 0,
                                           "lab_default" in types)):
        if happened:
            seen.setdefault(branch, set()).add((Path(scenario).stem, seed))


def test_the_runs_passed_through_every_branch():
    """Runs after the equivalence runs (same module, in order): each branch was compared at least once."""
    if len(seen) == 0:
        pytest.skip("run with the equivalence tests above")
    missing = [branch for branch in BRANCHES if branch not in seen]
    assert not missing, f"no equivalence run passed through: {missing}"
