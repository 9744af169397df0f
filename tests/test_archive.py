"""The archive of closed contracts (issue #12, item 3): moving closed contracts out of the records the phases
scan changes no output, on either engine, and the records then hold only the contracts still open."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model import ComputeMarket, scenario_names
from model.archive import CLOSED, all_contracts
from model.network import write_graphml
from model.records import BLOCKED

OUTPUTS = ("timeseries", "contract_table", "agent_table", "supply_table", "order_table", "equity_table", "event_log")
NEVER = 10**9


def stepped(scenario: str, steps: int, engine: str, min_rows: int, seed: int = 1) -> ComputeMarket:
    model = ComputeMarket(scenario=scenario, engine=engine, rng=seed, contract_archive_min_rows=min_rows)
    for _ in range(steps):
        model.step()
    return model


def assert_same_outputs(a: ComputeMarket, b: ComputeMarket, tmp_path) -> None:
    """Every table bit for bit (no tolerance), the risk tables and the written graph."""
    for table in OUTPUTS:
        pd.testing.assert_frame_equal(getattr(a, table)(), getattr(b, table)(), check_exact=True, obj=table)
    for x, y in zip(a.risk(), b.risk()):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    write_graphml(a.graph, tmp_path / "a.graphml")
    write_graphml(b.graph, tmp_path / "b.graphml")
    assert (tmp_path / "a.graphml").read_bytes() == (tmp_path / "b.graphml").read_bytes()


@pytest.mark.parametrize("scenario", ["baseline", "aws-openai-2025", "regulator-strict"])
def test_archiving_closed_contracts_changes_no_output(scenario, tmp_path):
    """Archiving whenever a quarter of the records are closed against never archiving: the same bytes in every
    output after 72 months (the regulator scenario blocks deals, which a cumulative metric counts)."""
    often, never = stepped(scenario, 72, "vectorized", 1), stepped(scenario, 72, "vectorized", NEVER)
    archived = often.state.contract_archive
    assert len(archived) > 0 and len(never.state.contract_archive) == 0
    assert len(often.state.contracts) + len(archived) == len(never.state.contracts)
    assert_same_outputs(often, never, tmp_path)


def test_the_agents_engine_archives_alike(tmp_path):
    often, never = stepped("regulator-strict", 36, "agents", 1), stepped("regulator-strict", 36, "agents", NEVER)
    assert len(often.state.contract_archive) > 0
    assert_same_outputs(often, never, tmp_path)


def test_the_records_hold_the_open_contracts_and_the_archive_the_closed(tmp_path):
    """After archiving, of the contracts the phases scan fewer than a quarter closed before the last month (the
    share that may wait for the next move); the archive holds only closed ones; ids run 0..n-1 over both, and
    the blocked count carries over."""
    model = stepped("regulator-strict", 72, "vectorized", 1)
    live, archive = model.state.contracts, model.state.contract_archive
    assert np.isin(archive.table.status, CLOSED).all()
    waiting = np.isin(live.status, CLOSED) & (live.closed_step < model.state.month - 1)
    assert waiting.mean() < 0.25
    every = all_contracts(model.state)
    assert list(every.id) == list(range(len(every)))
    blocked = int(np.count_nonzero(every.status == BLOCKED))
    assert blocked > 0 and model.timeseries()["contracts_blocked"].iloc[-1] == blocked


def test_archiving_changes_nothing_in_a_generated_market(tmp_path):
    """Thousands of small labs (funding rounds read last month's deliveries, which a contract closed last month
    still has): archiving as often as possible against never, 36 months, every output the same."""
    def generated(min_rows):
        model = ComputeMarket(market="generated", n_small_labs=1000, generated_providers=50,
                              small_lab_eligible_providers=10, generated_vendors=4, rng=3,
                              contract_archive_min_rows=min_rows)
        for _ in range(36):
            model.step()
        return model
    often = generated(1)
    assert len(often.state.contract_archive) > 1000
    assert_same_outputs(often, generated(NEVER), tmp_path)


@pytest.mark.extended
@pytest.mark.parametrize("scenario", [s for s in scenario_names() if s not in ("baseline", "aws-openai-2025",
                                                                             "regulator-strict")])
def test_archiving_changes_no_output_in_any_library_scenario(scenario, tmp_path):
    assert_same_outputs(stepped(scenario, 72, "vectorized", 1, seed=2), stepped(scenario, 72, "vectorized", NEVER,
                                                                                 seed=2), tmp_path)
