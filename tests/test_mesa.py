"""Mesa interoperability: agents as array views, the network space, batch_run, DataCollector."""

import mesa
import networkx as nx
import pandas as pd
import pytest

from agents import AILab, CloudProvider, HardwareVendor, Regulator
from model import ComputeMarket
from model.network import build_graph, compile_edges_from_graph
from model.views import LabView, ProviderView, RegulatorView, VendorView


@pytest.mark.parametrize("engine, classes", [
    ("vectorized", (VendorView, ProviderView, LabView, RegulatorView)),
    ("agents", (HardwareVendor, CloudProvider, AILab, Regulator))])
def test_each_engine_places_its_agent_classes(engine, classes):
    model = ComputeMarket(rng=1, engine=engine)
    sizes = (len(model.state.vendors), len(model.state.providers), len(model.state.labs), len(model.state.regulators))
    assert {cls: len(agents) for cls, agents in model.agents_by_type.items()} == dict(zip(classes, sizes))


def test_agents_read_and_write_their_rows():
    model = ComputeMarket(rng=1)
    aws = model.agent("AWS")
    assert aws.capacity_h100e == model.state.providers.capacity_h100e[aws.row]
    aws.capacity_h100e = 123.0
    assert model.state.providers.capacity_h100e[aws.row] == 123.0
    model.state.labs.demand_h100e[model.agent("OpenAI").row] = 7.0
    assert model.agent("OpenAI").demand_h100e == 7.0
    # two live models do not share arrays
    other = ComputeMarket(rng=1)
    assert other.agent("AWS").capacity_h100e != 123.0
    # an attribute reads as a plain Python value, as Mesa's tools expect; a name is read-only
    assert type(aws.capacity_h100e) is float and type(aws.defaulted) is bool and aws.name == "AWS"
    with pytest.raises(AttributeError, match="name is read-only"):
        aws.name = "Amazing Cloud"


def test_agents_sit_on_the_network_space_and_selection_works():
    model = ComputeMarket(rng=1)
    openai = model.agent("OpenAI")
    assert openai.cell is model.grid[openai.name]
    assert model.agent("Microsoft Azure") in list(openai.cell.neighborhood.agents)
    big = model.agents_by_type[ProviderView].select(lambda a: a.capacity_h100e > 400_000)
    assert {a.name for a in big} == {"AWS", "Microsoft Azure", "Google Cloud", "Meta Infrastructure"}


def test_time_advances_with_mesa_and_running_stops_at_the_horizon():
    model = ComputeMarket(rng=1, horizon_months=3)
    model.run_model()
    assert model.time == 3.0 and model.month_index == 2 and model.date == "2025-03"
    assert not model.running


def test_batch_run_returns_model_level_records():
    results = mesa.batch_run(ComputeMarket, {"n_small_labs": [10, 20]}, rng=[1, 2], max_steps=12,
                             number_processes=1, data_collection_period=-1, display_progress=False)
    frame = pd.DataFrame(results).drop_duplicates("RunId")  # one row per agent of each run, the run's first here
    assert len(frame) == 4
    assert set(frame["rng"]) == {1, 2}
    assert (frame["Step"] == 12).all()
    assert frame["provider_hhi_revenue"].between(0, 10_000).all()
    assert frame["demand_h100e"].nunique() == 4  # the market's; each agent's is agent_demand_h100e


def test_batch_run_returns_agent_level_records_too():
    """Issue #12: Mesa's batch_run users get the agent-level records (one row per agent, with its id and every
    column of agents.parquet), though the model keeps them as arrays. The baseline has 67 agents; at Step 3
    (2025-03) AWS's capacity is the panel's own value for that month."""
    results = pd.DataFrame(mesa.batch_run(ComputeMarket, {"horizon_months": [3]}, rng=[1], max_steps=3,
                                          number_processes=1, data_collection_period=1, display_progress=False))
    last = results[results["Step"] == 3]
    assert len(last) == 67 and last["AgentID"].is_unique
    aws = last[(last["kind"] == "provider") & (last["name"] == "AWS")]
    model = ComputeMarket(rng=1, horizon_months=3)
    model.run_model()
    panel = model.agent_table()
    expected = panel[(panel["date"] == "2025-03") & (panel["name"] == "AWS")]["capacity_h100e"].iloc[0]
    assert aws["agent_capacity_h100e"].iloc[0] == expected and aws["agent_date"].iloc[0] == "2025-03"


