"""Scenario events: resolved against the start state once (names -> rows), applied by the events phase.

Each event type has one `apply_<type>` function; `APPLY` maps the type name to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from . import kernels
from .datafiles import FIELD_RANGES
from .event_text import POLICY_FIELDS, describe
from .market_rules import breach_labs, firm_of
from .params import ANY_NON_NEGATIVE, in_range
from .records import ORDER_CANCELLED, ORDER_OPEN, ORIGIN_SCRIPTED, PROPOSED
from .scenario import Scenario, ScenarioError
from .state import EXCLUSIVITY_MODES, FUNDS, MarketState
from .units import month_to_index

ALL = "all"
# Which field of each event type names which kind of agent.
NAMED_FIELDS = {"lab": "lab", "provider": "provider", "vendor": "vendor", "regulator": "regulator",
                "seller": "provider", "buyer": "lab_or_provider", "investor": "node", "investee": "node",
                "acquirer": "provider_or_vendor", "target": "provider"}


@dataclass(frozen=True)
class ResolvedEvent:
    """An event with its agent names turned into rows (-1 for "all"), and its month index."""
    index: int
    month: int
    event: object
    rows: dict


def compile_timeline(scenario: Scenario, state: MarketState, start_month: str) -> dict[int, list[ResolvedEvent]]:
    """{month index: events of that month, in file order}; unknown names are refused naming the event."""
    for investor in [getattr(event, "investor", None) for event in scenario.events] + [FUNDS]:
        # investors outside the market become nodes of their own; funds invest in endogenous rounds
        if investor is not None and investor not in state.node_names() and investor not in state.investors:
            state.investors.append(investor)
    lookup = {
        "lab": {n: i for i, n in enumerate(state.labs.name)},
        "provider": {n: i for i, n in enumerate(state.providers.name)},
        "vendor": {n: i for i, n in enumerate(state.vendors.name)},
        "regulator": {n: i for i, n in enumerate(state.regulators.name)},
        "node": {n: i for i, n in enumerate(state.node_names())},
    }
    timeline, vendors_taken = defaultdict(list), set()
    for index, event in enumerate(scenario.events):
        month = month_to_index(start_month, event.date)
        where = f"{scenario.source or scenario.name}: event {event.id!r}"
        if month < 0:
            raise ScenarioError(f"{where}: field 'date' has value {event.date!r}, before the start {start_month}")
        rows = {}
        for field, kind in NAMED_FIELDS.items():
            name = getattr(event, field, None)
            if name is None or (name == "" and field == "provider"):
                continue
            if name == ALL and field in ("lab", "vendor", "regulator"):
                rows[field] = -1
            elif "_or_" in kind:
                rows.update(_one_of(field, kind, name, lookup, where))
            elif name in lookup[kind]:
                rows[field] = lookup[kind][name]
            else:
                raise ScenarioError(f"{where}: field {field!r} has value {name!r}, which is not a known {kind}")
        if getattr(event, "start", None) is not None:
            rows["start"] = month_to_index(start_month, event.start)
        _control_rows(event, rows, state, vendors_taken, where)
        timeline[month].append(ResolvedEvent(index, month, event, rows))
        if getattr(event, "until", None) is not None:  # an exclusivity that ends: its end is an event of its own
            end = month_to_index(start_month, event.until)
            ended = event.model_copy(update={"mode": "none", "until": None, "date": event.until})
            timeline[end].append(ResolvedEvent(index, end, ended, rows))
    return dict(timeline)


def _control_rows(event, rows, state, vendors_taken: set, where: str) -> None:
    """Add a controlling stake's acquirer and target rows to `rows` (as a merger's), refusing a stake that is not a
    provider's or a vendor's in a provider; refuse a vendor a second owner to serve first."""
    if event.type == "equity" and event.control:
        provider, vendor = state.node_offset("provider"), state.node_offset("vendor")
        if not 0 <= rows["investee"] - provider < len(state.providers):
            raise ScenarioError(f"{where}: field 'control': the investee {event.investee!r} is not a provider "
                                "(control is modelled over providers only)")
        if not (0 <= rows["investor"] - provider < len(state.providers)
                or 0 <= rows["investor"] - vendor < len(state.vendors)):
            raise ScenarioError(f"{where}: field 'control': the investor {event.investor!r} is neither a provider "
                                "nor a vendor")
        rows.update(acquirer_provider=rows["investor"] - provider if rows["investor"] >= provider else -1,
                    acquirer_vendor=rows["investor"] - vendor if rows["investor"] < provider else -1,
                    target=rows["investee"] - provider)
    vendor = rows.get("acquirer_vendor", -1)
    if event.type == "merger" and vendor >= 0:
        raise ScenarioError(f"{where}: field 'acquirer' has value {event.acquirer!r}: a merger is of two providers "
                            "(a vendor buying a provider is an acquisition)")
    if vendor >= 0 and "target" in rows:
        owner = state.vendors.captive_owner[vendor]
        if owner >= 0 or vendor in vendors_taken:
            first = state.providers.name[owner] if owner >= 0 else "a provider it bought earlier"
            raise ScenarioError(f"{where}: field 'acquirer': {state.vendors.name[vendor]!r} already serves "
                                f"{first} first (a vendor has one owner it serves first)")
        vendors_taken.add(vendor)


def mark_scripted_history(scenario: Scenario, state: MarketState, params) -> None:
    """Labs that buy in the scenario's contract events keep to that history until `params.history_until`."""
    if not params.history_until:
        return
    try:
        until = month_to_index(params.start_month, params.history_until)
    except ValueError as error:
        raise ScenarioError(f"{scenario.source or scenario.name}: parameter 'history_until': {error}") from None
    buyers = {event.buyer for event in scenario.events if event.type == "contract"}
    for row, name in enumerate(state.labs.name):
        if name in buyers:
            state.labs.history_until_step[row] = until


