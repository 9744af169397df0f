"""The competition authority's screens of a deal, from the market just before it (`deal_runs.before_deal`):
concentration (HHI, ΔHHI, the 2023 US Merger Guidelines' presumption, the modified HHI with the stakes on record),
horizontal pricing pressure (UPP, GUPPI, CMCR) and vertical GUPPIs. Margins are the model's: a provider's going
12-month price over its unit cost. Diversion comes from the agents where they measure it (`deal_diversion`), else
from the logit closed form on shares; each row says which. Each screen is a list of rows
(deal, measure, value, basis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import kernels
from model.competition import (
    GUPPI_SAFE_HARBOUR,
    cmcr,
    delta_mhhi,
    guppi,
    logit_diversion,
    upp,
    vguppi_downstream,
    vguppi_upstream,
)
from model.market_rules import post_deal_hhi
from model.risk import VENDOR_MARGIN
from model.state import PROVIDER_KINDS
from model.units import HOURS_PER_MONTH, USD_PER_BN

RIVALS_SHOWN = 3


def firm_shares(before) -> pd.DataFrame:
    """Contracted AI capacity by firm (providers under one control together): share, and whether it is the residual
    "Other clouds" (counted in the total, no firm)."""
    p = before["providers"]
    by_firm = p.groupby("firm")["contracted_h100e"].sum()
    total = by_firm.sum()
    return pd.DataFrame({"contracted_h100e": by_firm, "share": by_firm / total if total > 0 else by_firm * 0.0,
                         "residual": (p.loc[by_firm.index, "kind"] == PROVIDER_KINDS.index("other")).to_numpy(),
                         "name": p.loc[by_firm.index, "name"].to_numpy()})


def margin(before, row: int) -> tuple[float, float, float]:
    """(price, unit cost, margin share) of provider `row`: its going 12-month price and full unit cost."""
    p = before["providers"].iloc[row]
    price, cost = float(p["price_usd_per_h100e_hour"]), float(p["unit_cost_usd_per_h100e_hour"])
    return price, cost, (price - cost) / price if price > 0 else 0.0


def diversion(measured: dict, shares: pd.DataFrame, origin_firm: int, to_firm: int, origin: str, to: str):
    """(D[origin -> to], basis): the agents' median when they measured it, else s_to / (1 - s_origin)."""
    value = measured.get((origin, to))
    if value is not None and np.isfinite(value):
        return float(value), "measured from the agents (median over seeds and months)"
    closed = logit_diversion(shares["share"].to_numpy())
    firms = list(shares.index)
    return float(closed[firms.index(origin_firm), firms.index(to_firm)]), "logit on contracted shares (assumed)"


def presumption_row(deal: str, hhi_after: float, delta: float, share: float, params) -> tuple:
    """The 2023 guidelines' structural presumption (the parameters' thresholds where set, else 1,800 and 100)."""
    hhi_threshold = params.regulator_hhi_threshold or 1800.0
    delta_threshold = params.regulator_delta_hhi_threshold or 100.0
    return (deal, "structural presumption (2023 Merger Guidelines)",
            bool(kernels.merger_presumption(hhi_after, delta, share, hhi_threshold, delta_threshold)),
            f"ΔHHI > {delta_threshold:g} and (HHI > {hhi_threshold:g} or share > 30%)")


def concentration_rows(deal: str, shares: pd.DataFrame, a: int, t: int, params) -> list[tuple]:
    """HHI before and after two firms combine, ΔHHI = 2 s_a s_t, and the guidelines' presumption."""
    firms = shares.loc[~shares["residual"], "share"]
    before = float(1e4 * (firms ** 2).sum())
    delta = 0.0 if a == t else float(2e4 * shares.loc[a, "share"] * shares.loc[t, "share"])
    combined = float(shares.loc[a, "share"] + (0.0 if a == t else shares.loc[t, "share"]))
    basis = "contracted AI capacity by firm, the month before; Other clouds counted in the total, not as a firm"
    return [(deal, "HHI before (points)", before, basis), (deal, "HHI after (points)", before + delta, basis),
            (deal, "ΔHHI (points)", delta, "2 x share x share"), (deal, "combined share", combined, basis),
            presumption_row(deal, before + delta, delta, combined, params)]


