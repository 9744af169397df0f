"""Phase 1 of the `agents` engine: running outages count down at each provider, then each of this month's
scenario events is applied by the agents it names (a provider starts an outage, a vendor stops exporting, a
regulator changes its policy...). The wording of the log is shared (model/event_text.py); the rules are here."""

from __future__ import annotations

from model import kernels
from model.event_text import POLICY_FIELDS, describe
from model.records import ORDER_CANCELLED, ORDER_OPEN, ORIGIN_SCRIPTED, PROPOSED
from model.state import EXCLUSIVITY_MODES

from .ledger import breach


def events(state, ctx) -> None:
    for provider in ctx.agents["provider"]:
        provider.tick_outage()
    for resolved in ctx.timeline.get(state.month, ()):
        text = APPLY[resolved.event.type](state, ctx, resolved.event, resolved.rows, resolved.index)
        ctx.log.append((state.month, text))


def targets(agents: list, row: int) -> list:
    """The agent `row` names, or all of them for row -1 ("all")."""
    return list(agents) if row < 0 else [agents[row]]


def exclusivity(state, ctx, event, rows, index) -> str:
    lab = ctx.agents["lab"][rows["lab"]]
    lab.set_exclusivity(EXCLUSIVITY_MODES.index(event.mode), rows.get("provider", -1))
    return describe(event, {"lab": lab.name}, ctx.params.start_month)


def outage(state, ctx, event, rows, index) -> str:
    provider = ctx.agents["provider"][rows["provider"]]
    provider.start_outage(event.share, event.months)
    return describe(event, {"provider": provider.name}, ctx.params.start_month)


def list_price_cut(state, ctx, event, rows, index) -> str:
    provider = ctx.agents["provider"][rows["provider"]]
    provider.cut_list_prices(event.share)
    return describe(event, {"provider": provider.name}, ctx.params.start_month)


def demand_shock(state, ctx, event, rows, index) -> str:
    for lab in targets(ctx.agents["lab"], rows["lab"]):
        lab.base_demand_h100e = lab.base_demand_h100e * event.factor
        lab.demand_h100e = lab.demand_h100e * event.factor
    return describe(event, {}, ctx.params.start_month)


def revenue_shock(state, ctx, event, rows, index) -> str:
    for lab in targets(ctx.agents["lab"], rows["lab"]):
        lab.revenue_usd_bn_per_month = lab.revenue_usd_bn_per_month * event.factor
        if event.growth_per_month is not None:
            lab.revenue_growth_per_month = event.growth_per_month
    return describe(event, {}, ctx.params.start_month)


def chip_supply_shock(state, ctx, event, rows, index) -> str:
    for vendor in targets(ctx.agents["vendor"], rows["vendor"]):
        vendor.production_h100e_per_month = vendor.production_h100e_per_month * event.factor
    return describe(event, {}, ctx.params.start_month)


def export_control(state, ctx, event, rows, index) -> str:
    """The vendor stops (or resumes) shipping abroad: its supply edges to providers in other regions are cut, and
    its open orders from them are cancelled (unshipped chips were not paid for)."""
    vendors, providers, e, o = ctx.agents["vendor"], ctx.agents["provider"], state.edges, state.orders
    for vendor in targets(vendors, rows["vendor"]):
        vendor.export_blocked = event.active
    for k in range(e.supply_vendor.size):
        e.supply_blocked[k] = not vendors[e.supply_vendor[k]].ships_to(providers[e.supply_provider[k]])
    state.topology_version += 1
    cancelled = 0.0
    for i in range(o.n):
        if o.status[i] == ORDER_OPEN and not vendors[o.vendor[i]].ships_to(providers[o.provider[i]]):
            amount = float(o.remaining_h100e[i])
            o.cancelled_h100e[i], o.remaining_h100e[i] = amount, 0.0
            o.status[i], o.cancelled_step[i] = ORDER_CANCELLED, state.month
            providers[o.provider[i]].cancel_order(amount)
            cancelled += amount
    return describe(event, {}, ctx.params.start_month, cancelled_h100e=cancelled)


def policy(state, ctx, event, rows, index) -> str:
    for regulator in targets(ctx.agents["regulator"], rows["regulator"]):
        for field in POLICY_FIELDS:
            if getattr(event, field) is not None:
                setattr(regulator, field, getattr(event, field))
    return describe(event, {}, ctx.params.start_month)


def lab_default(state, ctx, event, rows, index) -> str:
    breach(state, ctx, [rows["lab"]])
    return describe(event, {"lab": ctx.agents["lab"][rows["lab"]].name}, ctx.params.start_month)


