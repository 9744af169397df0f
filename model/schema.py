"""The one declaration of every agent attribute and every record column: name (with its unit), type, default
and meaning.

The state's arrays (`state.py`), the record tables (`records.py`), the Mesa agents' read-write properties
(`views.py`), the per-agent panel (`agents.parquet`), the Parquet schemas and the tables of docs/ODD.md are all
made from these tuples. Adding an attribute is one `Column` here plus the rules that use it
(docs/extending.md walks through `energy_cost_usd_per_mwh`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOT_SET = -1  # a row reference to no agent (sums by row drop it)
NO_MONTH = -1_000_000  # a lifecycle stamp not reached: every real month index, even before the start, is above it
PIPELINE_MONTHS = 24  # the providers' build-pipeline ring buffer; site lead times must be shorter
POWER_PIPELINE_MONTHS = 48  # the power-construction ring buffer; power lead times must be shorter
VENDOR_PIPELINE_MONTHS = 24  # the vendors' output-expansion ring buffer; expansion lead times must be shorter

VENDOR_KINDS = ("merchant", "custom", "captive")
PROVIDER_KINDS = ("hyperscaler", "neocloud", "other", "self_builder")
# Exclusivity of a lab's compute: none, right of first refusal (holder is asked first), exclusive (holder only).
EXCLUSIVITY_MODES = ("none", "rofr", "exclusive")

# The accelerator generation a contract delivers, by its first month (ESTIMATE from NVIDIA's roadmap: Blackwell was
# 27 of 41.1 $B of data-center revenue in the quarter to July 2025, market-2025.csv; Rubin announced for 2026-H2).
HARDWARE_GENERATIONS = (("Hopper", "0000-00"), ("Blackwell", "2025-07"), ("Rubin", "2027-01"))

# "month": a contract's month index or term in months, int32 (every month fits): comparing and subtracting them over
# millions of contracts, which a step does dozens of times, takes a fraction of int64's time (docs/performance.md).
DTYPES = {"float": np.float64, "int": np.int64, "month": np.int32, "bool": np.bool_, "code": np.int8, "str": object}


@dataclass(frozen=True)
class Column:
    """One attribute of an agent kind, or one column of a record table.

    dtype: "float", "int", "month" (a month index or a term, int32), "bool", "code" (a small integer indexing `codes`)
    or "str" (a Python list).
    default: the value of a new row when none is given; None means it must always be given.
    panel: recorded in the per-agent panel every month (agents.parquet).
    width: > 0 for a (rows, width) matrix (the build pipeline's months).
    """
    name: str
    dtype: str
    default: object
    meaning: str
    panel: bool = False
    width: int = 0
    codes: tuple[str, ...] = ()

    @property
    def numpy_dtype(self):
        return DTYPES[self.dtype]


@dataclass(frozen=True)
class Derived:
    """A per-agent panel column computed by the metrics phase each month, not held in the state."""
    name: str
    dtype: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """The declaration of one agent kind (`kind`, stored as `state.<attribute>`) or one record table."""
    kind: str
    attribute: str
    columns: tuple[Column, ...]
    derived: tuple[Derived, ...] = ()
    meaning: str = ""

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.kind} has no column {name!r}")

    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def panel(self) -> tuple[str, ...]:
        """The per-agent panel's columns, in order: recorded state columns, then the derived ones."""
        return tuple(c.name for c in self.columns if c.panel) + tuple(d.name for d in self.derived)


def C(name, dtype, default, meaning, **more) -> Column:
    return Column(name, dtype, default, meaning, **more)


def P(name, dtype, default, meaning, **more) -> Column:
    """A column recorded in the per-agent panel."""
    return Column(name, dtype, default, meaning, panel=True, **more)


VENDOR = Table("vendor", "vendors", meaning="Hardware vendors: accelerators in H100e, prices in USD per H100e.", columns=(
    C("name", "str", None, "name in the data files"),
    C("kind", "code", 0, "merchant, custom or captive silicon", codes=VENDOR_KINDS),
    C("captive_owner", "int", NOT_SET, "provider row it serves first (its owner), or -1"),
    C("region", "str", "US", "jurisdiction of its exports"),
    P("production_h100e_per_month", "float", None, "what it can make in a month (its capacity)"),
    P("output_h100e", "float", 0.0, "made this month: what its due orders take plus what tops its stock up to "
      "`vendor_inventory_months` of capacity, at most its capacity"),
    C("production_growth_per_month", "float", 0.0, "monthly growth of output already planned at the start (it "
      "fills the expansion pipeline; later expansions answer backlog and price)"),
    P("price_usd_per_h100e", "float", None, "price of one H100e of accelerators"),
    C("base_price_usd_per_h100e", "float", None, "start price; the price stays within 0.5-2x of it"),
    C("lead_time_months", "int", None, "months from order to earliest shipment"),
    P("inventory_h100e", "float", 0.0, "unsold output carried into next month (kept, never discarded)"),
    C("expansion_h100e_per_month", "float", 0.0, "output added when expansions finish, by month of completion "
      "(ring buffer)", width=VENDOR_PIPELINE_MONTHS),
    P("shipped_h100e", "float", 0.0, "shipped this month"),
    P("revenue_usd_bn", "float", 0.0, "chip revenue this month"),
    P("backlog_h100e", "float", 0.0, "open orders after this month's shipments"),
    P("lost_orders_usd_bn", "float", 0.0, "value of open orders lost to providers' defaults, cumulative"),
    C("export_blocked", "bool", False, "under an export control: ships to no provider outside its region"),
), derived=(
    Derived("shipment_share", "float", "share of all vendors' shipments this month"),
))

PROVIDER = Table("provider", "providers", meaning="Cloud providers and self-builders: capacity in H100e, prices in "
                 "USD per H100e-hour, money in USD bn.", columns=(
    C("name", "str", None, "name in the data files"),
    C("kind", "code", 0, "hyperscaler, neocloud, other clouds or self-builder", codes=PROVIDER_KINDS),
    C("region", "str", "US", "jurisdiction (which regulator screens its deals)"),
    C("captive_lab", "int", NOT_SET, "lab row it serves in-house, or -1"),
    C("parent_provider", "int", NOT_SET, "provider row that controls it since a merger, an acquisition or a "
      "controlling stake (its firm), or -1: it is its own firm"),
    C("cost_efficiency_share", "float", 0.0, "share of its unit cost saved by a deal's stated efficiency"),
    P("capacity_h100e", "float", None, "installed capacity"),
    C("pipeline_h100e", "float", 0.0, "chips delivered whose site is not finished, by month of completion "
      "(ring buffer)", width=PIPELINE_MONTHS),
    C("waiting_power_h100e", "float", 0.0, "sites finished but waiting for power"),
    P("power_gw", "float", None, "powered site capacity built (GW); installed chips never exceed it"),
    C("power_pipeline_gw", "float", 0.0, "power under construction, by month of completion (ring buffer)",
      width=POWER_PIPELINE_MONTHS),
    C("power_lead_time_months", "int", None, "months from the start of power construction to powered sites"),
    P("power_started_gw", "float", 0.0, "power construction started this month (GW)"),
    C("capex_usd_per_h100e", "float", None, "all-in capex per H100e, blended over the fleet"),
    C("cost_of_capital", "float", None, "annual rate at which capex is annuitised"),
    C("useful_life_years", "float", None, "years over which capex is recovered and depreciated"),
    C("opex_usd_per_h100e_hour", "float", None, "power and operations per H100e-hour"),
    C("markup", "float", None, "on-demand premium over its 12-month contract price (a share)"),
    C("reliability", "float", None, "share of scheduled hours delivered (enters labs' utility)"),
    C("site_lead_time_months", "int", None, "months from chip delivery to a finished site"),
    P("outage_share", "float", 0.0, "share of capacity offline this month"),
    C("outage_months_left", "int", 0, "months the running outage lasts"),
    P("cash_usd_bn", "float", None, "cash"),
    P("debt_usd_bn", "float", 0.0, "borrowed to cover shortfalls"),
    P("credit_limit_usd_bn", "float", 0.0, "what lenders will lend it: against its fleet, its contract backlog and "
      "its non-AI margin"),
    P("interest_usd_bn", "float", 0.0, "interest paid this month: the rate rises as debt nears the credit limit"),
    C("over_limit_months", "int", 0, "consecutive months with debt above its credit limit"),
    P("defaulted", "bool", False, "failed: debt over its credit limit too long; its contracts and orders ended"),
    P("lender_loss_usd_bn", "float", 0.0, "what its lenders lost when it defaulted (debt less recovery)"),
    C("non_ai_revenue_usd_bn_per_month", "float", 0.0, "cloud revenue that is not AI compute"),
    C("non_ai_growth_per_month", "float", None, "monthly growth of its non-AI cloud revenue (providers.csv, or the "
      "market's rate when left empty)"),
    P("unit_cost_usd_per_h100e_hour", "float", None, "full cost of an H100e-hour: annuitised capex plus opex"),
    P("contract_price_usd_per_h100e_hour", "float", None, "going price of a 12-month commitment: rises with "
      "requests it turns away, falls with idle capacity"),
    P("list_price_usd_per_h100e_hour", "float", None, "on-demand price: contract price x (1 + markup)"),
    P("utilisation", "float", None, "share of capacity (own plus leased) used this month"),
    P("committed_h100e", "float", 0.0, "full quantity of its contracts that hold capacity"),
    P("open_orders_h100e", "float", 0.0, "chips ordered and not yet shipped"),
    C("contract_revenue_usd_bn", "float", 0.0, "paid to it this month on contracts it sold"),
    C("spot_revenue_usd_bn", "float", 0.0, "paid to it this month for spot capacity"),
    C("wholesale_cost_usd_bn", "float", 0.0, "paid this month for capacity bought from other providers"),
    P("delivered_h100e", "float", 0.0, "delivered this month on contracts it sold"),
    C("leased_in_h100e", "float", 0.0, "delivered to it this month by other providers"),
    P("spot_sold_h100e", "float", 0.0, "sold on the spot market this month"),
    P("idle_h100e", "float", 0.0, "available this month but neither delivered nor sold on the spot market"),
    P("refused_h100e", "float", 0.0, "requests it turned away this month for lack of capacity (summed over "
      "the negotiation rounds)"),
    P("shortfall_h100e", "float", 0.0, "scheduled this month on contracts it sold but not delivered"),
    C("unserved_h100e", "float", 0.0, "smoothed demand it could not serve (refused plus shortfall): the signal "
      "it invests on beyond its contracts"),
    P("capex_spend_usd_bn", "float", 0.0, "paid this month for chips and power (the two below)"),
    P("chip_capex_usd_bn", "float", 0.0, "paid this month for chips shipped to it"),
    P("power_capex_usd_bn", "float", 0.0, "paid this month for power and sites under construction"),
    P("stranded_usd_bn", "float", 0.0, "remaining value of contracts lost to breaches, cumulative"),
    P("profit_usd_bn", "float", 0.0, "this month, accrual: revenue - leases - opex - depreciation"),
), derived=(
    Derived("cloud_revenue_usd_bn", "float", "non-AI revenue plus AI revenue paid by other firms this month"),
    Derived("revenue_share", "float", "share of all providers' cloud revenue"),
    Derived("contracted_share", "float", "share of the compute market's contracted capacity"),
    Derived("backlog_usd_bn", "float", "remaining value of the contracts it sold"),
    Derived("largest_customer_share", "float", "its largest customer's payments over its cloud revenue"),
    Derived("compute_at_risk_share", "float", "share of all compute delivered to labs that passes through it"),
))

LAB = Table("lab", "labs", meaning="AI labs: demand in H100e, revenue in USD bn per month, prices in USD per "
            "H100e-hour.", columns=(
    C("name", "str", None, "name in the data files, or 'Lab NNN' for a generated lab"),
    C("region", "str", "US", "jurisdiction"),
    C("frontier", "bool", False, "a named lab from the data files"),
    C("self_provider", "int", NOT_SET, "provider row of its own fleet, or -1"),
    C("base_demand_h100e", "float", None, "compute it would use at the reference price"),
    P("demand_h100e", "float", None, "compute it wants this month at the price it is quoted: base demand x "
      "(quote / reference price)^-elasticity"),
    C("demand_growth_per_month", "float", None, "monthly log growth of base demand (fades toward the long-run "
      "rate)"),
    P("revenue_usd_bn_per_month", "float", None, "revenue"),
    C("revenue_growth_per_month", "float", None, "monthly log growth of revenue (fades toward the long-run rate)"),
    P("quote_usd_per_h100e_hour", "float", 0.0, "its best quote this month: the cheapest offer it may take for its "
      "term (0 before any)"),
    P("funding_raised_usd_bn", "float", 0.0, "equity raised, scripted and endogenous rounds, cumulative"),
    C("last_round_step", "int", NO_MONTH, "month of its last endogenous funding round"),
    P("cash_usd_bn", "float", None, "cash"),
    C("wtp_usd_per_h100e_hour", "float", None, "willingness to pay"),
    C("diversification_aversion", "float", None, "utility lost per unit of its supply at one provider"),
    C("contract_months", "int", None, "preferred contract length"),
    C("exclusivity_mode", "code", 0, "none, right of first refusal or exclusive", codes=EXCLUSIVITY_MODES),
    C("exclusive_provider", "int", NOT_SET, "provider row holding exclusivity or first refusal, or -1"),
    C("arrears_months", "int", 0, "consecutive months with bills it could not pay"),
    C("history_until_step", "int", NO_MONTH, "last month of a replay's scripted history of its contracts: it does "
      "not negotiate until after it"),
    P("defaulted", "bool", False, "breached its contracts and left the market"),
    P("contracted_h100e", "float", 0.0, "full quantity of its contracts that hold capacity"),
    P("delivered_h100e", "float", 0.0, "delivered this month on contracts"),
    P("spot_h100e", "float", 0.0, "bought on the spot market this month"),
    P("spend_usd_bn", "float", 0.0, "paid this month"),
    P("bills_usd_bn", "float", 0.0, "due this month (contracts delivered and spot bought)"),
    P("unpaid_usd_bn", "float", 0.0, "bills it could not pay, cumulative"),
), derived=(
    Derived("supplier_hhi", "float", "HHI (points) of its contract deliveries by provider this month"),
    Derived("supplier_count", "int", "providers delivering to it this month"),
    Derived("largest_provider_share", "float", "its largest provider's share of its contract deliveries"),
    Derived("commitments_over_revenue", "float", "remaining value of its contracts over its annual revenue"),
    Derived("runway_months", "float", "cash over this month's burn (spending beyond revenue); 999 when it burns "
            "nothing"),
))

REGULATOR = Table("regulator", "regulators", meaning="Competition authorities: thresholds in HHI points and USD bn, "
                  "review lag in months.", columns=(
    C("name", "str", None, "name in the data files"),
    C("region", "str", None, "jurisdiction: it screens deals of providers in this region"),
    C("value_threshold_usd_bn", "float", None, "contracts of this value or more are reviewed"),
    C("hhi_threshold", "float", 1800.0, "post-deal HHI above which a deal is presumed harmful (with ΔHHI)"),
    C("delta_hhi_threshold", "float", 100.0, "ΔHHI above which the presumption applies"),
    C("share_threshold", "float", 0.30, "post-deal share above which the presumption applies (with ΔHHI)"),
    C("strictness", "float", None, "probability that a presumptive deal is blocked rather than capped"),
    C("review_lag_months", "int", None, "months from filing to decision"),
    P("reviews", "int", 0, "reviews opened, cumulative"),
    P("blocks", "int", 0, "deals blocked, cumulative"),
    P("caps", "int", 0, "deals approved with a quantity cap, cumulative"),
))

AGENT_TABLES = (VENDOR, PROVIDER, LAB, REGULATOR)

# Contract lifecycle: proposed -> under_review -> approved -> active -> completed, or blocked / terminated.
CONTRACT_STATUS = ("proposed", "under_review", "approved", "active", "completed", "blocked", "terminated")
CONTRACT_ORIGIN = ("start", "negotiated", "scripted")
ORDER_STATUS = ("open", "filled", "cancelled")

CONTRACT = Table("contract", "contracts", meaning="Contracts: a seller provider sells capacity to a lab or to "
                 "another provider; lifecycle stamps are month indices (NO_MONTH when not reached).", columns=(
    C("id", "int", NOT_SET, "contract id, in the order contracts were recorded (kept in the archive of closed "
      "contracts)"),
    C("seller", "int", None, "provider row selling"),
    C("buyer_lab", "int", NOT_SET, "lab row buying, or -1 when a provider buys"),
    C("buyer_provider", "int", NOT_SET, "provider row buying wholesale, or -1 when a lab buys"),
    C("quantity_h100e", "float", None, "full quantity, reached after the ramp"),
    C("price_usd_per_h100e_hour", "float", None, "committed price"),
    C("value_usd_bn", "float", None, "value over the whole term, ramp included"),
    C("start_step", "month", None, "first month of delivery"),
    C("duration_months", "month", None, "term"),
    C("ramp_months", "month", 0, "months of linear ramp to the full quantity"),
    C("end_step", "month", None, "first month after the term"),
    C("exclusive", "bool", False, "makes the seller the buyer's exclusive provider"),
    C("status", "code", 0, "lifecycle status", codes=CONTRACT_STATUS),
    C("origin", "code", 0, "in force at the start, negotiated, or scripted by the scenario", codes=CONTRACT_ORIGIN),
    C("regulator", "int", NOT_SET, "regulator row reviewing it, or -1"),
    C("event", "int", NOT_SET, "index of the scenario event that scripted it, or -1"),
    C("proposed_step", "month", None, "month proposed"),
    C("review_due_step", "month", NO_MONTH, "month its review is decided"),
    C("decided_step", "month", NO_MONTH, "month approved or blocked"),
    C("active_step", "month", NO_MONTH, "month it became active"),
    C("closed_step", "month", NO_MONTH, "month completed, blocked or terminated"),
    C("delivered_h100e_months", "float", 0.0, "H100e-months delivered, cumulative"),
    C("paid_usd_bn", "float", 0.0, "paid by the buyer, cumulative"),
    C("this_month_h100e", "float", 0.0, "delivered this month"),
    C("this_month_paid_usd_bn", "float", 0.0, "paid by the buyer this month"),
))

ORDER = Table("order", "orders", meaning="Vendor orders: a provider orders chips from a vendor; filled as the "
              "vendor ships, or cancelled.", columns=(
    C("provider", "int", None, "provider row ordering"),
    C("vendor", "int", None, "vendor row supplying"),
    C("quantity_h100e", "float", None, "ordered"),
    C("remaining_h100e", "float", None, "still to ship"),
    C("price_usd_per_h100e", "float", None, "vendor price when ordered (paid on shipment)"),
    C("placed_step", "int", None, "month ordered"),
    C("ready_step", "int", None, "earliest month of shipment (order month + vendor lead time)"),
    C("filled_step", "int", NO_MONTH, "month the last chip shipped"),
    C("status", "code", 0, "open, filled or cancelled", codes=ORDER_STATUS),
    C("cancelled_h100e", "float", 0.0, "quantity cancelled unshipped (an export control stopped it, or the "
      "provider cancelled it)"),
    C("cancellation_fee_usd_bn", "float", 0.0, "paid to the vendor for cancelling (none under an export control)"),
    C("cancelled_step", "int", NO_MONTH, "month cancelled"),
))

EQUITY = Table("equity", "equity", meaning="Equity stakes: investor node -> investee node (node ids index "
               "`state.node_names()`).", columns=(
    C("investor", "int", None, "investor node"),
    C("investee", "int", None, "investee node"),
    C("value_usd_bn", "float", None, "invested"),
    C("step", "int", None, "month invested (-1: before the start)"),
    C("share", "float", 0.0, "share of the investee's equity the stake bought (0: not on record)"),
    C("control", "bool", False, "the stake carries control (a merger, an acquisition or a controlling stake)"),
))

RECORD_TABLES = (CONTRACT, ORDER, EQUITY)


# Market-level metrics that are one column of one agent kind summed over its agents: declared once, computed by each
# engine's metrics phase its own way (model/phases/metrics.py, agents/metrics.py).
TOTALS = {
    "capex_usd_bn": ("provider", "capex_spend_usd_bn"), "chip_capex_usd_bn": ("provider", "chip_capex_usd_bn"),
    "power_capex_usd_bn": ("provider", "power_capex_usd_bn"), "power_gw": ("provider", "power_gw"),
    "chips_waiting_for_power_h100e": ("provider", "waiting_power_h100e"),
    "provider_debt_usd_bn": ("provider", "debt_usd_bn"), "lender_loss_usd_bn": ("provider", "lender_loss_usd_bn"),
    "provider_profit_usd_bn": ("provider", "profit_usd_bn"), "stranded_usd_bn": ("provider", "stranded_usd_bn"),
    "vendor_inventory_h100e": ("vendor", "inventory_h100e"), "vendor_lost_orders_usd_bn": ("vendor", "lost_orders_usd_bn"),
    "vendor_revenue_usd_bn": ("vendor", "revenue_usd_bn"), "vendor_backlog_h100e": ("vendor", "backlog_h100e"),
    "lab_funding_raised_usd_bn": ("lab", "funding_raised_usd_bn"), "unpaid_usd_bn": ("lab", "unpaid_usd_bn"),
}

PANDAS_DTYPES = {"float": "float64", "int": "Int64", "month": "Int64", "bool": "boolean", "code": "Int64", "str": "object"}


def panel_dtypes() -> dict[str, str]:
    """The per-agent panel's columns with their (nullable) pandas types, over every kind: a column one kind does
    not have is empty (null) in the other kinds' rows. These are also the types agents.parquet stores."""
    dtypes = {"month_index": "int64", "date": "object", "kind": "object", "name": "object"}
    for declared in AGENT_TABLES:
        for column in declared.columns:
            if column.panel:
                dtypes.setdefault(column.name, PANDAS_DTYPES[column.dtype])
        for derived in declared.derived:
            dtypes.setdefault(derived.name, PANDAS_DTYPES[derived.dtype])
    return dtypes


def table(kind: str) -> Table:
    """The declaration of an agent kind or record table by its kind name ("provider", "contract"...)."""
    for declared in AGENT_TABLES + RECORD_TABLES:
        if declared.kind == kind:
            return declared
    raise KeyError(kind)