def horizontal_rows(deal: str, before, acquirer: int, target: int, efficiency: float, measured: dict,
                    params) -> list[tuple]:
    """Concentration, UPP, GUPPI and CMCR of two providers coming under one control."""
    p = before["providers"]
    shares = firm_shares(before)
    fa, ft = int(p.loc[acquirer, "firm"]), int(p.loc[target, "firm"])
    rows = concentration_rows(deal, shares, fa, ft, params)
    names = p["name"].tolist()
    p1, c1, m1 = margin(before, acquirer)
    p2, c2, m2 = margin(before, target)
    d12, basis12 = diversion(measured, shares, fa, ft, names[acquirer], names[target])
    d21, basis21 = diversion(measured, shares, ft, fa, names[target], names[acquirer])
    a, t = names[acquirer], names[target]
    rows += [(deal, f"margin {a}", m1, f"(going price ${p1:.2f} - unit cost ${c1:.2f}) / price"),
             (deal, f"margin {t}", m2, f"(going price ${p2:.2f} - unit cost ${c2:.2f}) / price"),
             (deal, f"diversion {a} -> {t}", d12, basis12), (deal, f"diversion {t} -> {a}", d21, basis21),
             (deal, f"GUPPI {a}", guppi(d12, m2, p2, p1), f"D m p / p; under {GUPPI_SAFE_HARBOUR:.0%} is commonly "
              "read as no signal"),
             (deal, f"GUPPI {t}", guppi(d21, m1, p1, p2), "D m p / p"),
             (deal, f"UPP {a} ($/H100e-hour)", upp(d12, p2, c2, efficiency, c1),
              f"D (p - c) - E c, stated efficiency E = {efficiency:.0%}"),
             (deal, f"UPP {t} ($/H100e-hour)", upp(d21, p1, c1, efficiency, c2), f"E = {efficiency:.0%}"),
             (deal, f"CMCR {a}", cmcr(m1, m2, d12, d21, p1, p2), "cost cut that keeps its price (Werden 1996)"),
             (deal, f"CMCR {t}", cmcr(m2, m1, d21, d12, p2, p1), "Werden 1996")]
    return rows


def chip_cost_per_hour(before, vendor: int, provider: int) -> float:
    """A vendor's chip price as a cost per H100e-hour at `provider`: annuitised at its cost of capital."""
    p = before["providers"].iloc[provider]
    return float(kernels.unit_cost_usd_per_h100e_hour(float(before["vendors"].loc[vendor, "price_usd_per_h100e"]),
                                                      float(p["cost_of_capital"]), float(p["useful_life_years"]), 0.0))


def rivals(before, target: int) -> list[int]:
    """The target's largest rivals in the compute market (selling providers with contracted capacity)."""
    p = before["providers"]
    selling = p[(p.index != target) & (p["kind"] != PROVIDER_KINDS.index("self_builder"))
                & (p["kind"] != PROVIDER_KINDS.index("other")) & (p["contracted_h100e"] > 0)
                & (p["firm"] != p.loc[target, "firm"])]
    return selling.sort_values("contracted_h100e", ascending=False).index[:RIVALS_SHOWN].tolist()


def vendor_rows(deal: str, before, vendor: int, target: int, measured: dict) -> list[tuple]:
    """vGUPPIs of a vendor buying a provider: its incentive to raise the chip price to the target's rivals, and the
    target's incentive to raise its price now that the rivals it loses sales to buy the vendor's chips."""
    p, v = before["providers"], before["vendors"]
    shares = firm_shares(before)
    names = p["name"].tolist()
    price_d, _, margin_d = margin(before, target)
    rows = []
    for rival in rivals(before, target):
        w = chip_cost_per_hour(before, vendor, rival)
        d_rd, basis_rd = diversion(measured, shares, int(p.loc[rival, "firm"]), int(p.loc[target, "firm"]),
                                   names[rival], names[target])
        d_dr, basis_dr = diversion(measured, shares, int(p.loc[target, "firm"]), int(p.loc[rival, "firm"]),
                                   names[target], names[rival])
        rows += [(deal, f"vGUPPI upstream, {v.loc[vendor, 'name']} to {names[rival]}",
                  vguppi_upstream(d_rd, margin_d, price_d, w),
                  f"D {names[rival]}->{names[target]} {d_rd:.2f} ({basis_rd}); chips ${w:.2f}/H100e-hour"),
                 (deal, f"vGUPPI downstream, {names[target]} against {names[rival]}",
                  vguppi_downstream(d_dr, VENDOR_MARGIN, w, price_d),
                  f"D {d_dr:.2f} ({basis_dr}); vendor margin {VENDOR_MARGIN:.0%} (ESTIMATE, model.risk)")]
    return rows


