"""The `agents` engine (per-agent reference rules) and the `vectorized` engine give the same trajectories."""

from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import run
from .equivalence import assert_same_run


def assert_same_trajectories(kwargs, steps):
    assert_same_run(run(steps, engine="vectorized", **kwargs), run(steps, engine="agents", **kwargs))


def test_engines_agree_on_the_baseline():
    assert_same_trajectories({"rng": 3}, steps=24)


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 30), st.integers(1, 6))
def test_engines_agree_on_random_small_markets(seed, n_labs, n_providers):
    assert_same_trajectories({"rng": seed, "market": "generated", "n_small_labs": n_labs,
                              "generated_providers": n_providers, "discovery_probability_per_month": 0.2}, steps=15)
