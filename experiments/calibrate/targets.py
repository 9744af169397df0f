"""The calibration's targets: each a figure of `experiments/validation.py` with its real value from
`model/data/market-2025.csv`, a weight and a scale, and the distance of a run's figures from them.

distance = sqrt(sum_i weight_i * ((model_i - real_i) / scale_i)^2 / sum_i weight_i): a weighted root mean square
of errors measured in units of each target's scale (its stated tolerance by default: ±2 points for a share,
30% of the real value for a relative tolerance, half the width of a range), so 1.0 means "off by one tolerance on
average". A figure the run cannot produce (NaN) counts as far off (`MISSING_ERROR` scales).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..validation import FIGURES, Figure, data_rows, find_row, parse_real

MISSING_ERROR = 10.0
BY_LABEL = {figure.label: figure for figure in FIGURES}


@dataclass(frozen=True)
class ResolvedTarget:
    figure: Figure
    real: float
    weight: float
    scale: float
    source: str


def resolve_targets(config, left_out: bool = False) -> list[ResolvedTarget]:
    """The config's targets with their real values and scales; with `left_out`, the figures left out of the fit
    instead (weight 0, scale their tolerance)."""
    rows = data_rows()
    resolved = []
    for target in config.left_out if left_out else config.targets:
        figure = BY_LABEL[target.figure]
        row = find_row(rows, figure)
        real, low, high = parse_real(row["value"])
        scale = getattr(target, "scale", None) or default_scale(figure, real, low, high)
        resolved.append(ResolvedTarget(figure, real, getattr(target, "weight", 0.0), scale, row["source_title"]))
    return resolved


def default_scale(figure: Figure, real: float, low: float, high: float) -> float:
    """A figure's tolerance as a distance unit; without one, 30% of the real value (or the range's half-width)."""
    tolerance = figure.tolerance
    if tolerance is not None and tolerance.points is not None:
        return tolerance.points
    if tolerance is not None and tolerance.relative is not None:
        return tolerance.relative * abs(real)
    if tolerance is not None and tolerance.low is not None:
        return (tolerance.high - tolerance.low) / 2.0
    if math.isfinite(high) and high > low:
        return (high - low) / 2.0
    return 0.3 * abs(real) if real else 1.0


def distance(simulated: dict, observed: dict, targets: list[ResolvedTarget]) -> float:
    """The weighted root-mean-square error in scale units (see the module's docstring)."""
    total = weights = 0.0
    for target in targets:
        label = target.figure.label
        model, real = simulated[label], observed[label]
        error = MISSING_ERROR if not math.isfinite(model) else (model - real) / target.scale
        total += target.weight * error * error
        weights += target.weight
    return math.sqrt(total / weights)
