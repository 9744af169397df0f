"""The model as the page builds it: every input from the controls is checked first, and a bad one is refused
with a message on the page (the previous default is kept) instead of a stack trace."""

from __future__ import annotations

import os

from model import ComputeMarket, Params, ScenarioError, load_scenario, scenario_names
from model.market import resolve_seed

DEFAULT_INPUTS = {"scenario": "baseline", "rng": 42}


def allowed_scenarios() -> list[str]:
    """What the page may load: the library's names, and the scenario the server was started with
    (`compute-market app --scenario PATH`)."""
    started_with = os.environ.get("COMPUTE_MARKET_SCENARIO")
    return scenario_names() + ([started_with] if started_with else [])


def check_inputs(inputs: dict) -> tuple[dict, list[str]]:
    """(the inputs that are valid, messages about the others)."""
    accepted, problems = {}, []
    for name, value in inputs.items():
        try:
            if name == "rng":
                resolve_seed(value.strip() if isinstance(value, str) else value)
                if isinstance(value, str) and not value.strip().isdigit():
                    raise ValueError(f"seed must be a whole number of 0 or more, got {value!r}")
            elif name == "scenario":
                if value not in allowed_scenarios():  # never a path sent by a browser
                    raise ValueError(f"unknown scenario {str(value)[:60]!r} (choose one from the list)")
                load_scenario(value)
            else:
                Params().replace(**{name: value})
        except (ValueError, ScenarioError) as problem:
            problems.append(f"{name}: {str(problem)[:300]}")  # bounded: the value came from a browser
            continue
        accepted[name] = value.strip() if name == "rng" and isinstance(value, str) else value
    return accepted, problems


class InteractiveMarket(ComputeMarket):
    """`ComputeMarket` built from the page's controls; `input_problems` says what was refused.

    The scenario is chosen by name (`scenario_name`): on Reset, Mesa's SolaraViz passes its own Scenario
    object as `scenario`, which is not ours and is ignored. `rng` is named so SolaraViz passes it here.
    """

    def __init__(self, *, scenario_name: str = "baseline", rng="42", scenario=None, **parameters):
        accepted, problems = check_inputs({"scenario": scenario_name, "rng": rng, **parameters})
        super().__init__(**{**DEFAULT_INPUTS, **accepted})
        self.input_problems = problems