def apply_start_overrides(scenario: Scenario, state: MarketState) -> None:
    """Set the numeric start-state fields the scenario's `[start.<kind>.<name>]` tables give."""
    for kind, agents in scenario.start.items():
        table = getattr(state, kind)
        for name, values in agents.items():
            where = f"{scenario.source or scenario.name}: start.{kind}.{name}"
            if name not in table.name:
                raise ScenarioError(f"{where}: no {kind[:-1]} named {name!r}")
            row = table.name.index(name)
            for field, value in values.items():
                array = getattr(table, field, None)
                if not isinstance(array, np.ndarray) or array.ndim != 1 or array.dtype.kind not in "fiub":
                    raise ScenarioError(f"{where}: field {field!r} is not a numeric field of {kind}")
                bounds = FIELD_RANGES.get(field, ANY_NON_NEGATIVE)  # as the data files hold it; else not negative
                if value < 0 and bounds[0] >= 0:  # the plainer message where no negative value is allowed
                    raise ScenarioError(f"{where}: field {field!r} has value {value!r}, which is negative")
                if array.dtype.kind in "iub" and value != int(value):
                    raise ScenarioError(f"{where}: field {field!r} has value {value!r}, which is not a whole number")
                if array.dtype.kind == "b" and value not in (0, 1):
                    raise ScenarioError(f"{where}: field {field!r} has value {value!r} (a yes/no field: 0 or 1)")
                if not in_range(value, bounds):
                    low, high, _ = bounds
                    raise ScenarioError(f"{where}: field {field!r} has value {value!r}, outside its valid range "
                                        f"{low:g} to {high:g}")
                array[row] = value


def _one_of(field: str, kinds: str, name: str, lookup, where) -> dict:
    """{FIELD_KIND: row, or -1} for a field that may name either of two kinds ("lab_or_provider")."""
    first, second = kinds.split("_or_")
    for kind, other in ((first, second), (second, first)):
        if name in lookup[kind]:
            return {f"{field}_{kind}": lookup[kind][name], f"{field}_{other}": -1}
    raise ScenarioError(f"{where}: field {field!r} has value {name!r}, which is not a known {first} or {second}")


def _rows(row: int, n: int) -> np.ndarray:
    return np.arange(n) if row < 0 else np.array([row])


def apply_exclusivity(state, ctx, ev: ResolvedEvent) -> str:
    lab, mode = ev.rows["lab"], EXCLUSIVITY_MODES.index(ev.event.mode)
    state.labs.exclusivity_mode[lab] = mode
    state.labs.exclusive_provider[lab] = ev.rows.get("provider", -1) if mode else -1
    return describe(ev.event, {"lab": state.labs.name[lab]}, ctx.params.start_month)


def apply_outage(state, ctx, ev: ResolvedEvent) -> str:
    p = state.providers
    row = ev.rows["provider"]
    p.outage_share[row] = ev.event.share
    p.outage_months_left[row] = ev.event.months
    return describe(ev.event, {"provider": p.name[row]}, ctx.params.start_month)


