"""The page's components, rendered without a browser (solara.render): the charts' specs, the controls, the
inputs and the link, the tables and the log, the comparison."""

import threading
import time

import altair as alt
import ipyvuetify as v
import pandas as pd
import pytest
import solara
from solara.widgets import VegaLite

from model import ComputeMarket
from viz import charts
from viz.app import Guarded, MarketPage
from viz.compare_view import bands, compare, compare_specs, read_run_folder
from viz.components import ContractTable, EventLog, ShockControls, contract_rows
from viz.controls import PLAY_INTERVAL_S, play_loop
from viz.frame import run_frame
from viz.headline import HeadlineCells
from viz.network_view import layout, network_frames, network_spec
from viz.session import Inputs, Session, inputs_from_query
from viz.tables import NumberTable

from .conftest import run


@pytest.fixture(scope="module")
def replay():
    return run(14, scenario="aws-openai-2025", rng=2)


def texts(rc) -> str:
    """The text shown by a rendered tree (solara.Text renders as v.Html, errors as v.Alert)."""
    return " ".join(str(w.children) for kind in (v.Html, v.Alert) for w in rc.find(kind).widgets)


def shown(rc, css: str) -> str:
    return rc.find(v.Html, class_=css).widget.children[0]


def headline(rc, key: str) -> str:
    """The value shown in the headline's cell `key` (date, hhi, hhi-delivering, largest, idle, breaches)."""
    return next(cell["value"] for cell in rc.find(HeadlineCells).widget.cells if cell["key"] == key)


def page(inputs: Inputs):
    session = Session(inputs)
    box, rc = solara.render(MarketPage(session), handle_error=False)
    return session, rc


def render(view, *args):
    """Render `view(*args)` (a function of the page, drawn inside a component as the page draws it)."""
    @solara.component
    def Shown():
        return view(*args)

    return solara.render(Shown(), handle_error=False)


def newest_month(widget) -> str | None:
    months = [row["month"] for name, rows in widget.rows.items() if name != "markers"
              for row in rows if "month" in row]
    return max(months) if months else None


# --- the charts ----------------------------------------------------------------------------------------------

def test_a_charts_rows_are_series_by_series_month_by_month_without_the_missing_months():
    ts = pd.DataFrame({"date": ["2024-12", "2025-01"], "a": [1.0, float("nan")], "b": [3.0, 4.0], "c": [9.0, 9.0]})
    rows = charts.long(ts, {"b": "second", "a": "first"}, basis="signed")
    assert rows == [
        {"date": "2024-12-01T00:00:00", "month": "2024-12", "series": "second", "value": 3.0, "basis": "signed"},
        {"date": "2025-01-01T00:00:00", "month": "2025-01", "series": "second", "value": 4.0, "basis": "signed"},
        {"date": "2024-12-01T00:00:00", "month": "2024-12", "series": "first", "value": 1.0, "basis": "signed"}]


def test_every_chart_spec_is_valid_vega_lite(replay):
    ts, supply, frame = replay.timeseries(), replay.supply_table(), run_frame(replay)
    runs = pd.concat([ts.assign(side="A", member=0), ts.assign(side="B", member=0)])
    for spec in (charts.shares_spec(ts, frame), charts.hhi_spec(ts, frame), charts.prices_spec(ts, frame),
                 charts.use_spec(ts, frame), charts.contracted_spec(ts, frame),
                 charts.supplier_mix_spec(supply, "OpenAI", frame), network_spec(replay.state),
                 *compare_specs(bands(runs, "provider_hhi_contracted"), "provider_hhi_contracted",
                                {"A": "a", "B": "b"})):
        alt.vegalite.v5.schema.core.TopLevelSpec.validate(spec)
        assert spec["usermeta"]["embedOptions"]["actions"]["export"] is True  # the PNG / SVG menu


