"""Mesa agents as views onto the model's arrays: one class per agent kind, with a read-write property for every
column that `schema.py` declares for that kind (`agent.capacity_h100e` is `state.providers.capacity_h100e[row]`).

These are the agents the `vectorized` engine places on the network; the `agents` engine places subclasses
(`agents/`) that add each kind's own reference rules.
"""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

from . import schema


class ArrayField:
    """agent.<name> <-> model.state.<table>.<name>[agent.row] (looked up on the agent's own model each time, so
    many models can live side by side)."""

    def __init__(self, attribute: str, column: schema.Column):
        self.attribute, self.name = attribute, column.name
        self.text = column.dtype == "str"  # a list in AgentTable, and read-only (names, regions)
        self.__doc__ = column.meaning

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        column = getattr(getattr(agent.model.state, self.attribute), self.name)
        # an array's .item(row) gives the Python number in one call
        return column[agent.row] if self.text else column.item(agent.row)

    def __set__(self, agent, value):
        if self.text:
            raise AttributeError(f"{self.name} is read-only")
        getattr(getattr(agent.model.state, self.attribute), self.name)[agent.row] = value


class MarketAgent(FixedAgent):
    """An agent whose state lives in row `row` of the model's arrays for its kind."""

    agent_kind = "agent"  # "vendor", "provider", "lab" or "regulator" (`kind` is the vendors' and providers' column)

    def __init__(self, model, row: int, cell=None):
        super().__init__(model)
        self.row = int(row)
        if cell is not None:
            self.cell = cell

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def view_class(declaration: schema.Table, class_name: str, doc: str) -> type:
    """A MarketAgent subclass with one ArrayField per declared column of one row (matrices are left out)."""
    fields = {column.name: ArrayField(declaration.attribute, column)
              for column in declaration.columns if not column.width}
    return type(class_name, (MarketAgent,), {"agent_kind": declaration.kind, "__doc__": doc,
                                             "__module__": __name__, **fields})


VendorView = view_class(schema.VENDOR, "VendorView", "A hardware vendor, as a view onto its row.")
ProviderView = view_class(schema.PROVIDER, "ProviderView", "A cloud provider or self-builder, as a view onto its row.")
LabView = view_class(schema.LAB, "LabView", "An AI lab, as a view onto its row.")
RegulatorView = view_class(schema.REGULATOR, "RegulatorView", "A competition authority, as a view onto its row.")

VIEWS = {"vendor": VendorView, "provider": ProviderView, "lab": LabView, "regulator": RegulatorView}
