"""Pure formulas of the model, written so they work on scalars and on numpy arrays alike.

Both engines call these: the `agents` engine one agent at a time, the `vectorized` engine on whole arrays.
What differs between the engines is how they loop, gather and sum, never the formula.
"""

from __future__ import annotations

import numpy as np

HOURS_PER_YEAR = 8760.0
HOURS_PER_MONTH = 730.0
USD_PER_BN = 1e9


def usd_bn(quantity_h100e, price_usd_per_h100e_hour, months=None):
    """Value in USD bn of `quantity_h100e` rented at a price for `months` months (one when not given), 730 h each."""
    hours = quantity_h100e * price_usd_per_h100e_hour * HOURS_PER_MONTH
    return (hours if months is None else hours * months) / USD_PER_BN


def scripted_terms(quantity_h100e, price_usd_per_h100e_hour, value_usd_bn, duration_months, ramp_months):
    """(quantity, price, value) of a deal announced with two of the three (the third None): value = quantity x
    price x 730 h x its full-quantity months (`scheduled_months`), solved for the missing one."""
    months = float(scheduled_months(duration_months, ramp_months))
    quantity, price, value = quantity_h100e, price_usd_per_h100e_hour, value_usd_bn
    if value is None:
        value = usd_bn(quantity, price, months)
    elif price is None:
        price = value / usd_bn(quantity, 1.0, months)
    else:
        quantity = value / usd_bn(1.0, price, months)
    return float(quantity), float(price), float(value)


def delivery_ratio(available, scheduled):
    """Share of scheduled delivery a provider can honour: min(1, available / scheduled) (1 when nothing is due)."""
    available, scheduled = np.asarray(available, dtype=float), np.asarray(scheduled, dtype=float)
    return np.where(scheduled > available, available / np.where(scheduled > 0, scheduled, 1.0), 1.0)


def idle_h100e(available, used):
    """Capacity left over: available - used, with rounding residue (below 1e-9 of available) set to zero."""
    idle = np.asarray(available, dtype=float) - used
    return np.where(idle > 1e-9 * np.asarray(available), idle, 0.0)


def spot_clearing_price(mean_cost, floor, cap, demand_over_idle, markup, elasticity):
    """Spot price: idle-weighted mean cost x (1 + markup) x (demand / idle)^elasticity, within [floor, max(cap,
    floor)] (the cheapest idle provider's cost and the dearest one's list price)."""
    return float(np.clip(mean_cost * (1.0 + markup) * demand_over_idle ** elasticity, floor, max(cap, floor)))


def vendor_price(price, base_price, backlog_h100e, production_h100e_per_month, target_backlog_months, sensitivity):
    """Next month's chip price: moves by sensitivity x (backlog / target backlog - 1), the pressure within +-2 and
    the move within +-10% a month, the price within 0.5-2x its base. Target backlog: months x production."""
    target = production_h100e_per_month * target_backlog_months
    pressure = np.clip(backlog_h100e / np.maximum(target, 1.0) - 1.0, -2.0, 2.0)
    change = np.clip(sensitivity * pressure, -0.1, 0.1)
    return np.clip(price * (1.0 + change), 0.5 * base_price, 2.0 * base_price)


def vendor_output(capacity_h100e_per_month, due_h100e, inventory_h100e, stock_months):
    """What a vendor makes this month: what its due orders take beyond its stock, plus what tops its stock up to
    `stock_months` of capacity, at most its capacity: min(capacity, max(due + stock_months x capacity - inventory,
    0))."""
    capacity = np.asarray(capacity_h100e_per_month, dtype=float)
    return np.minimum(capacity, np.maximum(np.asarray(due_h100e, dtype=float) + stock_months * capacity
                                           - np.asarray(inventory_h100e, dtype=float), 0.0))


