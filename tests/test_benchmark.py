"""The benchmark's harness on a tiny market (its figures are printed by `make bench`, not asserted here)."""

import importlib.util
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).parents[1] / "benchmarks" / "step_benchmark.py"


@pytest.fixture(scope="module")
def step_benchmark():
    spec = importlib.util.spec_from_file_location("step_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_time_steps_times_only_the_phases_and_both_engines_reach_the_same_market(step_benchmark):
    fast = step_benchmark.time_steps(100, 20, "vectorized", warmup=2, steps=2)
    slow = step_benchmark.time_steps(100, 20, "agents", warmup=2, steps=2)
    assert fast["ms_per_step"] > 0 and slow["ms_per_step"] > 0
    assert fast["edges"] == slow["edges"] >= 100  # every lab has eligible providers
    assert fast["contracts"] == slow["contracts"] > 0, "the same contracts are signed on both engines"
    phases = {"events", "demand", "supply", "pricing", "negotiation", "regulation", "booking", "settlement", "metrics"}
    assert set(fast["phases_ms"]) == phases
