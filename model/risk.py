"""Network risk: compute at risk, DebtRank over the contract and equity graph, circular flows.

Pure functions over arrays (the small hand-built cases in tests/test_risk.py are worked by hand), and
`risk_tables(state)` which builds their inputs from a market state. Money in USD bn.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .context import holds
from .phases.metrics import flows, remaining_value_usd_bn
from .records import ORDER_OPEN
from .state import MarketState

# Capital buffers (ESTIMATE): cash net of debt plus a year of operating margin, with margins of
# PROVIDER_AI_MARGIN on AI revenue (non-AI margin is a parameter), LAB_MARGIN on lab revenue and
# VENDOR_MARGIN on vendor revenue (NVIDIA's gross margin is ~75%; 0.5 is conservative for all vendors).
PROVIDER_AI_MARGIN = 0.3
LAB_MARGIN = 0.2
VENDOR_MARGIN = 0.5


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


def exposures(state: MarketState, non_ai_margin: float) -> tuple[np.ndarray, np.ndarray]:
    """(exposure matrix over vendor + provider + lab nodes, capital buffer per node), USD bn."""
    v, p, labs, c, o = state.vendors, state.providers, state.labs, state.contracts, state.orders
    n_v, n_p, n_l = len(v), len(p), len(labs)
    n = n_v + n_p + n_l
    exposure = np.zeros((n, n))
    remaining = remaining_value_usd_bn(state)
    seller = n_v + c.seller
    buyer = np.where(c.buyer_lab >= 0, n_v + n_p + c.buyer_lab, n_v + c.buyer_provider)
    np.add.at(exposure, (seller, buyer), remaining)  # a seller loses what its buyer still owes
    open_ = o.status == ORDER_OPEN
    np.add.at(exposure, (o.vendor[open_], n_v + o.provider[open_]),
              o.remaining_h100e[open_] * o.price_usd_per_h100e[open_] / 1e9)
    e = state.equity
    market = (e.investor < n) & (e.investee < n)
    np.add.at(exposure, (e.investor[market], e.investee[market]), e.value_usd_bn[market])
    np.fill_diagonal(exposure, 0.0)
    provider_margin = (p.non_ai_revenue_usd_bn_per_month * non_ai_margin
                       + PROVIDER_AI_MARGIN * (p.contract_revenue_usd_bn + p.spot_revenue_usd_bn))
    capital = np.concatenate([
        12 * VENDOR_MARGIN * v.production_h100e_per_month * v.price_usd_per_h100e / 1e9,
        np.maximum(p.cash_usd_bn - p.debt_usd_bn, 0.0) + 12 * provider_margin,
        labs.cash_usd_bn + 12 * LAB_MARGIN * labs.revenue_usd_bn_per_month,
    ])
    return exposure, capital


def risk_tables(state: MarketState, params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-node risk table, circular flows table) for the current state."""
    v, p, labs, c = state.vendors, state.providers, state.labs, state.contracts
    n_v, n_p, n_l = len(v), len(p), len(labs)
    names = state.node_names()
    exposure, capital = exposures(state, params.non_ai_margin)
    rank = node_debtrank(exposure, capital, capital)
    f = flows(state)
    delivered = f["delivered"]
    through = np.zeros(n_v + n_p + n_l)
    np.add.at(through, n_v + c.seller, delivered)
    through[n_v:n_v + n_p] += f["spot_sold"]
    to_labs = c.buyer_lab >= 0
    np.add.at(through, n_v + n_p + c.buyer_lab[to_labs], delivered[to_labs])
    through[n_v + n_p:] += f["spot_bought"]
    total = delivered[to_labs].sum() + f["spot_bought"].sum()
    nodes = pd.DataFrame({
        "name": names[: n_v + n_p + n_l],
        "kind": ["vendor"] * n_v + ["provider"] * n_p + ["lab"] * n_l,
        "compute_at_risk_share": compute_at_risk(through, total),
        "debtrank": rank,
        "capital_usd_bn": capital,
        "exposure_usd_bn": exposure.sum(axis=1),
    }).sort_values("debtrank", ascending=False, ignore_index=True)
    payments = defaultdict(float)
    held = holds(c.status) | (c.paid_usd_bn > 0)
    for s_, bl, bp, value in zip(c.seller[held], c.buyer_lab[held], c.buyer_provider[held], c.value_usd_bn[held]):
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
