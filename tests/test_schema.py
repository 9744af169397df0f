"""One declaration: the state, the records, the agents' properties, the panel, Parquet and the docs follow it."""

import numpy as np
import pyarrow.parquet as pq
import pytest

from model import ComputeMarket, schema
from model.records import RecordTable
from model.schema_doc import ODD, current_doc
from model.views import VIEWS


def test_the_odd_tables_are_the_declarations():
    text = ODD.read_text()
    assert current_doc(text) == text, "docs/ODD.md §9 is stale: run python -m model.schema_doc"


def test_every_declared_column_is_a_state_array_and_an_agent_property():
    model = ComputeMarket(rng=1, n_small_labs=3)
    for declared in schema.AGENT_TABLES:
        table = getattr(model.state, declared.attribute)
        agent = model.ctx.agents[declared.kind][0]
        assert isinstance(agent, VIEWS[declared.kind])
        for column in declared.columns:
            array = getattr(table, column.name)
            assert len(array) == len(table)
            if column.dtype != "str":
                assert array.dtype == column.numpy_dtype, column.name
            if not column.width:
                assert getattr(agent, column.name) == (array[0].item() if hasattr(array[0], "item") else array[0])


def test_a_record_row_takes_its_declared_defaults():
    contracts = RecordTable(schema.CONTRACT)
    contracts.append(seller=1, quantity_h100e=10.0, price_usd_per_h100e_hour=2.0, value_usd_bn=0.1, start_step=0,
                     duration_months=12, end_step=12, proposed_step=0)
    assert contracts.buyer_lab[0] == -1 and contracts.closed_step[0] == schema.NO_MONTH
    with pytest.raises(ValueError, match="missing columns \\['seller'\\]"):
        contracts.append(quantity_h100e=1.0, price_usd_per_h100e_hour=1.0, value_usd_bn=1.0, start_step=0,
                         duration_months=1, end_step=1, proposed_step=0)
    with pytest.raises(ValueError, match="unknown columns \\['colour'\\]"):
        contracts.append(colour="red")


def test_a_record_tables_columns_follow_its_rows_through_growth_keep_take_copy_and_pickling():
    """Columns are views kept beside the arrays: each must show the table's rows and write through to them."""
    import pickle

    contracts = RecordTable(schema.CONTRACT, capacity=2)
    row = dict(seller=1, quantity_h100e=5.0, price_usd_per_h100e_hour=2.0, value_usd_bn=5.0, start_step=0,
               duration_months=12, end_step=12, proposed_step=0)
    contracts.append(**row)
    contracts.append(**{**row, "quantity_h100e": np.array([6.0, 7.0]), "value_usd_bn": 1.0})  # grows past 2
    assert contracts.quantity_h100e.tolist() == [5.0, 6.0, 7.0] and contracts.id.tolist() == [0, 1, 2]
    contracts.value_usd_bn[1] = 0.5  # a cell written through the view...
    contracts.value_usd_bn += 1.0  # ...and a whole column
    assert contracts.value_usd_bn.tolist() == [6.0, 1.5, 2.0]
    contracts.keep(contracts.quantity_h100e > 5.5)
    assert len(contracts) == 2 and contracts.quantity_h100e.tolist() == [6.0, 7.0] and contracts.id.tolist() == [1, 2]
    taken, copied = contracts.take(np.array([1])), contracts.copy()
    unpickled = pickle.loads(pickle.dumps(contracts))
    assert taken.quantity_h100e.tolist() == [7.0] and taken.id.tolist() == [2]
    for other in (copied, unpickled):
        other.value_usd_bn[0] = 9.0
        other.append(**row)
        assert other.value_usd_bn.tolist() == [9.0, 2.0, 5.0] and other.id.tolist() == [1, 2, 3]
    assert contracts.value_usd_bn.tolist() == [1.5, 2.0], "a copy wrote into the original"
    contracts.n = 1
    assert contracts.quantity_h100e.tolist() == [6.0] and len(contracts.seller) == 1
    # a column named like one of the table's own attributes would hide it (or be hidden)
    own = set(dir(RecordTable)) | set(RecordTable(schema.CONTRACT).__getstate__())
    assert not {c.name for t in schema.RECORD_TABLES for c in t.columns} & own


def test_the_panel_and_its_parquet_file_have_the_declared_columns_and_types(tmp_path):
    model = ComputeMarket(rng=1, n_small_labs=3, horizon_months=2)
    model.step()
    panel = model.agent_table()
    assert list(panel.columns) == list(schema.panel_dtypes())
    path = tmp_path / "agents.parquet"
    panel.to_parquet(path, index=False)
    types = {field.name: str(field.type) for field in pq.read_schema(path)}
    assert types["supplier_count"] == "int64" and types["reviews"] == "int64"
    assert types["defaulted"] == "bool" and types["capacity_h100e"] == "double"
    labs = panel[panel.kind == "lab"]
    assert labs["capacity_h100e"].isna().all() and not labs["demand_h100e"].isna().any()
    assert np.isclose(labs[labs.name == "OpenAI"].demand_h100e.iloc[-1], model.agent("OpenAI").demand_h100e)


def test_adding_an_attribute_is_one_declaration(monkeypatch):
    """The example of docs/extending.md: one Column, and the state, the agents and the panel have it."""
    column = schema.Column("energy_cost_usd_per_mwh", "float", 60.0, "power price paid", panel=True)
    monkeypatch.setattr(schema, "PROVIDER", schema.Table(
        "provider", "providers", schema.PROVIDER.columns + (column,), schema.PROVIDER.derived, schema.PROVIDER.meaning))
    monkeypatch.setattr(schema, "AGENT_TABLES", (schema.VENDOR, schema.PROVIDER, schema.LAB, schema.REGULATOR))
    from model import state as state_module
    from model import views
    monkeypatch.setattr(state_module.Providers, "declaration", schema.PROVIDER)
    monkeypatch.setitem(views.VIEWS, "provider", views.view_class(schema.PROVIDER, "ProviderView", "test"))
    model = ComputeMarket(rng=1, n_small_labs=3, horizon_months=2)
    assert (model.state.providers.energy_cost_usd_per_mwh == 60.0).all()
    aws = model.agent("AWS")
    aws.energy_cost_usd_per_mwh = 75.0
    assert model.state.providers.energy_cost_usd_per_mwh[aws.row] == 75.0
    model.step()
    panel = model.agent_table()
    assert panel.loc[(panel.name == "AWS") & (panel.month_index == 0), "energy_cost_usd_per_mwh"].item() == 75.0


def test_each_contract_records_its_hardware_generation_by_its_first_month():
    from model.market import hardware_generation
    months = np.array(["2024-03", "2025-06", "2025-07", "2026-12", "2027-01", "2030-05"], dtype=object)
    assert list(hardware_generation(months)) == ["Hopper", "Hopper", "Blackwell", "Blackwell", "Rubin", "Rubin"]
