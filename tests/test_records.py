"""The per-agent panel and the supply records are kept as arrays and become DataFrames once (issue #12): the
result is the same, value for value and type for type, as building a DataFrame every month the obvious way."""

import numpy as np
import pandas as pd
import pytest

from model import ComputeMarket, schema


def month_frame(model) -> pd.DataFrame:
    """This month's panel built the obvious way: one DataFrame per kind from the state (or the metrics phase),
    concatenated (how the model built it every month before issue #12)."""
    frames = []
    for declared in schema.AGENT_TABLES:
        table, computed = getattr(model.state, declared.attribute), model.ctx.per_agent.get(declared.kind, {})
        frame = pd.DataFrame({name: np.array(computed[name] if name in computed else getattr(table, name), copy=True)
                              for name in declared.panel()})
        frame.insert(0, "name", table.name)
        frame.insert(0, "kind", declared.kind)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "date", model.date)
    out.insert(0, "month_index", model.state.month)
    return out


def supply_frame(model) -> pd.DataFrame:
    frame = pd.DataFrame(model.ctx.supply)
    frame.insert(0, "date", model.date)
    frame.insert(0, "month_index", model.state.month)
    return frame


@pytest.mark.parametrize("engine", ["vectorized", "agents"])
def test_the_buffered_panel_and_supply_records_equal_the_month_by_month_frames(engine):
    model = ComputeMarket(scenario="aws-openai-2025", rng=3, engine=engine, horizon_months=8)
    panels, supplies = [month_frame(model)], [supply_frame(model)]
    for _ in range(8):
        model.step()
        panels.append(month_frame(model))
        supplies.append(supply_frame(model))
    dtypes = schema.panel_dtypes()
    expected = pd.concat(panels, ignore_index=True).reindex(columns=list(dtypes)).astype(dtypes)
    pd.testing.assert_frame_equal(model.agent_table(), expected, check_exact=True)
    supply = model.supply_table().drop(columns=["lab_name", "provider_name"])
    pd.testing.assert_frame_equal(supply, pd.concat(supplies, ignore_index=True), check_exact=True)
    assert len(expected) == 9 * sum(len(getattr(model.state, t.attribute)) for t in schema.AGENT_TABLES)
