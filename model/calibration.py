"""The calibrated start state (end of 2024) built from the data files in `model/data/`, plus generated small labs.

Each number in those files carries its source or says ESTIMATE and how. Two quantities are derived here:
a provider's non-AI cloud revenue (its cloud revenue minus what its start contracts pay, so the start revenue
shares match Synergy's), and the generated smaller labs (drawn from the `calibration` stream).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import kernels
from .datafiles import DATA_DIR, DataFileError, parse_bool, parse_number, read_rows
from .edges import compile_edges
from .kernels import sum_by
from .market_rules import is_captive, scheduled_h100e
from .params import Params
from .records import ACTIVE, ORIGIN_START
from .schema import PIPELINE_MONTHS, POWER_PIPELINE_MONTHS
from .start_stocks import planned_expansions, start_order_book, start_power_pipeline, start_site_pipeline
from .state import EXCLUSIVE, PROVIDER_KINDS, VENDOR_KINDS, Edges, Labs, MarketState, Providers, Regulators, Vendors
from .units import month_to_index, usd_bn


def build_start_state(params: Params, rng: np.random.Generator, data_dir: Path = DATA_DIR) -> MarketState:
    """The end-2024 market: rosters, eligible and supply edges, contracts in force and equity stakes."""
    providers = _providers(read_rows("providers.csv", (
        "capacity_h100e", "under_construction_h100e", "cloud_revenue_usd_bn_per_month", "capex_usd_per_h100e",
        "cost_of_capital",
        "useful_life_years", "opex_usd_per_h100e_hour", "contract_price_usd_per_h100e_hour", "markup", "reliability", "site_lead_time_months",
        "cash_usd_bn"), ("name", "kind", "region"), data_dir), params, data_dir)
    provider_row = _index(providers.name, "provider", data_dir / "providers.csv")
    vendors = _vendors(read_rows("vendors.csv", (
        "production_h100e_per_month", "production_growth_per_month", "price_usd_per_h100e", "lead_time_months"),
        ("name", "kind", "captive_owner", "region"), data_dir), provider_row, params, data_dir)
    labs = _labs(read_rows("labs.csv", (
        "demand_h100e", "demand_growth_per_month", "revenue_usd_bn_per_month", "revenue_growth_per_month",
        "cash_usd_bn", "wtp_usd_per_h100e_hour", "diversification_aversion", "contract_months"),
        ("name", "region", "self_provider"), data_dir), provider_row, params, rng, providers, data_dir)
    lab_row = _index(labs.name, "lab", data_dir / "labs.csv")
    for row, lab in enumerate(labs.self_provider):
        if lab >= 0 and providers.kind[lab] == PROVIDER_KINDS.index("self_builder"):
            providers.captive_lab[lab] = row
    regulators = _regulators(read_rows("regulators.csv", (
        "value_threshold_usd_bn", "hhi_threshold", "delta_hhi_threshold", "share_threshold", "strictness",
        "review_lag_months"), ("name", "region"), data_dir))
    edges = _edges(labs, providers, vendors, provider_row, params, rng, data_dir)
    state = MarketState(vendors=vendors, providers=providers, labs=labs, regulators=regulators, edges=edges)
    _start_contracts(state, provider_row, lab_row, params, data_dir)
    _small_lab_start_contracts(state, params, rng)
    _equity(state, data_dir)
    _derive_non_ai_revenue(state, data_dir)
    _start_utilisation(state)
    start_order_book(state, params.vendor_start_backlog_months)
    return state


def _index(names: list[str], kind: str, path: Path) -> dict[str, int]:
    index = {}
    for row, name in enumerate(names):
        if name in index:
            raise DataFileError(f"{path}: {kind} name {name!r} appears twice")
        index[name] = row
    return index


def _lookup(index: dict[str, int], name: str, path: Path, column: str) -> int:
    if name not in index:
        raise DataFileError(f"{path}: field {column!r} has value {name!r}, which is not a known name")
    return index[name]


def _kind(value: str, kinds: tuple[str, ...], path: Path, column: str = "kind") -> int:
    if value not in kinds:
        raise DataFileError(f"{path}: field {column!r} has value {value!r} (expected one of {', '.join(kinds)})")
    return kinds.index(value)


def _col(rows, column, dtype=float):
    return np.array([row[column] for row in rows], dtype=dtype)


def _providers(rows, params: Params, data_dir: Path) -> Providers:
    path = data_dir / "providers.csv"
    n = len(rows)
    capacity = _col(rows, "capacity_h100e")
    lead = _col(rows, "site_lead_time_months", np.int64)
    if (lead >= PIPELINE_MONTHS).any() or (lead < 1).any():
        raise DataFileError(f"{path}: field 'site_lead_time_months' must be 1-{PIPELINE_MONTHS - 1}")
    building = _col(rows, "under_construction_h100e")
    powered = (capacity + building) * (1.0 + params.power_headroom_share) / params.h100e_per_gw
    power_lead = _col(rows, "power_lead_time_months", np.int64)
    if (power_lead >= POWER_PIPELINE_MONTHS).any() or (power_lead < 1).any():
        raise DataFileError(f"{path}: field 'power_lead_time_months' must be 1-{POWER_PIPELINE_MONTHS - 1}")
    for column in ("capacity_h100e", "under_construction_h100e", "capex_usd_per_h100e", "useful_life_years",
                   "cash_usd_bn"):
        if (_col(rows, column) < 0).any():
            raise DataFileError(f"{path}: field {column!r} has a negative value")
    capex = _col(rows, "capex_usd_per_h100e")
    rate = _col(rows, "cost_of_capital")
    life = _col(rows, "useful_life_years")
    opex = _col(rows, "opex_usd_per_h100e_hour")
    markup = _col(rows, "markup")
    unit_cost = kernels.unit_cost_usd_per_h100e_hour(capex, rate, life, opex)
    contract_price = _col(rows, "contract_price_usd_per_h100e_hour")
    return Providers(
        name=[row["name"] for row in rows],
        kind=np.array([_kind(row["kind"], PROVIDER_KINDS, path) for row in rows]),
        region=[row["region"] for row in rows],
        capacity_h100e=capacity,
        pipeline_h100e=start_site_pipeline(building, lead),
        power_gw=powered,
        power_pipeline_gw=start_power_pipeline(powered, power_lead, params.start_power_pipeline_share),
        power_lead_time_months=power_lead,
        capex_usd_per_h100e=capex, cost_of_capital=rate, useful_life_years=life, opex_usd_per_h100e_hour=opex,
        markup=markup, reliability=_col(rows, "reliability"), site_lead_time_months=lead,
        cash_usd_bn=_col(rows, "cash_usd_bn"),
        non_ai_revenue_usd_bn_per_month=_col(rows, "cloud_revenue_usd_bn_per_month"),
        non_ai_growth_per_month=[_optional_rate(path, line, row, "non_ai_growth_per_month",
                                                params.non_ai_growth_per_month)
                                 for line, row in enumerate(rows, start=2)],
        unit_cost_usd_per_h100e_hour=unit_cost,
        contract_price_usd_per_h100e_hour=contract_price,
        list_price_usd_per_h100e_hour=kernels.list_price(contract_price, markup, unit_cost),
        utilisation=np.zeros(n),  # set from the contracts in force (_start_utilisation)
    )


def _optional_rate(path: Path, line: int, row: dict, column: str, default: float) -> float:
    """A numeric field that may be left empty (then `default`)."""
    text = (row.get(column) or "").strip()
    return default if not text else parse_number(path, line, column, text)


def _vendors(rows, provider_row, params: Params, data_dir: Path) -> Vendors:
    path = data_dir / "vendors.csv"
    production, growth = _col(rows, "production_h100e_per_month"), _col(rows, "production_growth_per_month")
    owner = np.array([_lookup(provider_row, row["captive_owner"], path, "captive_owner") if row["captive_owner"]
                      else -1 for row in rows], dtype=np.int64)
    price = _col(rows, "price_usd_per_h100e")
    return Vendors(
        name=[row["name"] for row in rows],
        kind=np.array([_kind(row["kind"], VENDOR_KINDS, path) for row in rows]),
        captive_owner=owner, region=[row["region"] for row in rows],
        production_h100e_per_month=production, production_growth_per_month=growth,
        expansion_h100e_per_month=planned_expansions(production, growth, params.vendor_expansion_lead_months),
        price_usd_per_h100e=price, base_price_usd_per_h100e=price,
        lead_time_months=_col(rows, "lead_time_months", np.int64),
    )


def _labs(rows, provider_row, params: Params, rng, providers: Providers, data_dir: Path) -> Labs:
    path = data_dir / "labs.csv"
    small = _small_labs(params, rng)
    n_named = len(rows)

    def column(name, generated, dtype=float):
        return np.concatenate([_col(rows, name, dtype), np.asarray(generated, dtype=dtype)])

    n = n_named + params.n_small_labs
    self_provider = [(_lookup(provider_row, row["self_provider"], path, "self_provider") if row["self_provider"]
                      else -1) for row in rows]
    return Labs(
        name=[row["name"] for row in rows] + [f"Lab {i + 1:03d}" for i in range(params.n_small_labs)],
        region=[row["region"] for row in rows] + ["US"] * params.n_small_labs,
        frontier=np.arange(n) < n_named,
        self_provider=np.array(self_provider + [-1] * params.n_small_labs, dtype=np.int64),
        base_demand_h100e=column("demand_h100e", small["demand_h100e"]),
        demand_h100e=column("demand_h100e", small["demand_h100e"]),
        demand_growth_per_month=column("demand_growth_per_month", small["demand_growth_per_month"]),
        revenue_usd_bn_per_month=column("revenue_usd_bn_per_month", small["revenue_usd_bn_per_month"]),
        revenue_growth_per_month=column("revenue_growth_per_month", small["revenue_growth_per_month"]),
        cash_usd_bn=column("cash_usd_bn", small["cash_usd_bn"]),
        wtp_usd_per_h100e_hour=column("wtp_usd_per_h100e_hour", small["wtp_usd_per_h100e_hour"]),
        diversification_aversion=column("diversification_aversion", small["diversification_aversion"]),
        contract_months=column("contract_months", small["contract_months"], np.int64),
    )


def _small_labs(params: Params, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Generated smaller labs (ESTIMATE): lognormal sizes sharing `small_labs_total_demand_h100e`.

    Revenue covers 1.0-1.4x their compute at $2.5/h; cash is a year of revenue; willingness to pay ~$3.2/h.
    """
    n = params.n_small_labs
    weights = rng.lognormal(0.0, 1.0, n)
    demand = params.small_labs_total_demand_h100e * weights / weights.sum() if n else np.zeros(0)
    revenue = usd_bn(demand, 2.5) * rng.uniform(1.0, 1.4, n)
    return {
        "demand_h100e": demand,
        "demand_growth_per_month": np.clip(0.025 + 0.01 * rng.standard_normal(n), 0.0, 0.06),
        "revenue_usd_bn_per_month": revenue,
        "revenue_growth_per_month": np.clip(0.03 + 0.01 * rng.standard_normal(n), 0.0, 0.08),
        "cash_usd_bn": 12.0 * revenue,
        "wtp_usd_per_h100e_hour": rng.lognormal(np.log(3.2), 0.15, n),
        "diversification_aversion": rng.uniform(0.5, 1.5, n),
        "contract_months": rng.choice(np.array([12, 24, 36]), n),
    }


