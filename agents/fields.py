"""`ArrayField`: an agent attribute that reads and writes its row of the model's arrays.

The descriptor is per class but looks the array up on the agent's own model each time, so many models can
live side by side (batch runs, tests) and the arrays stay the single source of truth.
"""

from __future__ import annotations


class ArrayField:
    """agent.<name> <-> model.state.<table>.<name>[agent.row]."""

    def __init__(self, table: str, doc: str = ""):
        self.table = table
        self.__doc__ = doc

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        value = getattr(getattr(agent.model.state, self.table), self.name)[agent.row]
        return value.item() if hasattr(value, "item") else value

    def __set__(self, agent, value):
        getattr(getattr(agent.model.state, self.table), self.name)[agent.row] = value


class NameField:
    """agent.name: the name in the data files (read-only)."""

    def __init__(self, table: str):
        self.table = table

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.model.state, self.table).name[agent.row]
