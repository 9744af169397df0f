"""Network risk: compute at risk, DebtRank over the contract and equity graph, Eisenberg-Noe clearing payments
over the obligations of the coming year, circular flows.

Pure functions over arrays (the small hand-built cases in tests/test_risk.py are worked by hand), and
`risk_tables(state, params)`, the one interface: it builds their inputs from a market state over one set of nodes
and returns them side by side. Money in USD bn.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .archive import all_contracts
from .market_rules import holds, ramped_h100e, remaining_value_usd_bn
from .phases.metrics import flows
from .records import ORDER_OPEN
from .state import MarketState
from .units import usd_bn

# Capital buffers (ESTIMATE): cash net of debt plus a year of operating margin, with margins of
# PROVIDER_AI_MARGIN on AI revenue (non-AI margin is a parameter), LAB_MARGIN on lab revenue and
# VENDOR_MARGIN on vendor revenue (NVIDIA's gross margin is ~75%; 0.5 is conservative for all vendors).
PROVIDER_AI_MARGIN = 0.3
LAB_MARGIN = 0.2
VENDOR_MARGIN = 0.5


def _spread(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    out[rows] = values
    return out


def compute_at_risk(through_h100e: np.ndarray, delivered_total_h100e: float) -> np.ndarray:
    """Share of all delivered compute that passes through each node (lost if that node fails)."""
    through = np.asarray(through_h100e, dtype=float)
    return through / delivered_total_h100e if delivered_total_h100e > 0 else np.zeros_like(through)


def debtrank(exposure: np.ndarray, capital: np.ndarray, value: np.ndarray, shocked: np.ndarray) -> np.ndarray:
    """DebtRank (Battiston et al. 2012) of each shock scenario: rows of `shocked` are initial distress levels.

    exposure[i, j]: what i loses if j fails (USD bn); W = min(1, exposure / capital of i) is the impact of j's
    distress on i. Each distressed node propagates once (then becomes inactive):
    h_i <- min(1, h_i + sum over j distressed of W_ij h_j). Returns, per scenario, the value-weighted distress
    caused beyond the initial shock: sum(v h_final) - sum(v h_initial), with v = value / sum(value).
    """
    exposure = np.asarray(exposure, dtype=float)
    capital = np.asarray(capital, dtype=float)
    weights = np.divide(exposure, capital[:, None], out=np.zeros_like(exposure), where=capital[:, None] > 0)
    weights = np.minimum(weights, 1.0)
    weights[capital <= 0, :] = np.where(exposure[capital <= 0, :] > 0, 1.0, 0.0)
    v = np.asarray(value, dtype=float)
    v = v / v.sum() if v.sum() > 0 else v
    h = np.atleast_2d(np.asarray(shocked, dtype=float)).copy()
    initial = h.copy()
    distressed = h > 0
    inactive = np.zeros_like(distressed)
    for _ in range(h.shape[1] + 1):
        if not distressed.any():
            break
        spread = (h * distressed) @ weights.T
        new_h = np.minimum(1.0, h + spread)
        inactive |= distressed
        distressed = (new_h > h) & ~inactive
        h = new_h
    return h @ v - initial @ v


def eisenberg_noe(liabilities: np.ndarray, external_assets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(clearing payments, shortfalls) of a network of obligations (Eisenberg and Noe 2001), USD bn.

    liabilities[i, j]: what i owes j. Each node pays what it owes in full, or, when its assets (external assets
    plus what it is paid) fall short, all of them, shared among its creditors in proportion to what it owes:
    p_i = min(owed_i, e_i + sum_j Pi_ji p_j), Pi_ij = liabilities[i, j] / owed_i. The greatest such vector is
    found by the fictitious default algorithm: assume no one defaults, solve for the payments of those who cannot
    pay in full, and repeat until the set of defaulters stops growing (at most one round per node).
    shortfall_i = owed_i - p_i.
    """
    liabilities = np.asarray(liabilities, dtype=float)
    e = np.asarray(external_assets, dtype=float)
    owed = liabilities.sum(axis=1)
    relative = np.divide(liabilities, owed[:, None], out=np.zeros_like(liabilities), where=owed[:, None] > 0)
    pay = owed.copy()
    defaulting = np.zeros(len(owed), dtype=bool)
    for _ in range(len(owed) + 1):
        newly = e + relative.T @ pay < owed - 1e-12
        if (newly == defaulting).all():
            break
        defaulting = newly
        d, solvent = np.flatnonzero(defaulting), np.flatnonzero(~defaulting)
        # for defaulters: p_D = e_D + Pi_DD^T p_D + Pi_SD^T owed_S
        system = np.eye(d.size) - relative[np.ix_(d, d)].T
        pay = owed.copy()
        pay[d] = np.linalg.solve(system, e[d] + relative[np.ix_(solvent, d)].T @ owed[solvent])
    return pay, owed - pay