def _regulators(rows) -> Regulators:
    return Regulators(
        name=[row["name"] for row in rows], region=[row["region"] for row in rows],
        value_threshold_usd_bn=_col(rows, "value_threshold_usd_bn"), hhi_threshold=_col(rows, "hhi_threshold"),
        delta_hhi_threshold=_col(rows, "delta_hhi_threshold"), share_threshold=_col(rows, "share_threshold"),
        strictness=_col(rows, "strictness"), review_lag_months=_col(rows, "review_lag_months", np.int64),
    )


def eligible_pairs(labs: Labs, providers: Providers, params: Params, rng) -> tuple[np.ndarray, np.ndarray]:
    """Who may negotiate with whom at start.

    A named lab may use every cloud (not other labs' captive fleets); a lab whose own fleet is a cloud's
    (Google DeepMind) uses only that; a self-builder's lab also uses its own fleet; a generated lab knows
    `small_lab_eligible_providers` clouds drawn with probability proportional to capacity.
    """
    cloud = np.flatnonzero(providers.kind != PROVIDER_KINDS.index("self_builder"))
    labs_out, providers_out = [], []
    n_named = int(labs.frontier.sum())
    for lab in range(n_named):
        own = labs.self_provider[lab]
        if own >= 0 and providers.kind[own] != PROVIDER_KINDS.index("self_builder"):
            chosen = np.array([own])
        else:
            chosen = cloud if own < 0 else np.append(cloud, own)
        labs_out.append(np.full(chosen.size, lab))
        providers_out.append(chosen)
    k = min(params.small_lab_eligible_providers, cloud.size)
    weights = providers.capacity_h100e[cloud] / providers.capacity_h100e[cloud].sum()
    for lab in range(n_named, len(labs)):
        chosen = rng.choice(cloud, size=k, replace=False, p=weights)
        labs_out.append(np.full(k, lab))
        providers_out.append(chosen)
    return np.concatenate(labs_out).astype(np.int64), np.concatenate(providers_out).astype(np.int64)


