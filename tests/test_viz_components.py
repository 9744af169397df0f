"""The Solara view's components, rendered without a browser (solara.render)."""

import altair as alt
import ipyvuetify as v
import pytest
import solara
from mesa.visualization.utils import force_update, update_counter
from solara.widgets import VegaLite

from viz import charts
from viz.app import COMPONENTS, grid_layout, make_page
from viz.components import Headline, HHIChart, NetworkView, PricesChart, SharesChart, ShockControls, SupplierMix
from viz.interactive import InteractiveMarket, check_inputs
from viz.network_view import layout, network_frames, network_spec

from .conftest import run


@pytest.fixture(scope="module")
def replay():
    return run(14, scenario="aws-openai-2025", rng=2)


def render_with(component, model):
    """Render `component(model)` as SolaraViz does (a component re-rendered on every step)."""
    @solara.component
    def Shown():
        update_counter.get()
        return component(model)

    return solara.render(Shown(), handle_error=False)


def texts(rc) -> str:
    """The text shown by a rendered tree (solara.Text renders as v.Html, errors as v.Alert)."""
    return " ".join(str(w.children) for kind in (v.Html, v.Alert) for w in rc.find(kind).widgets)


def test_every_chart_spec_is_valid_vega_lite(replay):
    ts, supply = replay.timeseries(), replay.supply_table()
    for spec in (charts.shares_spec(ts), charts.hhi_spec(ts), charts.prices_spec(ts),
                 charts.supplier_mix_spec(supply, "OpenAI"), network_spec(replay.state)):
        alt.vegalite.v5.schema.core.TopLevelSpec.validate(spec)


def test_hhi_chart_draws_the_guideline_bands(replay):
    spec = charts.hhi_spec(replay.timeseries())
    values = [row for dataset in spec["datasets"].values() for row in dataset]
    assert {1000, 1800} <= {row.get("y") for row in values}
    top = next(p["value"] for p in spec["params"] if p["name"] == "hhi_top")
    assert top >= max(row["value"] for row in spec["datasets"]["hhi"])  # the y axis fits the lines
    assert {"unconcentrated", "moderately concentrated", "highly concentrated"} <= {row.get("band") for row in values}


def test_network_groups_small_labs_and_keeps_its_layout_per_topology(replay):
    nodes, edges = network_frames(replay.state, max_labs=10)
    labs = nodes[nodes.kind == "lab"]
    assert len(labs) == 10 and "OpenAI" in set(labs.name)
    grouped = nodes[nodes.kind == "labs (grouped)"]
    assert len(grouped) == 1 and grouped.name.iloc[0].startswith("Other labs (")
    assert {"contract", "supply", "equity"} <= set(edges.kind)
    # the AWS -> OpenAI edge carries the value of the contracts between them that hold capacity: the $38B deal and
    # what OpenAI negotiated with AWS after its scripted 2025
    c = replay.contract_table()
    held = c[(c.seller_name == "AWS") & (c.buyer_name == "OpenAI") & c.status.isin(["proposed", "under_review",
                                                                                    "approved", "active"])]
    assert 38.0 in set(held.value_usd_bn.round(6))
    assert edges.loc[(edges.kind == "contract") & (edges.target == "OpenAI") & (edges.source == "AWS"), "value"].sum() \
        == pytest.approx(held.value_usd_bn.sum())
    assert nodes[["x", "y"]].notna().all().all()
    before = layout.cache_info().hits
    network_frames(replay.state, max_labs=10)
    assert layout.cache_info().hits == before + 1  # same nodes: the layout is not recomputed


def test_page_renders_network_and_charts_and_its_headline_follows_the_model():
    page = make_page("baseline", "3")
    box, rc = solara.render(page, handle_error=False)
    assert len(rc.find(VegaLite).widgets) == 5  # network, HHI, shares, prices, supplier mix (page 0)
    assert "2024-12" in texts(rc)
    model = page.args[0]
    model.step()
    force_update()
    assert "2025-01" in texts(rc)


@pytest.mark.parametrize("component", [NetworkView, HHIChart, SharesChart, PricesChart, SupplierMix])
def test_each_chart_redraws_in_place_after_a_step(component):
    model = InteractiveMarket(rng="3")
    box, rc = render_with(component, model)
    widget = rc.find(VegaLite).widget

    def newest_date():
        dates = [row["date"] for rows in widget.spec["datasets"].values() for row in rows if "date" in row]
        return max(dates) if dates else None

    first_spec = widget.spec
    for _ in range(2):
        model.step()
        force_update()
    assert rc.find(VegaLite).widget is widget  # the same widget, updated in place
    assert widget.spec != first_spec
    assert newest_date() in (None, "2025-02")


def test_bad_inputs_are_refused_with_a_message():
    accepted, problems = check_inputs({"rng": "abc", "scenario": "nowhere", "demand_growth_scale": -1.0,
                                       "regulator_strictness_scale": 1.5})
    assert accepted == {"regulator_strictness_scale": 1.5}
    assert len(problems) == 3 and any("seed" in p for p in problems) and any("nowhere" in p for p in problems)
    model = InteractiveMarket(rng="abc", scenario_name="baseline")
    assert model.seed == 42 and model.input_problems
    box, rc = render_with(Headline, model)
    assert "Refused: rng" in texts(rc)


