"""compute-market's model: `ComputeMarket` (Mesa), its state, phases, scenarios and calibration."""

from .market import ComputeMarket
from .params import Params
from .plan import ENGINES, STEP_PLAN
from .scenario import Scenario, ScenarioError, load_scenario, scenario_names

__all__ = ["ENGINES", "STEP_PLAN", "ComputeMarket", "Params", "Scenario", "ScenarioError", "load_scenario", "scenario_names"]