def _edges(labs, providers, vendors, provider_row, params, rng, data_dir: Path) -> Edges:
    lab, provider = eligible_pairs(labs, providers, params, rng)
    supply_rows = read_rows("supply.csv", ("weight",), ("vendor", "provider"), data_dir)
    vendor_row = _index(vendors.name, "vendor", data_dir / "vendors.csv")
    path = data_dir / "supply.csv"
    supply = {
        "supply_vendor": np.array([_lookup(vendor_row, r["vendor"], path, "vendor") for r in supply_rows], np.int64),
        "supply_provider": np.array([_lookup(provider_row, r["provider"], path, "provider") for r in supply_rows],
                                    np.int64),
        "supply_weight": _col(supply_rows, "weight"),
        "supply_blocked": np.zeros(len(supply_rows), dtype=bool),
    }
    return compile_edges(lab, provider, np.zeros(lab.size), len(labs), supply)


def _start_contracts(state: MarketState, provider_row, lab_row, params: Params, data_dir: Path) -> None:
    path = data_dir / "contracts.csv"
    rows = read_rows("contracts.csv", ("quantity_h100e", "duration_months", "ramp_months"),
                     ("seller", "buyer", "price_usd_per_h100e_hour", "start", "exclusive"), data_dir)
    p, labs, edges = state.providers, state.labs, state.edges
    for line, row in enumerate(rows, start=2):
        seller = _lookup(provider_row, row["seller"], path, "seller")
        buyer_lab = lab_row.get(row["buyer"], -1)
        buyer_provider = provider_row.get(row["buyer"], -1) if buyer_lab < 0 else -1
        if buyer_lab < 0 and buyer_provider < 0:
            raise DataFileError(f"{path}:{line}: field 'buyer' has value {row['buyer']!r}, not a lab or provider")
        price_text = row["price_usd_per_h100e_hour"].strip()
        price = p.unit_cost_usd_per_h100e_hour[seller] if price_text == "cost" else float(price_text)
        try:
            start = month_to_index(params.start_month, row["start"])
        except ValueError as error:
            raise DataFileError(f"{path}:{line}: field 'start': {error}") from None
        duration, ramp = int(row["duration_months"]), int(row["ramp_months"])
        exclusive = parse_bool(path, line, "exclusive", row["exclusive"])
        quantity = row["quantity_h100e"]
        state.contracts.append(
            seller=seller, buyer_lab=buyer_lab, buyer_provider=buyer_provider, quantity_h100e=quantity,
            price_usd_per_h100e_hour=price,
            value_usd_bn=usd_bn(quantity, price, float(kernels.scheduled_months(duration, ramp))),
            start_step=start, duration_months=duration, ramp_months=ramp, end_step=start + duration,
            exclusive=exclusive, status=ACTIVE, origin=ORIGIN_START, proposed_step=start, decided_step=start,
            active_step=start)
        if buyer_lab >= 0:
            labs.contracted_h100e[buyer_lab] += quantity
            on_edge = np.flatnonzero((edges.lab == buyer_lab) & (edges.provider == seller))
            edges.relationship[on_edge] = 1.0
            if exclusive:
                labs.exclusivity_mode[buyer_lab] = EXCLUSIVE
                labs.exclusive_provider[buyer_lab] = seller
        p.committed_h100e[seller] += quantity