def test_the_charts_from_the_records_columns_equal_those_from_their_dataframes():
    """The page draws the time charts and the supplier mix from the records' columns as arrays (no DataFrame a
    step); they are the charts drawn from the DataFrames, value for value, month after month. The largest providers are ranked by the
    last month's value, ties in column order and a missing value last, from either: b (0.5), then a and c (0.2
    each, a's column first); d (no value) is not among the top three."""
    last = {"date": ["2025-01"], "x[a]": [0.2], "x[b]": [0.5], "x[c]": [0.2], "x[d]": [float("nan")]}
    for ts in (last, pd.DataFrame(last)):
        assert charts.named_columns(ts, "x", 3) == {"x[b]": "b", "x[a]": "a", "x[c]": "c"}
    model = ComputeMarket(scenario="aws-openai-2025", rng=4, horizon_months=6)
    frame = run_frame(model)
    for _ in range(6):
        for spec in (charts.hhi_spec, charts.contracted_spec, charts.shares_spec, charts.prices_spec, charts.use_spec):
            assert spec(model.timeseries_columns(), frame) == spec(model.timeseries(), frame)
        for lab in ("OpenAI", "Anthropic"):
            assert charts.supplier_mix_spec(model.supply_columns(), lab, frame) == \
                charts.supplier_mix_spec(model.supply_table(), lab, frame)
        model.step()
    columns = model.timeseries_columns()
    assert list(columns) == list(model.timeseries().columns) and columns["date"][0] == "2024-12"

def test_hhi_chart_shows_signed_delivering_and_revenue_with_the_guideline_bands(replay):
    spec = charts.hhi_spec(replay.timeseries(), run_frame(replay))
    assert {row["band"] for row in spec["datasets"]["bands"]} == {"unconcentrated", "moderately concentrated",
                                                                   "highly concentrated"}
    assert {row["low"] for row in spec["datasets"]["bands"]} == {0, 1000, 1800}
    assert {row["series"] for row in spec["datasets"]["hhi"]} == {"signed contracts in force", "contracts delivering",
                                                                  "cloud revenue"}
    top = next(p["value"] for p in spec["params"] if p["name"] == "hhi_top")
    assert top >= max(row["value"] for row in spec["datasets"]["hhi"])  # the y axis fits the lines
    assert spec["title"]["text"] == "Market concentration (HHI)" and "0-10,000" in " ".join(spec["title"]["subtitle"])


def test_the_time_axis_spans_the_whole_run_with_years_from_its_first_month():
    """A 72-month run from 2025-01: the start state's month 2024-12 to the horizon's 2030-12, yearly ticks; a
    12-month run: 2024-12 to 2025-12, months with their year. One month of data already draws points."""
    long_run = run_frame(ComputeMarket(rng=1))
    short_run = run_frame(ComputeMarket(rng=1, horizon_months=12))
    assert (long_run.first, long_run.last, short_run.last) == ("2024-12", "2030-12", "2025-12")
    x = charts.time_axis(long_run).to_dict()
    assert x["scale"]["domain"] == ["2024-12-01T00:00:00", "2030-12-01T00:00:00"] and x["axis"]["format"] == "%Y"
    assert charts.time_axis(short_run).to_dict()["axis"]["format"] == "%b %Y"
    spec = charts.shares_spec(ComputeMarket(rng=1).timeseries(), long_run)
    assert spec["layer"][0]["mark"]["point"]  # a line of one month is still drawn


def test_each_provider_has_one_colour_on_every_chart(replay):
    frame = run_frame(replay)
    scales = []
    for spec in (charts.shares_spec(replay.timeseries(), frame), charts.contracted_spec(replay.timeseries(), frame),
                 charts.supplier_mix_spec(replay.supply_table(), "OpenAI", frame)):
        scales.append(spec["layer"][0]["encoding"]["color"]["scale"])
    assert scales[0] == scales[1] == scales[2]
    colour = dict(zip(scales[0]["domain"], scales[0]["range"]))
    assert colour["AWS"] == "#ff9900" and colour["Microsoft Azure"] == "#0078d4"
    assert len(set(colour.values())) == len(colour)  # no two providers share a colour


def test_scripted_deals_and_shocks_are_marked_and_the_large_ones_lettered(replay):
    """The replay: the $300B OpenAI-Oracle deal (2025-07) and the $38B OpenAI-AWS deal (2025-11) are lettered; the
    $3B Meta-Nebius deal is a dashed line without a letter; AWS's price cut (a shock) is lettered."""
    frame = run_frame(replay)
    rows = {row["label"]: row for row in charts.marker_rows(frame)}
    assert rows["OpenAI–Oracle $300B"]["letter"] and rows["OpenAI–Oracle $300B"]["month"] == "2025-07"
    assert rows["OpenAI–AWS $38B"]["letter"] and rows["list price cut: AWS"]["letter"]
    assert rows["Meta–Nebius $3B"]["letter"] == ""
    key = charts.marker_key(frame)
    assert f"{rows['OpenAI–Oracle $300B']['letter']} 2025-07 OpenAI–Oracle $300B" in key
    for spec in (charts.hhi_spec(replay.timeseries(), frame), charts.use_spec(replay.timeseries(), frame)):
        assert len(spec["datasets"]["markers"]) == len(replay.spec.events)


