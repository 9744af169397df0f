"""Phase 8, settlement: active contracts deliver (pro rata when a provider's available capacity falls short,
outages included; leased capacity flows first), labs pay for what is delivered, unmet demand buys idle
capacity at a spot price that clears the residual, and labs that cannot pay for `breach_after_months` breach."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..kernels import delivery_ratio, idle_h100e, sum_by
from ..market_rules import (
    at_rows,
    booked_backlog_usd_bn,
    breach_labs,
    credit_limits,
    default_providers,
    recount_commitments,
    scheduled_h100e,
    spot_price,
)
from ..records import ACTIVE, COMPLETED
from ..state import PROVIDER_KINDS, MarketState
from ..units import HOURS_PER_MONTH, USD_PER_BN, usd_bn


def settlement(state: MarketState, ctx: StepContext) -> None:
    leases = np.flatnonzero(state.contracts.buyer_provider >= 0)  # the few contracts a provider buys
    contract_bill = deliver_contracts(state, leases)
    contract_due = kernels.sum_by_row(state.contracts.buyer_lab, contract_bill, len(state.labs))
    spot_bill = clear_spot_market(state, ctx, contract_due)
    pay(state, ctx, contract_due, contract_bill, spot_bill, leases)
    breach_labs(state, ctx.log, np.flatnonzero(state.labs.arrears_months >= ctx.params.breach_after_months))
    default_providers(state, ctx.log, np.flatnonzero(state.providers.over_limit_months
                                                     >= ctx.params.provider_default_after_months), ctx.params)
    close_completed(state)
    recount_commitments(state)


def deliver_contracts(state: MarketState, leased: np.ndarray) -> np.ndarray:
    """Deliver active contracts (pro rata where capacity falls short; `leased`: the rows a provider buys); returns
    each contract's bill, USD bn."""
    c, p, labs, month = state.contracts, state.providers, state.labs, state.month
    n_providers, n_labs = len(p), len(labs)
    scheduled = scheduled_h100e(c, month)
    available = p.capacity_h100e * (1.0 - p.outage_share)
    scheduled_of = sum_by(c.seller, weights=scheduled, minlength=n_providers)
    # Leased capacity (a provider buying from another) is delivered first and adds to the buyer's capacity.
    first = delivery_ratio(available, scheduled_of)
    leased_in = sum_by(c.buyer_provider[leased], weights=scheduled[leased] * first[c.seller[leased]],
                       minlength=n_providers)
    available_with_leases = available + leased_in
    ratio = np.where(leased_in > 0, delivery_ratio(available_with_leases, scheduled_of), first)
    delivered = scheduled * ratio[c.seller]
    c.this_month_h100e[:] = delivered
    c.delivered_h100e_months += delivered
    labs.delivered_h100e[:] = kernels.sum_by_row(c.buyer_lab, delivered, n_labs)
    p.delivered_h100e[:] = sum_by(c.seller, weights=delivered, minlength=n_providers)
    p.shortfall_h100e[:] = kernels.snap_to_zero(scheduled_of - p.delivered_h100e, scheduled_of)
    p.leased_in_h100e[:] = leased_in
    p.spot_sold_h100e[:] = idle_h100e(available_with_leases, p.delivered_h100e)  # idle, until the spot clears
    return usd_bn(delivered, c.price_usd_per_h100e_hour)


def clear_spot_market(state: MarketState, ctx: StepContext, contract_due: np.ndarray) -> np.ndarray:
    """Unmet demand of labs with money left after their contract bills buys clouds' idle capacity at one
    clearing price, each lab no more than what is left buys at that price; returns labs' spot bills."""
    p, labs = state.providers, state.labs
    unused = p.spot_sold_h100e.copy()  # what deliveries left over; self-builders do not sell theirs
    idle = np.where(p.kind == PROVIDER_KINDS.index("self_builder"), 0.0, unused)
    budget = np.maximum(labs.cash_usd_bn + labs.revenue_usd_bn_per_month - contract_due, 0.0)
    residual = np.where(~labs.defaulted & (budget > 0), np.maximum(labs.demand_h100e - labs.delivered_h100e, 0.0),
                        0.0)
    price = spot_price(idle, p.unit_cost_usd_per_h100e_hour, p.list_price_usd_per_h100e_hour, residual.sum(),
                       ctx.params)
    buyers = np.minimum(residual, kernels.affordable_h100e(budget, price)) * (labs.wtp_usd_per_h100e_hour >= price)
    wanted, offered = buyers.sum(), idle.sum()
    served = min(1.0, offered / wanted) if wanted > 0 else 0.0
    sold = min(1.0, wanted / offered) if offered > 0 else 0.0
    labs.spot_h100e[:] = buyers * served
    p.spot_sold_h100e[:] = idle * sold
    p.idle_h100e[:] = kernels.snap_to_zero(unused - p.spot_sold_h100e, unused)
    p.utilisation[:] = np.divide(p.delivered_h100e + p.spot_sold_h100e, p.capacity_h100e + p.leased_in_h100e,
                                 out=np.zeros(len(p)), where=(p.capacity_h100e + p.leased_in_h100e) > 0)
    state.spot_price_usd_per_h100e_hour = price
    return usd_bn(labs.spot_h100e, price)


