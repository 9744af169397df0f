"""One seed, one history: identical records for the same seed, different ones for another."""

import pandas as pd
import pytest

from .conftest import run


def records(model):
    return model.timeseries(), model.contract_table(), model.agent_table()


@pytest.mark.parametrize("kwargs", [{}, {"market": "generated", "n_small_labs": 30, "generated_providers": 6}])
def test_same_seed_same_records(kwargs):
    first, second = records(run(18, rng=11, **kwargs)), records(run(18, rng=11, **kwargs))
    for a, b in zip(first, second):
        pd.testing.assert_frame_equal(a, b)


def test_different_seeds_differ():
    a, b = run(12, rng=1).timeseries(), run(12, rng=2).timeseries()
    assert not a["demand_h100e"].iloc[1:].equals(b["demand_h100e"].iloc[1:])


def test_named_streams_are_independent():
    """Drawing more from one stream leaves the others unchanged (common random numbers)."""
    from model.streams import RandomStreams
    plain, busy = RandomStreams(5), RandomStreams(5)
    busy.regulator.random(1000)
    assert (plain.demand.standard_normal(10) == busy.demand.standard_normal(10)).all()
    assert RandomStreams(5).demand.random() != RandomStreams(6).demand.random()


def test_seed_is_recorded_and_generators_accepted():
    import numpy as np

    from model import ComputeMarket
    assert ComputeMarket(rng=123).seed == 123
    assert ComputeMarket(rng="77").seed == 77
    drawn = ComputeMarket(rng=np.random.default_rng(3)).seed
    assert drawn == ComputeMarket(rng=np.random.default_rng(3)).seed
    with pytest.raises(ValueError, match="seed must not be negative"):
        ComputeMarket(rng=-1)
