"""The `agents` engine: the nine phases as plain Python loops in which each agent applies its own rule.

It is the readable reference for the vectorized phases in `model/phases/`: the same rules (docs/ODD.md), written
independently, one agent and one contract at a time. Only the pure formulas of `model/kernels.py` are shared
(each has a test worked by hand); the equivalence tests hold the two engines to 1e-9 on every scenario.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from model import kernels
from model.context import StepContext
from model.edges import compile_edges
from model.event_text import funding_text, review_text
from model.records import (
    ACTIVE,
    APPROVED,
    BLOCKED,
    ORDER_CANCELLED,
    ORDER_FILLED,
    ORDER_OPEN,
    ORIGIN_NEGOTIATED,
    ORIGIN_SCRIPTED,
    PROPOSED,
    UNDER_REVIEW,
)
from model.state import FUNDS, PROVIDER_KINDS, MarketState
from model.units import usd_bn

from .events import events  # noqa: F401 (phase 1 of the plan)
from .ledger import (
    activate_approved,
    backlogs_usd_bn,
    breach,
    close_completed,
    default_providers,
    holds,
    is_captive,
    labs_cover_and_bills,
    load_h100e,
    owed_h100e,
    recount,
)
from .metrics import metrics  # noqa: F401 (phase 9 of the plan)


def demand(state: MarketState, ctx: StepContext) -> None:
    labs, providers = ctx.agents["lab"], ctx.agents["provider"]
    for lab in labs:  # each lab draws its own noise
        lab.grow(float(ctx.streams.normal("demand", state.month, lab.row)),
                 float(ctx.streams.normal("revenue", state.month, lab.row)), ctx.params)
    raise_funds(state, ctx)
    clouds = [provider.row for provider in providers if not provider.is_self_builder]
    found = set()
    for lab in labs:  # each lab draws whether it finds a cloud, and which
        finds = ctx.streams.uniform("discovery", state.month, lab.row) < ctx.params.discovery_probability_per_month
        pick = clouds[int(kernels.pick_index(ctx.streams.uniform("discovery_pick", state.month, lab.row),
                                             len(clouds)))]
        if finds and not lab.frontier and not lab.defaulted:
            found.add((lab.row, pick))
    e = state.edges
    known = set(zip(e.lab.tolist(), e.provider.tolist()))
    new = sorted(found - known)
    if new:  # the reference rebuilds the whole edge list from the graph's pairs
        pairs = sorted(known | set(new))
        relationship = dict(zip(zip(e.lab.tolist(), e.provider.tolist()), e.relationship.tolist()))
        supply = {k: getattr(e, k) for k in ("supply_vendor", "supply_provider", "supply_weight", "supply_blocked")}
        lab, provider = (np.array(x, dtype=np.int64) for x in zip(*pairs))
        state.edges = compile_edges(lab, provider, np.array([relationship.get(p, 0.0) for p in pairs]),
                                    len(state.labs), supply)
        state.topology_version += 1


CLOUD_KINDS = (PROVIDER_KINDS.index("hyperscaler"), PROVIDER_KINDS.index("neocloud"))


def largest_supplier(state: MarketState, ctx: StepContext, lab) -> int:
    """The cloud (hyperscaler or neocloud, not its own fleet, not failed since) that delivered `lab` most last
    month, or -1; ties go to the lower row."""
    c, providers = state.contracts, ctx.agents["provider"]
    delivered = defaultdict(float)
    for i in range(c.n):
        seller = providers[c.seller[i]]
        if (c.buyer_lab[i] == lab.row and c.this_month_h100e[i] > 0 and seller.kind in CLOUD_KINDS
                and not seller.defaulted and not is_captive(state, seller.row, lab.row)):
            delivered[seller.row] += c.this_month_h100e[i]
    best, most = -1, 0.0
    for row in sorted(delivered):
        if delivered[row] > most:
            best, most = row, delivered[row]
    return best


def raise_funds(state: MarketState, ctx: StepContext) -> None:
    """Each lab that wants funding raises a round: a share from its largest supplier (which pays for it), the rest
    from funds; the stakes are recorded."""
    providers, params, month = ctx.agents["provider"], ctx.params, state.month
    funds = state.node_names().index(FUNDS)
    _, committed_bill = labs_cover_and_bills(state.contracts, month + params.ramp_months)
    for lab in ctx.agents["lab"]:
        if not lab.wants_funding(committed_bill[lab.row], month, params):
            continue
        supplier = largest_supplier(state, ctx, lab)
        amount = lab.raise_round(month, params)
        part = params.funding_supplier_share * amount if supplier >= 0 else 0.0
        investee = state.node_offset("lab") + lab.row
        if part > 0:
            providers[supplier].borrow_or_repay(-part)
            state.equity.append(investor=state.node_offset("provider") + supplier, investee=investee,
                                value_usd_bn=part, step=month)
        if amount - part > 0:
            state.equity.append(investor=funds, investee=investee, value_usd_bn=amount - part, step=month)
        ctx.log.append((month, funding_text(lab.name, amount, providers[supplier].name if supplier >= 0 else "",
                                            part)))


def supply(state: MarketState, ctx: StepContext) -> None:
    vendors, providers, o, month, params = ctx.agents["vendor"], ctx.agents["provider"], state.orders, state.month, ctx.params
    for v in vendors:
        v.shipped_h100e, v.revenue_usd_bn = 0.0, 0.0
    for provider in providers:
        provider.chip_capex_usd_bn = 0.0
    due = [i for i in range(o.n) if o.status[i] == ORDER_OPEN and o.ready_step[i] <= month]
    shipped = {}
    for v in vendors:
        rows = [i for i in due if o.vendor[i] == v.row]
        amounts = v.ship([float(o.remaining_h100e[i]) for i in rows],
                         [v.priority(int(o.provider[i]), params) for i in rows], params)
        shipped.update(zip(rows, amounts))
    available = [v.output_h100e + v.inventory_h100e for v in vendors]
    received, paid, sold = defaultdict(float), defaultdict(float), defaultdict(float)
    for i in due:
        amount = shipped[i]
        o.remaining_h100e[i] -= amount
        if o.remaining_h100e[i] <= 1e-9 * max(o.quantity_h100e[i], 1.0):
            o.remaining_h100e[i], o.status[i], o.filled_step[i] = 0.0, ORDER_FILLED, month
        vendors[o.vendor[i]].shipped_h100e += amount
        sold[o.vendor[i]] += amount * o.price_usd_per_h100e[i]
        received[o.provider[i]] += amount
        paid[o.provider[i]] += amount * o.price_usd_per_h100e[i]
    for v in vendors:
        v.revenue_usd_bn = sold[v.row] / 1e9
    for provider in providers:  # each takes this month's chips in at once
        provider.receive_chips(received[provider.row], paid[provider.row],
                               float(kernels.site_cost_usd_per_h100e(params.power_capex_usd_bn_per_gw,
                                                                     params.h100e_per_gw)), month)
    for provider in providers:
        provider.finish_power(month)
        provider.install(month, params.h100e_per_gw)
    backlog, on_order = defaultdict(float), defaultdict(float)
    for i in range(o.n):
        if o.status[i] == ORDER_OPEN:
            backlog[o.vendor[i]] += o.remaining_h100e[i]
            on_order[o.provider[i]] += o.remaining_h100e[i]
    for provider in providers:
        provider.open_orders_h100e = on_order[provider.row]
    for v in vendors:
        v.backlog_h100e = backlog[v.row]
        v.close_month(available[v.row], month, params)


def pricing(state: MarketState, ctx: StepContext) -> None:
    """Each provider prices on its firm's pooled scarcity (its own, unless a deal put it under another's control)."""
    providers = ctx.agents["provider"]
    highest_wtp = max([lab.wtp_usd_per_h100e_hour for lab in ctx.agents["lab"] if not lab.defaulted], default=0.0)
    pooled = defaultdict(lambda: [0.0, 0.0, 0.0])
    for provider in providers:
        firm = pooled[provider.firm]
        firm[0] += provider.refused_h100e
        firm[1] += provider.idle_h100e
        firm[2] += provider.capacity_h100e
    for provider in providers:
        provider.set_prices(ctx.params, highest_wtp, *pooled[provider.firm])


def negotiation(state: MarketState, ctx: StepContext) -> None:
    labs, providers, c, e, params = ctx.agents["lab"], ctx.agents["provider"], state.contracts, state.edges, ctx.params
    held_at = defaultdict(float)
    for i in range(c.n):
        if holds(c.status[i]) and c.buyer_lab[i] >= 0:
            held_at[(c.buyer_lab[i], c.seller[i])] += c.quantity_h100e[i]
    lab_load, lab_bill = labs_cover_and_bills(c, state.month + params.ramp_months)
    edges_of = [range(e.lab_start[lab.row], e.lab_start[lab.row + 1]) for lab in labs]
    price = [providers[e.provider[k]].quote(labs[e.lab[k]], params) for k in range(e.lab.size)]
    tradable = [labs[e.lab[k]].may_trade_with(providers[e.provider[k]], price[k], state.month)
                for k in range(e.lab.size)]
    for lab in labs:  # its best quote: the cheapest offer it may take
        offers = [price[k] for k in edges_of[lab.row] if tradable[k]]
        if offers:
            lab.quote_usd_per_h100e_hour = min(offers)
    remaining = asked_for = [lab.request(lab_load[lab.row], lab_bill[lab.row], state.month, params) for lab in labs]
    horizon = state.month + params.quote_horizon_months
    load, on_order_due = defaultdict(float), defaultdict(float)
    for i in range(c.n):
        load[c.seller[i]] += load_h100e(c, i, horizon)
    for i in range(state.orders.n):
        o = state.orders
        if o.status[i] == ORDER_OPEN and o.ready_step[i] + providers[o.provider[i]].site_lead_time_months <= horizon:
            on_order_due[o.provider[i]] += o.remaining_h100e[i]
    left = offered = [provider.offer_capacity(on_order_due[provider.row], load[provider.row], state.month, params)
                      for provider in providers]
    alloc = [0.0] * e.lab.size
    refused = [0.0] * len(providers)
    for round_ in range(params.negotiation_rounds):
        # round one asks every tradable offer, full or not (what a full provider turns away is the scarcity its
        # price responds to), except that a lab with a first call asks only that provider; later rounds only
        # providers with room left
        live = [tradable[k] and remaining[e.lab[k]] > 0
                and (labs[e.lab[k]].first_call_allows(e.provider[k]) if round_ == 0 else left[e.provider[k]] > 0)
                for k in range(e.lab.size)]
        if not any(live):
            continue
        asked = [0.0] * e.lab.size
        for lab in labs:
            held = lab.contracted_h100e
            for k in edges_of[lab.row]:
                held += alloc[k]
            mine = [k for k in edges_of[lab.row] if live[k]]
            if not mine:
                continue
            offers = [(price[k], providers[e.provider[k]].reliability, e.relationship[k],
                       (held_at[(lab.row, e.provider[k])] + alloc[k]) / held if held > 0 else 0.0) for k in mine]
            for k, amount in zip(mine, lab.split(offers, remaining[lab.row], params)):
                asked[k] = amount
        asked_of = defaultdict(list)
        for k in range(e.lab.size):
            if asked[k] > 0:
                asked_of[e.provider[k]].append(asked[k])
        scale = {row: providers[row].scale_requests(amounts, left[row]) for row, amounts in asked_of.items()}
        for row, amounts in asked_of.items():
            refused[row] += providers[row].turned_away(amounts, left[row])
        got_of_lab, got_of_provider = defaultdict(float), defaultdict(float)
        for k in range(e.lab.size):
            got = asked[k] * scale.get(e.provider[k], 1.0)
            alloc[k] += got
            got_of_lab[e.lab[k]] += got
            got_of_provider[e.provider[k]] += got
        remaining = [float(kernels.snap_to_zero(remaining[row] - got_of_lab[row], asked_for[row]))
                     for row in range(len(labs))]
        left = [float(kernels.snap_to_zero(left[row] - got_of_provider[row], offered[row]))
                for row in range(len(providers))]
    for provider in providers:
        provider.refused_h100e = refused[provider.row]
    signed = [k for k in range(e.lab.size) if alloc[k] >= params.min_contract_share * asked_for[e.lab[k]]
              and alloc[k] > 0]
    for k in signed:  # each becomes a proposed contract from this month, for the lab's preferred term
        duration, ramp = int(labs[e.lab[k]].contract_months), params.ramp_months
        state.contracts.append(
            seller=e.provider[k], buyer_lab=e.lab[k], quantity_h100e=alloc[k], price_usd_per_h100e_hour=price[k],
            value_usd_bn=usd_bn(alloc[k], price[k], kernels.scheduled_months(duration, ramp)),
            start_step=state.month, duration_months=duration, ramp_months=ramp, end_step=state.month + duration,
            status=PROPOSED, origin=ORIGIN_NEGOTIATED, proposed_step=state.month)


def regulation(state: MarketState, ctx: StepContext) -> None:
    c, month, regulators = state.contracts, state.month, ctx.agents["regulator"]
    providers = ctx.agents["provider"]
    for i in range(c.n):
        if c.status[i] != PROPOSED:
            continue
        reg = providers[c.seller[i]].regulator_row(regulators)
        screened = ctx.params.review_scripted_contracts or c.origin[i] != ORIGIN_SCRIPTED
        if (reg >= 0 and not is_captive(state, c.seller[i], c.buyer_lab[i]) and screened
                and regulators[reg].wants_review(c.value_usd_bn[i], c.exclusive[i])):
            c.status[i], c.regulator[i] = UNDER_REVIEW, reg
            c.review_due_step[i] = month + regulators[reg].review_lag_months
            regulators[reg].reviews += 1
        else:
            c.status[i], c.decided_step[i] = APPROVED, month
    due = [i for i in range(c.n) if c.status[i] == UNDER_REVIEW and c.review_due_step[i] <= month]
    if not due:
        return
    draws = [float(ctx.streams.uniform("regulator", month, kernels.deal_key(
        c.seller[i], c.buyer_lab[i], c.buyer_provider[i], len(state.labs)))) for i in due]
    market = [0.0] * len(providers)  # contracted AI capacity per firm (at the row of the provider that controls
    # the others, a provider on its own at its own): the compute market's active contracts
    for i in range(c.n):
        if c.status[i] == ACTIVE and c.buyer_lab[i] >= 0 and not is_captive(state, c.seller[i], c.buyer_lab[i]):
            market[providers[c.seller[i]].firm] += c.quantity_h100e[i]
    residual = [providers[provider.firm].is_residual for provider in providers]
    for i, draw in zip(due, draws):
        regulator = regulators[c.regulator[i]]
        value, firm = float(c.value_usd_bn[i]), providers[c.seller[i]].firm
        before, after, _ = regulator.hhi_with(market, residual, firm, float(c.quantity_h100e[i]))
        outcome, quantity = regulator.decide(market, residual, firm, float(c.quantity_h100e[i]),
                                             float(draw), ctx.params.regulator_strictness_scale)
        c.decided_step[i] = month
        if outcome == "blocked":
            c.status[i], c.closed_step[i] = BLOCKED, month
            regulator.blocks += 1
        else:
            c.status[i] = APPROVED
        if outcome == "capped":
            c.quantity_h100e[i] = quantity
            c.value_usd_bn[i] = usd_bn(quantity, c.price_usd_per_h100e_hour[i],
                                       kernels.scheduled_months(c.duration_months[i], c.ramp_months[i]))
            regulator.caps += 1
        buyer = ctx.agents["lab"][c.buyer_lab[i]].name if c.buyer_lab[i] >= 0 else providers[c.buyer_provider[i]].name
        ctx.log.append((month, review_text(regulator.name, buyer, providers[c.seller[i]].name, value, after,
                                           after - before, outcome, float(c.value_usd_bn[i]))))


def booking(state: MarketState, ctx: StepContext) -> None:
    activate_approved(state, ctx)
    recount(state, ctx)
    c, e, providers, vendors, params = state.contracts, state.edges, ctx.agents["provider"], ctx.agents["vendor"], \
        ctx.params
    leased_in, load, due = defaultdict(float), defaultdict(float), defaultdict(float)
    for i in range(c.n):  # what it leases in; the load due at the quote horizon and when power started now is on line
        if c.status[i] == ACTIVE and c.buyer_provider[i] >= 0:
            leased_in[c.buyer_provider[i]] += c.quantity_h100e[i]
        load[c.seller[i]] += load_h100e(c, i, state.month + params.quote_horizon_months)
        due[c.seller[i]] += load_h100e(c, i, state.month + providers[c.seller[i]].power_lead_time_months)
    target = [provider.fleet_target(load[provider.row], params) for provider in providers]
    have = [provider.fleet_in_hand(leased_in[provider.row]) for provider in providers]
    need = [float(kernels.snap_to_zero(target[row] - have[row], target[row])) for row in range(len(providers))]
    total_weight, unit_price = defaultdict(float), defaultdict(float)
    for k in range(e.supply_vendor.size):
        total_weight[e.supply_provider[k]] += 0.0 if e.supply_blocked[k] else e.supply_weight[k]
    for k in range(e.supply_vendor.size):  # the expected price of one H100e: vendor prices by sourcing share
        total = total_weight[e.supply_provider[k]]
        share = (0.0 if e.supply_blocked[k] else e.supply_weight[k]) / total if total > 0 else 0.0
        unit_price[e.supply_provider[k]] += share * vendors[e.supply_vendor[k]].price_usd_per_h100e
    # what each can finance: cash plus credit left, less what it has committed and not yet paid; chips first
    backlog, on_order = backlogs_usd_bn(state), defaultdict(float)
    o = state.orders
    for i in range(o.n):
        if o.status[i] == ORDER_OPEN:
            on_order[o.provider[i]] += o.remaining_h100e[i] * o.price_usd_per_h100e[i] / 1e9
    headroom = [provider.cash_usd_bn + max(provider.credit_limit(backlog[provider.row], params)
                                           - provider.debt_usd_bn, 0.0)
                - provider.committed_spending_usd_bn(on_order[provider.row], state.month, params)
                for provider in providers]
    for provider in providers:
        row = provider.row
        chip_cost = need[row] * unit_price[row] / 1e9
        financed = float(kernels.affordable_share(chip_cost, headroom[row]))
        need[row] *= financed
        headroom[row] -= chip_cost * financed
    for k in range(e.supply_vendor.size):
        provider, vendor = providers[e.supply_provider[k]], vendors[e.supply_vendor[k]]
        total = total_weight[provider.row]
        share = (0.0 if e.supply_blocked[k] else e.supply_weight[k]) / total if total > 0 else 0.0
        quantity = need[provider.row] * share
        if quantity > 0:
            state.orders.append(provider=provider.row, vendor=vendor.row, quantity_h100e=quantity,
                                remaining_h100e=quantity, price_usd_per_h100e=vendor.price_usd_per_h100e,
                                placed_step=state.month, ready_step=state.month + vendor.lead_time_months,
                                status=ORDER_OPEN)
            provider.open_orders_h100e += quantity
    for provider in providers:
        surplus = have[provider.row] - target[provider.row]
        if have[provider.row] > (1.0 + params.order_cancellation_threshold_share) * target[provider.row]:
            cancel_orders(state, ctx, provider, surplus)
    for provider in providers:
        provider.start_power(state.month, due[provider.row], headroom[provider.row], params)
        provider.capex_spend_usd_bn = provider.chip_capex_usd_bn + provider.power_capex_usd_bn


def cancel_orders(state: MarketState, ctx: StepContext, provider, surplus: float) -> None:
    """`provider` cuts each of its open orders by the same share, surplus / on order (at most all), and pays the
    vendor the cancellation fee on what it cancels."""
    if provider.open_orders_h100e <= 0:
        return
    o, vendors, params = state.orders, ctx.agents["vendor"], ctx.params
    share = min(surplus / provider.open_orders_h100e, 1.0)
    cancelled = fees = 0.0
    for i in range(o.n):
        if o.status[i] != ORDER_OPEN or o.provider[i] != provider.row:
            continue
        amount = float(o.remaining_h100e[i]) * share
        fee = params.order_cancellation_fee_share * amount * o.price_usd_per_h100e[i] / 1e9
        o.remaining_h100e[i] -= amount
        o.cancelled_h100e[i] += amount
        o.cancellation_fee_usd_bn[i] += fee
        if o.remaining_h100e[i] <= 1e-9 * max(o.quantity_h100e[i], 1.0):
            o.remaining_h100e[i], o.status[i], o.cancelled_step[i] = 0.0, ORDER_CANCELLED, state.month
        vendors[o.vendor[i]].revenue_usd_bn += fee
        cancelled += amount
        fees += fee
    provider.open_orders_h100e = float(kernels.snap_to_zero(provider.open_orders_h100e - cancelled,
                                                            provider.open_orders_h100e))
    provider.borrow_or_repay(-fees)


def settlement(state: MarketState, ctx: StepContext) -> None:
    c, month, params = state.contracts, state.month, ctx.params
    labs, providers, p = ctx.agents["lab"], ctx.agents["provider"], state.providers
    scheduled = [0.0] * c.n
    scheduled_of, leased_in = defaultdict(float), defaultdict(float)
    for i in range(c.n):
        scheduled[i] = owed_h100e(c, i, month)
        scheduled_of[c.seller[i]] += scheduled[i]
    available = [provider.available_h100e() for provider in providers]
    first = [float(kernels.delivery_ratio(available[row], scheduled_of[row])) for row in range(len(providers))]
    for i in range(c.n):
        if c.buyer_provider[i] >= 0:
            leased_in[c.buyer_provider[i]] += scheduled[i] * first[c.seller[i]]
    ratio = [float(kernels.delivery_ratio(available[row] + leased_in[row], scheduled_of[row])) if leased_in[row] > 0
             else first[row] for row in range(len(providers))]
    bill = [0.0] * c.n
    lab_got, sold = defaultdict(float), defaultdict(float)
    for i in range(c.n):
        delivered = scheduled[i] * ratio[c.seller[i]]
        bill[i] = usd_bn(delivered, c.price_usd_per_h100e_hour[i])
        c.this_month_h100e[i] = delivered
        c.delivered_h100e_months[i] += delivered
        if c.buyer_lab[i] >= 0:
            lab_got[c.buyer_lab[i]] += delivered
        sold[c.seller[i]] += delivered
    for provider in providers:
        row = provider.row
        p.delivered_h100e[row], p.leased_in_h100e[row] = sold[row], leased_in[row]
        provider.shortfall_h100e = float(kernels.snap_to_zero(scheduled_of[row] - sold[row], scheduled_of[row]))
        p.spot_sold_h100e[row] = kernels.idle_h100e(available[row] + leased_in[row], sold[row])
    for lab in labs:
        lab.delivered_h100e = lab_got[lab.row]
    due = defaultdict(float)
    for i in range(c.n):
        if c.buyer_lab[i] >= 0:
            due[c.buyer_lab[i]] += bill[i]
    spot_bill = spot_market(state, ctx, due)
    share = {lab.row: lab.pay(due[lab.row] + spot_bill[lab.row]) for lab in labs}
    earned, leased_cost = defaultdict(float), defaultdict(float)
    for i in range(c.n):
        paid = bill[i] * (share[c.buyer_lab[i]] if c.buyer_lab[i] >= 0 else 1.0)
        c.this_month_paid_usd_bn[i] = paid
        c.paid_usd_bn[i] += paid
        earned[c.seller[i]] += paid
        if c.buyer_provider[i] >= 0:
            leased_cost[c.buyer_provider[i]] += paid
    spot_paid = sold_total = 0.0
    for lab in labs:
        spot_paid += spot_bill[lab.row] * share[lab.row]
    for provider in providers:
        sold_total += p.spot_sold_h100e[provider.row]
    backlog = backlogs_usd_bn(state)
    for provider in providers:
        row = provider.row
        p.contract_revenue_usd_bn[row], p.wholesale_cost_usd_bn[row] = earned[row], leased_cost[row]
        p.spot_revenue_usd_bn[row] = spot_paid * p.spot_sold_h100e[row] / sold_total if sold_total > 0 else 0.0
        provider.credit_limit_usd_bn = provider.credit_limit(backlog[row], params)
        provider.settle(params)
    breach(state, ctx, [lab.row for lab in labs if lab.arrears_months >= params.breach_after_months])
    default_providers(state, ctx, [provider.row for provider in providers
                                   if provider.over_limit_months >= params.provider_default_after_months])
    close_completed(state)
    recount(state, ctx)


def spot_clearing_price(providers, idle: list[float], residual_demand: float, params) -> float:
    """The spot price over the providers with idle capacity: their idle-weighted cost, marked up by the ratio of
    unmet demand to idle capacity (kernels.spot_clearing_price); with nothing idle, the dearest list price."""
    supply = sum(idle)
    if supply <= 0:
        return max(provider.list_price_usd_per_h100e_hour for provider in providers)
    offering = [provider for provider in providers if idle[provider.row] > 0]
    mean_cost = sum(idle[p.row] * p.unit_cost_usd_per_h100e_hour for p in providers) / supply
    return kernels.spot_clearing_price(mean_cost, min(p.unit_cost_usd_per_h100e_hour for p in offering),
                                       max(p.list_price_usd_per_h100e_hour for p in offering),
                                       residual_demand / supply, params.spot_markup, params.spot_elasticity)


def spot_market(state: MarketState, ctx: StepContext, contract_due: dict) -> list[float]:
    """Unmet demand of labs with money left after their contract bills buys the idle capacity of clouds at one
    clearing price, each within what it has left; returns spot bills."""
    labs, providers, p = ctx.agents["lab"], ctx.agents["provider"], state.providers
    unused = [p.spot_sold_h100e[provider.row] for provider in providers]  # what deliveries left over
    idle = [0.0 if provider.is_self_builder else unused[provider.row] for provider in providers]
    budget = [lab.spot_budget(contract_due[lab.row]) for lab in labs]
    residual = [max(lab.demand_h100e - lab.delivered_h100e, 0.0) if not lab.defaulted and budget[lab.row] > 0
                else 0.0 for lab in labs]
    price = spot_clearing_price(providers, idle, sum(residual), ctx.params)
    wants = [min(residual[lab.row], float(kernels.affordable_h100e(budget[lab.row], price)))
             if lab.wtp_usd_per_h100e_hour >= price else 0.0 for lab in labs]
    wanted = offered = 0.0
    for lab in labs:
        wanted += wants[lab.row]
    for provider in providers:
        offered += idle[provider.row]
    served = min(1.0, offered / wanted) if wanted > 0 else 0.0
    sold = min(1.0, wanted / offered) if offered > 0 else 0.0
    for lab in labs:
        lab.spot_h100e = wants[lab.row] * served
    for provider in providers:
        row = provider.row
        p.spot_sold_h100e[row] = idle[row] * sold
        provider.idle_h100e = float(kernels.snap_to_zero(unused[row] - p.spot_sold_h100e[row], unused[row]))
        base = provider.capacity_h100e + p.leased_in_h100e[row]
        provider.utilisation = (p.delivered_h100e[row] + p.spot_sold_h100e[row]) / base if base > 0 else 0.0
    state.spot_price_usd_per_h100e_hour = price
    return [usd_bn(lab.spot_h100e, price) for lab in labs]



