"""The contract book as the `agents` engine keeps it: one contract at a time, in plain loops.

What a contract holds and owes, lifecycle changes, what labs and providers have committed, and what a breach
does. The vectorized engine's versions (model/market_rules.py, model/phases/) are independent of these; the
two agree because they implement the same rules (docs/ODD.md), which the equivalence tests check.
"""

from __future__ import annotations

from collections import defaultdict

from model import kernels
from model.records import ACTIVE, APPROVED, COMPLETED, ORDER_CANCELLED, ORDER_OPEN, TERMINATED
from model.state import EXCLUSIVE
from model.units import usd_bn


def holds(status) -> bool:
    """A contract holds capacity while proposed, under review, approved or active."""
    return int(status) <= ACTIVE


def owed_h100e(c, i: int, month: int) -> float:
    """What contract i owes in `month`: its quantity on its ramp if it is active and within its term, else 0."""
    if c.status[i] != ACTIVE or not (c.start_step[i] <= month < c.end_step[i]):
        return 0.0
    return on_ramp_h100e(c, i, month)


def load_h100e(c, i: int, month: int) -> float:
    """What contract i schedules in `month` if it holds capacity (proposed to active): its quantity on its ramp
    within its term, else 0."""
    if not holds(c.status[i]) or not (c.start_step[i] <= month < c.end_step[i]):
        return 0.0
    return on_ramp_h100e(c, i, month)


def on_ramp_h100e(c, i: int, month: int) -> float:
    """Contract i's quantity on its ramp in `month` (from its start): the whole quantity once past the ramp."""
    since = month - c.start_step[i]
    if not kernels.still_ramping(since, c.ramp_months[i]):  # the ramp's share is 1 here, exactly
        return float(c.quantity_h100e[i])
    return float(c.quantity_h100e[i] * kernels.ramp_share(since, c.ramp_months[i]))


def labs_cover_and_bills(c, month: int) -> tuple[dict, dict]:
    """Per lab row, (h100e its contracts schedule in `month`, what that costs at their prices, USD bn a month),
    contract by contract: one not yet started or still ramping counts only as far as it has ramped by then."""
    load_of, bill_of = defaultdict(float), defaultdict(float)
    for i in range(c.n):
        if holds(c.status[i]) and c.buyer_lab[i] >= 0:
            load = load_h100e(c, i, month)
            load_of[c.buyer_lab[i]] += load
            bill_of[c.buyer_lab[i]] += usd_bn(load, c.price_usd_per_h100e_hour[i])
    return load_of, bill_of


def is_captive(state, seller: int, buyer_lab: int) -> bool:
    """The buyer is the lab the seller serves in-house (its own fleet)."""
    return buyer_lab >= 0 and int(state.labs.self_provider[buyer_lab]) == int(seller)


def recount(state, ctx) -> None:
    """Each provider's committed and each lab's contracted quantity: the contracts that hold capacity."""
    committed = [0.0] * len(state.providers)
    contracted = [0.0] * len(state.labs)
    c = state.contracts
    for i in range(c.n):
        if holds(c.status[i]):
            committed[c.seller[i]] += c.quantity_h100e[i]
            if c.buyer_lab[i] >= 0:
                contracted[c.buyer_lab[i]] += c.quantity_h100e[i]
    for provider in ctx.agents["provider"]:
        provider.committed_h100e = committed[provider.row]
    for lab in ctx.agents["lab"]:
        lab.contracted_h100e = contracted[lab.row]


def edge_of(state, lab: int, provider: int) -> int:
    """Position of the eligible edge (lab, provider), or -1."""
    e = state.edges
    for k in range(e.lab_start[lab], e.lab_start[lab + 1]):
        if e.provider[k] == provider:
            return k
    return -1


def activate_approved(state, ctx) -> None:
    """Approved contracts start this month (or at their scripted start, if later); the edges they run along gain
    0.2 of relationship (once a month, up to 1); an exclusive contract makes its seller the lab's sole provider."""
    c, e, month = state.contracts, state.edges, state.month
    strengthened = set()
    for i in range(c.n):
        if c.status[i] != APPROVED:
            continue
        c.status[i], c.active_step[i] = ACTIVE, month
        c.start_step[i] = max(c.start_step[i], month)
        c.end_step[i] = c.start_step[i] + c.duration_months[i]
        if c.buyer_lab[i] >= 0:
            k = edge_of(state, c.buyer_lab[i], c.seller[i])
            if k >= 0:
                strengthened.add(k)
            if c.exclusive[i]:
                lab = ctx.agents["lab"][c.buyer_lab[i]]
                lab.exclusivity_mode, lab.exclusive_provider = EXCLUSIVE, int(c.seller[i])
    for k in strengthened:
        e.relationship[k] = min(e.relationship[k] + 0.2, 1.0)


