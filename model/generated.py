"""Generated markets: random rosters of any size, for property tests and benchmarks (`market="generated"`).

Sizes come from the parameters (`generated_providers`, `generated_vendors`, `n_small_labs` labs with
`small_lab_eligible_providers` eligible providers each); every draw comes from the `calibration` stream.
The last provider is a self-builder serving lab 0, so captive paths are exercised; half the labs start
with a contract in force. Total demand is 85% of installed capacity.
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .edges import compile_edges
from .params import Params
from .records import ACTIVE, ORIGIN_START
from .start_stocks import planned_expansions, start_order_book, start_power_pipeline
from .state import PROVIDER_KINDS, Labs, MarketState, Providers, Regulators, Vendors
from .units import usd_bn

REGIONS = ("US", "EU", "UK")
GENERATED_CONTRACT_MARGIN = 1.5  # ESTIMATE: a 12-month commitment at 50% over full unit cost
GENERATED_UTILISATION = 0.85  # ESTIMATE: the share of capacity in use at the start (demand is 85% of capacity)
GENERATED_POWER_LEAD_MONTHS = 18  # ESTIMATE: between neocloud (12-18) and hyperscale (18-36) construction times


def generate_state(params: Params, rng: np.random.Generator) -> MarketState:
    n_v, n_p, n_l = max(params.generated_vendors, 1), max(params.generated_providers, 1), max(params.n_small_labs, 1)
    vendors = _vendors(n_v, n_p, params, rng)
    providers = _providers(n_p, params, rng)
    labs = _labs(n_l, providers, params, rng)
    if n_p >= 2:
        providers.kind[-1] = PROVIDER_KINDS.index("self_builder")
        providers.captive_lab[-1] = 0
        providers.markup[-1] = 0.0
        providers.non_ai_revenue_usd_bn_per_month[-1] = 0.0
        labs.self_provider[0] = n_p - 1
    edges = _edges(labs, providers, vendors, params, rng)
    regulators = Regulators(
        name=[f"Regulator {r}" for r in REGIONS], region=list(REGIONS),
        value_threshold_usd_bn=1.0, strictness=0.5, review_lag_months=np.array([2, 3, 3]))
    state = MarketState(vendors=vendors, providers=providers, labs=labs, regulators=regulators, edges=edges)
    _start_contracts(state, params, rng)
    start_order_book(state, params.vendor_start_backlog_months)
    return state


def _vendors(n: int, n_providers: int, params: Params, rng) -> Vendors:
    production = rng.lognormal(np.log(20_000.0 * n_providers / n), 0.5, n)
    production[0] *= 5.0  # one dominant merchant vendor
    price = rng.uniform(15_000.0, 30_000.0, n)
    growth = rng.uniform(0.0, 0.04, n)
    return Vendors(
        name=[f"Vendor {i + 1}" for i in range(n)],
        production_h100e_per_month=production, production_growth_per_month=growth,
        expansion_h100e_per_month=planned_expansions(production, growth, params.vendor_expansion_lead_months),
        price_usd_per_h100e=price, base_price_usd_per_h100e=price, lead_time_months=rng.integers(1, 6, n))


def _providers(n: int, params: Params, rng) -> Providers:
    kind = np.where(np.arange(n) < max(n // 10, 1), PROVIDER_KINDS.index("hyperscaler"),
                    rng.choice([PROVIDER_KINDS.index("neocloud"), PROVIDER_KINDS.index("other")], n))
    capacity = rng.lognormal(np.log(50_000.0), 1.0, n) * np.where(kind == 0, 5.0, 1.0)
    capex = rng.uniform(28_000.0, 36_000.0, n)
    rate = rng.uniform(0.08, 0.15, n)
    life = rng.choice([5.0, 6.0], n)
    opex = rng.uniform(0.35, 0.55, n)
    markup = np.where(kind == 0, rng.uniform(1.6, 2.2, n), rng.uniform(0.2, 0.6, n))  # on-demand premium
    unit_cost = kernels.unit_cost_usd_per_h100e_hour(capex, rate, life, opex)
    contract_price = GENERATED_CONTRACT_MARGIN * unit_cost
    power = capacity * (1.0 + params.power_headroom_share) / params.h100e_per_gw
    return Providers(
        name=[f"Provider {i + 1}" for i in range(n)], kind=kind,
        region=[REGIONS[i] for i in rng.integers(0, len(REGIONS), n)],
        capacity_h100e=capacity, power_gw=power, power_lead_time_months=GENERATED_POWER_LEAD_MONTHS,
        power_pipeline_gw=start_power_pipeline(power, np.full(n, GENERATED_POWER_LEAD_MONTHS),
                                               params.start_power_pipeline_share),
        capex_usd_per_h100e=capex,
        cost_of_capital=rate, useful_life_years=life, opex_usd_per_h100e_hour=opex, markup=markup,
        reliability=rng.uniform(0.93, 0.995, n), site_lead_time_months=rng.integers(2, 8, n),
        cash_usd_bn=rng.lognormal(0.0, 1.0, n),
        non_ai_revenue_usd_bn_per_month=rng.lognormal(np.log(0.2), 1.0, n), unit_cost_usd_per_h100e_hour=unit_cost,
        non_ai_growth_per_month=params.non_ai_growth_per_month,
        contract_price_usd_per_h100e_hour=contract_price,
        list_price_usd_per_h100e_hour=kernels.list_price(contract_price, markup, unit_cost),
        utilisation=GENERATED_UTILISATION)


def _labs(n: int, providers: Providers, params: Params, rng) -> Labs:
    weights = rng.lognormal(0.0, 1.0, n)
    demand = 0.85 * providers.capacity_h100e.sum() * weights / weights.sum()
    revenue = usd_bn(demand, 2.5) * rng.uniform(0.7, 1.4, n)  # some labs spend beyond their revenue
    return Labs(
        name=[f"Lab {i + 1:06d}" for i in range(n)], base_demand_h100e=demand, demand_h100e=demand,
        demand_growth_per_month=np.clip(0.03 + 0.015 * rng.standard_normal(n), 0.0, 0.08),
        revenue_usd_bn_per_month=revenue, revenue_growth_per_month=np.clip(0.02 + 0.02 * rng.standard_normal(n), -0.05, 0.08),
        cash_usd_bn=revenue * rng.uniform(1.0, 18.0, n), wtp_usd_per_h100e_hour=rng.lognormal(np.log(3.2), 0.2, n),
        diversification_aversion=rng.uniform(0.0, 2.0, n), contract_months=rng.choice(np.array([12, 24, 36, 48]), n))


def _edges(labs: Labs, providers: Providers, vendors: Vendors, params: Params, rng):
    """About `small_lab_eligible_providers` clouds per lab (capacity-weighted, duplicates dropped); the captive pair;
    one or two vendors per provider."""
    n_l, n_p, n_v = len(labs), len(providers), len(vendors)
    clouds = np.flatnonzero(providers.kind != PROVIDER_KINDS.index("self_builder"))
    k = max(min(params.small_lab_eligible_providers, clouds.size), 1)
    weights = providers.capacity_h100e[clouds] / providers.capacity_h100e[clouds].sum()
    lab = np.repeat(np.arange(n_l), k)
    provider = clouds[rng.choice(clouds.size, size=n_l * k, p=weights)]
    own = np.flatnonzero(labs.self_provider >= 0)
    lab, provider = np.concatenate([lab, own]), np.concatenate([provider, labs.self_provider[own]])
    second = rng.random(n_p) < 0.5
    supply_provider = np.concatenate([np.arange(n_p), np.flatnonzero(second)])
    supply_vendor = np.concatenate([np.zeros(n_p, dtype=np.int64), rng.integers(0, n_v, int(second.sum()))])
    supply_weight = np.concatenate([np.ones(n_p), rng.uniform(0.1, 0.5, int(second.sum()))])
    return compile_edges(lab.astype(np.int64), provider.astype(np.int64), np.zeros(lab.size), n_l, {
        "supply_vendor": supply_vendor, "supply_provider": supply_provider, "supply_weight": supply_weight,
        "supply_blocked": np.zeros(supply_vendor.size, dtype=bool)})


def _start_contracts(state: MarketState, params: Params, rng) -> None:
    """Half the labs hold a contract in force with their first eligible provider, covering half their demand."""
    labs, p, e = state.labs, state.providers, state.edges
    has_edge = e.lab_start[1:] > e.lab_start[:-1]
    chosen = np.flatnonzero(has_edge & (rng.random(len(labs)) < 0.5))
    seller = e.provider[e.lab_start[chosen]]
    quantity = 0.5 * labs.demand_h100e[chosen]
    price = p.unit_cost_usd_per_h100e_hour[seller] * rng.uniform(1.3, 1.8, chosen.size)
    duration = labs.contract_months[chosen]
    start = -rng.integers(0, duration)
    state.contracts.append(
        seller=seller, buyer_lab=chosen, quantity_h100e=quantity,
        price_usd_per_h100e_hour=price, value_usd_bn=usd_bn(quantity, price, duration.astype(float)),
        start_step=start, duration_months=duration, end_step=start + duration, status=ACTIVE, origin=ORIGIN_START,
        proposed_step=start, decided_step=start, active_step=start)
    labs.contracted_h100e[:] = np.bincount(chosen, weights=quantity, minlength=len(labs))
    p.committed_h100e[:] = np.bincount(seller, weights=quantity, minlength=len(p))
