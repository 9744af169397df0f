"""The calibration file (TOML), validated like every other input: one line naming the file, field and value.

    name = "fitted-2025"             # the fitted parameter file's name (model/fits/NAME.toml)
    scenario = "aws-openai-2025"     # the scenario each evaluation runs (a library name or a file beside this)
    steps = 12                       # months per evaluation (2025)
    seeds = [1, 2]                   # seeds per evaluation; a target's model value is their mean
    population_size = 40             # particles per generation
    generations = 6                  # ABC-SMC generations (the budget), or fewer if min_epsilon is reached
    min_epsilon = 0.5                # stop once the distance threshold is below this
    design_seed = 0                  # seeds pyabc's own sampling (numpy's global generator)

    [parameters.demand_growth_scale] # uniform prior on [low, high]
    low = 0.5
    high = 2.0
    reason = "..."                   # why this range: a source, or ESTIMATE and how

    [[targets]]
    figure = "AWS cloud share, quarter to 2025-12 (%)"   # a figure label of experiments/validation.py
    weight = 1.0
    scale = 2.0                      # how far off counts as one unit of distance (default: the figure's tolerance)

    [[left_out]]                     # a figure deliberately not fitted, and why; the fit table reports it as a
    figure = "Amazon capex 2025 (USD bn)"   # prediction of the fitted model
    reason = "..."
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from model import Params, ScenarioError, load_scenario
from model.params import MAX_HORIZON_MONTHS, check_range
from model.scenario import load_config_file

from ..validation import FIGURES

FIGURE_LABELS = {figure.label for figure in FIGURES}


class CalibrationConfigError(ValueError):
    """The calibration file is wrong; the message names the file, the field and the value."""


def known_figure(label: str) -> str:
    if label not in FIGURE_LABELS:
        raise ValueError(f"unknown figure {label!r} (the figures are those of `compute-market validate`)")
    return label


class Prior(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    reason: str = Field(min_length=3)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    figure: str
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    scale: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    _known = field_validator("figure")(known_figure)


class LeftOut(BaseModel):
    """A figure left out of the fit on purpose (the model lacks what it measures); reported as a prediction."""
    model_config = ConfigDict(extra="forbid")
    figure: str
    reason: str = Field(min_length=3)

    _known = field_validator("figure")(known_figure)


class CalibrationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    scenario: str = "aws-openai-2025"
    steps: int = Field(default=12, ge=1, le=MAX_HORIZON_MONTHS)
    seeds: list[int] = Field(default=[1, 2], min_length=1)
    population_size: int = Field(default=40, ge=2, le=100_000)
    generations: int = Field(default=6, ge=1, le=1000)
    min_epsilon: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    design_seed: int = Field(default=0, ge=0, le=2**32 - 1)
    parameters: dict[str, Prior] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    left_out: list[LeftOut] = []

    @model_validator(mode="after")
    def _consistent(self):
        for seed in self.seeds:
            if not 0 <= seed <= 2**63 - 1:
                raise ValueError(f"a seed must be from 0 to 2^63 - 1, got {seed}")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds must be distinct")
        known = set(Params.__dataclass_fields__)
        for name, prior in self.parameters.items():
            if name not in known:
                raise ValueError(f"unknown parameter {name!r}")
            for bound in (prior.low, prior.high):
                check_range(name, bound)  # a prior reaches only valid values
        figures = [target.figure for target in self.targets] + [figure.figure for figure in self.left_out]
        if len(set(figures)) != len(figures):
            raise ValueError("each figure may appear once among targets and left_out")
        return self

    def fingerprint(self) -> str:
        """Changes when anything that shapes the calibration changes (a resume must find the same one)."""
        text = json.dumps(self.model_dump(), sort_keys=True, default=str)
        try:
            text += Path(load_scenario(self.scenario).source).read_text()
        except (OSError, TypeError, ScenarioError):
            pass
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_calibration_config(path: Path) -> CalibrationConfig:
    return load_config_file(Path(path), CalibrationConfig, "calibration", CalibrationConfigError)
