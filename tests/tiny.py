"""A hand-built market small enough to work every number by hand: one vendor, two clouds and "Other clouds",
two labs, one regulator. Round numbers everywhere:

- Vendor "Chips": 1,000 H100e a month at $20,000 each, lead time 1 month, no growth, US.
- Clouds "A" and "B" (neoclouds, US) and "Other" (the residual "other clouds" category): 1,000 H100e installed each,
  powered for exactly that; capex $43,800 per H100e over 5 years at a 0% cost of capital = $8,760 a year =
  $1.00 per hour, plus $0.50 opex: unit cost $1.50/h. Reliability 0.9, sites take 2 months, power 10, cash
  $10B, no non-AI revenue (it would grow 1.7% a month). Going 12-month contract price $2.50/h, on-demand
  premium 20%: list price 2.5 x 1.2 = $3.00/h. Utilisation 0.8.
- Labs "L1" and "L2": demand 500 H100e, revenue $1B a month, cash $10B, no growth, willingness to pay $4/h,
  no aversion to concentration, 12-month contracts. Both may trade with A and B (not Other).
- Regulator "US": reviews deals of $1,000B and more (none, unless a test lowers it), HHI 1,800 / ΔHHI 100 /
  share 30%, strictness 1 (always blocks a presumptive deal), 1-month lag.

No contracts or orders at the start. Parameters switch off noise and discovery and state base demand at the
going $2.50 (`QUIET`), so the labs want their 500 H100e at the price they are quoted.
"""

from __future__ import annotations

import numpy as np

from model import ComputeMarket
from model.edges import compile_edges
from model.records import ACTIVE
from model.scenario import Scenario
from model.state import PROVIDER_KINDS, Labs, MarketState, Providers, Regulators, Vendors
from model.units import usd_bn

QUIET = {"demand_noise_sd": 0.0, "revenue_noise_sd": 0.0, "discovery_probability_per_month": 0.0,
         "reference_price_usd_per_h100e_hour": 2.5}
A, B, OTHER = 0, 1, 2
L1, L2 = 0, 1


def tiny_state() -> MarketState:
    neocloud, other = PROVIDER_KINDS.index("neocloud"), PROVIDER_KINDS.index("other")
    vendors = Vendors(name=["Chips"], production_h100e_per_month=[1000.0], price_usd_per_h100e=[20_000.0],
                      base_price_usd_per_h100e=[20_000.0], lead_time_months=[1])
    providers = Providers(
        name=["A", "B", "Other"], kind=[neocloud, neocloud, other], capacity_h100e=[1000.0] * 3,
        power_gw=[0.0008] * 3, power_lead_time_months=10, non_ai_growth_per_month=0.017,
        capex_usd_per_h100e=43_800.0, cost_of_capital=0.0, useful_life_years=5.0,
        opex_usd_per_h100e_hour=0.5, markup=0.2, reliability=0.9, site_lead_time_months=2, cash_usd_bn=10.0,
        unit_cost_usd_per_h100e_hour=1.5, contract_price_usd_per_h100e_hour=2.5, list_price_usd_per_h100e_hour=3.0,
        utilisation=0.8)
    labs = Labs(name=["L1", "L2"], frontier=True, base_demand_h100e=500.0, demand_h100e=500.0,
                demand_growth_per_month=0.0,
                revenue_usd_bn_per_month=1.0, revenue_growth_per_month=0.0, cash_usd_bn=10.0,
                wtp_usd_per_h100e_hour=4.0, diversification_aversion=0.0, contract_months=12)
    regulators = Regulators(name=["US"], region=["US"], value_threshold_usd_bn=1000.0, strictness=1.0,
                            review_lag_months=1)
    lab, provider = np.array([L1, L1, L2, L2]), np.array([A, B, A, B])
    supply = {"supply_vendor": np.zeros(3, dtype=np.int64), "supply_provider": np.arange(3),
              "supply_weight": np.ones(3), "supply_blocked": np.zeros(3, dtype=bool)}
    edges = compile_edges(lab, provider, np.zeros(4), 2, supply)
    return MarketState(vendors=vendors, providers=providers, labs=labs, regulators=regulators, edges=edges)


def add_active(state: MarketState, seller: int, lab: int, quantity: float, price: float, duration: int = 24,
               start: int = 0) -> None:
    """An active contract in force from `start`, no ramp."""
    state.contracts.append(seller=seller, buyer_lab=lab, quantity_h100e=quantity, price_usd_per_h100e_hour=price,
                           value_usd_bn=usd_bn(quantity, price, duration), start_step=start,
                           duration_months=duration, end_step=start + duration, status=ACTIVE, proposed_step=start,
                           decided_step=start, active_step=start)
    state.providers.committed_h100e[seller] += quantity
    state.labs.contracted_h100e[lab] += quantity


def tiny_model(state: MarketState | None = None, events=(), engine: str = "vectorized", **parameters) -> ComputeMarket:
    """The tiny market as a ComputeMarket (noise and discovery off); `events` as scenario-file dicts."""
    scenario = Scenario.model_validate({"name": "tiny", "description": "hand-built", "steps": 12,
                                        "events": list(events)})
    return ComputeMarket(scenario=scenario, state=state or tiny_state(), rng=1, engine=engine,
                         **{**QUIET, **parameters})


def after(model: ComputeMarket, phase: str, read) -> list:
    """Record `read(model)` after `phase` every month; returns the list it fills."""
    seen: list = []
    model.add_hook("after", phase, lambda m: seen.append(read(m)))
    return seen