def lab_economics(before, lab: int) -> tuple[float, float]:
    """(revenue per H100e-hour of compute it receives, margin share after compute) of lab `lab` last month."""
    row = before["labs"].iloc[lab]
    revenue, received = float(row["revenue_usd_bn_per_month"]), float(row["received_h100e"])
    price = revenue * USD_PER_BN / (HOURS_PER_MONTH * received) if received > 0 else float("nan")
    return price, max(1.0 - float(row["spend_usd_bn"]) / revenue, 0.0) if revenue > 0 else 0.0


def exclusivity_rows(deal: str, before, lab: int, provider: int) -> list[tuple]:
    """vGUPPIs of a provider-lab exclusivity. The model has no market among labs for AI services, so the diversion
    between labs is ASSUMED: logit on the labs' revenue shares."""
    labs = before["labs"]
    named = labs[labs["frontier"]]
    shares = named["revenue_usd_bn_per_month"] / labs["revenue_usd_bn_per_month"].sum()
    price_d, margin_d = lab_economics(before, lab)
    price_u, _, margin_u = margin(before, provider)
    demand_share = float(labs.loc[lab, "demand_h100e"] / labs["demand_h100e"].sum())
    rows = [(deal, f"{labs.loc[lab, 'name']}'s share of the compute labs want", demand_share,
             "what the exclusivity ties to one provider, the month before")]
    basis = "lab-to-lab diversion ASSUMED: logit on revenue shares (labs' AI-service market is not modelled)"
    for rival in shares.drop(lab, errors="ignore").sort_values(ascending=False).index[:RIVALS_SHOWN]:
        d_rd = float(shares[lab] / (1.0 - shares[rival]))
        d_dr = float(shares[rival] / (1.0 - shares[lab]))
        rows += [(deal, f"vGUPPI upstream, {before['providers'].loc[provider, 'name']} to {labs.loc[rival, 'name']}",
                  vguppi_upstream(d_rd, margin_d, price_d, price_u), basis),
                 (deal, f"vGUPPI downstream, {labs.loc[lab, 'name']} against {labs.loc[rival, 'name']}",
                  vguppi_downstream(d_dr, margin_u, price_u, price_d), basis)]
    return rows


def contract_rows(deal: str, before, seller: int, quantity_h100e: float, params) -> list[tuple]:
    """A compute contract as the regulators screen it: adding its quantity at the seller's firm."""
    shares = firm_shares(before)
    position = list(shares.index).index(int(before["providers"].loc[seller, "firm"]))
    hhi_before, after, share = (float(x) for x in post_deal_hhi(shares["contracted_h100e"].to_numpy(), position,
                                                                quantity_h100e, shares["residual"].to_numpy()))
    basis = "the regulators' screen: the contract's quantity added at its seller's firm"
    return [(deal, "HHI before (points)", hhi_before, basis), (deal, "HHI after (points)", after, basis),
            (deal, "ΔHHI (points)", after - hhi_before, basis), (deal, "seller's share after", share, basis),
            presumption_row(deal, after, after - hhi_before, share, params)]