def pay(state: MarketState, ctx: StepContext, contract_due: np.ndarray, contract_bill: np.ndarray,
        spot_bill: np.ndarray, leases: np.ndarray) -> None:
    """Labs pay their bills from cash plus revenue (what they cannot pay accrues as arrears); providers earn
    what labs actually pay, pay for leased capacity, earn non-AI margin, pay opex and interest, and borrow when
    short; a provider's months with debt over its credit limit are counted."""
    c, p, labs, params = state.contracts, state.providers, state.labs, ctx.params
    n_providers = len(p)
    due = contract_due + spot_bill
    means = labs.cash_usd_bn + labs.revenue_usd_bn_per_month
    share = kernels.paid_share(means, due)
    labs.bills_usd_bn[:] = due
    labs.spend_usd_bn[:] = due * share
    labs.cash_usd_bn[:] = np.where(share < 1.0, 0.0, np.maximum(means - due, 0.0))  # short: all cash is spent
    labs.unpaid_usd_bn += due - labs.spend_usd_bn
    labs.arrears_months[:] = np.where((labs.spend_usd_bn < due) & ~labs.defaulted, labs.arrears_months + 1, 0)
    paid = contract_bill * at_rows(share, c.buyer_lab, 1.0)  # providers buying pay in full
    c.this_month_paid_usd_bn[:] = paid
    c.paid_usd_bn += paid
    p.contract_revenue_usd_bn[:] = sum_by(c.seller, weights=paid, minlength=n_providers)
    # the lease rows only: the same sums as over every contract, fewer rows
    p.wholesale_cost_usd_bn[:] = sum_by(c.buyer_provider[leases], weights=paid[leases], minlength=n_providers)
    spot_paid = float(np.sum(spot_bill * share))
    sold = p.spot_sold_h100e
    p.spot_revenue_usd_bn[:] = spot_paid * sold / sold.sum() if sold.sum() > 0 else 0.0
    opex = p.capacity_h100e * p.opex_usd_per_h100e_hour * HOURS_PER_MONTH / USD_PER_BN
    p.credit_limit_usd_bn[:] = credit_limits(state, params, booked_backlog_usd_bn(state, ctx))
    p.interest_usd_bn[:] = p.debt_usd_bn * kernels.interest_rate(p.debt_usd_bn, p.credit_limit_usd_bn,
                                                                 params.debt_base_rate, params.debt_spread_at_limit) / 12
    flow = (p.contract_revenue_usd_bn + p.spot_revenue_usd_bn - p.wholesale_cost_usd_bn
            + params.non_ai_margin * p.non_ai_revenue_usd_bn_per_month - opex - p.interest_usd_bn)
    p.cash_usd_bn[:], p.debt_usd_bn[:] = kernels.finance(p.cash_usd_bn, p.debt_usd_bn, flow)
    over = p.debt_usd_bn - p.credit_limit_usd_bn > 1e-9 * np.maximum(p.credit_limit_usd_bn, p.debt_usd_bn)
    p.over_limit_months[:] = np.where(over & ~p.defaulted, p.over_limit_months + 1, 0)
    p.profit_usd_bn[:] = flow - kernels.depreciation_usd_bn(p.capacity_h100e, p.capex_usd_per_h100e,
                                                            p.useful_life_years)
    p.non_ai_revenue_usd_bn_per_month *= 1.0 + p.non_ai_growth_per_month


def close_completed(state: MarketState) -> None:
    c, month = state.contracts, state.month
    done = np.flatnonzero((c.status == ACTIVE) & (c.end_step <= month + 1))
    c.status[done] = COMPLETED
    c.closed_step[done] = month