def node_debtrank(exposure: np.ndarray, capital: np.ndarray, value: np.ndarray) -> np.ndarray:
    """DebtRank of each node failing alone (initial distress 1)."""
    return debtrank(exposure, capital, value, np.eye(len(capital)))


def circular_flows(equity: list[tuple[int, int, float]], payments: dict[tuple[int, int], float]):
    """Money that returns to an investor: investor -> investee -> investor (a cloud invests in a lab that rents
    from it) and investor -> investee -> x -> investor (a vendor invests in a lab that pays a cloud that buys
    the vendor's chips).

    `equity`: (investor, investee, value); `payments`: {(payer, payee): value}. The invested money follows
    each payer's payments in proportion, so a path's value is invested x share(investee -> x) x
    share(x -> investor), and an investment's cycles add up to at most what was invested.
    Returns [(nodes, value)], largest first.
    """
    paid_to, total_paid = defaultdict(dict), defaultdict(float)
    for (payer, payee), amount in payments.items():
        if amount > 0 and payer != payee:
            paid_to[payer][payee] = paid_to[payer].get(payee, 0.0) + amount
            total_paid[payer] += amount

    def share(payer, payee) -> float:
        return paid_to[payer].get(payee, 0.0) / total_paid[payer] if total_paid[payer] > 0 else 0.0

    cycles = []
    for investor, investee, invested in equity:
        if share(investee, investor) > 0:
            cycles.append(((investor, investee), invested * share(investee, investor)))
        for middle in paid_to[investee]:
            value = invested * share(investee, middle) * share(middle, investor)
            if middle != investor and value > 0:
                cycles.append(((investor, investee, middle), value))
    return sorted(cycles, key=lambda cycle: -cycle[1])


def debtrank_labs(state: MarketState, max_labs: int = 200) -> np.ndarray:
    """Rows of the labs DebtRank covers: the named labs and those with the largest remaining commitments."""
    c, labs = state.contracts, state.labs
    to_lab = c.buyer_lab >= 0
    commitments = np.bincount(c.buyer_lab[to_lab], weights=remaining_value_usd_bn(state)[to_lab], minlength=len(labs))
    ranked = [int(i) for i in np.argsort(-commitments, kind="stable") if not labs.frontier[i]]
    return np.array(sorted([*np.flatnonzero(labs.frontier), *ranked[: max(max_labs - int(labs.frontier.sum()), 0)]]),
                    dtype=np.int64)