def test_datacollector_sees_the_agent_level_records():
    """get_agent_vars_dataframe(): indexed by (Step, AgentID) as Mesa's, one row per agent per month (Step 0 is
    the start), values those of agent_table(); the AgentIDs are the agents' unique_ids."""
    model = ComputeMarket(rng=2)
    for _ in range(2):
        model.step()
    frame = model.datacollector.get_agent_vars_dataframe()
    assert frame.index.names == ["Step", "AgentID"]
    assert sorted(set(frame.index.get_level_values("Step"))) == [0.0, 1.0, 2.0]
    assert len(frame) == 3 * len(model.agents)
    assert set(frame.index.get_level_values("AgentID")) == {agent.unique_id for agent in model.agents}
    openai = model.agent("OpenAI")
    row = frame.loc[(2.0, openai.unique_id)]
    panel = model.agent_table()
    expected = panel[(panel["month_index"] == 1) & (panel["name"] == "OpenAI")].iloc[0]
    assert row["agent_demand_h100e"] == expected["demand_h100e"] and row["kind"] == "lab"


def test_datacollector_holds_every_metric_each_month():
    model = ComputeMarket(rng=1)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 4
    assert list(frame["date"]) == ["2024-12", "2025-01", "2025-02", "2025-03"]


def test_graph_compiles_to_the_edge_arrays_and_refreshes_from_them(tmp_path):
    model = ComputeMarket(rng=1)
    graph = model.graph
    kinds = {d["kind"] for _, _, d in graph.edges(data=True)}
    assert kinds == {"eligible", "supply", "equity", "oversight", "contract"}
    compiled = compile_edges_from_graph(build_graph(model.state), model.state)
    assert (compiled.lab == model.state.edges.lab).all() and (compiled.provider == model.state.edges.provider).all()
    contracts_before = sum(1 for *_, d in graph.edges(data=True) if d["kind"] == "contract")
    for _ in range(2):
        model.step()
    contracts_after = sum(1 for *_, d in model.graph.edges(data=True) if d["kind"] == "contract")
    assert contracts_after > contracts_before
    assert model.graph.graph["month_index"] == 1
    path = tmp_path / "g.graphml"
    nx.write_graphml(model.graph, path)
    assert nx.read_graphml(path).number_of_nodes() == graph.number_of_nodes()


def test_editing_the_graph_and_recompiling_changes_who_may_trade():
    model = ComputeMarket(rng=1)
    graph = model.graph
    mistral_edges = [(a, b, k) for a, b, k, d in graph.edges(keys=True, data=True)
                     if d["kind"] == "eligible" and b == "Mistral" and a != "Microsoft Azure"]
    assert mistral_edges
    graph.remove_edges_from(mistral_edges)  # Mistral may now negotiate with Microsoft Azure only
    model.recompile_graph()
    mistral = model.state.labs.name.index("Mistral")
    e = model.state.edges
    allowed = {model.state.providers.name[p] for p in e.provider[e.lab == mistral]}
    assert allowed == {"Microsoft Azure"}
    for _ in range(3):
        model.step()
    contracts = model.contract_table()
    assert set(contracts.loc[contracts.buyer_name == "Mistral", "seller_name"]) <= {"Microsoft Azure"}


def test_bad_engine_or_parameter_is_refused():
    with pytest.raises(ValueError, match="unknown engine 'fast'"):
        ComputeMarket(engine="fast")
    with pytest.raises(ValueError, match="unknown parameter 'speed'"):
        ComputeMarket(speed=3)
    with pytest.raises(ValueError, match="parameter 'n_small_labs' must be int"):
        ComputeMarket(n_small_labs=2.5)