def vendor_expansion(production_h100e_per_month, net_backlog_h100e, price_over_base, target_backlog_months,
                     sensitivity, max_share):
    """Output a vendor adds by this month's decision (on line after its expansion lead time):
    production x min(sensitivity x pressure, max_share), pressure = clip(net backlog / (target months x production)
    - 1, 0, 2) + clip(price / base price - 1, 0, 1): orders beyond its target backlog and a price above base."""
    production = np.asarray(production_h100e_per_month, dtype=float)
    target = production * target_backlog_months
    pressure = (np.clip(net_backlog_h100e / np.maximum(target, 1.0) - 1.0, 0.0, 2.0)
                + np.clip(np.asarray(price_over_base, dtype=float) - 1.0, 0.0, 1.0))
    return production * np.minimum(sensitivity * pressure, max_share)


def demand_at_price(base_demand_h100e, quote_usd_per_h100e_hour, reference_price, elasticity):
    """Compute a lab wants at its quote: base demand x (quote / reference price)^-elasticity (the reference price
    when it has no quote yet, quote <= 0)."""
    quote = np.asarray(quote_usd_per_h100e_hour, dtype=float)
    ratio = np.where(quote > 0, quote / reference_price, 1.0)
    return np.asarray(base_demand_h100e, dtype=float) * ratio ** -elasticity


def faded_growth(growth_per_month, long_run_per_month, half_life_months):
    """Next month's growth rate: growth above the long-run rate loses half its excess every `half_life_months`
    (long_run + (g - long_run) x 2^(-1/half_life)); growth at or below it stays."""
    growth = np.asarray(growth_per_month, dtype=float)
    faded = long_run_per_month + (growth - long_run_per_month) * 2.0 ** (-1.0 / half_life_months)
    return np.where(growth > long_run_per_month, faded, growth)


def expected_log_growth(growth_per_month, long_run_per_month, half_life_months, months):
    """Log growth over the next `months` months when growth fades as `faded_growth` has it: months x long-run +
    (g - long-run) x (1 - d^months) / (1 - d), d = 2^(-1/half_life), for growth above the long-run rate; g x months
    otherwise."""
    growth = np.asarray(growth_per_month, dtype=float)
    d = 2.0 ** (-1.0 / half_life_months)
    fading = months * long_run_per_month + (growth - long_run_per_month) * (1.0 - d ** months) / (1.0 - d)
    return np.where(growth > long_run_per_month, fading, growth * months)


def burn_usd_bn(bills_usd_bn, revenue_usd_bn):
    """Spending beyond revenue, never negative; rounding residue (below 1e-9 of the larger) is zero."""
    bills, revenue = np.asarray(bills_usd_bn, dtype=float), np.asarray(revenue_usd_bn, dtype=float)
    return snap_to_zero(bills - revenue, np.maximum(bills, revenue))


def runway_months(cash_usd_bn, burn_usd_bn_per_month):
    """Months its cash lasts at this burn: cash / burn, 999 when it burns nothing (or more than 999)."""
    burn = np.asarray(burn_usd_bn_per_month, dtype=float)
    months = np.divide(np.maximum(cash_usd_bn, 0.0), burn, out=np.full(burn.shape, 999.0), where=burn > 0)
    return np.minimum(months, 999.0)


def months_to_slots(width: int, month: int) -> np.ndarray:
    """For a ring buffer of `width` slots in which slot m % width holds what completes in month m: how many months
    after `month` each slot completes (1 .. width)."""
    return (np.arange(width) - (month + 1)) % width + 1


def due_within(ring, month: int, months: int):
    """Total of a ring buffer's slots completing in the `months` months after `month`, per row (the last axis is
    the ring), summed in slot order."""
    ring = np.asarray(ring, dtype=float)
    return ring[..., months_to_slots(ring.shape[-1], month) <= months].sum(axis=-1)


def site_cost_usd_per_h100e(power_capex_usd_bn_per_gw, h100e_per_gw):
    """A powered site's cost per H100e it holds: USD bn per GW x 1e9 / H100e per GW."""
    return power_capex_usd_bn_per_gw * USD_PER_BN / h100e_per_gw


def smoothed(previous, latest, weight):
    """Exponential smoothing: weight x latest + (1 - weight) x previous."""
    return weight * np.asarray(latest, dtype=float) + (1.0 - weight) * np.asarray(previous, dtype=float)


def margin_factor(price, unit_cost, target_margin):
    """How fully a provider invests on demand it could not serve: clip((price / cost - 1) / target margin, 0, 1)."""
    cost = np.maximum(np.asarray(unit_cost, dtype=float), 1e-12)
    return np.clip((np.asarray(price, dtype=float) / cost - 1.0) / target_margin, 0.0, 1.0)