def test_contracted_shares_tell_signed_from_delivering(replay):
    """In the replay the $300B Oracle deal of 2025-07 delivers from 2027: Oracle's signed share jumps at signing
    while its delivering share stays where it was."""
    spec = charts.contracted_spec(replay.timeseries(), run_frame(replay))
    rows = pd.DataFrame(spec["datasets"]["shares"])
    oracle = rows[rows.series == "Oracle"].pivot(index="month", columns="basis", values="value")
    assert oracle.loc["2025-07", "signed"] > 3 * oracle.loc["2025-06", "signed"]
    assert oracle.loc["2025-07", "delivering"] == pytest.approx(oracle.loc["2025-06", "delivering"], rel=0.25)


def test_network_draws_the_named_labs_groups_the_rest_and_links_regulators_to_their_region(replay):
    nodes, edges = network_frames(replay.state)
    labs = nodes[nodes.kind == "lab"]
    assert set(labs.name) == {name for name, f in zip(replay.state.labs.name, replay.state.labs.frontier) if f}
    grouped = nodes[nodes.kind == "labs (grouped)"]
    others = len(replay.state.labs) - len(labs)
    assert list(grouped.name) == [f"Other labs ({others})"]
    assert {"contract", "supply", "equity", "screens"} <= set(edges.kind)
    us = [n for n, r in zip(replay.state.providers.name, replay.state.providers.region) if r == "US"]
    assert set(edges[(edges.kind == "screens") & (edges.source == "US FTC/DOJ")].target) == set(us)
    c = replay.contract_table()
    held = c[(c.seller_name == "AWS") & (c.buyer_name == "OpenAI") & c.status.isin(["proposed", "under_review",
                                                                                    "approved", "active"])]
    assert 38.0 in set(held.value_usd_bn.round(6))
    assert edges.loc[(edges.kind == "contract") & (edges.target == "OpenAI") & (edges.source == "AWS"), "value"].sum() \
        == pytest.approx(held.value_usd_bn.sum())
    before = layout.cache_info().hits
    network_frames(replay.state)
    assert layout.cache_info().hits == before + 1  # same nodes: the layout is not recomputed


# --- the page: controls, views never stale ----------------------------------------------------------------------

def test_step_moves_the_counter_the_headline_and_every_chart_to_the_same_month():
    session, rc = page(Inputs(scenario="baseline", seed=3))
    assert shown(rc, "cm-counter") == "2024-12 · month 0 of 72" and headline(rc, "date") == "2024-12"
    assert len(rc.find(VegaLite).widgets) == 7  # network, HHI, contracted and revenue shares, prices, use, mix
    for _ in range(2):
        rc.find(v.Btn, children=["Step"]).widget.click()
    assert shown(rc, "cm-counter") == "2025-02 · month 2 of 72" and headline(rc, "date") == "2025-02"
    months = {newest_month(w) for w in rc.find(VegaLite).widgets} - {None}  # the network has no months
    assert months == {"2025-02"}


def test_a_step_draws_again_only_what_changes_with_the_month():
    """The page's redraw plan: after a step the counter and buttons, the headline and the seven charts are drawn
    again, each once, and nothing else of the Market tab (the page's frame, the tabs, the inputs, the link, each
    chart's card with its CSV button), which is what keeps a step's redraw small on the server."""
    import viz.components as components
    import viz.controls as controls
    from viz import app, headline

    session, rc = page(Inputs(scenario="baseline", seed=3))
    drawn = (app.MarketPage, app.MainView, app.LinkBox, controls.Controls, controls.Inputs, controls.StepButtons,
             headline.Headline, components.ChartCard, components.SupplierMix, components.LiveChart)
    before = [component.render_count for component in drawn]
    rc.find(v.Btn, children=["Step"]).widget.click()
    again = {component.name: component.render_count - count for component, count in zip(drawn, before)}
    assert again == {"MarketPage": 0, "MainView": 0, "LinkBox": 0, "Controls": 0, "Inputs": 0, "StepButtons": 1,
                     "Headline": 1, "ChartCard": 0, "SupplierMix": 0, "LiveChart": 7}


