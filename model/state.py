"""The market's state: one numpy array per attribute of each kind of agent, the edge arrays, and the records.

Arrays are the single source of truth: Mesa agents read and write their row, both engines step them.
Row i of `providers` is provider i; a node's global id (graph, equity records) is its row plus its kind's offset.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .edge_index import ContractEdges
from .records import RecordTable, contract_table, equity_table, order_table

VENDOR_KINDS = ("merchant", "custom", "captive")
PROVIDER_KINDS = ("hyperscaler", "neocloud", "other", "self_builder")
NODE_KINDS = ("vendor", "provider", "lab", "regulator", "investor")
# Exclusivity of a lab's compute: none, right of first refusal (holder is asked first), exclusive (holder only).
EXCLUSIVITY_MODES = ("none", "rofr", "exclusive")
NO_EXCLUSIVITY, RIGHT_OF_FIRST_REFUSAL, EXCLUSIVE = range(3)


@dataclass
class Vendors:
    """Hardware vendors: production in h100e per month, unit price in USD per h100e."""
    name: list[str]
    kind: np.ndarray                      # index into VENDOR_KINDS
    captive_owner: np.ndarray             # provider row, or -1
    region: list[str]
    production_h100e_per_month: np.ndarray
    production_growth_per_month: np.ndarray
    price_usd_per_h100e: np.ndarray
    base_price_usd_per_h100e: np.ndarray
    lead_time_months: np.ndarray
    inventory_h100e: np.ndarray
    shipped_h100e: np.ndarray             # this month
    revenue_usd_bn: np.ndarray            # this month
    backlog_h100e: np.ndarray             # open orders after this month's shipments
    export_blocked: np.ndarray            # bool: under an export control, ships to no provider outside its region

    def __len__(self):
        return len(self.name)


@dataclass
class Providers:
    """Cloud providers and self-builders: capacity in h100e, prices in USD per h100e-hour, money in USD bn."""
    name: list[str]
    kind: np.ndarray                      # index into PROVIDER_KINDS
    region: list[str]
    captive_lab: np.ndarray               # lab row served in-house, or -1
    capacity_h100e: np.ndarray            # installed
    pipeline_h100e: np.ndarray            # (providers, months) ring buffer: chips delivered, site not finished
    waiting_power_h100e: np.ndarray       # finished but waiting for power
    power_limit_h100e: np.ndarray
    power_growth_per_month: np.ndarray    # power limit grows by this share each month
    capex_usd_per_h100e: np.ndarray       # blended over the fleet
    cost_of_capital: np.ndarray
    useful_life_years: np.ndarray
    opex_usd_per_h100e_hour: np.ndarray
    markup: np.ndarray
    reliability: np.ndarray
    site_lead_time_months: np.ndarray
    outage_share: np.ndarray              # share of capacity offline this month
    outage_months_left: np.ndarray
    cash_usd_bn: np.ndarray
    debt_usd_bn: np.ndarray               # borrowed to cover shortfalls
    non_ai_revenue_usd_bn_per_month: np.ndarray
    unit_cost_usd_per_h100e_hour: np.ndarray
    list_price_usd_per_h100e_hour: np.ndarray
    utilisation: np.ndarray
    committed_h100e: np.ndarray           # full quantity of active and approved contracts sold
    open_orders_h100e: np.ndarray
    contract_revenue_usd_bn: np.ndarray   # this month, from contracts sold
    spot_revenue_usd_bn: np.ndarray       # this month
    wholesale_cost_usd_bn: np.ndarray     # this month, capacity bought from other providers
    delivered_h100e: np.ndarray           # this month, on contracts sold
    leased_in_h100e: np.ndarray           # this month, capacity delivered to it by other providers
    spot_sold_h100e: np.ndarray           # this month
    capex_spend_usd_bn: np.ndarray        # this month
    stranded_usd_bn: np.ndarray           # cumulative remaining value of contracts lost to breaches
    profit_usd_bn: np.ndarray             # this month, accrual: revenue - leases - opex - depreciation

    def __len__(self):
        return len(self.name)

    @property
    def pipeline_total_h100e(self) -> np.ndarray:
        return self.pipeline_h100e.sum(axis=1) + self.waiting_power_h100e


@dataclass
class Labs:
    """AI labs: demand in h100e, revenue in USD bn per month, prices in USD per h100e-hour."""
    name: list[str]
    region: list[str]
    frontier: np.ndarray                  # bool: a named lab from the data files
    self_provider: np.ndarray             # provider row of its own fleet, or -1
    demand_h100e: np.ndarray
    demand_growth_per_month: np.ndarray
    revenue_usd_bn_per_month: np.ndarray
    revenue_growth_per_month: np.ndarray
    cash_usd_bn: np.ndarray
    wtp_usd_per_h100e_hour: np.ndarray
    diversification_aversion: np.ndarray
    contract_months: np.ndarray
    exclusivity_mode: np.ndarray          # index into EXCLUSIVITY_MODES
    exclusive_provider: np.ndarray        # provider row holding exclusivity or first refusal, or -1
    arrears_months: np.ndarray
    defaulted: np.ndarray                 # bool
    contracted_h100e: np.ndarray          # full quantity of its active and approved contracts
    delivered_h100e: np.ndarray           # this month, on contracts
    spot_h100e: np.ndarray                # this month
    bills_usd_bn: np.ndarray              # this month, due (contracts delivered and spot bought)
    spend_usd_bn: np.ndarray              # this month, paid
    unpaid_usd_bn: np.ndarray             # cumulative bills it could not pay (arrears)

    def __len__(self):
        return len(self.name)


@dataclass
class Regulators:
    """Competition authorities: thresholds in HHI points and USD bn, review lag in months."""
    name: list[str]
    region: list[str]
    value_threshold_usd_bn: np.ndarray
    hhi_threshold: np.ndarray
    delta_hhi_threshold: np.ndarray
    share_threshold: np.ndarray
    strictness: np.ndarray                # probability that a presumptive deal is blocked rather than capped
    review_lag_months: np.ndarray
    reviews: np.ndarray                   # cumulative
    blocks: np.ndarray                    # cumulative
    caps: np.ndarray                      # cumulative

    def __len__(self):
        return len(self.name)


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

    def node_kinds(self) -> list[str]:
        return (["vendor"] * len(self.vendors) + ["provider"] * len(self.providers)
                + ["lab"] * len(self.labs) + ["regulator"] * len(self.regulators) + ["investor"] * len(self.investors))

    def copy(self) -> "MarketState":
        return copy.deepcopy(self)