START_PLACEMENT_ROUNDS = 8  # enough for the small labs to find the room left at the clouds they know


def _small_lab_start_contracts(state: MarketState, params: Params, rng) -> None:
    """The generated smaller labs' 2024 compute: each holds contracts in force for up to
    `small_lab_start_cover_share` of its demand with the clouds it knows, placed as a market would in a shortage:
    in rounds, each lab asks for what it still lacks, split over its clouds by the capacity each has left after the
    data files' contracts, and no cloud sells more than it has left, nor more than its reported revenue pays for at
    its going price. Priced at each cloud's going price for the lab's term, part-way through the term (started 0 to
    term - 1 months before the start, one draw per lab), so the start market runs near full as 2024's did."""
    labs, p, e = state.labs, state.providers, state.edges
    rows = np.flatnonzero(~labs.frontier[e.lab])  # the small labs' eligible edges, sorted by lab
    if rows.size == 0:
        return
    lab, seller = e.lab[rows], e.provider[rows]
    # before the derivation (_derive_non_ai_revenue), non_ai_revenue holds the data's cloud revenue
    revenue_room = (np.maximum(p.non_ai_revenue_usd_bn_per_month - _contract_revenue_usd_bn(state), 0.0)
                    / usd_bn(1.0, p.contract_price_usd_per_h100e_hour))
    left = np.minimum(np.maximum(p.capacity_h100e - p.committed_h100e, 0.0), revenue_room)
    lacking = params.small_lab_start_cover_share * labs.demand_h100e
    quantity = np.zeros(rows.size)
    for _ in range(START_PLACEMENT_ROUNDS):
        room = left[seller]
        per_lab = sum_by(lab, weights=room, minlength=len(labs))
        ask = np.divide(lacking[lab] * room, per_lab[lab], out=np.zeros(rows.size), where=per_lab[lab] > 0)
        asked_of = sum_by(seller, weights=ask, minlength=len(p))
        got = ask * np.minimum(1.0, np.divide(left, asked_of, out=np.ones(len(p)), where=asked_of > 0))[seller]
        quantity += got
        lacking = np.maximum(lacking - sum_by(lab, weights=got, minlength=len(labs)), 0.0)
        left = np.maximum(left - sum_by(seller, weights=got, minlength=len(p)), 0.0)
    kept = quantity > 0
    rows, lab, seller, quantity = rows[kept], lab[kept], seller[kept], quantity[kept]
    duration = labs.contract_months[lab]
    price = kernels.term_price(p.contract_price_usd_per_h100e_hour[seller], duration, params.commitment_discount_max,
                               params.commitment_discount_half_months)
    small = np.flatnonzero(~labs.frontier)
    begun = np.zeros(len(labs), dtype=np.int64)
    begun[small] = rng.integers(0, labs.contract_months[small])
    start = -begun[lab]
    state.contracts.append(
        seller=seller, buyer_lab=lab, quantity_h100e=quantity, price_usd_per_h100e_hour=price,
        value_usd_bn=usd_bn(quantity, price, duration.astype(float)), start_step=start, duration_months=duration,
        end_step=start + duration, status=ACTIVE, origin=ORIGIN_START, proposed_step=start, decided_step=start,
        active_step=start)
    labs.contracted_h100e[:] += sum_by(lab, weights=quantity, minlength=len(labs))
    p.committed_h100e[:] += sum_by(seller, weights=quantity, minlength=len(p))
    e.relationship[rows] = 1.0


