"""Mesa's DataCollector for this model: the model-level records as Mesa keeps them, and the agent-level records
read from the model's array panel (`model/panel.py`) instead of asking every agent for every column every month.

Mesa's `get_agent_vars_dataframe()` and the `_agent_records` that Mesa's `batch_run` reads are built from the
panel when they are asked for, indexed as Mesa indexes them (Step = `model.time` of the collection, AgentID =
the agent's `unique_id`), so DataCollector and batch_run users get every agent column of `agents.parquet`.
batch_run merges a run's model-level and agent-level values into one row, so an agent column that has the name
of a model-level metric (`demand_h100e`, `capacity_h100e`...) is `agent_demand_h100e` there.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from . import schema


class MarketDataCollector(mesa.DataCollector):
    def __init__(self, model, model_reporters: dict):
        super().__init__(model_reporters=model_reporters)
        self.model = model
        # declared, as Mesa declares them (an attribute name each); the values come from the panel
        self.columns = {(f"agent_{name}" if name in model_reporters else name): name for name in agent_columns()}
        self.agent_reporters = {shown: name for shown, name in self.columns.items()}
        self._time_of_month: dict[int, float] = {}

    def collect(self, model) -> None:
        """Mesa's collection of the model reporters; the agents' rows are in the model's panel already."""
        reporters, self.agent_reporters = self.agent_reporters, {}
        try:
            super().collect(model)
        finally:
            self.agent_reporters = reporters
        self._time_of_month[int(model.state.month)] = model.time

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """One row per agent per recorded month, indexed by (Step, AgentID) as Mesa's is."""
        panel, state = self.model.agent_table(), self.model.state
        kinds = {declared.kind: declared.attribute for declared in schema.AGENT_TABLES}
        ids = {(kind, getattr(state, kinds[kind]).name[agent.row]): agent.unique_id
               for kind, agents in self.model.ctx.agents.items() for agent in agents}
        agent = [ids[pair] for pair in zip(panel["kind"], panel["name"])]
        frame = panel.assign(Step=panel["month_index"].map(self._time_of_month).to_numpy(),
                             AgentID=np.asarray(agent, dtype=np.int64))
        return frame.set_index(["Step", "AgentID"])[list(self.columns.values())].set_axis(list(self.columns), axis=1)

    @property
    def _agent_records(self) -> dict:
        """{Step: [(Step, AgentID, value per agent reporter...)]}, the layout Mesa's batch_run reads."""
        frame = self.get_agent_vars_dataframe()
        records: dict = {}
        for (step, agent), values in zip(frame.index, frame.itertuples(index=False, name=None)):
            records.setdefault(step, []).append((step, agent, *values))
        return records

    @_agent_records.setter
    def _agent_records(self, value) -> None:
        pass  # Mesa's constructor sets an empty dict; the records come from the panel


def agent_columns() -> list[str]:
    """The agent-level columns, as `agents.parquet` has them (kind and name first)."""
    return [column for column in schema.panel_dtypes() if column not in ("month_index",)]