def matrix_rows(state: MarketState, lab_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row of the risk matrices for each global node id, -1 where not covered; each contract's buyer's row): the
    vendors, the providers, then the labs `lab_rows`."""
    n_v, n_p, c = len(state.vendors), len(state.providers), state.contracts
    local = np.full(len(state.node_names()), -1, dtype=np.int64)
    local[: n_v + n_p] = np.arange(n_v + n_p)
    local[state.node_offset("lab") + lab_rows] = n_v + n_p + np.arange(lab_rows.size)
    buyer = np.where(c.buyer_lab >= 0, local[state.node_offset("lab") + np.maximum(c.buyer_lab, 0)],
                     n_v + c.buyer_provider)
    return local, buyer


def vendor_capital_usd_bn(vendors) -> np.ndarray:
    """A vendor's buffer (ESTIMATE): its margin (VENDOR_MARGIN) on a year's output at its price."""
    return 12 * VENDOR_MARGIN * vendors.production_h100e_per_month * vendors.price_usd_per_h100e / 1e9


def exposures(state: MarketState, non_ai_margin: float, lab_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(exposure matrix, capital buffer per node) over vendors, providers and the labs `lab_rows`, USD bn.

    The matrix is dense, so it covers a bounded set of labs (`debtrank_labs`); what smaller labs owe is left out.
    """
    v, p, labs, c, o = state.vendors, state.providers, state.labs, state.contracts, state.orders
    n_v, n_p = len(v), len(p)
    n = n_v + n_p + lab_rows.size
    local, buyer = matrix_rows(state, lab_rows)
    exposure = np.zeros((n, n))
    remaining = remaining_value_usd_bn(state)
    seller = n_v + c.seller
    covered = buyer >= 0
    np.add.at(exposure, (seller[covered], buyer[covered]), remaining[covered])  # a seller loses what is owed
    open_ = o.status == ORDER_OPEN
    np.add.at(exposure, (o.vendor[open_], n_v + o.provider[open_]),
              o.remaining_h100e[open_] * o.price_usd_per_h100e[open_] / 1e9)
    e = state.equity
    investor, investee = local[e.investor], local[e.investee]
    market = (investor >= 0) & (investee >= 0)
    np.add.at(exposure, (investor[market], investee[market]), e.value_usd_bn[market])
    np.fill_diagonal(exposure, 0.0)
    provider_margin = (p.non_ai_revenue_usd_bn_per_month * non_ai_margin
                       + PROVIDER_AI_MARGIN * (p.contract_revenue_usd_bn + p.spot_revenue_usd_bn))
    capital = np.concatenate([
        vendor_capital_usd_bn(v),
        np.maximum(p.cash_usd_bn - p.debt_usd_bn, 0.0) + 12 * provider_margin,
        labs.cash_usd_bn[lab_rows] + 12 * LAB_MARGIN * labs.revenue_usd_bn_per_month[lab_rows],
    ])
    return exposure, capital


CLEARING_MONTHS = 12  # the obligations Eisenberg-Noe clears: those falling due over the coming year


def obligations(state: MarketState, params, lab_rows: np.ndarray, lab_revenue_share: float = 1.0,
                months: int = CLEARING_MONTHS) -> tuple[np.ndarray, np.ndarray]:
    """(liabilities, external assets) over the nodes of `exposures` plus one last node for the lenders, USD bn.

    Owed over the next `months`: each buyer's contract bills as scheduled (its ramp, its term) at their prices, to
    the seller; each provider's open chip orders, to the vendor; each provider's interest at this month's rate and
    any debt above its credit limit, to the lenders. External assets: a lab's cash and its revenue over the period
    (times `lab_revenue_share`, a stress); a provider's cash, its non-AI margin over the period and the credit it
    has left; a vendor's margin on a year's output (as its DebtRank capital). What smaller labs owe is left out, as
    in `exposures`."""
    v, p, labs, c, o = state.vendors, state.providers, state.labs, state.contracts, state.orders
    n_v, n_p = len(v), len(p)
    n = n_v + n_p + lab_rows.size
    _, buyer = matrix_rows(state, lab_rows)
    owed = np.zeros((n + 1, n + 1))
    live = holds(c.status)
    scheduled = sum(ramped_h100e(c, state.month + k, live) for k in range(1, months + 1)) if c.n else np.zeros(0)
    due = usd_bn(scheduled, c.price_usd_per_h100e_hour)  # the h100e-months scheduled, at one month's hours each
    counted = buyer >= 0
    np.add.at(owed, (buyer[counted], n_v + c.seller[counted]), due[counted])
    open_ = o.status == ORDER_OPEN
    np.add.at(owed, (n_v + o.provider[open_], o.vendor[open_]), o.remaining_h100e[open_] * o.price_usd_per_h100e[open_]
              / 1e9)
    alive = ~p.defaulted
    owed[n_v + np.arange(n_p), n] = np.where(alive, months * p.interest_usd_bn
                                             + np.maximum(p.debt_usd_bn - p.credit_limit_usd_bn, 0.0), 0.0)
    np.fill_diagonal(owed, 0.0)
    external = np.concatenate([
        vendor_capital_usd_bn(v),
        np.where(alive, p.cash_usd_bn + months * params.non_ai_margin * p.non_ai_revenue_usd_bn_per_month
                 + np.maximum(p.credit_limit_usd_bn - p.debt_usd_bn, 0.0), 0.0),
        labs.cash_usd_bn[lab_rows] + months * lab_revenue_share * labs.revenue_usd_bn_per_month[lab_rows],
        [0.0],
    ])
    return owed, external