def fleet_target(load_h100e, unserved_h100e, margin, reserve_margin):
    """The fleet a provider invests for: (the load its contracts schedule at the horizon + the demand it could not
    serve x its margin factor) x (1 + reserve margin)."""
    return (np.asarray(load_h100e, dtype=float) + unserved_h100e * margin) * (1.0 + reserve_margin)


def power_to_start(needed_gw, have_gw, built_gw, max_share):
    """GW of power construction to start: the gap between what the fleet needs and what is built or under
    construction (rounding residue below 1e-9 of the need is none), at most max_share of what is built (at least
    10 MW a month)."""
    needed = np.asarray(needed_gw, dtype=float)
    gap = snap_to_zero(needed - have_gw, needed)
    return np.minimum(gap, max_share * np.maximum(built_gw, 0.01))


def capital_recovery_factor(rate, years):
    """Share of an investment to recover each year over `years` at interest `rate` (annuity factor)."""
    rate = np.asarray(rate, dtype=float)
    years = np.asarray(years, dtype=float)
    safe = np.where(rate > 0, rate, 1.0)
    return np.where(rate > 0, safe / (1.0 - (1.0 + safe) ** (-years)), 1.0 / years)


def unit_cost_usd_per_h100e_hour(capex_usd_per_h100e, cost_of_capital, useful_life_years, opex_usd_per_h100e_hour,
                                 efficiency_share=0.0):
    """Full cost of one H100e-hour: capex annuitised over its useful life at the cost of capital, plus opex, less
    the share a deal's stated efficiency saves."""
    annual = capex_usd_per_h100e * capital_recovery_factor(cost_of_capital, useful_life_years)
    return (annual / HOURS_PER_YEAR + opex_usd_per_h100e_hour) * (1.0 - efficiency_share)


def list_price(contract_price, premium, unit_cost):
    """On-demand price: the 12-month contract price x (1 + the provider's on-demand premium), never below cost."""
    return np.maximum(contract_price * (1.0 + premium), unit_cost)


def premium_after_cut(premium, share):
    """On-demand premium that lowers the list price (contract price x (1 + premium)) by `share`:
    (1 + premium) x (1 - share) - 1."""
    return (1.0 + premium) * (1.0 - share) - 1.0


def scarcity_pressure(refused_h100e, idle_h100e, capacity_h100e):
    """Excess demand at the going price as a share of capacity: (requests turned away - idle) / capacity
    (capacity below one H100e counts as one)."""
    return (np.asarray(refused_h100e, dtype=float) - idle_h100e) / np.maximum(capacity_h100e, 1.0)


def next_contract_price(price, pressure, sensitivity, max_move, floor, cap):
    """Next month's going price of a 12-month commitment: moves by sensitivity x pressure, at most +-max_move a
    month, and stays within [floor, max(cap, floor)] (full unit cost and the highest willingness to pay)."""
    moved = price * (1.0 + np.clip(sensitivity * np.asarray(pressure, dtype=float), -max_move, max_move))
    return np.clip(moved, floor, np.maximum(cap, floor))


def commitment_discount(duration_months, discount_max, half_months):
    """Share off the on-demand price for a commitment of `duration_months`: max x d / (d + half) (0 at 0, -> max)."""
    return discount_max * duration_months / (duration_months + half_months)


def term_price(contract_price_12m, duration_months, discount_max, half_months):
    """Price of a commitment of `duration_months` at a provider whose 12-month price is `contract_price_12m`:
    scaled by (1 - discount(d)) / (1 - discount(12)), so longer terms are cheaper and 12 months is the going price."""
    return term_price_at_share(contract_price_12m, term_share(duration_months, discount_max, half_months),
                               term_share(12.0, discount_max, half_months))


def term_share(duration_months, discount_max, half_months):
    """Share of the on-demand price a commitment of `duration_months` pays: 1 - discount(d)."""
    return 1.0 - commitment_discount(duration_months, discount_max, half_months)


