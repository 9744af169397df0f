"""Competition screens as pure formulas: diversion, upward pricing pressure, the marginal cost reduction that
offsets a merger and HHI with partial ownership. The HHI itself and the 2023 US Merger Guidelines' structural
presumption are `kernels.hhi` and `kernels.merger_presumption` (the regulators use them too).

Prices and costs in any one unit ($ per H100e-hour in the model); margins and shares as fractions; HHI in
points (0-10,000). Each formula is checked in tests/test_competition.py against a case worked by hand.
"""

from __future__ import annotations

import numpy as np

# A GUPPI under 5% is commonly read as unlikely to signal a unilateral price effect (agency practice, not a
# threshold written in the guidelines).
GUPPI_SAFE_HARBOUR = 0.05


def logit_diversion(shares: np.ndarray) -> np.ndarray:
    """D[j, k]: the share of firm j's lost sales that go to firm k when j raises its price, under logit demand
    (diversion in proportion to share): D[j, k] = s_k / (1 - s_j), and D[j, j] = 0. `shares` of inside goods;
    with an outside good, its share is the rest."""
    s = np.asarray(shares, dtype=float)
    d = s[None, :] / (1.0 - s[:, None])
    np.fill_diagonal(d, 0.0)
    return d


def upp(diversion_12: float, price_2: float, cost_2: float, efficiency_1: float, cost_1: float) -> float:
    """Upward pricing pressure on firm 1's price after it merges with firm 2 (Farrell and Shapiro 2010): the margin
    it now earns on the sales it diverts to 2, less the cost saving it gains: D12 (p2 - c2) - E1 c1."""
    return diversion_12 * (price_2 - cost_2) - efficiency_1 * cost_1


def guppi(diversion_12: float, margin_2: float, price_2: float, price_1: float) -> float:
    """Gross upward pricing pressure index of firm 1 (Salop and Moresi 2009): the value of its sales diverted to
    the merger partner as a share of its price, D12 m2 p2 / p1, with m2 = (p2 - c2) / p2."""
    return diversion_12 * margin_2 * price_2 / price_1


def cmcr(margin_1: float, margin_2: float, diversion_12: float, diversion_21: float, price_1: float,
         price_2: float) -> float:
    """Compensating marginal cost reduction of firm 1 (Werden 1996): the fall in its marginal cost, as a share of
    that cost, that leaves its price unchanged after a merger of Bertrand price setters:
    (m1 D12 D21 + m2 D12 p2 / p1) / ((1 - m1) (1 - D12 D21))."""
    return (margin_1 * diversion_12 * diversion_21 + margin_2 * diversion_12 * price_2 / price_1) / \
        ((1.0 - margin_1) * (1.0 - diversion_12 * diversion_21))


def delta_mhhi(shares: np.ndarray, control: np.ndarray, ownership: np.ndarray) -> float:
    """The modified HHI's excess over the HHI (O'Brien and Salop 2000), in points: the sum over firms j and k != j
    of s_j s_k (sum_i control[i, j] ownership[i, k]) / (sum_i control[i, j] ownership[i, j]). `control[i, j]`
    is owner i's share of control of firm j, `ownership[i, j]` its share of j's profits (owners x firms)."""
    s = np.asarray(shares, dtype=float)
    gamma, beta = np.asarray(control, dtype=float), np.asarray(ownership, dtype=float)
    weight = gamma.T @ beta  # weight[j, k] = sum_i gamma_ij beta_ik
    own = np.diag(weight)
    ratio = np.divide(weight, own[:, None], out=np.zeros_like(weight), where=own[:, None] > 0)
    np.fill_diagonal(ratio, 0.0)
    return float(1e4 * s @ ratio @ s)



def vguppi_upstream(diversion_rival_to_partner: float, margin_partner: float, price_partner: float,
                    input_price_rival: float) -> float:
    """Vertical GUPPI of the upstream merging firm (Moresi and Salop 2013): its incentive to raise the input price
    it charges a downstream rival, D_RD m_D P_D / W_R: the rival's lost downstream sales diverted to the downstream
    partner (D_RD), valued at the partner's margin m_D and price P_D, over the rival's input price W_R."""
    return diversion_rival_to_partner * margin_partner * price_partner / input_price_rival


def vguppi_downstream(diversion_partner_to_rival: float, margin_upstream: float, input_price_rival: float,
                      price_partner: float) -> float:
    """Vertical GUPPI of the downstream merging firm (Moresi and Salop 2013): its incentive to raise its own price
    because the sales it loses to a rival buy the upstream partner's input, D_DR m_U W_R / P_D."""
    return diversion_partner_to_rival * margin_upstream * input_price_rival / price_partner


def lab_surplus_usd_per_hour(base_demand_h100e, price, reference_price, willingness_to_pay, elasticity):
    """A lab's surplus per hour under the model's demand D(x) = base (x / P_ref)^-e, bought at `price`, no unit
    worth more than its willingness to pay W: the area under D from the price to W,
    base P_ref^e (W^(1-e) - p^(1-e)) / (1 - e), or base P_ref ln(W / p) when e = 1 (0 when p >= W). USD per hour."""
    base, p = np.asarray(base_demand_h100e, dtype=float), np.minimum(np.asarray(price, dtype=float),
                                                                     willingness_to_pay)
    if abs(elasticity - 1.0) < 1e-12:
        return base * reference_price * np.log(willingness_to_pay / p)
    return base * reference_price ** elasticity * (willingness_to_pay ** (1.0 - elasticity)
                                                   - p ** (1.0 - elasticity)) / (1.0 - elasticity)