def risk_tables(state: MarketState, params, max_labs: int = 200,
                lab_revenue_share: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-node risk table, circular flows table) for the current state: compute at risk, DebtRank and the
    Eisenberg-Noe clearing of the coming year's obligations (`obligations`, labs' revenue times
    `lab_revenue_share`) over one set of nodes: vendors, providers and at most `max_labs` labs (the named ones and
    the most committed); the others get NaN."""
    v, p, labs, c = state.vendors, state.providers, state.labs, state.contracts
    n_v, n_p, n_l = len(v), len(p), len(labs)
    names = state.node_names()
    lab_rows = debtrank_labs(state, max_labs)
    exposure, capital_covered = exposures(state, params.non_ai_margin, lab_rows)
    covered = np.concatenate([np.arange(n_v + n_p), n_v + n_p + lab_rows])
    liabilities, external = obligations(state, params, lab_rows, lab_revenue_share)
    paid, shortfall = eisenberg_noe(liabilities, external)
    rank, capital = np.full(n_v + n_p + n_l, np.nan), np.full(n_v + n_p + n_l, np.nan)
    rank[covered] = node_debtrank(exposure, capital_covered, capital_covered)
    capital[covered] = capital_covered
    f = flows(state)
    delivered = f["delivered"]
    through = np.zeros(n_v + n_p + n_l)
    np.add.at(through, n_v + c.seller, delivered)
    through[n_v:n_v + n_p] += f["spot_sold"]
    to_labs = c.buyer_lab >= 0
    np.add.at(through, n_v + n_p + c.buyer_lab[to_labs], delivered[to_labs])
    through[n_v + n_p:] += f["spot_bought"]
    total = delivered[to_labs & (delivered > 0)].sum() + f["spot_bought"].sum()  # zeros left out: closed
    # contracts, archived or not, change no rounding
    nodes = pd.DataFrame({
        "name": names[: n_v + n_p + n_l],
        "kind": ["vendor"] * n_v + ["provider"] * n_p + ["lab"] * n_l,
        "compute_at_risk_share": compute_at_risk(through, total),
        "debtrank": rank,
        "capital_usd_bn": capital,
        "exposure_usd_bn": _spread(exposure.sum(axis=1), covered, n_v + n_p + n_l),
        "owed_next_year_usd_bn": _spread(liabilities.sum(axis=1)[:-1], covered, n_v + n_p + n_l),
        "clearing_shortfall_usd_bn": _spread(shortfall[:-1], covered, n_v + n_p + n_l),
        # the cascade that happened: who failed, what each lost to others' failures, what lenders lost
        "defaulted": np.concatenate([np.zeros(n_v, dtype=bool), p.defaulted, labs.defaulted]),
        "realised_loss_usd_bn": np.concatenate([v.lost_orders_usd_bn, p.stranded_usd_bn, np.zeros(n_l)]),
        "lender_loss_usd_bn": np.concatenate([np.full(n_v, np.nan), p.lender_loss_usd_bn, np.full(n_l, np.nan)]),
    }).sort_values("debtrank", ascending=False, ignore_index=True, na_position="last")
    payments = defaultdict(float)
    every = all_contracts(state)  # closed contracts paid money too
    held = holds(every.status) | (every.paid_usd_bn > 0)
    for s_, bl, bp, value in zip(every.seller[held], every.buyer_lab[held], every.buyer_provider[held],
                                 every.value_usd_bn[held]):
        payer = n_v + n_p + bl if bl >= 0 else n_v + bp
        payments[(int(payer), int(n_v + s_))] += float(value)
    o = state.orders
    for provider, vendor, quantity, price in zip(o.provider, o.vendor, o.quantity_h100e, o.price_usd_per_h100e):
        payments[(int(n_v + provider), int(vendor))] += float(quantity * price / 1e9)
    e = state.equity
    equity = [(int(a), int(b), float(val)) for a, b, val in zip(e.investor, e.investee, e.value_usd_bn)]
    cycles = circular_flows(equity, payments)
    circular = pd.DataFrame({"cycle": [" -> ".join(names[i] for i in (*nodes_, nodes_[0])) for nodes_, _ in cycles],
                             "value_usd_bn": [value for _, value in cycles]})
    return nodes, circular
