"""One evaluation of the calibration: the scenario run at a parameter set for each of the config's seeds, and
the mean over seeds of each target figure. Module-level and picklable, so worker processes and Dask run it; the
per-agent panel is recorded only when a target needs it (`agent_record_every`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..run import run_scenario
from ..validation import RunFigures
from .targets import BY_LABEL


@dataclass(frozen=True)
class Simulator:
    scenario: object  # a library name, a path, or a Scenario
    steps: int
    seeds: tuple[int, ...]
    labels: tuple[str, ...]

    def __call__(self, parameters: dict) -> dict:
        return self.figures(dict(parameters))

    def figures(self, parameters: dict, seeds: tuple[int, ...] | None = None) -> dict:
        """{figure label: mean over seeds} at `parameters` (NaN where a seed's run cannot produce the figure)."""
        values = {label: [] for label in self.labels}
        for seed in self.seeds if seeds is None else seeds:
            model = run_scenario(self.scenario, steps=self.steps, seed=seed,
                                 **{name: float(value) for name, value in parameters.items()}).model
            run = RunFigures(model)
            for label in self.labels:
                values[label].append(float(BY_LABEL[label].output(run)))
        return {label: (float(np.mean(v)) if all(math.isfinite(x) for x in v) else math.nan)
                for label, v in values.items()}


def simulator_for(config, scenario=None, left_out: bool = False) -> Simulator:
    """The config's evaluation; `scenario` (a Scenario) runs instead of the config's (the backtest's); with
    `left_out` it also reads the figures left out of the fit (the fit table's predictions)."""
    labels = [t.figure for t in config.targets] + ([t.figure for t in config.left_out] if left_out else [])
    return Simulator(config.scenario if scenario is None else scenario, config.steps, tuple(config.seeds),
                     tuple(labels))