def close_completed(state) -> None:
    """Active contracts whose term ends with this month complete."""
    c, month = state.contracts, state.month
    for i in range(c.n):
        if c.status[i] == ACTIVE and c.end_step[i] <= month + 1:
            c.status[i], c.closed_step[i] = COMPLETED, month


def breach(state, ctx, rows) -> None:
    """Labs `rows` default: their demand goes, their contracts terminate, and each seller strands the value of the
    months it will no longer deliver (from next month, or the start if later, to the end)."""
    c, month = state.contracts, state.month
    labs, providers = ctx.agents["lab"], ctx.agents["provider"]
    for row in rows:
        lab = labs[row]
        if lab.defaulted:
            continue
        lab.defaulted, lab.demand_h100e, lab.base_demand_h100e = True, 0.0, 0.0
        state.breaches += 1
        ended = 0
        for i in range(c.n):
            if c.buyer_lab[i] == row and holds(c.status[i]):
                strand(state, providers, i)
                ended += 1
        ctx.log.append((month, f"{lab.name} breaches: {ended} contracts end"))


def strand(state, providers, i: int) -> None:
    """Contract i terminates; its seller strands the value of the months it will no longer deliver (from next
    month, or the start if later, to the end)."""
    c, month = state.contracts, state.month
    months_left = max(c.end_step[i] - max(c.start_step[i], month + 1), 0)
    seller = providers[c.seller[i]]
    seller.stranded_usd_bn = seller.stranded_usd_bn + float(kernels.usd_bn(
        c.quantity_h100e[i], c.price_usd_per_h100e_hour[i], months_left))
    c.status[i], c.closed_step[i] = TERMINATED, month


def backlogs_usd_bn(state) -> list[float]:
    """Remaining value of the contracts each provider sold."""
    c, backlog = state.contracts, [0.0] * len(state.providers)
    for i in range(c.n):
        backlog[c.seller[i]] += remaining_value_usd_bn(c, i, state.month)
    return backlog


def default_providers(state, ctx, rows) -> None:
    """Providers `rows` default: lenders lose debt less a share of the fleet's value; the contracts they sold end
    (their customers lose delivery) and those they bought end (the sellers strand the rest); their open orders are
    cancelled and the vendors lose them; labs exclusive to them are freed; their assets leave the market."""
    c, o, month, params = state.contracts, state.orders, state.month, ctx.params
    providers, vendors, labs = ctx.agents["provider"], ctx.agents["vendor"], ctx.agents["lab"]
    failing = [providers[row] for row in rows if not providers[row].defaulted]
    for provider in failing:
        provider.lender_loss_usd_bn = float(kernels.lender_loss_usd_bn(
            provider.debt_usd_bn, provider.fleet_value_usd_bn(), params.default_recovery_share))
        provider.defaulted = True
    failed = {provider.row for provider in failing}
    ended = dict.fromkeys(failed, 0)
    for i in range(c.n):
        if not holds(c.status[i]):
            continue
        if c.seller[i] in failed:
            c.status[i], c.closed_step[i] = TERMINATED, month
            ended[c.seller[i]] += 1
        elif c.buyer_provider[i] in failed:
            strand(state, providers, i)
            ended[c.buyer_provider[i]] += 1
    for i in range(o.n):
        if o.status[i] == ORDER_OPEN and o.provider[i] in failed:
            vendor = vendors[o.vendor[i]]
            vendor.lost_orders_usd_bn = vendor.lost_orders_usd_bn + o.remaining_h100e[i] * o.price_usd_per_h100e[i] / 1e9
            o.cancelled_h100e[i] += o.remaining_h100e[i]
            o.remaining_h100e[i], o.status[i], o.cancelled_step[i] = 0.0, ORDER_CANCELLED, month
    for lab in labs:
        if lab.exclusive_provider in failed:
            lab.set_exclusivity(0, -1)
    for provider in failing:
        provider.leave_market()
        ctx.log.append((month, f"{provider.name} defaults: {ended[provider.row]} contracts end, its lenders lose "
                               f"${provider.lender_loss_usd_bn:,.1f}B"))


def remaining_value_usd_bn(c, i: int, month: int) -> float:
    """Value contract i has still to deliver after `month`: none once closed; all of it until it is active."""
    if not holds(c.status[i]):
        return 0.0
    elapsed = min(max(month + 1 - c.start_step[i], 0), c.duration_months[i]) if c.status[i] == ACTIVE else 0
    if elapsed >= c.ramp_months[i]:  # past its ramp (or without one): exactly the months left, as the terms are
        left = c.duration_months[i] - elapsed  # whole and half months, which floats hold exactly
    else:
        left = kernels.scheduled_months(c.duration_months[i], c.ramp_months[i]) - kernels.scheduled_months_elapsed(
            elapsed, c.ramp_months[i])
    return float(kernels.usd_bn(c.quantity_h100e[i], c.price_usd_per_h100e_hour[i], max(float(left), 0.0)))
