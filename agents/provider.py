"""CloudProvider: a cloud or self-builder that installs chips, prices capacity, quotes and delivers contracts."""

from __future__ import annotations

from model import kernels
from model.state import PROVIDER_KINDS
from model.views import ProviderView


class CloudProvider(ProviderView):
    """A hyperscaler, neocloud, other cloud or self-builder with its own rules. Capacity in h100e, prices in USD
    per h100e-hour. Its attributes are the view's (model/schema.py)."""

    @property
    def pipeline_h100e(self) -> float:
        """Chips delivered whose sites are not finished, plus those waiting for power."""
        return float(self.model.state.providers.pipeline_h100e[self.row].sum()) + self.waiting_power_h100e

    @property
    def is_self_builder(self) -> bool:
        return self.kind == PROVIDER_KINDS.index("self_builder")

    @property
    def is_residual(self) -> bool:
        """Stands for many small firms ("Other clouds"): counts in market totals, not as one firm."""
        return self.kind == PROVIDER_KINDS.index("other")

    def regulator_row(self, regulators) -> int:
        """The regulator whose jurisdiction is its region, or -1."""
        for regulator in regulators:
            if regulator.region == self.region:
                return regulator.row
        return -1

    # --- events
    def start_outage(self, share: float, months: int) -> None:
        self.outage_share, self.outage_months_left = share, months

    def cut_list_prices(self, share: float) -> None:
        """Lower its on-demand prices by `share` for good: the premium over its contract price shrinks."""
        self.markup = float(kernels.premium_after_cut(self.markup, share))

    def tick_outage(self) -> None:
        """A running outage has one month fewer to go; capacity comes back when none is left."""
        if self.outage_months_left > 0:
            self.outage_months_left = self.outage_months_left - 1
        if self.outage_months_left == 0:
            self.outage_share = 0.0

    def cancel_order(self, quantity_h100e: float) -> None:
        self.open_orders_h100e = max(self.open_orders_h100e - quantity_h100e, 0.0)

    # --- supply
    def receive_chips(self, quantity_h100e: float, chip_cost_usd: float, site_capex_usd_per_h100e: float,
                      month: int) -> None:
        """Pay for delivered chips and their site, blend the fleet's capex, start the site's build."""
        spend = chip_cost_usd + quantity_h100e * site_capex_usd_per_h100e
        fleet = self.capacity_h100e + self.pipeline_h100e
        if quantity_h100e > 0:
            self.capex_usd_per_h100e = (self.capex_usd_per_h100e * fleet + spend) / (fleet + quantity_h100e)
        p = self.model.state.providers
        p.capex_spend_usd_bn[self.row] += spend / 1e9
        self.borrow_or_repay(-spend / 1e9)
        ring = p.pipeline_h100e.shape[1]
        p.pipeline_h100e[self.row, (month + self.site_lead_time_months) % ring] += quantity_h100e

    def install(self, month: int) -> None:
        """Finish this month's sites and install them up to the power limit, which grows each month."""
        p = self.model.state.providers
        ring = p.pipeline_h100e.shape[1]
        finished = float(p.pipeline_h100e[self.row, month % ring])
        p.pipeline_h100e[self.row, month % ring] = 0.0
        self.power_limit_h100e = self.power_limit_h100e * (1.0 + self.power_growth_per_month)
        ready = self.waiting_power_h100e + finished
        installed = min(ready, max(self.power_limit_h100e - self.capacity_h100e, 0.0))
        self.capacity_h100e = self.capacity_h100e + installed
        self.waiting_power_h100e = ready - installed

    # --- pricing
    def set_prices(self, params, highest_wtp: float) -> None:
        """Unit cost from annuitised capex plus opex; the going 12-month price moves with last month's scarcity
        (requests turned away less idle capacity, over capacity) within cost and the highest willingness to pay;
        list price = contract price x (1 + on-demand premium)."""
        self.unit_cost_usd_per_h100e_hour = float(kernels.unit_cost_usd_per_h100e_hour(
            self.capex_usd_per_h100e, self.cost_of_capital, self.useful_life_years, self.opex_usd_per_h100e_hour))
        pressure = kernels.scarcity_pressure(self.refused_h100e, self.idle_h100e, self.capacity_h100e)
        self.contract_price_usd_per_h100e_hour = float(kernels.next_contract_price(
            self.contract_price_usd_per_h100e_hour, pressure, params.contract_price_sensitivity,
            params.contract_price_max_move_per_month, self.unit_cost_usd_per_h100e_hour, highest_wtp))
        self.list_price_usd_per_h100e_hour = float(kernels.list_price(
            self.contract_price_usd_per_h100e_hour, self.markup, self.unit_cost_usd_per_h100e_hour))

    # --- negotiation
    def offer_capacity(self, params) -> float:
        """h100e it can still promise: installed x (1 + expansion share) + pipeline + on order - committed
        (residue below 1e-9 of the promise is zero)."""
        promise = (self.capacity_h100e * (1.0 + params.quote_expansion_share) + self.pipeline_h100e
                   + self.open_orders_h100e)
        return float(kernels.snap_to_zero(promise - self.committed_h100e, promise))

    def quote(self, lab, params) -> float:
        """Price for `lab`: at cost for its own lab, else its going 12-month price scaled to the lab's term, never
        below its full cost."""
        if lab.self_provider == self.row:
            return self.unit_cost_usd_per_h100e_hour
        term = float(kernels.term_price(self.contract_price_usd_per_h100e_hour, lab.contract_months,
                                        params.commitment_discount_max, params.commitment_discount_half_months))
        return max(term, self.unit_cost_usd_per_h100e_hour)

    @staticmethod
    def turned_away(asked: list[float], left: float) -> float:
        """h100e of this round's requests beyond the capacity it has left."""
        total = 0.0
        for x in asked:
            total += x
        return max(total - left, 0.0)

    @staticmethod
    def scale_requests(asked: list[float], left: float) -> float:
        """Share of this round's requests it can accept: min(1, capacity left / total asked)."""
        total = 0.0
        for x in asked:
            total += x
        return left / total if total > left else 1.0

    # --- booking
    def chip_need(self, leased_in_h100e: float, params) -> float:
        """h100e to order: committed x (1 + reserve margin) - (installed + pipeline + on order + leased)."""
        have = self.capacity_h100e + self.pipeline_h100e + self.open_orders_h100e + leased_in_h100e
        wanted = self.committed_h100e * (1.0 + params.reserve_margin)
        return float(kernels.snap_to_zero(wanted - have, wanted))

    # --- settlement
    def available_h100e(self) -> float:
        return self.capacity_h100e * (1.0 - self.outage_share)

    def borrow_or_repay(self, flow_usd_bn: float) -> None:
        """Apply a cash flow: shortfalls are borrowed, surpluses repay debt first."""
        cash, debt = kernels.finance(self.cash_usd_bn, self.debt_usd_bn, flow_usd_bn)
        self.cash_usd_bn, self.debt_usd_bn = float(cash), float(debt)

    def settle(self, params) -> None:
        """Bank this month's AI revenue and non-AI margin, pay for leased capacity and opex, book profit after
        depreciation; grow non-AI revenue."""
        p, row = self.model.state.providers, self.row
        opex = self.capacity_h100e * self.opex_usd_per_h100e_hour * 730.0 / 1e9
        flow = (p.contract_revenue_usd_bn[row] + p.spot_revenue_usd_bn[row] - p.wholesale_cost_usd_bn[row]
                + params.non_ai_margin * self.non_ai_revenue_usd_bn_per_month - opex)
        self.borrow_or_repay(flow)
        p.profit_usd_bn[row] = flow - float(kernels.depreciation_usd_bn(self.capacity_h100e, self.capex_usd_per_h100e,
                                                                        self.useful_life_years))
        self.non_ai_revenue_usd_bn_per_month = self.non_ai_revenue_usd_bn_per_month * (
            1.0 + params.non_ai_growth_per_month)
