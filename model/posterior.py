"""Drawing parameter sets from a scenario's fitted posterior (`model/fits/NAME.posterior.csv`, the weighted
particles `compute-market calibrate` writes): what ensembles and the page's comparison run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import scenario as scenarios


class NoPosterior(ValueError):
    """The scenario has no fitted posterior to draw from."""


def posterior_draws(scenario, n: int, seed: int) -> tuple[str, list[dict]]:
    """(the fitted set's name, `n` parameter sets drawn by weight from its posterior particles with `seed`)."""
    spec = scenarios.load_scenario(scenario)
    path = scenarios.FITS_DIR / f"{spec.fit}.posterior.csv"
    if spec.fit is None or not path.exists():
        raise NoPosterior(f"scenario {spec.name!r} has no fitted posterior to draw from (it needs fit = \"NAME\" "
                          "with model/fits/NAME.posterior.csv, which compute-market calibrate writes)")
    particles = pd.read_csv(path)
    weights = particles.pop("weight").to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(particles), size=n, p=weights / weights.sum())
    return spec.fit, [{k: float(v) for k, v in particles.iloc[i].items()} for i in picks]
