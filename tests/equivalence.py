"""What 'the two engines agree' means: every record, table and state array equal to a relative 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import schema

RTOL = ATOL = 1e-9


def assert_same_run(fast, slow) -> None:
    """`fast` (vectorized) and `slow` (agents) models, stepped alike, hold the same records and state."""
    for table in ("timeseries", "contract_table", "agent_table", "supply_table", "order_table", "equity_table",
                  "event_log"):
        pd.testing.assert_frame_equal(getattr(fast, table)(), getattr(slow, table)(), rtol=RTOL, atol=ATOL,
                                      obj=table)
    for declared in schema.AGENT_TABLES:
        a, b = getattr(fast.state, declared.attribute), getattr(slow.state, declared.attribute)
        for column in declared.columns:
            x, y = getattr(a, column.name), getattr(b, column.name)
            if column.dtype == "str":
                assert x == y, f"{declared.kind}.{column.name}"
            else:
                np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=f"{declared.kind}.{column.name}")
    e, f = fast.state.edges, slow.state.edges
    for name in ("lab", "provider", "relationship", "lab_start", "supply_blocked"):
        np.testing.assert_allclose(getattr(e, name), getattr(f, name), rtol=RTOL, atol=ATOL, err_msg=f"edges.{name}")
    assert fast.state.breaches == slow.state.breaches