def ownership(before, market: str, equity: pd.DataFrame | None = None):
    """(shares, profits, stakes left out) of `market` ("providers": firms by contracted capacity; "labs":
    by revenue) with the stakes on record (`equity`, default the market's): each investee's recorded shares held by
    their investors, the rest by its own holders; a lab with its own fleet is wholly that firm's; control in proportion to
    ownership (an assumption). Owners are rows, firms columns."""
    e, offset = before["equity"] if equity is None else equity, before["node_offset"]
    if market == "providers":
        p = before["providers"]
        firm = p["firm"].to_numpy()
        weights = np.bincount(firm, weights=p["contracted_h100e"].to_numpy(), minlength=len(p))
        first = offset["provider"]
    else:
        labs = before["labs"]
        firm = np.arange(len(labs))
        weights, first = labs["revenue_usd_bn_per_month"].to_numpy(), offset["lab"]
    n = len(weights)
    shares = weights / weights.sum() if weights.sum() > 0 else weights
    investee = e["investee"].to_numpy() - first
    into = (investee >= 0) & (investee < n) & ~e["control"].to_numpy(dtype=bool)
    known = into & (e["share"].to_numpy() > 0)
    stakes = [(int(i), int(firm[j]), float(s)) for i, j, s in zip(e.loc[known, "investor"], investee[known],
                                                                 e.loc[known, "share"])]
    if market == "labs":  # a lab with its own fleet (Google DeepMind's is Google Cloud) is wholly that firm's
        stakes += [(offset["provider"] + int(provider), lab, 1.0)
                   for lab, provider in enumerate(before["labs"]["self_provider"]) if provider >= 0]
    owners = sorted({investor for investor, _, _ in stakes})
    profits = np.zeros((len(owners) + n, n))
    for investor, column, share in stakes:
        profits[owners.index(investor), column] = min(profits[owners.index(investor), column] + share, 1.0)
    profits[len(owners) + np.arange(n), np.arange(n)] = np.maximum(1.0 - profits[:len(owners)].sum(axis=0), 0.0)
    return shares, profits, int((into & ~known).sum())


def mhhi_rows(deal: str, before, event=None) -> list[tuple]:
    """The modified HHI's excess over the HHI (ΔMHHI) in both markets with the stakes on record before the deal,
    and with the deal's own stake when it is a stake with a share and without control."""
    rows = []
    with_stake = None
    if event is not None and event.type == "equity" and event.share and not event.control:
        nodes = before["nodes"]
        stake = pd.DataFrame({"investor": [nodes.index(event.investor)], "investee": [nodes.index(event.investee)],
                              "share": [event.share], "control": [False], "value_usd_bn": [event.value_usd_bn]})
        with_stake = pd.concat([before["equity"], stake], ignore_index=True)
    for market, basis in (("providers", "compute providers (firms) by contracted capacity"),
                          ("labs", "labs by revenue (AI services)")):
        shares, profits, left_out = ownership(before, market)
        note = (f"{basis}; stakes on record with their share; control in proportion to ownership (assumed); "
                f"{left_out} stake(s) with no share on record left out")
        # control in proportion to ownership: the profit shares are the control shares
        rows.append((deal, f"ΔMHHI, {market}, before (points)", delta_mhhi(shares, profits, profits), note))
        if with_stake is not None:
            shares, profits, _ = ownership(before, market, with_stake)
            rows.append((deal, f"ΔMHHI, {market}, with the stake (points)", delta_mhhi(shares, profits, profits),
                         f"{basis}; the deal's {event.share:.0%} stake added"))
    return rows


def screens(before, deal_events, rows_of, measured: dict, params, efficiency: float) -> pd.DataFrame:
    """The screens of every deal event: (deal, measure, value, basis). `rows_of(event)` gives its parties' rows."""
    out = []
    for event in deal_events:
        rows = rows_of(event)
        if event.type in ("merger", "acquisition") or (event.type == "equity" and event.control):
            if rows.get("acquirer_provider", -1) >= 0:
                out += horizontal_rows(event.id, before, rows["acquirer_provider"], rows["target"],
                                       efficiency if event.type != "equity" else 0.0, measured, params)
            else:
                out += vendor_rows(event.id, before, rows["acquirer_vendor"], rows["target"], measured)
        elif event.type == "exclusivity" and event.mode != "none":
            out += exclusivity_rows(event.id, before, rows["lab"], rows["provider"])
        elif event.type == "contract" and rows.get("buyer_lab", -1) >= 0:
            out += contract_rows(event.id, before, rows["seller"], rows["quantity_h100e"], params)
        out += mhhi_rows(event.id, before, event)
    return pd.DataFrame(out, columns=["deal", "measure", "value", "basis"])
