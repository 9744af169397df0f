"""Market definitions that several phases share: what a contract holds and owes this month, what is idle, the
remaining value of contracts, the spot clearing price, the compute market the regulators screen and its HHI
after a deal, and what a breach does. Pure functions over the state's arrays; both engines use them only
through `kernels.py` formulas or, for the vectorized engine, directly.
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .kernels import sum_by
from .records import ACTIVE, APPROVED, ORDER_CANCELLED, ORDER_OPEN, PROPOSED, TERMINATED, UNDER_REVIEW
from .state import PROVIDER_KINDS, MarketState
from .units import USD_PER_BN, usd_bn

PENDING_OR_ACTIVE = (PROPOSED, UNDER_REVIEW, APPROVED, ACTIVE)
assert PENDING_OR_ACTIVE == tuple(range(ACTIVE + 1)), "holds() relies on these statuses being 0..ACTIVE"


def holds(status) -> np.ndarray:
    """True for contracts that hold capacity: proposed, under review, approved or active (codes 0 to ACTIVE)."""
    return np.asarray(status) <= ACTIVE


def recount_commitments(state: MarketState) -> None:
    """Recompute providers' committed and labs' contracted quantities from the contract records."""
    c = state.contracts
    held = np.where(holds(c.status), c.quantity_h100e, 0.0)
    state.providers.committed_h100e[:] = sum_by(c.seller, weights=held, minlength=len(state.providers))
    state.labs.contracted_h100e[:] = kernels.sum_by_row(c.buyer_lab, held, len(state.labs))


def at_rows(table: np.ndarray, index: np.ndarray, missing) -> np.ndarray:
    """`table[index]` with `missing` where the index is -1 (no row): `missing` is appended as the last entry, which
    index -1 reads (numpy's negative indexing), so an index over millions of contracts needs no shifted copy."""
    return np.append(table, missing)[index]


def bought_by(buyer_lab: np.ndarray, labs: np.ndarray, n_labs: int) -> np.ndarray:
    """True where a contract's buying lab (`buyer_lab`, -1 for a provider buyer) is one of the lab rows `labs`: one
    lookup in a table of the labs, a quarter of np.isin's time over two million contracts."""
    chosen = np.zeros(n_labs, dtype=bool)
    chosen[labs] = True
    return at_rows(chosen, buyer_lab, False)


def regulator_by_provider(state: MarketState) -> np.ndarray:
    """Row of the regulator whose jurisdiction covers each provider's region, or -1."""
    region_of = {region: row for row, region in enumerate(state.regulators.region)}
    return np.array([region_of.get(region, -1) for region in state.providers.region], dtype=np.int64)


def is_captive(state: MarketState, seller, buyer_lab) -> np.ndarray:
    """True where the buyer is the lab served by the seller in-house (its own fleet): priced at cost, no market."""
    own = at_rows(state.labs.self_provider, buyer_lab, -2)  # -2: a provider buys
    return own == np.asarray(seller)


def firm_of(providers) -> np.ndarray:
    """The firm of each provider: the provider row that controls it (`parent_provider`), else its own row."""
    return np.where(providers.parent_provider >= 0, providers.parent_provider, np.arange(len(providers)))


def residual_providers(state: MarketState) -> np.ndarray:
    """Providers that stand for the rest of the market ("Other clouds": many small firms), not one firm."""
    return state.providers.kind == PROVIDER_KINDS.index("other")


def ramped_h100e(c, month, live, rows=slice(None)) -> np.ndarray:
    """h100e each contract (or each of `rows`) schedules in `month` (a month per contract may be given) where
    `live`: its quantity on its ramp from its start, within its term; 0 otherwise."""
    start, ramp = c.start_step[rows], c.ramp_months[rows]
    live = live & (start <= month) & (month < c.end_step[rows])
    load = np.where(live, c.quantity_h100e[rows], 0.0)
    since = month - start
    ramping = np.flatnonzero(live & kernels.still_ramping(since, ramp))  # the others owe a share of 1, exactly
    load[ramping] *= kernels.ramp_share(since[ramping], ramp[ramping])
    return load


def scheduled_h100e(c, month: int, rows=slice(None)) -> np.ndarray:
    """h100e each contract (or each of the contracts `rows`) owes in `month`: active, started and not ended,
    with its ramp applied; 0 otherwise."""
    return ramped_h100e(c, month, c.status[rows] == ACTIVE, rows)


def load_h100e(c, month) -> np.ndarray:
    """h100e each contract that holds capacity (proposed to active) schedules in `month`: its quantity with the ramp
    applied from its start, 0 before its start or from its end."""
    return ramped_h100e(c, month, holds(c.status))


def labs_cover_and_bills(state: MarketState, month: int):
    """Per lab, (h100e its contracts schedule in `month`, what that load costs at their prices, USD bn a month): a
    contract not yet started or still ramping counts only as far as it has started and ramped by then."""
    c, n = state.contracts, len(state.labs)
    load = load_h100e(c, month)
    return (kernels.sum_by_row(c.buyer_lab, load, n),
            kernels.sum_by_row(c.buyer_lab, usd_bn(load, c.price_usd_per_h100e_hour), n))


def committed_cover_and_bills(state: MarketState, ctx):
    """`labs_cover_and_bills` once a contract signed now has ramped (month + `ramp_months`), computed once a month:
    the demand phase's funding rounds and the negotiation's requests read it, and the phases between them sign
    nothing."""
    month = state.month + ctx.params.ramp_months
    return ctx.remembered(("labs_cover_and_bills", month, len(state.contracts)),
                          lambda: labs_cover_and_bills(state, month))


def deliverable_h100e(state: MarketState, months: int, h100e_per_gw: float) -> np.ndarray:
    """What each provider can have installed `months` from now: installed, plus sites finishing by then, plus chips
    waiting for power, plus chips on order whose site would be finished by then; at most what its power (built and
    finishing by then) can hold."""
    p, o, month = state.providers, state.orders, state.month
    arriving = (o.status == ORDER_OPEN) & (o.ready_step + p.site_lead_time_months[o.provider] <= month + months)
    on_order = sum_by(o.provider[arriving], weights=o.remaining_h100e[arriving], minlength=len(p))
    chips = (p.capacity_h100e + kernels.due_within(p.pipeline_h100e, month, months) + p.waiting_power_h100e
             + on_order)
    power = p.power_gw + kernels.due_within(p.power_pipeline_gw, month, months)
    return np.minimum(chips, power * h100e_per_gw)


def spot_price(idle, unit_cost, list_price, residual_demand, params) -> float:
    """The spot clearing price (kernels.spot_clearing_price) over the providers with idle capacity; with none idle,
    the dearest list price."""
    supply = idle.sum()
    if supply <= 0:
        return float(list_price.max())
    return kernels.spot_clearing_price(float((idle * unit_cost).sum() / supply), float(unit_cost[idle > 0].min()),
                                       float(list_price[idle > 0].max()), residual_demand / supply,
                                       params.spot_markup, params.spot_elasticity)


def remaining_value_usd_bn(state: MarketState) -> np.ndarray:
    """Per contract: value still to be delivered after this month. A contract not yet active (proposed, under
    review, approved) has delivered nothing, so all of its value remains; closed contracts have none."""
    c = state.contracts
    delivering = c.status == ACTIVE
    elapsed = np.where(delivering, np.clip(state.month + 1 - c.start_step, 0, c.duration_months), 0)
    left = kernels.scheduled_months_left(elapsed, c.duration_months, c.ramp_months)
    return np.where(holds(c.status), usd_bn(c.quantity_h100e, c.price_usd_per_h100e_hour, np.maximum(left, 0.0)), 0.0)


def booked_remaining_value_usd_bn(state: MarketState, ctx) -> np.ndarray:
    """`remaining_value_usd_bn` as booking leaves the contracts, computed once a month: booking's and settlement's
    credit limits read it (nothing between them changes a contract's terms or status), and the metrics read it
    where a contract still holds (a contract only stops holding after booking: breached, failed or completed)."""
    return ctx.remembered(("remaining_value_usd_bn", len(state.contracts)), lambda: remaining_value_usd_bn(state))


def committed_spending_usd_bn(state: MarketState, power_capex_usd_bn_per_gw: float) -> np.ndarray:
    """What each provider has committed to pay and not yet paid: its open orders at their prices, and the rest of
    the cost of the power under construction (a project finishing k months from now has k payments left,
    this month's included, of cost / lead time each)."""
    p, o, month = state.providers, state.orders, state.month
    open_ = o.status == ORDER_OPEN
    orders = sum_by(o.provider[open_], weights=o.remaining_h100e[open_] * o.price_usd_per_h100e[open_] / USD_PER_BN,
                    minlength=len(p))
    payments_left = kernels.months_to_slots(p.power_pipeline_gw.shape[1], month)  # this month's payment included
    power = (p.power_pipeline_gw * payments_left).sum(axis=1) * power_capex_usd_bn_per_gw / p.power_lead_time_months
    return orders + power


def fleet_value_usd_bn(state: MarketState) -> np.ndarray:
    """Book value of each provider's chips installed or on the way (delivered, in sites or waiting for power)."""
    p = state.providers
    return (p.capacity_h100e + p.pipeline_total_h100e) * p.capex_usd_per_h100e / USD_PER_BN


def booked_backlog_usd_bn(state: MarketState, ctx) -> np.ndarray:
    """Per provider, the remaining value of the contracts it sold (`booked_remaining_value_usd_bn` by seller),
    computed once a month: booking's and settlement's credit limits both read it."""
    return ctx.remembered(("backlog_usd_bn", len(state.contracts)), lambda: sum_by(
        state.contracts.seller, weights=booked_remaining_value_usd_bn(state, ctx), minlength=len(state.providers)))


def credit_limits(state: MarketState, params, backlog_usd_bn: np.ndarray) -> np.ndarray:
    """What lenders will lend each provider (kernels.credit_limit_usd_bn): against its fleet, the remaining value of
    the contracts it sold (`backlog_usd_bn` per provider), and its non-AI margin; nothing to a provider that has
    defaulted."""
    p = state.providers
    limit = kernels.credit_limit_usd_bn(fleet_value_usd_bn(state), backlog_usd_bn,
                                        params.non_ai_margin * p.non_ai_revenue_usd_bn_per_month,
                                        params.fleet_loan_to_value, params.backlog_loan_to_value,
                                        params.non_ai_max_leverage)
    return np.where(p.defaulted, 0.0, limit)


def market_contracts(state: MarketState, captive: np.ndarray | None = None) -> np.ndarray:
    """The compute market's contracts: active, lab-facing and not a lab's own fleet (`captive` if known)."""
    c = state.contracts
    captive = is_captive(state, c.seller, c.buyer_lab) if captive is None else captive
    return (c.status == ACTIVE) & (c.buyer_lab >= 0) & ~captive


def market_quantities(state: MarketState, counted: np.ndarray | None = None) -> np.ndarray:
    """Contracted AI capacity per provider: the market's contracts' full quantities (what regulators screen)."""
    c = state.contracts
    counted = market_contracts(state) if counted is None else counted
    return sum_by(c.seller, weights=np.where(counted, c.quantity_h100e, 0.0), minlength=len(state.providers))


def post_deal_hhi(quantities: np.ndarray, provider, added, residual=None):
    """(HHI before, HHI after, share after) of adding `added` at `provider` (arrays of deals, shared base).

    `residual` providers ("Other clouds") count in the total but not as firms (see kernels.hhi): a deal they sell
    adds to the total and nothing to the sum of squares, and their share is no firm's share.
    """
    firms = quantities if residual is None else np.where(residual, 0.0, quantities)
    total = quantities.sum()
    sum_squares = np.sum(firms ** 2)
    before = 1e4 * sum_squares / total ** 2 if total > 0 else 0.0
    at = firms[provider]
    added_firm = added if residual is None else np.where(residual[provider], 0.0, added)
    new_total = total + added
    after_squares = sum_squares - at ** 2 + (at + added_firm) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        after = np.where(new_total > 0, 1e4 * after_squares / new_total ** 2, 0.0)
        share = np.where(new_total > 0, (at + added_firm) / new_total, 0.0)
    return before, after, share


def capped_quantity(quantities, provider, quantity, delta_threshold, residual=None, iterations: int = 60):
    """Largest q <= quantity whose ΔHHI stays at or below the threshold (bisection, vectorized over deals)."""
    low, high = np.zeros_like(quantity), quantity.copy()
    for _ in range(iterations):
        mid = 0.5 * (low + high)
        before, after, _ = post_deal_hhi(quantities, provider, mid, residual)
        ok = after - before <= delta_threshold
        low, high = np.where(ok, mid, low), np.where(ok, high, mid)
    return low


def strand(state: MarketState, lost: np.ndarray) -> None:
    """The contracts `lost` terminate this month; each seller strands the value of the months it will no longer
    deliver (from next month, or the start if later, to the end)."""
    c, p, month = state.contracts, state.providers, state.month
    months_left = np.maximum(c.end_step[lost] - np.maximum(c.start_step[lost], month + 1), 0)
    p.stranded_usd_bn += sum_by(c.seller[lost], weights=usd_bn(c.quantity_h100e[lost],
                                c.price_usd_per_h100e_hour[lost], months_left), minlength=len(p))
    c.status[lost] = TERMINATED
    c.closed_step[lost] = month


def default_providers(state: MarketState, log: list, failing: np.ndarray, params) -> None:
    """Providers `failing` default: their lenders lose debt less a share of the fleet's value; every contract they
    sold or bought ends (a seller to them strands the rest; their customers lose delivery); their open orders are
    cancelled (the vendors lose them); labs exclusive to them are freed; their assets leave the market."""
    c, p, o, v, labs, month = state.contracts, state.providers, state.orders, state.vendors, state.labs, state.month
    failing = failing[~p.defaulted[failing]]
    if failing.size == 0:
        return
    p.lender_loss_usd_bn[failing] = kernels.lender_loss_usd_bn(p.debt_usd_bn[failing],
                                                               fleet_value_usd_bn(state)[failing],
                                                               params.default_recovery_share)
    p.defaulted[failing] = True
    failed = np.zeros(len(p) + 1, dtype=bool)
    failed[failing + 1] = True
    held = holds(c.status)
    sold = held & failed[c.seller + 1]
    bought = held & failed[c.buyer_provider + 1] & ~sold
    ended = sold | bought
    strand(state, np.flatnonzero(bought))  # a seller to a failed provider strands the rest
    lost_delivery = np.flatnonzero(sold)
    c.status[lost_delivery] = TERMINATED
    c.closed_step[lost_delivery] = month
    stopped = np.flatnonzero((o.status == ORDER_OPEN) & failed[o.provider + 1])
    v.lost_orders_usd_bn += sum_by(o.vendor[stopped], weights=o.remaining_h100e[stopped]
                                   * o.price_usd_per_h100e[stopped] / USD_PER_BN, minlength=len(v))
    o.cancelled_h100e[stopped] += o.remaining_h100e[stopped]
    o.remaining_h100e[stopped] = 0.0
    o.status[stopped] = ORDER_CANCELLED
    o.cancelled_step[stopped] = month
    freed = np.flatnonzero(failed[labs.exclusive_provider + 1])
    labs.exclusivity_mode[freed] = 0
    labs.exclusive_provider[freed] = -1
    for column in ("capacity_h100e", "waiting_power_h100e", "power_gw", "open_orders_h100e", "cash_usd_bn",
                   "debt_usd_bn", "non_ai_revenue_usd_bn_per_month", "credit_limit_usd_bn"):
        getattr(p, column)[failing] = 0.0
    p.pipeline_h100e[failing] = 0.0
    p.power_pipeline_gw[failing] = 0.0
    for row in failing:
        log.append((month, f"{p.name[row]} defaults: {int(np.sum(ended & ((c.seller == row) | (c.buyer_provider == row))))}"
                           f" contracts end, its lenders lose ${p.lender_loss_usd_bn[row]:,.1f}B"))


def breach_labs(state: MarketState, log: list, breaching: np.ndarray) -> None:
    """Labs in `breaching` default: their contracts terminate and the sellers strand the remaining value."""
    c, labs, month = state.contracts, state.labs, state.month
    breaching = breaching[~labs.defaulted[breaching]]
    if breaching.size == 0:
        return
    labs.defaulted[breaching] = True
    labs.demand_h100e[breaching] = labs.base_demand_h100e[breaching] = 0.0
    state.breaches += int(breaching.size)
    lost = np.flatnonzero(bought_by(c.buyer_lab, breaching, len(labs)) & holds(c.status))
    strand(state, lost)
    ended = np.bincount(c.buyer_lab[lost], minlength=len(labs))  # one count for all (thousands breach at once)
    for lab in breaching:
        log.append((month, f"{labs.name[lab]} breaches: {int(ended[lab])} contracts end"))
