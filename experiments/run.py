"""One run of a scenario: build the model, step it, and keep the wall time of stepping."""

from __future__ import annotations

import time
from dataclasses import dataclass

from model import ComputeMarket, load_scenario


@dataclass
class RunResult:
    model: ComputeMarket
    stepping_seconds: float


def run_scenario(scenario="baseline", steps: int | None = None, seed: int | None = 42,
                 engine: str = "vectorized", without: tuple[str, ...] = (), progress=None,
                 **parameters) -> RunResult:
    """Run `scenario` for `steps` months (default: the scenario's) and return the model with its records.

    `without` drops events by id (a counterfactual); `progress(done, total)` is called after each month.
    """
    spec = load_scenario(scenario)
    if without:
        spec = spec.without(*without)
    steps = spec.steps if steps is None else steps
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    model = ComputeMarket(scenario=spec, engine=engine, rng=seed, horizon_months=steps, **parameters)
    started = time.perf_counter()
    for done in range(1, steps + 1):
        model.step()
        if progress is not None:
            progress(done, steps)
    return RunResult(model=model, stepping_seconds=time.perf_counter() - started)
