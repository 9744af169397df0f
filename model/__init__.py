"""compute-market's model: `ComputeMarket` (Mesa), its state, phases, scenarios and calibration.

The names below are imported on first use (PEP 562), so a command that needs only a submodule (the command
line's `--help`, `model.units`) does not pay for Mesa, pandas or pydantic.
"""

from importlib import import_module

_EXPORTS = {"ComputeMarket": ".market", "Params": ".params", "ENGINES": ".engines", "STEP_PLAN": ".plan",
            "Scenario": ".scenario", "ScenarioError": ".scenario", "load_scenario": ".scenario",
            "scenario_names": ".scenario"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value