def test_pause_keeps_the_view_at_the_month_reached():
    """Issue #14: Play then Pause showed the month reached in the headline but the start in the network and the
    charts. Here Play runs a few months, Pause stops it, and every chart holds the month the headline shows, also a
    while later."""
    session, rc = page(Inputs(scenario="baseline", seed=3))
    start_data = dict(rc.find(VegaLite).widgets[1].rows)
    rc.find(v.Btn, children=["▶ Play"]).widget.click()
    deadline = time.time() + 30
    while session.model.month_index < 2 and time.time() < deadline:
        time.sleep(0.05)
    rc.find(v.Btn, children=["❚❚ Pause"]).widget.click()
    time.sleep(3 * PLAY_INTERVAL_S)
    reached = session.model.date
    assert session.model.month_index >= 2 and headline(rc, "date") == reached
    time.sleep(3 * PLAY_INTERVAL_S)
    assert session.model.date == reached  # paused: no step after Pause
    assert {newest_month(w) for w in rc.find(VegaLite).widgets} - {None} == {reached}
    assert rc.find(VegaLite).widgets[1].rows != start_data
    assert rc.find(v.Btn, children=["Step"]).widget.disabled is False


def test_play_runs_at_its_nominal_rate_until_paused():
    """Play steps once per PLAY_INTERVAL_S (0.3 s) by a deadline, not after each redraw: over 1.5 s about 5 months
    (a step and its redraw take far less than the interval)."""
    session, rc = page(Inputs(scenario="baseline", seed=3))
    rc.find(v.Btn, children=["▶ Play"]).widget.click()
    time.sleep(5 * PLAY_INTERVAL_S)
    rc.find(v.Btn, children=["❚❚ Pause"]).widget.click()
    assert 3 <= session.model.month_index + 1 <= 7


def test_the_end_of_the_run_says_so_and_stops_the_buttons():
    session, rc = page(Inputs(scenario="baseline", seed=3))
    session.model.horizon_months = 2
    for _ in range(2):
        rc.find(v.Btn, children=["Step"]).widget.click()
    assert "The run has reached its horizon (2025-02). Reset starts it again." in texts(rc)
    assert rc.find(v.Btn, children=["Step"]).widget.disabled and rc.find(v.Btn, children=["▶ Play"]).widget.disabled


def test_inputs_apply_on_reset_and_say_so_until_then():
    session, rc = page(Inputs(scenario="baseline", seed=3))
    assert "Changed: press Reset" not in texts(rc)  # the sliders' snapping to their step is no change
    rc.find(v.TextField, class_="cm-seed").widget.v_model = "11"
    assert "Changed: press Reset to run with these inputs." in texts(rc)
    assert session.model.seed == 3  # nothing applies before Reset
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert session.model.seed == 11 and headline(rc, "date") == "2024-12"
    assert "Changed: press Reset" not in texts(rc)
    assert rc.find(v.TextField, class_="cm-link").widget.v_model == "?scenario=baseline&seed=11"


def test_a_bad_seed_is_refused_as_it_is_typed_in_plain_words_under_its_field():
    session, rc = page(Inputs(scenario="baseline", seed=3))
    before = headline(rc, "hhi")
    field = rc.find(v.TextField, class_="cm-seed").widget
    field.v_model = "-3"
    assert field.error and field.messages == ["the seed must be a whole number (0, 1, 2, ...); '-3' is not"]
    assert session.pending.seed == 3 and "Changed" not in texts(rc)  # refused: nothing pending
    assert headline(rc, "hhi") == before and not rc.find(v.Alert, class_="cm-input-error").widgets
    field.v_model = "12"
    assert not field.error and session.pending.seed == 12


def test_the_scenario_picker_describes_each_scenario():
    session, rc = page(Inputs(scenario="baseline", seed=3))
    items = rc.find(v.Select, class_="cm-scenario").widget.items
    replay = next(item for item in items if item["value"] == "aws-openai-2025")
    assert replay["text"].startswith("aws-openai-2025: Historical replay of 2025")
    assert shown(rc, "cm-scenario-description").startswith("Calibrated end-2024 start")


