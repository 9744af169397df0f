"""The Solara page: `compute-market app` or `solara run viz/app.py`.

Built on Mesa's SolaraViz: the sidebar has step / play / reset and the model's inputs (scenario, seed, the key
parameters); page "Market" shows the headline, the contract network and the charts, page "Contracts" the
contract table, the event log and the outage switch, page "Agents" this month's providers, vendors and labs.
The scenario shown first comes from the
COMPUTE_MARKET_SCENARIO environment variable (default: baseline).
"""

from __future__ import annotations

import logging
import os

import mesa.visualization.solara_viz as mesa_solara_viz
import solara
from mesa.visualization import Slider, SolaraViz

from viz.components import (
    AgentTables,
    ContractTable,
    EventLog,
    Headline,
    HHIChart,
    NetworkView,
    PricesChart,
    SharesChart,
    ShockControls,
    SupplierMix,
)
from viz.interactive import InteractiveMarket, allowed_scenarios
from viz.offline_assets import serve_read_only

logger = logging.getLogger("compute_market.page")
SCENARIO = os.environ.get("COMPUTE_MARKET_SCENARIO", "baseline")
SEED = os.environ.get("COMPUTE_MARKET_SEED", "42")


def model_params(scenario: str = SCENARIO, seed: str = SEED) -> dict:
    """The inputs in the sidebar; they apply on Reset."""
    return {
        "scenario_name": {"type": "Select", "value": scenario, "values": allowed_scenarios(), "label": "Scenario"},
        "rng": {"type": "InputText", "value": str(seed), "label": "Seed"},
        "diversification_aversion_scale": Slider("Labs' diversification aversion (x)", 1.0, 0.0, 4.0, 0.1),
        "demand_growth_scale": Slider("Demand growth (x calibrated)", 1.0, 0.0, 3.0, 0.1),
        "regulator_strictness_scale": Slider("Regulator strictness (x)", 1.0, 0.0, 2.0, 0.1),
        "regulator_hhi_threshold": Slider("Regulators' HHI threshold", 1800, 500, 5000, 100),
        "regulator_delta_hhi_threshold": Slider("Regulators' ΔHHI threshold", 100, 10, 500, 10),
    }


COMPONENTS = [(Headline, 0), (NetworkView, 0), (HHIChart, 0), (SharesChart, 0), (PricesChart, 0), (SupplierMix, 0),
              (ContractTable, 1), (EventLog, 1), (ShockControls, 1), (AgentTables, 2)]

# Grid cells (12 columns, rows of ~40 px) for the components of each page, in COMPONENTS order.
PAGE_LAYOUTS = {
    6: [(0, 0, 12, 3), (0, 3, 6, 16), (6, 3, 6, 8), (6, 11, 6, 8), (0, 19, 6, 11), (6, 19, 6, 11)],
    3: [(0, 0, 8, 15), (8, 0, 4, 15), (0, 15, 6, 6)],
    1: [(0, 0, 12, 40)],
}
_mesa_layout = mesa_solara_viz.make_initial_grid_layout


def grid_layout(num_components: int) -> list[dict]:
    """Cells sized for our charts (Mesa 3.5's SolaraViz takes no layout argument; it calls this by name)."""
    cells = PAGE_LAYOUTS.get(num_components)
    if cells is None:
        return _mesa_layout(num_components)
    return [{"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False} for i, (x, y, w, h) in enumerate(cells)]


mesa_solara_viz.make_initial_grid_layout = grid_layout
serve_read_only()  # no request may delete or replace the offline page assets


def make_page(scenario: str = SCENARIO, seed: str = SEED, model: InteractiveMarket | None = None):
    """The page's SolaraViz element for `model` (a new one of `scenario` and `seed` if none is given)."""
    model = InteractiveMarket(scenario_name=scenario, rng=seed) if model is None else model
    return SolaraViz(model, components=COMPONENTS, model_params=model_params(scenario, seed),
                     name="compute-market", play_interval=300)


@solara.component
def Page():
    """What Solara serves: each browser session (each page load) builds its own model, so visitors never step
    one another's market and a reload starts afresh; the model goes when its session closes."""
    return Guarded(lambda model: make_page(SCENARIO, SEED, model),
                   lambda: InteractiveMarket(scenario_name=SCENARIO, rng=SEED))


@solara.component
def Guarded(view, make_model):
    """`view(model)` for a model made once per session by `make_model()`. Anything that goes wrong while the
    view draws is shown as one line (the traceback goes to the server's log, never to the browser), with a
    button that builds the model again."""
    error, clear = solara.use_exception()
    generation, set_generation = solara.use_state(0)
    model = solara.use_memo(make_model, [generation])
    if error is not None:
        # a new model first, then the view: clearing first would draw the failed model once more
        return ProblemNotice(error, on_restart=lambda: (set_generation(generation + 1), clear()))
    return view(model)


@solara.component
def ProblemNotice(error: BaseException, on_restart):
    """One line about what went wrong, bounded (no traceback, no file contents), and a way to start afresh."""
    logger.error("the page failed", exc_info=error)
    with solara.Column(style={"padding": "2em"}) as notice:
        solara.Error(problem_line(error))
        solara.Button("Start afresh", on_click=on_restart, color="primary")
    return notice


def problem_line(error: BaseException) -> str:
    first = (str(error).strip().splitlines() or [""])[0][:200]
    return f"The page stopped on a problem ({type(error).__name__}{': ' + first if first else ''}). The details " \
           "are in the server's log; Start afresh builds the model again."
