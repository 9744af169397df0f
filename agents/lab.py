"""AILab: grows its demand, asks for capacity ahead, splits requests over offers, pays, and may breach."""

from __future__ import annotations

import numpy as np

from model import kernels
from model.state import EXCLUSIVE, RIGHT_OF_FIRST_REFUSAL
from model.units import usd_bn
from model.views import LabView


class AILab(LabView):
    """An AI lab (OpenAI, Anthropic, ... or a generated smaller lab). Demand in h100e, money in USD bn."""

    def set_exclusivity(self, mode: int, provider_row: int) -> None:
        """Exclusive to, or first refusal held by, `provider_row`; mode 0 (none) frees it."""
        self.exclusivity_mode = mode
        self.exclusive_provider = provider_row if mode else -1

    def grow(self, demand_noise: float, revenue_noise: float, params) -> None:
        """Base demand and revenue grow at the lab's rates, with log-normal noise; fast growth fades toward the
        long-run rate; the compute it wants follows the price it was last quoted."""
        if self.defaulted:
            return
        self.base_demand_h100e = self.base_demand_h100e * np.exp(
            params.demand_growth_scale * self.demand_growth_per_month + params.demand_noise_sd * demand_noise)
        self.revenue_usd_bn_per_month = self.revenue_usd_bn_per_month * np.exp(
            self.revenue_growth_per_month + params.revenue_noise_sd * revenue_noise)
        self.demand_growth_per_month = float(kernels.faded_growth(
            self.demand_growth_per_month, params.long_run_growth_per_month, params.growth_half_life_months))
        self.revenue_growth_per_month = float(kernels.faded_growth(
            self.revenue_growth_per_month, params.long_run_growth_per_month, params.growth_half_life_months))
        self.demand_h100e = float(kernels.demand_at_price(
            self.base_demand_h100e, self.quote_usd_per_h100e_hour, params.reference_price_usd_per_h100e_hour,
            params.demand_price_elasticity))

    def wants_funding(self, committed_bill_usd_bn: float, month: int, params) -> bool:
        """Its cash lasts under the trigger at its burn (the larger of last month's bills and what its contracts
        schedule once a contract signed now has ramped, beyond its revenue), its revenue grows fast enough, it has
        not raised lately, and it is not keeping to a replay's scripted history."""
        burn = float(kernels.burn_usd_bn(max(self.bills_usd_bn, committed_bill_usd_bn),
                                         self.revenue_usd_bn_per_month))
        runway = float(kernels.runway_months(self.cash_usd_bn, burn))
        return (not self.defaulted and runway < params.funding_runway_trigger_months
                and self.revenue_growth_per_month > params.funding_min_growth_per_month
                and month - self.last_round_step >= params.funding_interval_months
                and month > self.history_until_step
                and params.funding_round_revenue_multiple * self.revenue_usd_bn_per_month > 0)

    def raise_round(self, month: int, params) -> float:
        """Bank a round of `funding_round_revenue_multiple` years of revenue; returns its size (USD bn)."""
        amount = params.funding_round_revenue_multiple * 12.0 * self.revenue_usd_bn_per_month
        self.cash_usd_bn = self.cash_usd_bn + amount
        self.funding_raised_usd_bn = self.funding_raised_usd_bn + amount
        self.last_round_step = month
        return amount

    @staticmethod
    def expected_growth(growth_per_month: float, months: int, params) -> float:
        """Log growth it expects over `months`: its growth fading toward the long-run rate."""
        return float(kernels.expected_log_growth(growth_per_month, params.long_run_growth_per_month,
                                                 params.growth_half_life_months, months))

    def request(self, load_h100e: float, bill_usd_bn: float, month: int, params) -> float:
        """h100e to ask for: the demand it expects halfway through its contract term less what its contracts deliver
        once a new one has ramped (`load_h100e`, at month + ramp), within what it can afford at its quote (revenue
        expected halfway through the term plus cash over the funding runway, less those contracts' bill then,
        `bill_usd_bn`); nothing under `request_threshold_share` of its demand, or under `min_contract_share` of it
        when it cannot afford its gap."""
        if self.defaulted or self.quote_usd_per_h100e_hour <= 0:
            return 0.0
        midterm = self.contract_months // 2
        projected = self.demand_h100e * np.exp(params.demand_growth_scale * self.expected_growth(
            self.demand_growth_per_month, midterm, params))
        gap = max(projected - load_h100e, 0.0)
        means = (self.revenue_usd_bn_per_month * np.exp(self.expected_growth(self.revenue_growth_per_month,
                                                                               midterm, params))
                 + max(self.cash_usd_bn, 0.0) / params.funding_runway_months)
        affordable = max(means - bill_usd_bn, 0.0) / usd_bn(1.0, self.quote_usd_per_h100e_hour)
        request = min(gap, affordable)
        # a lab whose means bind cannot wait for a larger gap: it buys what it can afford once that is a contract
        threshold = params.min_contract_share if affordable < gap else params.request_threshold_share
        return request if request > threshold * self.demand_h100e else 0.0

    def may_trade_with(self, provider, quote: float, month: int) -> bool:
        """Exclusivity allows it, the provider has not failed, and it is the lab's own fleet or quotes within its
        willingness to pay while the lab is not keeping to a replay's scripted history."""
        if self.defaulted or provider.defaulted:
            return False
        if self.exclusivity_mode == EXCLUSIVE and provider.row != self.exclusive_provider:
            return False
        in_market = month > self.history_until_step
        return self.self_provider == provider.row or (quote <= self.wtp_usd_per_h100e_hour and in_market)

    def first_call_allows(self, provider_row: int) -> bool:
        """In a negotiation's first round a lab asks only its first call: the holder of a right of first refusal
        over it, else its own fleet (a self-builder or captive lab builds before it rents); a lab with neither
        asks every offer."""
        if self.exclusivity_mode == RIGHT_OF_FIRST_REFUSAL:
            return provider_row == self.exclusive_provider
        return self.self_provider < 0 or provider_row == self.self_provider

    def split(self, offers: list[tuple[float, float, float, float]], remaining: float, params) -> list[float]:
        """Logit split of `remaining` over its best `max_offers_per_request` offers (price, reliability,
        relationship, own share), prices judged against its willingness to pay; the others get nothing."""
        weights = (params.price_weight, params.reliability_weight, params.relationship_weight)
        aversion = self.diversification_aversion * params.diversification_aversion_scale
        utilities = [kernels.offer_utility(price, self.wtp_usd_per_h100e_hour, reliability, relationship, share,
                                           aversion, weights)
                     for price, reliability, relationship, share in offers]
        ranked = sorted(range(len(offers)), key=lambda i: -utilities[i])  # stable: earlier offer first on ties
        shortlist = set(ranked[: params.max_offers_per_request])
        best = max(utilities[i] for i in shortlist)
        exps = [np.exp((u - best) / params.logit_temperature) if i in shortlist else 0.0
                for i, u in enumerate(utilities)]
        total = 0.0
        for x in exps:
            total += x
        return [remaining * x / total for x in exps]

    def spot_budget(self, contract_due_usd_bn: float) -> float:
        """What it can spend on spot capacity this month: cash plus revenue left after its contract bills."""
        return max(self.cash_usd_bn + self.revenue_usd_bn_per_month - contract_due_usd_bn, 0.0)

    def pay(self, due_usd_bn: float) -> float:
        """Pay this month's bills from cash plus revenue; what it cannot pay accrues as arrears. Returns the
        share paid."""
        means = self.cash_usd_bn + self.revenue_usd_bn_per_month
        share = float(kernels.paid_share(means, due_usd_bn))
        self.bills_usd_bn = due_usd_bn
        self.spend_usd_bn = due_usd_bn * share
        self.cash_usd_bn = 0.0 if share < 1.0 else max(means - due_usd_bn, 0.0)
        self.unpaid_usd_bn = self.unpaid_usd_bn + (due_usd_bn - self.spend_usd_bn)
        short = self.spend_usd_bn < due_usd_bn and not self.defaulted
        self.arrears_months = self.arrears_months + 1 if short else 0
        return share