def test_the_headline_names_the_basis_of_each_figure():
    """At the replay's start the signed and delivering HHI are the same (nothing signed for later yet); the
    largest provider by cloud revenue is a firm (AWS, 30% in providers.csv's 2024 revenue), never "Other clouds"."""
    session, rc = page(Inputs(scenario="aws-openai-2025", seed=1))
    labels = {cell["label"] for cell in rc.find(HeadlineCells).widget.cells}
    assert {"HHI, signed contracts", "HHI, contracts delivering", "Largest by cloud revenue",
            "Breaches (to date)"} <= labels
    assert headline(rc, "largest").startswith("AWS ")
    assert headline(rc, "hhi") == headline(rc, "hhi-delivering")


# --- the link ------------------------------------------------------------------------------------------------------

def test_a_link_reopens_the_page_in_exactly_its_state():
    """scenario, seed, a moved knob and an event left out go into the link and come back; the run they give is the
    same, month by month, as the one the link was made from."""
    inputs = Inputs(scenario="aws-openai-2025", seed=7, parameters={"demand_growth_scale": 1.5},
                    dropped=("openai-aws-2025-11",))
    query = inputs.query()
    assert query == "scenario=aws-openai-2025&seed=7&demand_growth_scale=1.5&drop=openai-aws-2025-11"
    back, problems = inputs_from_query(query, Inputs())
    assert back == inputs and problems == []
    runs = []
    for each in (inputs, back):
        model = each.model()
        for _ in range(12):
            model.step()
        runs.append(model.timeseries())
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert "openai-aws-2025-11" not in {e.id for e in back.model().spec.events}


@pytest.mark.parametrize("hostile", ["/etc/passwd", "../tests/test_cli.py", "tests/scenarios/every-branch.toml",
                                     "model/data/labs.csv", "x" * 10_000])
def test_a_link_loads_only_library_scenarios_never_a_path(hostile):
    """Issue #12: whatever a link names as the scenario, the server reads no file outside the library (or the
    scenario it was started with): refused in plain words quoting at most 60 characters, nothing read shown."""
    inputs, (problem,) = inputs_from_query(f"scenario={hostile}&seed=1", Inputs())
    assert inputs.scenario == "baseline" and inputs.seed == 1
    assert problem.startswith("there is no scenario called") and len(problem) < 130
    assert "root:" not in problem and "OpenAI" not in problem and "def " not in problem


def test_a_bad_link_keeps_the_good_parts_and_says_what_was_wrong():
    inputs, problems = inputs_from_query("seed=abc&demand_growth_scale=9&regulator_strictness_scale=1.5&colour=red"
                                         "&drop=nothing", Inputs(seed=5))
    assert inputs == Inputs(seed=5, parameters={"regulator_strictness_scale": 1.5})
    assert problems == ["the link names a setting the page does not have: 'colour'",
                        "the seed must be a whole number (0, 1, 2, ...); 'abc' is not",
                        "Demand growth (× calibrated) must be a number from 0 to 3; '9' is not",
                        "scenario 'baseline' has no event 'nothing' to leave out"]


# --- contracts, log, agents ------------------------------------------------------------------------------------

def test_the_contract_table_has_signing_dates_numbers_for_people_and_filters(replay):
    box, rc = render(ContractTable, replay)
    table = rc.find(NumberTable).widget
    assert table.sort_by == "value_usd_bn"
    assert table.decimals["value_usd_bn"] == 1 and table.decimals["quantity_h100e"] == 0  # shown as 300.0, 1,234
    assert len(table.items) == int((~replay.contract_table()["captive"]).sum())
    oracle = next(row for row in table.items if row["seller_name"] == "Oracle" and row["value_usd_bn"] == 300.0)
    assert oracle["signed_month"] == "2025-07" and oracle["start_month"] > "2026-12"
    rows = contract_rows(replay, lab="Anthropic")
    assert rows and {row["buyer_name"] for row in rows} == {"Anthropic"}
    rows = contract_rows(replay, provider="CoreWeave")
    assert rows and all("CoreWeave" in (row["buyer_name"], row["seller_name"]) for row in rows)