def term_price_at_share(contract_price_12m, share, share_12m):
    """`term_price` from the term's `term_share` and the 12-month one's (a lab's share is the same at every
    provider, so a market computes it once per lab)."""
    return contract_price_12m * share / share_12m


def offer_utility(price, reservation_price, reliability, relationship, own_share, aversion, weights):
    """A lab's utility of an offer: cheap, reliable, familiar, and not adding to its own concentration."""
    return offer_base_utility(price, reservation_price, reliability, relationship, weights) - aversion * own_share


def offer_base_utility(price, reservation_price, reliability, relationship, weights):
    """The part of `offer_utility` that does not depend on what the lab already holds (fixed within a month)."""
    price_weight, reliability_weight, relationship_weight = weights
    return (-price_weight * price / reservation_price + reliability_weight * reliability
            + relationship_weight * relationship)


def still_ramping(months_since_start, ramp_months):
    """True where a contract in its month `months_since_start` (from 0) still owes less than its whole quantity:
    its ramp share (`ramp_share`) is below 1 there, i.e. months_since_start + 1 < ramp_months. Past it the share
    is 1 exactly, so a step may skip the ramp there."""
    return months_since_start + 1 < ramp_months  # plain ints too: the agents engine asks contract by contract


def ramp_share(months_since_start, ramp_months):
    """Share of a contract's quantity due in its month `months_since_start` (linear ramp, 1 after the ramp)."""
    months = np.asarray(months_since_start, dtype=float)
    ramp = np.asarray(ramp_months, dtype=float)
    return np.where(ramp > 0, np.clip((months + 1.0) / np.maximum(ramp, 1.0), 0.0, 1.0), 1.0)


def scheduled_months(duration_months, ramp_months):
    """Full-quantity months in a contract with a linear ramp: duration - ramp + (ramp + 1) / 2, for ramp <= duration."""
    ramp = np.minimum(ramp_months, duration_months)
    return np.where(ramp > 0, duration_months - ramp + (ramp + 1.0) / 2.0, duration_months)


def hhi(shares, fragmented=None):
    """Herfindahl-Hirschman index in points (0-10,000) of shares given as fractions summing to 1.

    `fragmented` marks residual categories made of many small firms ("Other clouds"): their share counts in
    the total but adds nothing to the index (atomistic firms), as is usual when only the large firms are named.
    """
    shares = np.asarray(shares, dtype=float)
    if fragmented is not None:
        shares = np.where(fragmented, 0.0, shares)
    return float(np.sum((100.0 * shares) ** 2))


def shares_of(values):
    """Fractions of the total (all zeros when the total is zero)."""
    values = np.asarray(values, dtype=float)
    total = values.sum()
    return values / total if total > 0 else np.zeros_like(values)


def concentration_ratio(shares, k=3, fragmented=None):
    """CRk: the sum of the k largest shares (a fraction); residual categories (`fragmented`) are not firms."""
    shares = np.asarray(shares, dtype=float)
    if fragmented is not None:
        shares = np.where(fragmented, 0.0, shares)
    return float(np.sort(shares)[::-1][:k].sum())


def hhi_after_adding(quantities, provider, added):
    """(HHI before, HHI after, provider's share after) when `added` is contracted with `provider`."""
    before = np.asarray(quantities, dtype=float)
    after = before.copy()
    after[provider] += added
    shares_after = shares_of(after)
    return hhi(shares_of(before)), hhi(shares_after), float(shares_after[provider])


def merger_presumption(hhi_post, delta_hhi, share_post, hhi_threshold=1800.0, delta_threshold=100.0,
                       share_threshold=0.30):
    """2023 US Merger Guidelines structural presumption: (HHI > 1,800 and ΔHHI > 100) or (share > 30% and ΔHHI > 100)."""
    return (delta_hhi > delta_threshold) & ((hhi_post > hhi_threshold) | (share_post > share_threshold))


def pro_rata(requested, available):
    """Scale requests down to what is available: each gets requested x min(1, available / total requested)."""
    requested = np.asarray(requested, dtype=float)
    total = requested.sum()
    return requested * (min(1.0, available / total) if total > 0 else 0.0)