def equity(state, ctx, event, rows, index) -> str:
    """A stake is recorded; a lab that receives it banks the cash; a provider that makes it pays (borrowing if
    short)."""
    investor, investee, value = rows["investor"], rows["investee"], event.value_usd_bn
    state.equity.append(investor=investor, investee=investee, value_usd_bn=value, step=state.month,
                        share=event.share or 0.0, control=event.control)
    if event.control:
        come_under_control(ctx, rows["acquirer_provider"], rows["acquirer_vendor"], rows["target"], 0.0)
    lab, provider = investee - state.node_offset("lab"), investor - state.node_offset("provider")
    if 0 <= lab < len(state.labs):
        investee_lab = ctx.agents["lab"][lab]
        investee_lab.cash_usd_bn = investee_lab.cash_usd_bn + value
        investee_lab.funding_raised_usd_bn = investee_lab.funding_raised_usd_bn + value
    if 0 <= provider < len(state.providers):
        ctx.agents["provider"][provider].borrow_or_repay(-value)
    return describe(event, {}, ctx.params.start_month)


def come_under_control(ctx, acquirer_provider: int, acquirer_vendor: int, target: int, efficiency_share: float):
    """The target provider, and those it controls, answer to the acquirer's firm from now on (a vendor acquirer
    serves the target first instead); each party's provider saves the stated share of its unit cost."""
    providers = ctx.agents["provider"]
    bought = providers[target]
    parties = [bought]
    if acquirer_provider >= 0:
        buyer = providers[acquirer_provider]
        firm = buyer.firm
        if firm != target:
            for provider in providers:
                if provider.parent_provider == target:
                    provider.parent_provider = firm
            bought.parent_provider = firm
        parties.append(buyer)
    else:
        ctx.agents["vendor"][acquirer_vendor].captive_owner = target
    for provider in parties:
        provider.cost_efficiency_share = 1.0 - (1.0 - provider.cost_efficiency_share) * (1.0 - efficiency_share)


def deal(state, ctx, event, rows, index) -> str:
    """A merger or an acquisition: the acquirer pays for all of the target's equity (a provider borrowing if
    short) and takes control of it."""
    acquirer = (state.node_offset("provider") + rows["acquirer_provider"] if rows["acquirer_provider"] >= 0
                else state.node_offset("vendor") + rows["acquirer_vendor"])
    state.equity.append(investor=acquirer, investee=state.node_offset("provider") + rows["target"],
                        value_usd_bn=event.value_usd_bn, step=state.month, share=1.0, control=True)
    if rows["acquirer_provider"] >= 0 and event.value_usd_bn > 0:
        ctx.agents["provider"][rows["acquirer_provider"]].borrow_or_repay(-event.value_usd_bn)
    come_under_control(ctx, rows["acquirer_provider"], rows["acquirer_vendor"], rows["target"], event.efficiency_share)
    return describe(event, {}, ctx.params.start_month)


def contract(state, ctx, event, rows, index) -> str:
    """A scripted deal is proposed this month, to start at its date (or now), with the terms it announces."""
    quantity = event.quantity_h100e if event.power_gw is None else event.power_gw * ctx.params.h100e_per_gw
    quantity, price, value = kernels.scripted_terms(quantity, event.price_usd_per_h100e_hour, event.value_usd_bn,
                                                    event.duration_months, event.ramp_months)
    start = rows.get("start", state.month)
    state.contracts.append(
        seller=rows["seller"], buyer_lab=rows["buyer_lab"], buyer_provider=rows["buyer_provider"],
        quantity_h100e=quantity, price_usd_per_h100e_hour=price, value_usd_bn=value, start_step=start,
        duration_months=event.duration_months, ramp_months=event.ramp_months, end_step=start + event.duration_months,
        exclusive=event.exclusive, status=PROPOSED, origin=ORIGIN_SCRIPTED, event=index, proposed_step=state.month)
    return describe(event, {}, ctx.params.start_month, value_usd_bn=value, start=start, quantity_h100e=quantity,
                    price_usd_per_h100e_hour=price)


APPLY = {"exclusivity": exclusivity, "outage": outage, "list_price_cut": list_price_cut, "demand_shock": demand_shock,
         "revenue_shock": revenue_shock, "chip_supply_shock": chip_supply_shock, "export_control": export_control, "policy": policy,
         "lab_default": lab_default, "equity": equity, "merger": deal, "acquisition": deal, "contract": contract}
