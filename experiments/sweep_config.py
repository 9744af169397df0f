"""Sweep configuration files (TOML), validated with pydantic, and the run list they describe.

    name = "strictness"
    scenario = "baseline"        # library name or TOML path
    steps = 36
    seeds = [1, 2, 3]
    design = "grid"              # grid | lhs | sobol
    samples = 16                 # lhs: points; sobol: base samples N (runs = N x (D + 2) per seed)
    design_seed = 0              # the sampler's own seed (lhs, sobol)
    timeseries = false           # also store each run's monthly metrics
    [parameters.regulator_strictness_scale]
    values = [0.5, 1.0, 2.0]     # grid: the values; lhs and sobol: low and high
    [fixed]                      # parameters held at one value
    n_small_labs = 20
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from model import Params, load_scenario
from model.params import MAX_HORIZON_MONTHS, check_overrides, check_range
from model.scenario import load_config_file


class SweepConfigError(ValueError):
    """A bad sweep file; the message names the file, the field and the value."""


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    values: list[float | int | str | bool] | None = None
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _values_or_bounds(self):
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("give values = [...] or low and high")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self


MAX_RUNS = 1_000_000  # a sweep's runs (design points x seeds); each writes a results row
MAX_SEED = 2**63 - 1


class SweepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: str = Field(min_length=1)
    scenario: str = "baseline"
    steps: int = Field(default=36, ge=1, le=MAX_HORIZON_MONTHS)
    seeds: list[int] = Field(min_length=1)
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int = Field(default=16, ge=1)
    design_seed: int = Field(default=0, ge=0)
    timeseries: bool = False
    parameters: dict[str, Range] = Field(min_length=1)
    # non-finite numbers pass here so that check_overrides names them plainly
    fixed: dict[str, Annotated[float, Field(allow_inf_nan=True)] | int | str | bool] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self):
        known = {f.name for f in fields(Params)}
        for name in [*self.parameters, *self.fixed]:
            if name not in known:
                raise ValueError(f"unknown parameter {name!r}")
        check_overrides(self.fixed)
        for name, spec in self.parameters.items():
            for value in (spec.values or []):  # every value a run may take is within the parameter's range
                check_overrides({name: value})
            for bound in (spec.low, spec.high):
                if bound is not None:
                    check_range(name, bound)
            if self.design == "grid" and spec.values is None:
                raise ValueError(f"parameter {name!r}: a grid needs values = [...]")
            if self.design != "grid" and (spec.low is None or spec.high is None):
                raise ValueError(f"parameter {name!r}: a {self.design} design needs low and high")
        if len(set(self.seeds)) != len(self.seeds) or min(self.seeds) < 0:
            raise ValueError("seeds must be distinct and not negative")
        for seed in (*self.seeds, self.design_seed):
            if seed > MAX_SEED:
                raise ValueError(f"a seed must be at most 2^63 - 1, got {seed}")
        runs = self.design_size() * len(self.seeds)
        if runs > MAX_RUNS:
            raise ValueError(f"the design has {runs:,} runs ({self.design_size():,} points x {len(self.seeds)} seeds), "
                             f"more than the {MAX_RUNS:,} a sweep may hold")
        return self

    def design_size(self) -> int:
        """Points in the design, counted before anything is allocated: the grid's product of value counts, the
        Latin hypercube's samples, or Saltelli's samples x (parameters + 2) for first-order Sobol indices."""
        if self.design == "grid":
            return math.prod(len(spec.values or []) for spec in self.parameters.values())
        return self.samples * (len(self.parameters) + 2) if self.design == "sobol" else self.samples

    def fingerprint(self) -> str:
        """A hash of everything that decides the runs: the sweep file's settings and the scenario's content (its
        events, parameters and start, with what it extends), so a resumed sweep refuses a file or scenario edited
        since it started."""
        scenario = load_scenario(self.scenario).model_dump(exclude={"source"})
        text = json.dumps({"sweep": self.model_dump(), "scenario": scenario}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_sweep_config(path: str | Path) -> SweepConfig:
    return load_config_file(Path(path), SweepConfig, "sweep", SweepConfigError)  # scenario: library, or beside it


def _typed(name: str, value):
    """A sampled value in the parameter's own type (integers are rounded)."""
    kind = {f.name: f.type for f in fields(Params)}[name]
    return int(round(value)) if kind == "int" else (float(value) if kind == "float" else value)


def design_points(config: SweepConfig) -> list[dict]:
    """The parameter combinations of the design, in a fixed order (before crossing with seeds)."""
    names = list(config.parameters)
    if config.design == "grid":
        return [dict(zip(names, combo)) for combo in itertools.product(*(config.parameters[n].values for n in names))]
    bounds = np.array([[config.parameters[n].low, config.parameters[n].high] for n in names], dtype=float)
    if config.design == "lhs":
        from scipy.stats import qmc
        unit = qmc.LatinHypercube(d=len(names), seed=config.design_seed).random(config.samples)
        matrix = qmc.scale(unit, bounds[:, 0], bounds[:, 1]) if len(names) else unit
    else:
        matrix = sobol_matrix(config)
    return [{n: _typed(n, value) for n, value in zip(names, row)} for row in matrix]


def salib_problem(config: SweepConfig) -> dict:
    names = list(config.parameters)
    return {"num_vars": len(names), "names": names,
            "bounds": [[config.parameters[n].low, config.parameters[n].high] for n in names]}


def sobol_matrix(config: SweepConfig) -> np.ndarray:
    from SALib.sample import sobol
    return sobol.sample(salib_problem(config), config.samples, calc_second_order=False, seed=config.design_seed)


def run_list(config: SweepConfig) -> list[dict]:
    """Every run: {run_id, point (index in the design), seed, parameters}, run_id stable for a given file."""
    runs = []
    for point, values in enumerate(design_points(config)):
        for seed in config.seeds:  # values are checked by the run itself: a bad one fails that run only
            runs.append({"run_id": len(runs), "point": point, "seed": seed, "parameters": values})
    return runs


def resized(config: SweepConfig, samples: int | None = None, steps: int | None = None,
            seeds: list[int] | None = None) -> SweepConfig:
    """The sweep with another number of samples, months or seeds (from the command line), checked again."""
    update = {key: value for key, value in {"samples": samples, "steps": steps, "seeds": seeds}.items()
              if value is not None}
    if not update:
        return config
    try:
        return SweepConfig.model_validate({**config.model_dump(), **update})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "the design"
        raise SweepConfigError(f"--{field}: {first['msg']} (value: {update.get(field, first.get('input'))!r})") \
            from None