def weighted_pro_rata(requested, weights, available):
    """Allocate `available` to requests in proportion to weight x request, none above its request.

    Water-filling: fill everyone at the common rate, cap the satisfied, repeat with what is left.
    """
    requested = np.asarray(requested, dtype=float)
    weights = np.asarray(weights, dtype=float)
    alloc = np.zeros_like(requested)
    left = float(available)
    open_ = requested > 0
    while left > 1e-9 * max(1.0, available) and open_.any():
        demand = weights[open_] * (requested[open_] - alloc[open_])
        total = demand.sum()
        if total <= 0:
            break
        rate = left / total
        give = np.minimum(demand * rate, requested[open_] - alloc[open_])
        alloc[open_] += give
        left -= give.sum()
        open_ = open_ & (alloc < requested * (1.0 - 1e-12))
    return alloc


def weighted_pro_rata_segments(requested, weights, segment, available, n_segments):
    """`weighted_pro_rata` run for every segment at once: requests i of segment[i] share available[segment]."""
    requested = np.asarray(requested, dtype=float)
    alloc = np.zeros_like(requested)
    left = np.asarray(available, dtype=float).copy()
    scale = np.maximum(left, 1.0)
    open_ = requested > 0
    for _ in range(requested.size + 1):
        active = open_ & (left[segment] > 1e-9 * scale[segment])
        if not active.any():
            break
        demand = np.where(active, weights * (requested - alloc), 0.0)
        total = sum_by(segment, weights=demand, minlength=n_segments)
        rate = np.divide(left, total, out=np.zeros_like(left), where=total > 0)
        give = np.minimum(demand * rate[segment], requested - alloc) * active
        alloc += give
        left -= sum_by(segment, weights=give, minlength=n_segments)
        open_ = open_ & (alloc < requested * (1.0 - 1e-12))
    return alloc


def scheduled_months_elapsed(months_elapsed, ramp_months):
    """Full-quantity months already due after `months_elapsed` months of a contract with a linear ramp."""
    k = np.asarray(months_elapsed, dtype=float)
    ramp = np.asarray(ramp_months, dtype=float)
    safe = np.maximum(ramp, 1.0)
    in_ramp = k * (k + 1.0) / (2.0 * safe)
    after = (ramp + 1.0) / 2.0 + (k - ramp)
    return np.where(ramp > 0, np.where(k <= ramp, in_ramp, after), k)


def scheduled_months_left(months_elapsed: np.ndarray, duration_months: np.ndarray,
                          ramp_months: np.ndarray) -> np.ndarray:
    """`scheduled_months - scheduled_months_elapsed` of many contracts (elapsed within 0..duration).

    Past the ramp (or without one) this is exactly duration - elapsed: the terms are whole and half months,
    which floats hold exactly; only contracts still in their ramp need the full formula.
    """
    left = np.subtract(duration_months, months_elapsed, dtype=float)
    k, d, r = months_elapsed, duration_months, ramp_months
    ramping = np.flatnonzero(k < r)  # elapsed >= 0, so these have a ramp
    left[ramping] = (scheduled_months(d[ramping], r[ramping])
                     - scheduled_months_elapsed(k[ramping], r[ramping]))
    return left


def grouped_sum(group_a, group_b, values, n_b, *more_values):
    """Sums of `values` (and of each of `more_values`) by pair (a, b), with one sort: returns
    (a, b, sums, *more_sums) for each pair present, sorted by a, then b."""
    key = np.asarray(group_a, dtype=np.int64) * n_b + np.asarray(group_b, dtype=np.int64)
    unique, inverse = np.unique(key, return_inverse=True)
    sums = [sum_by(inverse, weights=v, minlength=unique.size) for v in (values, *more_values)]
    return (unique // n_b, unique % n_b, *sums)


def hhi_by_group(group_a, group_b, values, n_a, n_b):
    """(HHI in points, largest share, number of b's) of each a over its b's, weighted by values."""
    a, _, sums = grouped_sum(group_a, group_b, values, n_b)
    return concentration_by_group(a, sums, n_a)


def concentration_by_group(a, sums, n_a):
    """(HHI in points, largest share, count) of each a over already-summed (a, b) pairs: `sums[i]` for pair i."""
    a = np.asarray(a, dtype=np.int64)
    sums = np.asarray(sums, dtype=float)
    totals = sum_by(a, weights=sums, minlength=n_a)
    shares = np.divide(sums, totals[a], out=np.zeros_like(sums), where=totals[a] > 0)
    index = sum_by(a, weights=(100.0 * shares) ** 2, minlength=n_a)
    largest = np.zeros(n_a)
    np.maximum.at(largest, a, shares)
    return index, largest, np.bincount(a, minlength=n_a)


def snap_to_zero(values, reference, tolerance: float = 1e-9):
    """max(values, 0), with rounding residue (below tolerance x reference) set to exactly zero."""
    values = np.asarray(values, dtype=float)
    return np.where(values > tolerance * np.asarray(reference, dtype=float), values, 0.0)


def segment_starts(sorted_segment: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    if sorted_segment.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_segment[1:] != sorted_segment[:-1]])