def apply_list_price_cut(state, ctx, ev: ResolvedEvent) -> str:
    p, row = state.providers, ev.rows["provider"]
    p.markup[row] = kernels.premium_after_cut(p.markup[row], ev.event.share)
    return describe(ev.event, {"provider": p.name[row]}, ctx.params.start_month)


def tick_outages(state: MarketState) -> None:
    """Count down running outages; capacity comes back when the count reaches zero."""
    p = state.providers
    running = p.outage_months_left > 0
    p.outage_months_left[running] -= 1
    p.outage_share[p.outage_months_left == 0] = 0.0


def apply_demand_shock(state, ctx, ev: ResolvedEvent) -> str:
    rows = _rows(ev.rows["lab"], len(state.labs))
    state.labs.base_demand_h100e[rows] *= ev.event.factor
    state.labs.demand_h100e[rows] *= ev.event.factor
    return describe(ev.event, {}, ctx.params.start_month)


def apply_revenue_shock(state, ctx, ev: ResolvedEvent) -> str:
    rows = _rows(ev.rows["lab"], len(state.labs))
    state.labs.revenue_usd_bn_per_month[rows] *= ev.event.factor
    if ev.event.growth_per_month is not None:
        state.labs.revenue_growth_per_month[rows] = ev.event.growth_per_month
    return describe(ev.event, {}, ctx.params.start_month)


def apply_chip_supply_shock(state, ctx, ev: ResolvedEvent) -> str:
    rows = _rows(ev.rows["vendor"], len(state.vendors))
    state.vendors.production_h100e_per_month[rows] *= ev.event.factor
    return describe(ev.event, {}, ctx.params.start_month)


def apply_export_control(state, ctx, ev: ResolvedEvent) -> str:
    v, e = state.vendors, state.edges
    rows = _rows(ev.rows["vendor"], len(v))
    v.export_blocked[rows] = ev.event.active
    vendor_region = np.array(v.region, dtype=object)[e.supply_vendor]
    provider_region = np.array(state.providers.region, dtype=object)[e.supply_provider]
    e.supply_blocked[:] = v.export_blocked[e.supply_vendor] & (vendor_region != provider_region)
    state.topology_version += 1
    return describe(ev.event, {}, ctx.params.start_month, cancelled_h100e=cancel_blocked_orders(state))


def cancel_blocked_orders(state) -> float:
    """Cancel the open orders an export control stops (vendor blocked, provider in another region); returns the
    h100e cancelled. Chips are paid on shipment, so nothing was paid for what is cancelled: no refund is due."""
    v, p, o = state.vendors, state.providers, state.orders
    vendor_region = np.array(v.region, dtype=object)[o.vendor]
    provider_region = np.array(p.region, dtype=object)[o.provider]
    stopped = np.flatnonzero((o.status == ORDER_OPEN) & v.export_blocked[o.vendor] & (vendor_region != provider_region))
    amount = o.remaining_h100e[stopped]
    o.cancelled_h100e[stopped] = amount
    o.remaining_h100e[stopped] = 0.0
    o.status[stopped] = ORDER_CANCELLED
    o.cancelled_step[stopped] = state.month
    p.open_orders_h100e -= kernels.sum_by(o.provider[stopped], weights=amount, minlength=len(p))
    p.open_orders_h100e[:] = np.maximum(p.open_orders_h100e, 0.0)
    return float(amount.sum())


def apply_policy(state, ctx, ev: ResolvedEvent) -> str:
    r = state.regulators
    rows = _rows(ev.rows["regulator"], len(r))
    for field in POLICY_FIELDS:
        value = getattr(ev.event, field)
        if value is not None:
            getattr(r, field)[rows] = value
    return describe(ev.event, {}, ctx.params.start_month)


def apply_lab_default(state, ctx, ev: ResolvedEvent) -> str:
    breach_labs(state, ctx.log, np.array([ev.rows["lab"]]))
    return describe(ev.event, {"lab": state.labs.name[ev.rows["lab"]]}, ctx.params.start_month)


def apply_equity(state, ctx, ev: ResolvedEvent) -> str:
    investor, investee, value = ev.rows["investor"], ev.rows["investee"], ev.event.value_usd_bn
    state.equity.append(investor=investor, investee=investee, value_usd_bn=value, step=state.month,
                        share=ev.event.share or 0.0, control=ev.event.control)
    if ev.event.control:
        take_control(state, ev.rows["acquirer_provider"], ev.rows["acquirer_vendor"], ev.rows["target"], 0.0)
    lab = investee - state.node_offset("lab")
    if 0 <= lab < len(state.labs):
        state.labs.cash_usd_bn[lab] += value
        state.labs.funding_raised_usd_bn[lab] += value
    provider = investor - state.node_offset("provider")
    if 0 <= provider < len(state.providers):
        p = state.providers
        p.cash_usd_bn[provider], p.debt_usd_bn[provider] = kernels.finance(p.cash_usd_bn[provider],
                                                                           p.debt_usd_bn[provider], -value)
    return describe(ev.event, {}, ctx.params.start_month)


