"""Phase 4, pricing: unit cost from capex annuitised over useful life at the cost of capital plus opex; the going
price of a 12-month commitment moves with last month's scarcity (requests turned away raise it, idle capacity
lowers it) within full cost and the highest willingness to pay; list price = contract price x (1 + premium)."""

from __future__ import annotations

from .. import kernels
from ..context import StepContext
from ..kernels import sum_by
from ..market_rules import firm_of
from ..state import MarketState


def highest_willingness_to_pay(state: MarketState) -> float:
    """The most any lab still in the market would pay per H100e-hour (0 when none is)."""
    labs = state.labs
    return float(labs.wtp_usd_per_h100e_hour[~labs.defaulted].max(initial=0.0))


def firm_pressure(state: MarketState):
    """Each provider's scarcity pressure, pooled over its firm: the providers under one control move their going
    prices on the firm's requests turned away less its idle capacity, over its capacity (a provider on its own:
    its own)."""
    p = state.providers
    firm = firm_of(p)
    pooled = [sum_by(firm, weights=column, minlength=len(p))[firm]
              for column in (p.refused_h100e, p.idle_h100e, p.capacity_h100e)]
    return kernels.scarcity_pressure(*pooled)


def pricing(state: MarketState, ctx: StepContext) -> None:
    p, params = state.providers, ctx.params
    p.unit_cost_usd_per_h100e_hour[:] = kernels.unit_cost_usd_per_h100e_hour(
        p.capex_usd_per_h100e, p.cost_of_capital, p.useful_life_years, p.opex_usd_per_h100e_hour,
        p.cost_efficiency_share)
    pressure = firm_pressure(state)
    p.contract_price_usd_per_h100e_hour[:] = kernels.next_contract_price(
        p.contract_price_usd_per_h100e_hour, pressure, params.contract_price_sensitivity,
        params.contract_price_max_move_per_month, p.unit_cost_usd_per_h100e_hour, highest_willingness_to_pay(state))
    p.list_price_usd_per_h100e_hour[:] = kernels.list_price(p.contract_price_usd_per_h100e_hour, p.markup,
                                                            p.unit_cost_usd_per_h100e_hour)