def test_outage_switch_takes_capacity_offline_and_back():
    model = InteractiveMarket(rng="1")
    box, rc = render_with(ShockControls, model)
    azure = model.state.providers.name.index("Microsoft Azure")
    toggles = rc.find(v.Switch).widgets
    assert len(toggles) == 1 and toggles[0].v_model is False
    toggles[0].v_model = True
    assert model.state.providers.outage_share[azure] == 0.5
    model.step()
    assert model.state.providers.outage_share[azure] == 0.5  # stays off until switched back
    toggles[0].v_model = False
    assert model.state.providers.outage_share[azure] == 0.0


def test_contract_table_lists_market_contracts_sorted_by_value(replay):
    from viz.components import ContractTable

    box, rc = render_with(ContractTable, replay)
    table = rc.find(v.DataTable).widget
    assert table.sort_by == ["value_usd_bn"] and table.sort_desc == [True]
    assert len(table.items) == int((~replay.contract_table()["captive"]).sum())
    assert max(item["value_usd_bn"] for item in table.items) == pytest.approx(300.0)
    assert {h["value"] for h in table.headers} <= set(table.items[0])


def test_grid_layout_fits_each_page():
    pages = {}
    for component, page in COMPONENTS:
        pages.setdefault(page, []).append(component)
    for components in pages.values():
        cells = grid_layout(len(components))
        assert len(cells) == len(components)
        assert all(cell["x"] + cell["w"] <= 12 for cell in cells)


def test_agents_page_shows_this_months_providers_vendors_and_labs():
    """At the start: CoreWeave's 110,000 installed H100e (providers.csv) with nothing defaulted; NVIDIA's order book
    of six months of its 450,000 H100e a month (vendors.csv x vendor_start_backlog_months) = 2.7M; OpenAI's demand
    of 330,000 H100e and $10B of cash (labs.csv). After a step the tables follow the model."""
    from viz.agent_tables import agent_rows
    from viz.components import AgentTables

    model = InteractiveMarket(scenario_name="baseline", rng="1")
    rows = {kind: {row["name"]: row for row in agent_rows(model, kind)} for kind in ("provider", "vendor", "lab")}
    assert rows["provider"]["CoreWeave"]["capacity_h100e"] == 110_000 and not rows["provider"]["CoreWeave"]["defaulted"]
    assert rows["vendor"]["NVIDIA"]["backlog_h100e"] == pytest.approx(6 * 450_000)
    assert rows["lab"]["OpenAI"]["demand_h100e"] == 330_000 and rows["lab"]["OpenAI"]["cash_usd_bn"] == 10.0
    box, rc = render_with(AgentTables, model)
    tables = rc.find(v.DataTable).widgets
    assert [len(t.items) for t in tables] == [len(model.state.providers), len(model.state.vendors), len(model.state.labs)]
    assert all({h["value"] for h in t.headers} == set(t.items[0]) for t in tables)
    assert "Providers: capacity, power" in texts(rc)
    model.step()
    force_update()
    nvidia = next(item for item in rc.find(v.DataTable).widgets[1].items if item["name"] == "NVIDIA")
    now = float(model.state.vendors.backlog_h100e[model.state.vendors.name.index("NVIDIA")])
    assert nvidia["backlog_h100e"] == round(now) and now != pytest.approx(6 * 450_000)


@pytest.mark.parametrize("hostile", ["/etc/passwd", "../tests/test_cli.py", "tests/scenarios/every-branch.toml",
                                     "model/data/labs.csv", "x" * 10_000])
def test_the_page_loads_only_library_scenarios_never_a_path_from_the_browser(hostile):
    """Issue #12: whatever a browser sends as the scenario, the server reads no file outside the library (or the
    scenario it was started with): the input is refused by name, the message quotes at most 60 characters of it,
    shows nothing read from disk, and the model falls back to the default."""
    model = InteractiveMarket(scenario_name=hostile, rng="1")
    assert model.spec.name == "baseline"
    (problem,) = model.input_problems
    assert problem.startswith("scenario: unknown scenario") and len(problem) < 120
    assert "root:" not in problem and "OpenAI" not in problem and "def " not in problem


def test_a_problem_while_the_page_draws_is_one_line_and_start_afresh_builds_the_model_again():
    """Issue #12: no traceback, no file contents on the page. A view that fails to draw (here: the first model's
    view raises, with a path and a second line in its message) is replaced by one bounded line and a button; the
    button builds a new model, whose view draws."""
    from viz.app import Guarded

    built = []

    @solara.component
    def Fragile(model):
        if model == 1:
            raise RuntimeError("cannot read /etc/shadow\nsecret second line " + "x" * 500)
        return solara.Text(f"model {model} drawn")

    def make_model():
        built.append(len(built) + 1)
        return built[-1]

    box, rc = solara.render(Guarded(lambda model: Fragile(model), make_model), handle_error=False)
    message = texts(rc)
    assert "The page stopped on a problem (RuntimeError: cannot read /etc/shadow)" in message
    assert "secret second line" not in message and "Traceback" not in message and len(message) < 400
    rc.find(v.Btn, children=["Start afresh"]).widget.click()
    assert built == [1, 2]
    assert "model 2 drawn" in texts(rc)
