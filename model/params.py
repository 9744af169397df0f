"""Model parameters with units in their names, defaults, and where each default comes from.

Every field carries `source` metadata: a citation, or ESTIMATE and how it was chosen. Scenarios and the
ComputeMarket constructor override fields by name; an unknown name, a value of the wrong kind, and a number that is
not finite or outside the parameter's valid range (`VALID_RANGES`) are refused.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields

from .schema import VENDOR_PIPELINE_MONTHS


def p(default, source: str):
    """A parameter field with its source."""
    return field(default=default, metadata={"source": source})


@dataclass(frozen=True)
class Params:
    """The model's parameters (see docs/ODD.md for the formulas they enter)."""

    start_month: str = p("2025-01", "DESIGN: start 2025-01 with the end-2024 state")
    market: str = p("calibrated", "'calibrated' (model/data, end 2024) or 'generated' (random market for tests, benchmarks)")
    generated_providers: int = p(20, "providers in a generated market")
    generated_vendors: int = p(3, "vendors in a generated market")
    # --- labs
    n_small_labs: int = p(
        40, "ESTIMATE: enough generated labs to stand for enterprise and smaller-lab demand (all labs of a generated market)")
    small_labs_total_demand_h100e: float = p(
        2_000_000.0, "ESTIMATE: non-frontier AI demand, set so that the start market is sold out as 2024's was (server "
                     "lead times of 36-52 weeks in 2023, market-to-2024.csv): with `small_lab_start_cover_share` of "
                     "it in force the start runs at ~98% utilisation and demand exceeds capacity by ~17% (1.2M before: "
                     "80% utilisation)")
    small_lab_eligible_providers: int = p(5, "ESTIMATE: a smaller lab knows about five clouds")
    small_lab_start_cover_share: float = p(
        0.8, "ESTIMATE: at the start a smaller lab's contracts in force cover 80% of its demand (2024's compute was "
             "bought ahead in a shortage: server lead times of 36-52 weeks in 2023, market-to-2024.csv)")
    demand_growth_scale: float = p(1.0, "multiplier on every lab's demand growth rate (1 = calibrated)")
    demand_noise_sd: float = p(0.02, "ESTIMATE: month-to-month noise of demand growth (log sd)")
    revenue_noise_sd: float = p(0.02, "ESTIMATE: month-to-month noise of revenue growth (log sd)")
    diversification_aversion_scale: float = p(1.0, "multiplier on labs' aversion to supplier concentration")
    request_threshold_share: float = p(
        0.2, "ESTIMATE: a lab goes to market when its uncovered need (within its means) reaches 20% of its demand: "
             "few, large deals rather than monthly slivers")
    demand_price_elasticity: float = p(
        0.8, "ESTIMATE: a 10% higher price cuts the compute a lab wants by ~8% (inelastic, as for an input with few "
             "substitutes)")
    reference_price_usd_per_h100e_hour: float = p(
        2.3, "the price at which base demand is stated: the neoclouds' 12-month going price at the start "
             "(providers.csv)")
    long_run_growth_per_month: float = p(
        0.015, "ESTIMATE: labs' fast growth fades toward ~20% a year")
    growth_half_life_months: float = p(
        18.0, "ESTIMATE: growth above the long-run rate halves its excess every 18 months")
    funding_runway_trigger_months: float = p(
        12.0, "ESTIMATE: a lab raises a round when its cash lasts under a year at this month's burn")
    funding_min_growth_per_month: float = p(
        0.02, "ESTIMATE: only labs whose revenue grows over ~27% a year can raise")
    funding_round_revenue_multiple: float = p(
        3.0, "ESTIMATE: a round raises three years of current revenue (OpenAI's $40B of 2025 against ~$13B of 2025 "
             "revenue, deals.csv / market-2025.csv)")
    funding_interval_months: int = p(6, "ESTIMATE: at most one endogenous round every six months")
    funding_supplier_share: float = p(
        0.25, "ESTIMATE: a quarter of a round comes from the lab's largest supplier (Microsoft, Amazon, Google, NVIDIA "
              "all invested in their customers, deals.csv), the rest from funds")
    funding_runway_months: float = p(24.0, "ESTIMATE: labs commit cash reserves over two years")
    discovery_probability_per_month: float = p(0.01, "ESTIMATE: a smaller lab finds a new provider every ~8 years")
    breach_after_months: int = p(3, "ESTIMATE: three months of unpaid bills before a breach")
    # --- negotiation
    negotiation_rounds: int = p(3, "ESTIMATE: three rounds of requests per month")
    contract_price_sensitivity: float = p(
        0.5, "ESTIMATE: the going contract price moves 5% a month when requests turned away (or idle capacity) "
             "reach 10% of capacity; chosen so that 2025's idle neocloud capacity can take the 1-year index from "
             "~$2.3 to ~$1.7 within the year (market-2025.csv) without tuning to that figure")
    contract_price_max_move_per_month: float = p(
        0.05, "ESTIMATE: going prices move at most 5% a month (the 1-year index fell ~26% in ten months of 2025)")
    commitment_discount_max: float = p(
        0.5, "30-50% reserved vs on-demand discount (Mercatus AI, 2026); enters the term structure of contract prices")
    commitment_discount_half_months: float = p(
        24.0, "ESTIMATE: half the maximum discount at a two-year commitment (1-3 yr reservations, Mercatus AI): a "
              "48-month term is 20% below the 12-month price")
    price_weight: float = p(3.0, "ESTIMATE: logit weight on price relative to the lab's reservation price")
    reliability_weight: float = p(5.0, "ESTIMATE: logit weight on provider reliability")
    relationship_weight: float = p(0.5, "ESTIMATE: logit weight on an existing relationship")
    logit_temperature: float = p(0.5, "ESTIMATE: spread of the logit split")
    min_contract_share: float = p(
        0.05, "ESTIMATE: an allocation under 5% of what the lab asked for this month is not signed; a lab whose means "
              "cannot pay for its gap goes to market once it can afford 5% of its demand")
    max_offers_per_request: int = p(4, "ESTIMATE: a lab shortlists its four best offers in each round")
    quote_horizon_months: int = p(
        9, "ESTIMATE: a provider promises what it can deliver within 9 months (NVIDIA's ~3-month lead time plus a "
           "~6-month site build: chips it has ordered can be sold), less the load its contracts schedule by then")
    ramp_months: int = p(3, "ESTIMATE: new contracts ramp to full quantity over three months")
    # --- supply and pricing
    reserve_margin: float = p(0.15, "ESTIMATE: providers build 15% beyond contracted load for on-demand use")
    strategic_priority: float = p(3.0, "ESTIMATE: a vendor serves captive owners with three times the weight")
    vendor_price_sensitivity: float = p(0.05, "ESTIMATE: vendor price change per month per unit of excess backlog")
    vendor_target_backlog_months: float = p(3.0, "ESTIMATE: vendors plan for three months of backlog")
    power_capex_usd_bn_per_gw: float = p(
        10.0, "ESTIMATE: >$40B all-in per GW (Altman) less ~$35B of NVIDIA content per GW (Huang) leaves >=$5B for "
              "shell, power and cooling (market-2025.csv); $10B with networking and the other systems")
    power_headroom_share: float = p(0.25, "ESTIMATE: sites can power 25% more than installed at start")
    start_power_pipeline_share: float = p(
        1.0, "ESTIMATE: at the start each provider has as much power again under construction, finishing evenly over "
             "its power lead time (the 2024 build-out: US data-center load doubling or tripling by 2028, LBNL; "
             "market-to-2024.csv)")
    power_build_max_share_per_month: float = p(
        0.08, "ESTIMATE: a provider starts at most 8% of its powered capacity in new construction a month (~2.5x a "
              "year): power equipment lead times of 2-5 years (DailyAlpha; market-to-2024.csv) bound the build rate")
    demand_signal_smoothing: float = p(
        0.5, "ESTIMATE: weight of this month in the smoothed demand a provider could not serve")
    investment_margin_target: float = p(
        0.3, "ESTIMATE: providers invest fully on unserved demand when their going price is 30% over full cost, "
             "proportionally less below")
    order_cancellation_threshold_share: float = p(
        0.25, "ESTIMATE: providers cancel chip orders when what they have and have ordered exceeds their target by "
              "more than 25%")
    order_cancellation_fee_share: float = p(
        0.2, "ESTIMATE: a cancelled chip order costs 20% of its value, paid to the vendor")
    vendor_start_backlog_months: float = p(
        6.0, "ESTIMATE: the 2024 order book at the start is six months of each vendor's output (Blackwell was booked "
             "out for months at the end of 2024; server lead times 8-12 weeks for Hopper, market-to-2024.csv)")
    vendor_expansion_lead_months: int = p(
        12, "ESTIMATE: new accelerator output (packaging capacity, CoWoS) takes a year to come on line; TSMC met 80% "
            "of CoWoS orders in 2023 (market-to-2024.csv)")
    vendor_expansion_sensitivity: float = p(
        0.02, "ESTIMATE: a vendor adds 2% of its output a month per unit of backlog beyond its target, and for a price "
              "above its base")
    vendor_max_expansion_per_month: float = p(0.05, "ESTIMATE: at most 5% of output added by one month's decision")
    vendor_inventory_months: float = p(
        1.0, "ESTIMATE: a vendor makes to order and keeps at most a month of its capacity in stock; the rest of its "
             "capacity idles (accelerators are built against orders: NVIDIA's sold-out lead times, market-to-2024.csv)")
    non_ai_growth_per_month: float = p(
        0.00887, "1.112^(1/12)-1: half of the cloud market's growth from 2023 to 2024 (spend 270 -> 330.4 $B, +22.4%; "
                 "GenAI drove the other half; Synergy, market-to-2024.csv); the non-AI growth of providers without a "
                 "rate of their own in providers.csv (was 0.0170, the whole market's growth, which counted AI twice)")
    non_ai_margin: float = p(0.3, "ESTIMATE: operating margin on non-AI cloud revenue")
    spot_markup: float = p(0.5, "ESTIMATE: spot price over unit cost when demand equals idle supply")
    spot_elasticity: float = p(1.0, "ESTIMATE: spot price elasticity to the demand/idle ratio")
    h100e_per_gw: float = p(
        1.25e6, "ESTIMATE: ~2 kW of facility power per Blackwell-class GPU (GB200 NVL72 racks ~120-130 kW for 72 GPUs "
                "plus cooling) = 500k GPUs per GW, at ~2.5 H100e each; converts deals announced in GW")
    # --- provider finance
    debt_base_rate: float = p(0.05, "ESTIMATE: interest on provider debt well inside its credit limit (annual)")
    debt_spread_at_limit: float = p(
        0.06, "ESTIMATE: the rate rises linearly with debt over the credit limit, by 6 points at the limit; CoreWeave's "
              "9% senior notes of July 2025 (market-2025.csv) sit two-thirds of the way")
    fleet_loan_to_value: float = p(0.5, "ESTIMATE: lenders lend half the book value of chips installed or on the way")
    backlog_loan_to_value: float = p(
        0.5, "ESTIMATE: and half the remaining value of contracts it sold (contract-backed loans, as CoreWeave's)")
    non_ai_max_leverage: float = p(3.0, "ESTIMATE: and three years of its non-AI operating margin")
    provider_default_after_months: int = p(
        3, "ESTIMATE: a provider whose debt stays over its credit limit for three months defaults")
    default_recovery_share: float = p(
        0.4, "ESTIMATE: lenders recover 40% of a defaulted provider's fleet book value")
    # --- regulation
    regulator_strictness_scale: float = p(1.0, "multiplier on every regulator's strictness")
    regulator_hhi_threshold: float = p(0.0, "if > 0, every regulator's post-deal HHI threshold (0 keeps each one's own)")
    regulator_delta_hhi_threshold: float = p(0.0, "if > 0, every regulator's ΔHHI threshold (0 keeps each one's own)")
    review_scripted_contracts: bool = p(
        True, "scripted deals face the regulators' screen like negotiated ones; a historical replay sets false "
              "(no 2025 compute contract was reviewed)")
    history_until: str = p(
        "", "a replay's last month of scripted history (YYYY-MM): until then the labs that buy in the scenario's "
            "contract events sign only those (their deals are the history); '' = they negotiate throughout")
    # --- records
    agent_record_every: int = p(1, "record the per-agent table every N steps")
    contract_archive_min_rows: int = p(4096, "closed contracts move to the archive once this many (and a quarter "
                                             "of the records) are closed; no output depends on it, only speed")

    def replace(self, **overrides) -> "Params":
        """A copy with `overrides`, checked by name and kind."""
        return dataclasses.replace(self, **check_overrides(overrides))


