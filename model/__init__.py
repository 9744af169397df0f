"""compute-market's model: `ComputeMarket` (Mesa), its state, phases, scenarios and calibration."""

from .market import ENGINES, ComputeMarket
from .params import Params
from .scenario import Scenario, ScenarioError, load_scenario, scenario_names

__all__ = ["ENGINES", "ComputeMarket", "Params", "Scenario", "ScenarioError", "load_scenario", "scenario_names"]