def test_a_hidden_tab_is_not_built_on_a_step_and_the_contract_filters_outlast_a_tab_switch(monkeypatch):
    """The contracts table (every contract, the page's largest table) is built only while its tab shows."""
    import viz.components as components

    built, session = [], None

    def contract_rows(model, *filters):
        if model is session.model:  # not the tables other tests left drawn, which share the filters here
            built.append(filters)
        return []

    monkeypatch.setattr(components, "contract_rows", contract_rows)
    session = Session(Inputs(scenario="baseline", seed=3))
    box, rc = solara.render(MarketPage(session), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    step.click()
    assert built == [] and not rc.find(NumberTable).widgets, "a hidden tab was built"
    tabs = rc.find(v.Tabs).widget
    tabs.v_model = 1
    assert built == [(components.ALL, components.ALL)] and rc.find(NumberTable, item_key="contract_id").widgets
    try:
        rc.find(v.Select, class_="cm-filter-lab").widget.v_model = "OpenAI"
        tabs.v_model = 0
        step.click()
        assert len(built) == 2, "the contracts were built again while their tab was hidden"
        tabs.v_model = 1
        assert built[-1] == ("OpenAI", components.ALL), "the lab filter was lost when the tab was left"
    finally:
        components.contract_lab.set(components.ALL)


def test_the_event_log_is_plain_text_so_a_dollar_is_a_dollar(replay):
    """Each line is a text span holding the log's words as they are: Markdown would render the text between a
    line's two "$" as mathematics ("38.0Bover7years...")."""
    box, rc = render(EventLog, replay)
    widgets = rc.find(v.Html, class_="cm-event-line").widgets
    assert widgets and all(w.tag == "span" for w in widgets)
    lines = [w.children[0] for w in widgets]
    log = replay.event_log()
    assert lines[0] == f"{log.date.iloc[-1]}  {log.event.iloc[-1]}"  # latest first, word for word
    deal = next(line for line in lines if "OpenAI–CoreWeave, $11.9B" in line)
    assert deal.startswith("2025-03  ") and deal.count("$") == 2


def test_agents_tab_shows_this_months_providers_vendors_and_labs():
    """At the start: CoreWeave's 110,000 installed H100e (providers.csv) with nothing defaulted; NVIDIA's order book
    of six months of its 450,000 H100e a month (vendors.csv x vendor_start_backlog_months) = 2.7M; OpenAI's demand
    of 330,000 H100e and $10B of cash (labs.csv)."""
    from viz.agent_tables import agent_rows
    from viz.components import AgentTables

    model = ComputeMarket(rng=1)
    rows = {kind: {row["name"]: row for row in agent_rows(model, kind)} for kind in ("provider", "vendor", "lab")}
    assert rows["provider"]["CoreWeave"]["capacity_h100e"] == 110_000 and not rows["provider"]["CoreWeave"]["defaulted"]
    assert rows["vendor"]["NVIDIA"]["backlog_h100e"] == pytest.approx(6 * 450_000)
    assert rows["lab"]["OpenAI"]["demand_h100e"] == 330_000 and rows["lab"]["OpenAI"]["cash_usd_bn"] == 10.0
    box, rc = render(AgentTables, model)
    tables = rc.find(NumberTable).widgets
    assert [len(t.items) for t in tables] == [len(model.state.providers), len(model.state.vendors), len(model.state.labs)]
    assert all({h["value"] for h in t.headers} == set(t.items[0]) for t in tables)
    assert "Providers: capacity, power" in texts(rc)


def test_outage_switch_takes_capacity_offline_and_back():
    model = ComputeMarket(rng=1)
    redraws = []
    box, rc = render(ShockControls, model, lambda: redraws.append(1))
    azure = model.state.providers.name.index("Microsoft Azure")
    toggle = rc.find(v.Switch).widget
    assert toggle.v_model is False
    toggle.v_model = True
    assert model.state.providers.outage_share[azure] == 0.5 and redraws == [1]
    model.step()
    assert model.state.providers.outage_share[azure] == 0.5  # stays off until switched back
    toggle.v_model = False
    assert model.state.providers.outage_share[azure] == 0.0


# --- comparison ------------------------------------------------------------------------------------------------

def test_a_comparison_pairs_members_on_common_seeds_and_bands_their_difference():
    """A: the replay; B: without the $38B OpenAI-AWS deal. Members share seeds (7, 8); AWS's 2025-12 backlog is
    lower without the deal in each member (the deal's remaining value is part of it), so the difference band is
    below zero."""
    a = Inputs(scenario="aws-openai-2025", seed=7)
    b = Inputs(scenario="aws-openai-2025", seed=7, dropped=("openai-aws-2025-11",))
    runs = compare(a, b, 2, with_draws=False)
    assert sorted(set(zip(runs.side, runs.seed))) == [("A", 7), ("A", 8), ("B", 7), ("B", 8)]
    band = bands(runs, "backlog_usd_bn[AWS]").set_index(["side", "date"])
    assert band.loc[("B - A", "2025-12"), "p95"] < 0
    assert band.loc[("B - A", "2025-10"), "p50"] == pytest.approx(0.0, abs=1e-9)  # before the deal: the same


def test_a_comparison_with_posterior_draws_uses_the_same_draw_for_both_sides(monkeypatch):
    seen = []
    original = Inputs.model

    def spy(self, seed=None, draw=None):
        seen.append((self.dropped, seed, tuple(sorted((draw or {}).items()))))
        model = original(self, seed=seed, draw=draw)
        model.horizon_months = 1
        return model

    monkeypatch.setattr(Inputs, "model", spy)
    compare(Inputs(scenario="baseline", seed=3), Inputs(scenario="baseline", seed=3, parameters={
        "regulator_strictness_scale": 2.0}), 3, with_draws=True)
    a, b = seen[:3], seen[3:]
    assert [s[1:] for s in a] == [s[1:] for s in b] and len({s[2] for s in a}) >= 2


def test_a_finished_run_folder_opens_without_running_again(tmp_path):
    model = ComputeMarket(rng=4, horizon_months=3)
    for _ in range(3):
        model.step()
    (tmp_path / "run").mkdir()
    model.timeseries().to_parquet(tmp_path / "run" / "timeseries.parquet")
    (tmp_path / "run" / "manifest.json").write_text('{"scenario": {"name": "baseline"}, "seed": 4}')
    runs, name = read_run_folder(tmp_path / "run", "A")
    assert name == "A: run (baseline, seed 4)" and list(runs["date"]) == ["2024-12", "2025-01", "2025-02", "2025-03"]
    with pytest.raises(ValueError, match="not a run folder"):
        read_run_folder(tmp_path, "B")


# --- a problem while drawing ----------------------------------------------------------------------------------

def test_a_problem_while_the_page_draws_is_one_line_and_start_afresh_builds_the_model_again():
    """Issue #12: no traceback, no file contents on the page. A view that fails to draw (here: the first model's
    view raises, with a path and a second line in its message) is replaced by one bounded line and a button; the
    button builds a new model, whose view draws."""
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


def test_the_play_thread_never_interleaves_with_a_click():
    """Session.step and Session.reset hold one lock: a step from Play's thread and a Reset from a click never run
    at once (a reset mid-step would mix two models)."""
    session = Session(Inputs(scenario="baseline", seed=3))
    inside = []
    original = session.model.step

    def slow_step():
        inside.append("in")
        time.sleep(0.2)
        original()
        inside.append("out")

    session.model.step = slow_step
    worker = threading.Thread(target=session.step)
    worker.start()
    time.sleep(0.05)
    session.reset()
    inside.append("reset")
    worker.join()
    assert inside == ["in", "out", "reset"]


def test_pause_waits_for_the_step_in_flight_and_then_no_step_follows():
    """Session.stop (Pause): it returns once the step in flight has ended, and Play's thread (`play_loop`, which
    passes the same event to each step) steps no more: the month read after Pause is the month the page then
    stays at."""
    session = Session(Inputs(scenario="baseline", seed=3))
    paused, stepping, cancel = threading.Event(), threading.Event(), threading.Event()
    original = session.model.step

    def slow_step():
        stepping.set()
        time.sleep(0.2)
        original()

    session.model.step = slow_step
    start = session.model.month_index
    worker = threading.Thread(target=play_loop, args=(session, lambda: None, cancel, paused))
    worker.start()
    stepping.wait(timeout=10)
    session.stop(paused)
    reached = session.model.month_index
    worker.join(timeout=10)
    assert not worker.is_alive() and reached > start, "Pause returned before the step in flight had ended"
    assert session.model.month_index == reached, "a step ran after Pause"


def test_a_step_sends_a_charts_rows_not_its_whole_spec(replay):
    """LiveVega: a spec of the drawn structure changes only the rows and the parameter values (the chart is
    changed in place in the browser); a spec of another structure (another lab's title) is drawn afresh."""
    from viz.live_vega import LiveVega

    frame = run_frame(replay)
    first = charts.hhi_spec(replay.timeseries().iloc[:3], frame)
    widget = LiveVega(spec=first)
    later = charts.hhi_spec(replay.timeseries(), frame)
    widget.show(later)
    # the months after the first three are added, the three kept; bands and markers as shown
    shown = {row["month"] for row in first["datasets"]["hhi"]}
    assert len(shown) == 3 and widget.spec is first and list(widget.changes) == ["hhi"]
    assert widget.changes["hhi"] == {"insert": [row for row in later["datasets"]["hhi"] if row["month"] not in shown]}
    assert widget.signals == {"hhi_top": next(p["value"] for p in later["params"] if p["name"] == "hhi_top")}
    assert newest_month(widget) == replay.date
    fewer = charts.hhi_spec(replay.timeseries().iloc[:2], frame)  # a reset: rows gone, so all of them are sent
    widget.show(fewer)
    assert widget.changes == {"hhi": {"replace": fewer["datasets"]["hhi"]}}
    other = charts.supplier_mix_spec(replay.supply_table(), "Anthropic", frame)
    widget.show(other)
    assert widget.spec is other and widget.changes == {}


def test_a_datasets_change_is_the_rows_added_when_none_was_removed_or_changed():
    from viz.live_vega import dataset_change

    a, b, c = {"month": "2025-01", "v": 1.0}, {"month": "2025-02", "v": 2.0}, {"month": "2025-03", "v": 3.0}
    assert dataset_change([a, b], [a, b]) is None
    assert dataset_change([a, c], [a, b, c]) == {"insert": [b]}  # added in the middle: only it is sent
    assert dataset_change(None, [a]) == {"replace": [a]}
    assert dataset_change([a, b], [a, {**b, "v": 2.5}, c]) == {"replace": [a, {**b, "v": 2.5}, c]}  # b changed
    assert dataset_change([a, b], [b, c, a]) == {"insert": [c]}  # order apart, a and b are kept
    assert dataset_change([a, a], [a, b, c]) == {"replace": [a, b, c]}  # one of the two a's is gone
    assert dataset_change([a, b], [a]) == {"replace": [a]}
    listed = {"month": "2025-01", "dash": [3, 3]}  # lists cannot be matched row by row: all rows are sent
    assert dataset_change([listed], [listed, b]) == {"replace": [listed, b]}


def test_the_same_rows_added_twice_reach_the_browser_twice():
    """Traitlets sends a trait only when its value changes: a dataset that grows by an equal row two steps running
    must still send the second step's change."""
    from viz.live_vega import LiveVega

    row = {"month": "2025-01", "v": 1.0}
    widget = LiveVega(spec={"mark": "point", "datasets": {"d": [row]}})
    sent = []
    widget.observe(lambda change: sent.append(change["new"]), names="changes")
    widget.show({"mark": "point", "datasets": {"d": [row, row]}})
    widget.show({"mark": "point", "datasets": {"d": [row, row, row]}})
    assert [change for change in sent if change] == [{"d": {"insert": [row]}}] * 2


def test_an_ensemble_of_one_configuration_gives_its_median_and_band_over_members(monkeypatch):
    """Without a B, the comparison tab runs A's members alone (seeds 3, 4, 5): a band per month, no difference."""
    original = Inputs.model

    def short(self, seed=None, draw=None):
        model = original(self, seed=seed, draw=draw)
        model.horizon_months = 3
        return model

    monkeypatch.setattr(Inputs, "model", short)
    runs = compare(Inputs(scenario="baseline", seed=3), None, 3, with_draws=False)
    assert set(runs.side) == {"A"} and sorted(set(runs.seed)) == [3, 4, 5]
    band = bands(runs, "provider_hhi_contracted")
    assert set(band.side) == {"A"} and (band.members == 3).all()
    last = runs[runs.date == "2025-03"]["provider_hhi_contracted"]
    row = band[band.date == "2025-03"].iloc[0]
    assert row.p50 == pytest.approx(last.median()) and row.p05 <= row.p50 <= row.p95


def test_reset_to_another_scenario_redraws_every_chart_from_the_new_run():
    """After two steps of the baseline (no scripted events), Reset to the replay: the charts hold the replay's
    start month only and its 29 scripted events as markers."""
    from dataclasses import replace

    session, rc = page(Inputs(scenario="baseline", seed=3))
    for _ in range(2):
        rc.find(v.Btn, children=["Step"]).widget.click()
    session.pending = replace(session.pending, scenario="aws-openai-2025")
    rc.find(v.Btn, children=["Reset"]).widget.click()
    hhi = rc.find(VegaLite).widgets[1]
    assert newest_month(hhi) == "2024-12" and headline(rc, "date") == "2024-12"
    assert len(hhi.rows["markers"]) == len(session.model.spec.events) == 29