# Valid values of the numeric parameters: (lowest, highest, lowest excluded). Every number must be finite; one not
# listed here may be any value >= 0. Divisors and counts exclude 0; shares stay within 0-1; ring-buffered lead
# times stay within their buffers (schema.py).
ANY_NON_NEGATIVE = (0.0, math.inf, False)
MAX_HORIZON_MONTHS = 240  # a run's longest horizon: 20 years from the start. The calibration and the scenarios
# reach 2030; past that the market is extrapolated, and a run of 10^5 months would only grow memory for hours
MAX_CONTRACT_MONTHS = 600  # a contract's longest term (and ramp): 50 years. The longest compute deals of
# deals.csv run 7-15 years; contracts keep their months as int32 (schema.py), which this keeps far from overflowing
POSITIVE = (0.0, math.inf, True)
SHARE = (0.0, 1.0, False)
VALID_RANGES = {
    **dict.fromkeys(("reference_price_usd_per_h100e_hour", "growth_half_life_months", "funding_runway_months",
                     "logit_temperature", "commitment_discount_half_months", "vendor_target_backlog_months",
                     "h100e_per_gw", "small_labs_total_demand_h100e"), POSITIVE),
    **dict.fromkeys(("generated_providers", "generated_vendors", "small_lab_eligible_providers",
                     "negotiation_rounds", "max_offers_per_request", "quote_horizon_months", "breach_after_months",
                     "provider_default_after_months", "agent_record_every", "contract_archive_min_rows"),
                   (1, math.inf, False)),
    **dict.fromkeys(("small_lab_start_cover_share", "request_threshold_share", "funding_supplier_share",
                     "discovery_probability_per_month", "contract_price_max_move_per_month", "min_contract_share",
                     "power_build_max_share_per_month", "order_cancellation_fee_share",
                     "vendor_max_expansion_per_month", "default_recovery_share", "fleet_loan_to_value",
                     "backlog_loan_to_value", "non_ai_margin"), SHARE),
    "commitment_discount_max": (0.0, 0.99, False),
    "demand_signal_smoothing": (0.0, 1.0, True),
    "vendor_expansion_lead_months": (1, VENDOR_PIPELINE_MONTHS - 1, False),
    "ramp_months": (0, MAX_CONTRACT_MONTHS, False),
}


