"""The paired runs of a deal assessment: the scenario without the deal, with it, and with it and a stated
efficiency, on the same seeds (common random numbers) and parameter draws. Each run is reduced in its worker to
what the assessment reads: the month-by-month market, each lab's surplus, each provider's profit, the risk
view at the end and, for the run without the deal, the market just before it (what the screens start from)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.units import HOURS_PER_MONTH, USD_PER_BN

ARMS = ("without the deal", "with the deal", "with the deal and its efficiency")
STRESSED_LAB_REVENUE_SHARE = 0.5  # the clearing stress: labs earn half their revenue over the coming year


@dataclass(frozen=True)
class ArmTask:
    """One run of one arm (picklable): the arm's scenario, its seed and parameter draw."""
    run_id: int
    arm: str
    seed: int
    draw: int
    scenario: object
    parameters: dict = field(default_factory=dict)
    steps: int = 72
    deal_month: int = 0


def month_row(model) -> dict:
    """Per month: each lab's surplus and each provider's profit (USD bn this month), keyed by name."""
    from model.competition import lab_surplus_usd_per_hour

    s, params = model.state, model.params
    labs, p = s.labs, s.providers
    received = labs.delivered_h100e + labs.spot_h100e
    price = np.divide(labs.spend_usd_bn * USD_PER_BN, HOURS_PER_MONTH * received, out=np.zeros(len(labs)),
                      where=received > 0)
    served = np.divide(received, labs.demand_h100e, out=np.zeros(len(labs)), where=labs.demand_h100e > 0)
    buying = (received > 0) & (price > 0) & ~labs.defaulted
    surplus = np.where(buying, lab_surplus_usd_per_hour(
        labs.base_demand_h100e, np.where(buying, price, 1.0), params.reference_price_usd_per_h100e_hour,
        labs.wtp_usd_per_h100e_hour, params.demand_price_elasticity) * np.minimum(served, 1.0), 0.0)
    profit = (p.contract_revenue_usd_bn + p.spot_revenue_usd_bn - p.wholesale_cost_usd_bn
              - p.capacity_h100e * p.unit_cost_usd_per_h100e_hour * HOURS_PER_MONTH / USD_PER_BN)
    row = {"month_index": s.month}
    named = np.flatnonzero(labs.frontier)
    row.update({f"lab_surplus_usd_bn[{labs.name[i]}]": float(surplus[i] * HOURS_PER_MONTH / USD_PER_BN) for i in named})
    row["lab_surplus_usd_bn[smaller labs]"] = float(np.delete(surplus, named).sum() * HOURS_PER_MONTH / USD_PER_BN)
    row.update({f"provider_profit_usd_bn[{name}]": float(value) for name, value in zip(p.name, profit)})
    return row


def before_deal(model) -> dict:
    """The market as the screens read it, at the end of the month before the deal (or at the start)."""
    from model.market_rules import firm_of, market_quantities

    s = model.state
    p, labs, v, e = s.providers, s.labs, s.vendors, s.equity
    return {"providers": pd.DataFrame({
        "name": p.name, "firm": firm_of(p), "kind": p.kind, "contracted_h100e": market_quantities(s),
        "price_usd_per_h100e_hour": p.contract_price_usd_per_h100e_hour, "unit_cost_usd_per_h100e_hour":
        p.unit_cost_usd_per_h100e_hour, "cost_of_capital": p.cost_of_capital, "useful_life_years": p.useful_life_years,
        "captive_lab": p.captive_lab, "defaulted": p.defaulted}),
        "labs": pd.DataFrame({"name": labs.name, "revenue_usd_bn_per_month": labs.revenue_usd_bn_per_month,
                              "spend_usd_bn": labs.spend_usd_bn, "received_h100e": labs.delivered_h100e
                              + labs.spot_h100e, "demand_h100e": labs.demand_h100e, "frontier": labs.frontier,
                              "self_provider": labs.self_provider}),
        "vendors": pd.DataFrame({"name": v.name, "price_usd_per_h100e": v.price_usd_per_h100e,
                                 "captive_owner": v.captive_owner}),
        "equity": pd.DataFrame({"investor": e.investor, "investee": e.investee, "share": e.share,
                                "control": e.control, "value_usd_bn": e.value_usd_bn}),
        "nodes": s.node_names(), "node_offset": {kind: s.node_offset(kind) for kind in ("vendor", "provider", "lab")}}


def risk_view(model) -> dict:
    """The systemic-risk figures at the end of the run, from the risk module's one interface."""
    from model.risk import risk_tables

    nodes, circular = risk_tables(model.state, model.params)
    stressed, _ = risk_tables(model.state, model.params, lab_revenue_share=STRESSED_LAB_REVENUE_SHARE)
    top = nodes.iloc[0]
    return {"debtrank_max": float(nodes["debtrank"].max()), "debtrank_top": str(top["name"]),
            "compute_at_risk_max": float(nodes["compute_at_risk_share"].max()),
            "clearing_shortfall_usd_bn": float(nodes["clearing_shortfall_usd_bn"].sum()),
            "clearing_defaulters": int((nodes["clearing_shortfall_usd_bn"] > 1e-9).sum()),
            "clearing_shortfall_stressed_usd_bn": float(stressed["clearing_shortfall_usd_bn"].sum()),
            "clearing_defaulters_stressed": int((stressed["clearing_shortfall_usd_bn"] > 1e-9).sum()),
            "circular_flows_usd_bn": float(circular["value_usd_bn"].sum()),
            "nodes": nodes.assign(stressed_shortfall_usd_bn=stressed.set_index("name").loc[
                nodes["name"], "clearing_shortfall_usd_bn"].to_numpy())}


def run_arm(task: ArmTask) -> dict:
    """Run one arm to its end; returns its monthly table (market metrics joined with surplus and profits from the
    deal's month on), its risk view and, for the arm without the deal, the market before it."""
    from model import ComputeMarket

    model = ComputeMarket(scenario=task.scenario, rng=task.seed, horizon_months=task.steps, **task.parameters)
    rows, before = [], before_deal(model) if task.deal_month == 0 and task.arm == ARMS[0] else None
    for _ in range(task.steps):
        model.step()
        if model.state.month == task.deal_month - 1 and task.arm == ARMS[0]:
            before = before_deal(model)
        if model.state.month >= task.deal_month:
            rows.append(month_row(model))
    series = model.timeseries()
    monthly = series[series["month_index"] >= task.deal_month].merge(pd.DataFrame(rows), on="month_index")
    tag = {"run_id": task.run_id, "arm": task.arm, "seed": task.seed, "draw": task.draw}
    return {**tag, "monthly": monthly.assign(**tag), "risk": risk_view(model), "before": before}
