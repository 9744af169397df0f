"""The common base of the four agent kinds: a Mesa FixedAgent on its node of the network, holding its row."""

from __future__ import annotations

from mesa.discrete_space import FixedAgent


class MarketAgent(FixedAgent):
    """An agent whose state lives in row `row` of the model's arrays for its kind."""

    kind = "agent"

    def __init__(self, model, row: int, cell=None):
        super().__init__(model)
        self.row = int(row)
        if cell is not None:
            self.cell = cell

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