def segment_max_sorted(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Maximum of each run (runs start at `starts`), repeated over the run's entries."""
    if values.size == 0:
        return values.copy()
    maxima = np.maximum.reduceat(values, starts)
    return np.repeat(maxima, np.diff(np.r_[starts, values.size]))


def segment_sum_sorted(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of each run (runs start at `starts`), repeated over the run's entries."""
    if values.size == 0:
        return values.copy()
    return np.repeat(np.add.reduceat(values, starts), np.diff(np.r_[starts, values.size]))


def top_k_in_segments(segment: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Mask of the k highest scores within each segment of a *sorted* `segment` array (ties: earlier first).
    Scores of -inf are never kept.

    Lays the segments out as the rows of a matrix and partitions each row around its k-th highest score (no
    sort); the few segments where a tie at that score would keep more than k are redone in k passes.
    """
    if score.size == 0 or k <= 0:
        return np.zeros(score.size, dtype=bool)
    score = np.asarray(score, dtype=float)
    starts = segment_starts(segment)
    lengths = np.diff(np.r_[starts, score.size])
    row = np.repeat(np.arange(starts.size), lengths)
    keep = score > -np.inf
    if lengths.max() > k:
        negated = np.full((starts.size, int(lengths.max())), np.inf)
        negated[row, np.arange(score.size) - starts[row]] = -score
        kth_best = -np.partition(negated, k - 1, axis=1)[:, k - 1]
        keep &= score >= kth_best[row]
    tied = np.flatnonzero(np.add.reduceat(keep, starts) > k)
    if tied.size:
        rows = np.flatnonzero(np.isin(row, tied))
        keep[rows] = top_k_by_passes(segment[rows], score[rows], k)
    return keep


def top_k_by_passes(segment: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """`top_k_in_segments` in k passes of a segment maximum, the earliest of equal scores first."""
    keep = np.zeros(score.size, dtype=bool)
    if score.size == 0:
        return keep
    starts = segment_starts(segment)
    remaining = score.astype(float).copy()
    for _ in range(min(k, score.size)):
        best = segment_max_sorted(remaining, starts)
        candidates = np.flatnonzero((remaining == best) & (remaining > -np.inf))
        if candidates.size == 0:
            break
        first = candidates[np.r_[True, segment[candidates[1:]] != segment[candidates[:-1]]]]
        keep[first] = True
        remaining[first] = -np.inf
    return keep


def pick_index(uniform, n):
    """The index in 0..n-1 that a uniform number in [0, 1) picks, each with probability 1/n: floor(u x n)."""
    return np.minimum((np.asarray(uniform) * n).astype(np.int64), n - 1)


def deal_key(seller, buyer_lab, buyer_provider, n_labs):
    """An id for a deal's parties (seller, buyer), the same whatever other deals exist: seller x 2^32 + buyer,
    the buyer counted as its lab row, or n_labs + its provider row."""
    buyer = np.where(np.asarray(buyer_lab) >= 0, buyer_lab, n_labs + np.asarray(buyer_provider))
    return np.asarray(seller, dtype=np.int64) * 2**32 + buyer


def sum_by(index, weights=None, minlength: int = 0) -> np.ndarray:
    """np.bincount that always returns floats (bincount of an empty index returns integers)."""
    index = np.asarray(index, dtype=np.int64)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
    return np.bincount(index, weights=weights, minlength=minlength).astype(float, copy=False)


def sum_by_row(index: np.ndarray, weights: np.ndarray, n_rows: int) -> np.ndarray:
    """Sums of `weights` by `index` into a table of `n_rows` rows; entries whose index is -1 (no row: a contract
    bought by the other kind of buyer, or one off the eligible edges) are left out.

    Index -1 adds into a spare last row (numpy's negative indexing) that is dropped: each row gets its entries in
    order, as np.bincount adds them, without the pass that shifting the index by one would take.
    """
    sums = np.zeros(n_rows + 1)
    np.add.at(sums, np.asarray(index), np.asarray(weights, dtype=float))
    return sums[:-1]


def depreciation_usd_bn(capacity_h100e, capex_usd_per_h100e, useful_life_years):
    """Straight-line depreciation of the installed fleet for one month, USD bn."""
    return capacity_h100e * capex_usd_per_h100e / (12.0 * np.asarray(useful_life_years, dtype=float)) / 1e9


def affordable_h100e(budget_usd_bn, price_usd_per_h100e_hour):
    """H100e a budget (USD bn) buys for one month (730 h) at a price: budget x 1e9 / (730 x price); 0 for no budget."""
    budget = np.maximum(np.asarray(budget_usd_bn, dtype=float), 0.0)
    price = np.asarray(price_usd_per_h100e_hour, dtype=float)
    return np.where(price > 0, budget * 1e9 / (730.0 * np.where(price > 0, price, 1.0)), 0.0)


def credit_limit_usd_bn(fleet_value_usd_bn, backlog_usd_bn, non_ai_margin_usd_bn_per_month, fleet_ltv, backlog_ltv,
                        max_leverage):
    """What lenders will lend a provider: fleet LTV x fleet book value + backlog LTV x remaining contract value +
    max leverage x its annual non-AI margin."""
    return (fleet_ltv * np.asarray(fleet_value_usd_bn, dtype=float) + backlog_ltv * np.asarray(backlog_usd_bn)
            + max_leverage * 12.0 * np.asarray(non_ai_margin_usd_bn_per_month))


def interest_rate(debt_usd_bn, limit_usd_bn, base_rate, spread_at_limit):
    """Annual rate on its debt: base + spread x debt / limit, the ratio at most 2 (2 when there is no limit)."""
    debt, limit = np.asarray(debt_usd_bn, dtype=float), np.asarray(limit_usd_bn, dtype=float)
    ratio = np.divide(debt, limit, out=np.where(debt > 0, 2.0, 0.0), where=limit > 0)
    return base_rate + spread_at_limit * np.minimum(ratio, 2.0)


def lender_loss_usd_bn(debt_usd_bn, fleet_value_usd_bn, recovery_share):
    """What lenders lose when a provider defaults: its debt less what they recover (a share of its fleet value)."""
    return np.maximum(np.asarray(debt_usd_bn, dtype=float) - recovery_share * np.asarray(fleet_value_usd_bn), 0.0)


def affordable_share(cost_usd_bn, headroom_usd_bn):
    """Share of a spending plan that can be financed: min(1, headroom / cost) (1 when it costs nothing)."""
    cost, headroom = np.asarray(cost_usd_bn, dtype=float), np.maximum(np.asarray(headroom_usd_bn, dtype=float), 0.0)
    return np.where(cost > headroom, headroom / np.where(cost > 0, cost, 1.0), 1.0)


def paid_share(means, due):
    """Share of a bill that is paid: all of it when means cover it (to within 1e-9 of the bill: a spot purchase
    that spends exactly what was left is paid in full), else means / due (never negative)."""
    means = np.maximum(np.asarray(means, dtype=float), 0.0)
    due = np.asarray(due, dtype=float)
    return np.where(due - means > 1e-9 * due, means / np.where(due > 0, due, 1.0), 1.0)


def finance(cash, debt, flow):
    """(cash, debt) after a net cash `flow`: shortfalls are borrowed, surpluses repay debt first; both stay >= 0."""
    net = np.asarray(cash, dtype=float) - debt + flow
    return np.maximum(net, 0.0), np.maximum(-net, 0.0)
