"""The market's state: one numpy array per attribute of each kind of agent, the edge arrays, and the records.

Arrays are the single source of truth: Mesa agents read and write their row, both engines step them. The
columns of each kind are declared once, in `schema.py`.
Row i of `providers` is provider i; a node's global id (graph, equity records) is its row plus its kind's offset.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from . import schema
from .archive import ContractArchive
from .edge_index import ContractEdges
from .records import RecordTable, contract_table, equity_table, order_table
from .schema import EXCLUSIVITY_MODES, PROVIDER_KINDS, VENDOR_KINDS  # noqa: F401 (re-exported)

NODE_KINDS = ("vendor", "provider", "lab", "regulator", "investor")
FUNDS = "Funds"  # the investor node standing for venture, sovereign and other funds in endogenous funding rounds
NO_EXCLUSIVITY, RIGHT_OF_FIRST_REFUSAL, EXCLUSIVE = range(len(EXCLUSIVITY_MODES))


class AgentTable:
    """The arrays of one kind of agent, one attribute per column declared in `schema.py` (row i is agent i).

    Built with the columns that have no default (and any others given); the rest start at their defaults.
    """

    declaration: schema.Table

    def __init__(self, **values):
        declared = self.declaration
        unknown = set(values) - set(declared.names())
        if unknown:
            raise ValueError(f"{declared.kind}: unknown columns {sorted(unknown)}")
        n = len(values["name"])
        for column in declared.columns:
            if column.name in values:
                value = values[column.name]
            elif column.default is None:
                raise ValueError(f"{declared.kind}: column {column.name!r} must be given")
            else:
                value = column.default
            setattr(self, column.name, _column_array(column, value, n))

    def __len__(self):
        return len(self.name)


def _column_array(column: schema.Column, value, n: int):
    if column.dtype == "str":
        return [value] * n if isinstance(value, str) else list(value)
    shape = (n, column.width) if column.width else (n,)
    if np.ndim(value) == 0:
        return np.full(shape, value, dtype=column.numpy_dtype)
    array = np.array(value, dtype=column.numpy_dtype)
    if array.shape != shape:
        raise ValueError(f"column {column.name!r} has shape {array.shape}, expected {shape}")
    return array


class Vendors(AgentTable):
    declaration = schema.VENDOR


class Providers(AgentTable):
    declaration = schema.PROVIDER

    @property
    def pipeline_total_h100e(self) -> np.ndarray:
        return self.pipeline_h100e.sum(axis=1) + self.waiting_power_h100e


class Labs(AgentTable):
    declaration = schema.LAB


class Regulators(AgentTable):
    declaration = schema.REGULATOR


@dataclass
class Edges:
    """Compiled `eligible` and `supply` edges of the graph.

    Eligible edges (lab may negotiate with provider) are sorted by (lab, provider); `lab_start[l]:lab_start[l+1]`
    are lab l's edges. `relationship` grows as contracts are signed on an edge.
    """
    lab: np.ndarray
    provider: np.ndarray
    relationship: np.ndarray
    lab_start: np.ndarray
    supply_vendor: np.ndarray
    supply_provider: np.ndarray
    supply_weight: np.ndarray
    supply_blocked: np.ndarray            # bool: cut by an export control


@dataclass
class MarketState:
    """Everything the phases read and write. `month` is the index of the month being simulated (0 = start)."""
    vendors: Vendors
    providers: Providers
    labs: Labs
    regulators: Regulators
    edges: Edges
    contracts: RecordTable = field(default_factory=contract_table)
    orders: RecordTable = field(default_factory=order_table)
    equity: RecordTable = field(default_factory=equity_table)
    investors: list[str] = field(default_factory=list)  # investors outside the market (SoftBank...): nodes only
    month: int = -1
    spot_price_usd_per_h100e_hour: float = 0.0
    breaches: int = 0
    topology_version: int = 0
    contract_edges: ContractEdges = field(default_factory=ContractEdges)  # see edge_index.contract_edges
    contract_archive: ContractArchive = field(default_factory=ContractArchive)  # closed contracts: archive.py

    def node_offset(self, kind: str) -> int:
        sizes = {"vendor": len(self.vendors), "provider": len(self.providers), "lab": len(self.labs),
                 "regulator": len(self.regulators)}
        offset = 0
        for k in NODE_KINDS:
            if k == kind:
                return offset
            offset += sizes.get(k, 0)
        raise KeyError(kind)

    def node_names(self) -> list[str]:
        return self.vendors.name + self.providers.name + self.labs.name + self.regulators.name + self.investors

    def node_index(self, name: str) -> int:
        """Position of the first node named `name` in `node_names()`, without building that list (100,000 labs)."""
        offset = 0
        for names in (self.vendors.name, self.providers.name, self.labs.name, self.regulators.name, self.investors):
            try:
                return offset + names.index(name)
            except ValueError:
                offset += len(names)
        raise ValueError(f"no node is named {name!r}")

    def node_kinds(self) -> list[str]:
        return (["vendor"] * len(self.vendors) + ["provider"] * len(self.providers)
                + ["lab"] * len(self.labs) + ["regulator"] * len(self.regulators) + ["investor"] * len(self.investors))

    def copy(self) -> "MarketState":
        return copy.deepcopy(self)
