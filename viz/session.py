"""One visitor's inputs: the scenario, the seed, the page's parameters and the scripted events left out; each
checked as it is typed, turned into a model on Reset, and written into (and read back from) the page's link.

A link such as `/?scenario=aws-openai-2025&seed=7&demand_growth_scale=1.5&drop=aws-openai` reopens the page in
exactly that state (the same inputs give the same run, byte for byte).
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import parse_qs, urlencode

from model import ComputeMarket, Params, ScenarioError, load_scenario, scenario_names
from model.scenario import FITS_DIR, fitted_parameters

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Knob:
    """A parameter the page lets a visitor set: its label, slider range and step (in the parameter's units)."""
    label: str
    low: float
    high: float
    step: float


KNOBS = {
    "demand_growth_scale": Knob("Demand growth (× calibrated)", 0.0, 3.0, 0.1),
    "diversification_aversion_scale": Knob("Labs' aversion to one supplier (×)", 0.0, 4.0, 0.1),
    "regulator_strictness_scale": Knob("Regulator strictness (×)", 0.0, 2.0, 0.1),
    "regulator_hhi_threshold": Knob("Regulators' HHI threshold (0 = each its own)", 0, 5000, 100),
    "regulator_delta_hhi_threshold": Knob("Regulators' ΔHHI threshold (0 = each its own)", 0, 500, 10),
}


def allowed_scenarios() -> list[str]:
    """What the page may load: the library's names, and the scenario the server was started with
    (`compute-market app --scenario PATH`). Never a path sent by a browser."""
    started_with = os.environ.get("COMPUTE_MARKET_SCENARIO")
    names = scenario_names()
    return names + ([started_with] if started_with and started_with not in names else [])


@dataclass(frozen=True)
class Inputs:
    """What a run on the page is made of; `parameters` holds only the knobs moved from the scenario's value."""
    scenario: str = "baseline"
    seed: int = 42
    parameters: dict = field(default_factory=dict)
    dropped: tuple[str, ...] = ()

    def model(self, seed: int | None = None, draw: dict | None = None) -> ComputeMarket:
        """The run of these inputs (at `seed` instead of theirs; a posterior `draw` under the moved knobs)."""
        spec = load_scenario(self.scenario)
        if self.dropped:
            spec = spec.without(*self.dropped)
        return ComputeMarket(scenario=spec, rng=self.seed if seed is None else seed,
                             **{**(draw or {}), **self.parameters})

    def query(self) -> str:
        """The link's query string for these inputs."""
        pairs = [("scenario", self.scenario), ("seed", str(self.seed))]
        pairs += [(name, f"{value:g}") for name, value in sorted(self.parameters.items())]
        pairs += [("drop", event) for event in self.dropped]
        return urlencode(pairs)

    def with_value(self, name: str, value) -> "Inputs":
        return replace(self, parameters={**self.parameters, name: value})


def scenario_problem(name: str) -> str | None:
    if name not in allowed_scenarios():
        return f"there is no scenario called {str(name)[:60]!r} here; choose one from the list"
    try:
        load_scenario(name)
    except ScenarioError as error:
        return f"scenario {name!r} does not load: {str(error)[:200]}"
    return None


def seed_problem(text: str) -> str | None:
    """None for a whole number from 0 to 2^63 - 1, else what is wrong, in plain words."""
    text = str(text).strip()
    if not text.isdigit():
        return f"the seed must be a whole number (0, 1, 2, ...); {text[:40]!r} is not"
    if int(text) > MAX_SEED:
        return "the seed must be below 9,223,372,036,854,775,808 (2^63)"
    return None


def parameter_problem(name: str, text) -> str | None:
    """None for a value within the knob's range (which the model accepts), else what is wrong, in plain words."""
    if name not in KNOBS:
        return f"the page has no setting called {str(name)[:60]!r}"
    knob = KNOBS[name]
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not knob.low <= value <= knob.high:  # NaN fails too
        return f"{knob.label} must be a number from {knob.low:g} to {knob.high:g}; {str(text)[:40]!r} is not"
    return None


def dropped_problem(scenario: str, events: tuple[str, ...]) -> str | None:
    known = {event.id for event in load_scenario(scenario).events}
    unknown = [event for event in events if event not in known]
    if unknown:
        return f"scenario {scenario!r} has no event {unknown[0][:60]!r} to leave out"
    return None


def inputs_from_query(query: str, default: Inputs) -> tuple[Inputs, list[str]]:
    """The inputs a link names (each checked; a bad one keeps the default), and what was wrong with the link."""
    parsed = parse_qs(query.lstrip("?"), keep_blank_values=True)
    args = {name: values[0] for name, values in parsed.items()}
    dropped = tuple(value for value in parsed.get("drop", ()) if value)  # every event left out ("drop=" is none)
    problems = [f"the link names a setting the page does not have: {name[:60]!r}"
                for name in sorted(set(args) - {"scenario", "seed", "drop", *KNOBS})]

    def fine(problem: str | None) -> bool:
        if problem:
            problems.append(problem)
        return problem is None

    inputs = default
    if "scenario" in args and fine(scenario_problem(args["scenario"])):
        inputs = replace(inputs, scenario=args["scenario"], parameters={}, dropped=())
    if "seed" in args and fine(seed_problem(args["seed"])):
        inputs = replace(inputs, seed=int(args["seed"]))
    for name in KNOBS:
        if name in args and fine(parameter_problem(name, args[name])):
            inputs = inputs.with_value(name, float(args[name]))
    if dropped and fine(dropped_problem(inputs.scenario, dropped)):
        inputs = replace(inputs, dropped=dropped)
    return inputs, problems


@lru_cache(maxsize=64)
def knob_default(scenario: str, name: str) -> float:
    """The knob's value in the scenario (its fitted set's or own parameters, else the model's default)."""
    return float(getattr(Params().replace(**load_scenario(scenario).parameters), name))


@lru_cache(maxsize=64)
def knob_source(scenario: str, name: str) -> str:
    """Where the knob's value in the scenario comes from: its fitted set, or the parameter's own source."""
    spec = load_scenario(scenario)
    if spec.fit and name in fitted_parameters(spec.fit, FITS_DIR / f"{spec.fit}.toml"):
        return f"fitted set {spec.fit} (compute-market calibrate; docs/calibration.md)"
    return Params.__dataclass_fields__[name].metadata["source"]


class Session:
    """One browser session's run: the inputs being edited (`pending`), those the model was built with (`applied`)
    and the model. Stepping and resetting take a lock, so Play's thread and a click never interleave."""

    def __init__(self, inputs: Inputs):
        self.pending = self.applied = inputs
        self.model = inputs.model()
        self.lock = threading.Lock()

    @property
    def changed(self) -> bool:
        """Inputs edited since the last Reset (they apply on Reset)."""
        return self.pending != self.applied

    def reset(self) -> None:
        with self.lock:
            model = self.pending.model()
            self.applied, self.model = self.pending, model

    def step(self, unless: threading.Event | None = None) -> bool:
        """One month, unless `unless` is set by the time no other step or reset runs (Play's thread passes Pause's
        event); False once the run has reached its horizon."""
        with self.lock:
            if self.model.running and not (unless is not None and unless.is_set()):
                self.model.step()
            return self.model.running

    def stop(self, event: threading.Event) -> None:
        """Set `event` once no step is in flight: Play's thread, passing it to `step`, then steps no more, so what
        the page draws next is the month reached (a step finishing during that redraw left the headline a month
        behind the charts)."""
        with self.lock:
            event.set()