def valid_range(name: str) -> tuple[float, float, bool]:
    """(lowest, highest, lowest excluded) of a numeric parameter."""
    return VALID_RANGES.get(name, ANY_NON_NEGATIVE)


def check_overrides(overrides: dict) -> dict:
    """Refuse unknown parameter names, values of the wrong kind, and numbers that are not finite or outside the
    parameter's valid range, naming the field and the value."""
    kinds = {f.name: f.type for f in fields(Params)}
    checked = {}
    for name, value in overrides.items():
        if name not in kinds:
            raise ValueError(f"unknown parameter {name!r} (known: {', '.join(sorted(kinds))})")
        kind = kinds[name]
        if kind == "str":
            ok = isinstance(value, str)
        elif kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            value = float(value) if ok else value
        if not ok:
            raise ValueError(f"parameter {name!r} must be {kind}, got {value!r}")
        if kind in ("int", "float"):
            check_range(name, value)
        checked[name] = value
    return checked


def in_range(value, bounds: tuple[float, float, bool]) -> bool:
    """Whether `value` lies within (lowest, highest, lowest excluded), the form of VALID_RANGES."""
    low, high, low_excluded = bounds
    return low <= value <= high and not (low_excluded and value == low)


def check_range(name: str, value) -> None:
    if not math.isfinite(value):
        raise ValueError(f"parameter {name!r} must be a finite number, got {value!r}")
    if not in_range(value, valid_range(name)):
        low, high, low_excluded = valid_range(name)
        bounds = f"{'above' if low_excluded else 'at least'} {low:g}" + (f" and at most {high:g}"
                                                                          if math.isfinite(high) else "")
        raise ValueError(f"parameter {name!r} must be {bounds}, got {value!r}")


def param_sources() -> dict[str, str]:
    """{parameter name: source} for documentation and manifests."""
    return {f.name: f.metadata["source"] for f in fields(Params)}