def _equity(state: MarketState, data_dir: Path) -> None:
    path = data_dir / "equity.csv"
    nodes = _index(state.node_names(), "node", path)
    for line, row in enumerate(read_rows("equity.csv", ("value_usd_bn", "share"), ("investor", "investee", "date",
                                                                                   "share_source"), data_dir), 2):
        investor = _lookup(nodes, row["investor"], path, "investor")
        investee = _lookup(nodes, row["investee"], path, "investee")
        if not 0.0 <= row["share"] <= 1.0:
            raise DataFileError(f"{path}:{line}: field 'share' has value {row['share']!r}, not a share of 0 to 1 "
                                "(0: not on record)")
        if row["share"] > 0 and not row["share_source"].strip():
            raise DataFileError(f"{path}:{line}: field 'share_source' is empty; cite a source or say ESTIMATE and how")
        state.equity.append(investor=investor, investee=investee, value_usd_bn=row["value_usd_bn"], step=-1,
                            share=row["share"])
        # An investor's cloud has a relationship with the lab it invested in.
        provider = investor - state.node_offset("provider")
        lab = investee - state.node_offset("lab")
        if 0 <= provider < len(state.providers) and 0 <= lab < len(state.labs):
            edges = state.edges
            on_edge = np.flatnonzero((edges.lab == lab) & (edges.provider == provider))
            edges.relationship[on_edge] = np.maximum(edges.relationship[on_edge], 0.5)


def _contract_revenue_usd_bn(state: MarketState) -> np.ndarray:
    """Per provider, what its external contracts in force earn a month at full quantity (USD bn)."""
    p, c = state.providers, state.contracts
    external = ~is_captive(state, c.seller, c.buyer_lab)
    return sum_by(c.seller[external], weights=usd_bn(c.quantity_h100e, c.price_usd_per_h100e_hour)[external],
                  minlength=len(p))


def _derive_non_ai_revenue(state: MarketState, data_dir: Path) -> None:
    """Non-AI cloud revenue = cloud revenue (data) - external AI contract revenue at start, floored at zero."""
    p = state.providers
    p.non_ai_revenue_usd_bn_per_month[:] = np.maximum(p.non_ai_revenue_usd_bn_per_month
                                                      - _contract_revenue_usd_bn(state), 0.0)



def _start_utilisation(state: MarketState) -> None:
    """Each provider's utilisation at the start: what its contracts in force schedule for the first month over
    its capacity (at most 1)."""
    p = state.providers
    scheduled = sum_by(state.contracts.seller, weights=scheduled_h100e(state.contracts, 0), minlength=len(p))
    p.utilisation[:] = np.minimum(np.divide(scheduled, p.capacity_h100e, out=np.zeros(len(p)),
                                            where=p.capacity_h100e > 0), 1.0)

