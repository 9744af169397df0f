"""The Solara page: `compute-market app` (or `solara run viz/app.py`).

Each browser session has its own run (`viz/session.py`): the sidebar steps, plays and resets it and holds its
inputs; the tabs show the market (headline, network, charts), the contracts and the event log, the agents, and
a comparison of finished runs. The page's link encodes the inputs, so it reopens the page in that state. The
scenario and seed shown first come from COMPUTE_MARKET_SCENARIO and COMPUTE_MARKET_SEED (baseline, 42), and
`compute-market app --run DIR [--run DIR2]` opens finished run folders in the comparison tab, and
`--deal DIR` a deal assessment (`compute-market assess-deal`) in the deal tab.
"""

from __future__ import annotations

import logging
import os

import reacton.core
import solara

from viz.charts import marker_key
from viz.compare_view import CompareTab
from viz.components import (
    CHART_CARDS,
    AgentTables,
    ChartCard,
    ContractTable,
    EventLog,
    ShockControls,
    SupplierMix,
)
from viz.controls import Controls
from viz.deal_view import DealTab
from viz.frame import run_frame
from viz.headline import Headline
from viz.offline_assets import serve_read_only
from viz.session import Inputs, Session, inputs_from_query

# reacton's opt-in renderer (reacton 1.11, tested by reacton against the default one): a redraw walks only the
# components whose state changed and their ancestors, where the default walks every element of the page; with
# the page's parts split by what changes each step (MarketPage), a step's redraw costs about half on the server
os.environ.setdefault("REACTON_FAST", "1")
logger = logging.getLogger("compute_market.page")
TABS = ("Market", "Contracts and events", "Agents", "Compare runs", "Deal assessment")
CSS = """
.cm-page { display: grid; grid-template-columns: 300px minmax(0, 1fr); gap: 16px; padding: 8px; }
.cm-sidebar { border-right: 1px solid #e0e0e0; padding-right: 12px; }
@media (max-width: 800px) { .cm-page { grid-template-columns: 1fr; } .cm-sidebar { border-right: none; } }
.cm-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 14px 18px; }
.cm-card { min-width: 0; }
.cm-card .vega-embed { width: 100%; }
.cm-wide { grid-column: 1 / -1; }
@media (max-width: 1100px) { .cm-grid { grid-template-columns: 1fr; } }
.cm-deal { width: 100%; min-width: 0; max-width: 100%; text-align: left; overflow-wrap: break-word; }
.cm-deal .solara-markdown { max-width: 100% !important; width: 100%; margin: 0 !important; padding: 0 !important; }
.cm-deal table { display: block; overflow-x: auto; max-width: 100%; }
.cm-deal th, .cm-deal td { text-align: left !important; }
"""
serve_read_only()  # no request may delete or replace the offline page assets


def start_inputs() -> Inputs:
    """The inputs the server was started with."""
    return Inputs(scenario=os.environ.get("COMPUTE_MARKET_SCENARIO", "baseline"),
                  seed=int(os.environ.get("COMPUTE_MARKET_SEED", "42")))


@solara.component
def Page():
    """What Solara serves: each browser session builds its own run from the link's inputs (or the server's),
    so visitors never step one another's market and a reload starts afresh."""
    router = solara.use_router()
    query = router.search or ""
    inputs, problems = inputs_from_query(query, start_inputs())
    return Guarded(lambda session: MarketPage(session, problems, on_apply=lambda q: router.push(f"/?{q}")),
                   lambda: Session(inputs))