def take_control(state, acquirer_provider: int, acquirer_vendor: int, target: int, efficiency_share: float) -> None:
    """The target provider (and any it controls) joins the acquirer's firm; a vendor acquirer serves it first;
    the stated efficiency lowers the unit cost of the parties' providers (savings compound over deals)."""
    p = state.providers
    parties = [target]
    if acquirer_provider >= 0:
        firm = firm_of(p)[acquirer_provider]
        if firm != target:  # (a provider buying the firm that controls it changes no control)
            p.parent_provider[(p.parent_provider == target) | (np.arange(len(p)) == target)] = firm
        parties.append(acquirer_provider)
    else:
        state.vendors.captive_owner[acquirer_vendor] = target
    rows = np.array(parties)
    p.cost_efficiency_share[rows] = 1.0 - (1.0 - p.cost_efficiency_share[rows]) * (1.0 - efficiency_share)


def apply_deal(state, ctx, ev: ResolvedEvent) -> str:
    """A merger or an acquisition: the acquirer pays (a provider from cash, then debt), the stake is recorded
    (all of the target's equity, with control) and the target joins the acquirer's firm."""
    e, rows = ev.event, ev.rows
    acquirer = (state.node_offset("provider") + rows["acquirer_provider"] if rows["acquirer_provider"] >= 0
                else state.node_offset("vendor") + rows["acquirer_vendor"])
    state.equity.append(investor=acquirer, investee=state.node_offset("provider") + rows["target"],
                        value_usd_bn=e.value_usd_bn, step=state.month, share=1.0, control=True)
    if rows["acquirer_provider"] >= 0 and e.value_usd_bn > 0:
        p, a = state.providers, rows["acquirer_provider"]
        p.cash_usd_bn[a], p.debt_usd_bn[a] = kernels.finance(p.cash_usd_bn[a], p.debt_usd_bn[a], -e.value_usd_bn)
    take_control(state, rows["acquirer_provider"], rows["acquirer_vendor"], rows["target"], e.efficiency_share)
    return describe(e, {}, ctx.params.start_month)


def contract_terms(event, h100e_per_gw: float) -> tuple[float, float, float]:
    """(quantity_h100e, price_usd_per_h100e_hour, value_usd_bn) of a scripted contract from the two it gives
    (a quantity announced in GW converts at `h100e_per_gw`)."""
    quantity = event.quantity_h100e if event.power_gw is None else event.power_gw * h100e_per_gw
    return kernels.scripted_terms(quantity, event.price_usd_per_h100e_hour, event.value_usd_bn,
                                  event.duration_months, event.ramp_months)


def apply_contract(state, ctx, ev: ResolvedEvent) -> str:
    e = ev.event
    quantity, price, value = contract_terms(e, ctx.params.h100e_per_gw)
    month = state.month
    start = ev.rows.get("start", month)
    state.contracts.append(
        seller=ev.rows["seller"], buyer_lab=ev.rows["buyer_lab"], buyer_provider=ev.rows["buyer_provider"],
        quantity_h100e=quantity, price_usd_per_h100e_hour=price, value_usd_bn=value, start_step=start,
        duration_months=e.duration_months, ramp_months=e.ramp_months, end_step=start + e.duration_months,
        exclusive=e.exclusive, status=PROPOSED, origin=ORIGIN_SCRIPTED, event=ev.index, proposed_step=month)
    return describe(e, {}, ctx.params.start_month, value_usd_bn=value, start=start, quantity_h100e=quantity,
                    price_usd_per_h100e_hour=price)


APPLY = {
    "exclusivity": apply_exclusivity, "outage": apply_outage, "list_price_cut": apply_list_price_cut,
    "demand_shock": apply_demand_shock, "revenue_shock": apply_revenue_shock,
    "chip_supply_shock": apply_chip_supply_shock,
    "export_control": apply_export_control, "policy": apply_policy, "lab_default": apply_lab_default,
    "equity": apply_equity, "merger": apply_deal, "acquisition": apply_deal, "contract": apply_contract,
}