@solara.component
def MarketPage(session: Session, link_problems=(), on_apply=None):
    """The page for one session's run. A step draws again only what reads `version`, the redraw counter (the
    month counter and buttons, the headline, each chart, the shown tab's tables); the rest of the page is drawn
    again on Reset, which gives the session a new model."""
    # counts redraws (each step, reset and input change); not use_reactive, which would draw this page again too
    version = solara.use_memo(lambda: solara.reactive(0), [])
    render_context = reacton.core.get_render_context()
    _, set_resets = solara.use_state(0)  # counts Resets, each of which draws the page again
    model = session.model
    playing, set_playing = solara.use_state(False)
    frame = solara.use_memo(lambda: run_frame(model), [model])  # the model itself: ids are reused

    def redraw():
        with render_context:  # every component that reads `version` is drawn again, in one pass
            version.set(version.value + 1)

    def reset():
        set_playing(False)
        session.reset()
        set_resets(lambda resets: resets + 1)
        redraw()
        if on_apply is not None:
            on_apply(session.applied.query())

    with solara.Div(classes=["cm-page"]) as main:
        solara.Title("compute-market")
        solara.Style(CSS)
        with solara.Column(gap="8px", classes=["cm-sidebar"]):
            solara.Text("compute-market", style={"font-size": "1.3em", "font-weight": "700"})
            for problem in link_problems:
                solara.Warning(f"The link was not followed here: {problem}.", dense=True, classes=["cm-link-problem"])
            Controls(session, session.applied, version, redraw, playing, set_playing, reset)
            LinkBox(session.applied)
        with solara.Column(gap="12px", classes=["cm-main"]):
            MainView(session, model, version, frame, redraw)
    return main


@solara.component
def MainView(session: Session, model, version, frame, redraw):
    """The headline over the tabs."""
    with solara.Column(gap="12px") as main:
        Headline(model, version)
        with solara.lab.Tabs(lazy=True):  # a tab's content is drawn only while it is shown
            with solara.lab.Tab(TABS[0]):
                if marker_key(frame):
                    solara.Text("Lettered on the time charts (every scripted event is a dashed line; hover for it): "
                                + marker_key(frame), classes=["cm-marker-key"],
                                style={"font-size": "0.85em", "color": "#444", "display": "block"})
                with solara.Div(classes=["cm-grid"]):
                    for css in CHART_CARDS:
                        ChartCard(model, version, frame, css)
                    SupplierMix(model, version, frame)
            with solara.lab.Tab(TABS[1]):
                ContractsTab(model, version, redraw)
            with solara.lab.Tab(TABS[2]):
                AgentsTab(model, version)
            with solara.lab.Tab(TABS[3]):
                CompareTab(session)
            with solara.lab.Tab(TABS[4]):
                DealTab()
    return main


@solara.component
def ContractsTab(model, version, redraw):
    """The contracts, the event log and the shocks. A component, so that the lazy tabs draw it (and build its
    table of every contract) only while its tab is shown; it reads `version`, so it draws again at each redraw."""
    version.value  # reading it subscribes the tab to every redraw
    with solara.Div(classes=["cm-grid"]) as main:
        with solara.Div(classes=["cm-wide"]):
            ContractTable(model)
        EventLog(model)
        ShockControls(model, redraw)
    return main


@solara.component
def AgentsTab(model, version):
    """This month's agents, drawn only while their tab is shown (as `ContractsTab`)."""
    version.value  # as ContractsTab
    return AgentTables(model)


@solara.component
def LinkBox(applied: Inputs):
    """The link that reopens the page in the state of the run's inputs (`applied`: scenario, seed, moved knobs,
    events left out)."""
    solara.Text("Link to this run", style={"font-weight": "600", "margin-top": "12px"})
    solara.InputText("copy this address", value=f"?{applied.query()}", disabled=False,
                     classes=["cm-link"], on_value=lambda _: None)


@solara.component
def Guarded(view, make):
    """`view(thing)` for a thing (the session's run) made once per session by `make()`. Anything that goes
    wrong while the view draws is shown as one line (the traceback goes to the server's log, never to the
    browser), with a button that makes it again."""
    error, clear = solara.use_exception()
    generation, set_generation = solara.use_state(0)
    thing = solara.use_memo(make, [generation])
    if error is not None:
        # a new one first, then the view: clearing first would draw the failed one once more
        return ProblemNotice(error, on_restart=lambda: (set_generation(generation + 1), clear()))
    return view(thing)


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
