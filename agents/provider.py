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
    def receive_chips(self, quantity_h100e: float, chip_cost_usd: float, power_capex_usd_per_h100e: float,
                      month: int) -> None:
        """Pay for delivered chips, blend the fleet's capex (chip price plus its share of a powered site), start
        the site's build."""
        fleet = self.capacity_h100e + self.pipeline_h100e
        if quantity_h100e > 0:
            cost_basis = chip_cost_usd + quantity_h100e * power_capex_usd_per_h100e
            self.capex_usd_per_h100e = (self.capex_usd_per_h100e * fleet + cost_basis) / (fleet + quantity_h100e)
        p = self.model.state.providers
        self.chip_capex_usd_bn = self.chip_capex_usd_bn + chip_cost_usd / 1e9
        self.borrow_or_repay(-chip_cost_usd / 1e9)
        ring = p.pipeline_h100e.shape[1]
        p.pipeline_h100e[self.row, (month + self.site_lead_time_months) % ring] += quantity_h100e

    def finish_power(self, month: int) -> None:
        """Power whose construction ends this month comes on line."""
        ring = self.model.state.providers.power_pipeline_gw[self.row]
        self.power_gw = self.power_gw + float(ring[month % ring.size])
        ring[month % ring.size] = 0.0

    def install(self, month: int, h100e_per_gw: float) -> None:
        """Finish this month's sites and install them up to its powered capacity; the rest wait for power."""
        p = self.model.state.providers
        ring = p.pipeline_h100e.shape[1]
        finished = float(p.pipeline_h100e[self.row, month % ring])
        p.pipeline_h100e[self.row, month % ring] = 0.0
        ready = self.waiting_power_h100e + finished
        installed = min(ready, max(self.power_gw * h100e_per_gw - self.capacity_h100e, 0.0))
        self.capacity_h100e = self.capacity_h100e + installed
        self.waiting_power_h100e = float(kernels.snap_to_zero(ready - installed, ready))

    def deliverable_h100e(self, on_order_due_h100e: float, month: int, months: int, h100e_per_gw: float) -> float:
        """What it can have installed `months` from now (installed, sites finishing, chips waiting for power, chips
        on order due in time), at most what its power built and finishing by then can hold."""
        p = self.model.state.providers
        chips = (self.capacity_h100e + float(kernels.due_within(p.pipeline_h100e[self.row], month, months))
                 + self.waiting_power_h100e + on_order_due_h100e)
        power = self.power_gw + float(kernels.due_within(p.power_pipeline_gw[self.row], month, months))
        return min(chips, power * h100e_per_gw)

    # --- pricing
    @property
    def firm(self) -> int:
        """Row of the provider that controls it (after a merger, acquisition or controlling stake), else its own."""
        return self.parent_provider if self.parent_provider >= 0 else self.row

    def set_prices(self, params, highest_wtp: float, firm_refused_h100e: float, firm_idle_h100e: float,
                   firm_capacity_h100e: float) -> None:
        """Unit cost from annuitised capex plus opex, less a deal's stated efficiency; the going 12-month price
        moves with last month's scarcity at its firm (requests turned away less idle capacity, over capacity: its
        own when it is its own firm) within cost and the highest willingness to pay; list price = contract price
        x (1 + on-demand premium)."""
        self.unit_cost_usd_per_h100e_hour = float(kernels.unit_cost_usd_per_h100e_hour(
            self.capex_usd_per_h100e, self.cost_of_capital, self.useful_life_years, self.opex_usd_per_h100e_hour,
            self.cost_efficiency_share))
        pressure = kernels.scarcity_pressure(firm_refused_h100e, firm_idle_h100e, firm_capacity_h100e)
        self.contract_price_usd_per_h100e_hour = float(kernels.next_contract_price(
            self.contract_price_usd_per_h100e_hour, pressure, params.contract_price_sensitivity,
            params.contract_price_max_move_per_month, self.unit_cost_usd_per_h100e_hour, highest_wtp))
        self.list_price_usd_per_h100e_hour = float(kernels.list_price(
            self.contract_price_usd_per_h100e_hour, self.markup, self.unit_cost_usd_per_h100e_hour))

    # --- negotiation
    def offer_capacity(self, on_order_due_h100e: float, load_h100e: float, month: int, params) -> float:
        """h100e it can still promise: what it can deliver within the quote horizon less the load its contracts
        schedule then (residue below 1e-9 of the promise is zero)."""
        promise = self.deliverable_h100e(on_order_due_h100e, month, params.quote_horizon_months, params.h100e_per_gw)
        return float(kernels.snap_to_zero(promise - load_h100e, promise))

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
    def fleet_target(self, load_h100e: float, params) -> float:
        """The fleet it invests for: the load its contracts schedule at the quote horizon plus the demand it could
        not serve (smoothed; weighed by its margin, in full for a self-builder), with the reserve margin."""
        self.unserved_h100e = float(kernels.smoothed(self.unserved_h100e, self.refused_h100e + self.shortfall_h100e,
                                                     params.demand_signal_smoothing))
        margin = 1.0 if self.is_self_builder else float(kernels.margin_factor(
            self.contract_price_usd_per_h100e_hour, self.unit_cost_usd_per_h100e_hour, params.investment_margin_target))
        return float(kernels.fleet_target(load_h100e, self.unserved_h100e, margin, params.reserve_margin))

    def fleet_in_hand(self, leased_in_h100e: float) -> float:
        """Installed, in sites, waiting for power, on order, and leased from other providers."""
        return self.capacity_h100e + self.pipeline_h100e + self.open_orders_h100e + leased_in_h100e

    def start_power(self, month: int, load_due_h100e: float, headroom_usd_bn: float, params) -> None:
        """Start power construction for the fleet being built, or for the load its contracts schedule when power
        started now is on line (`load_due_h100e`, with the reserve margin) if more (with headroom), within its build
        rate and what it can finance (the whole cost counts against `headroom_usd_bn`), and pay for all power under construction:
        cost per GW spread over its lead time."""
        ring = self.model.state.providers.power_pipeline_gw[self.row]
        fleet = max(self.capacity_h100e + self.pipeline_h100e + self.open_orders_h100e,
                    load_due_h100e * (1.0 + params.reserve_margin))
        needed_gw = fleet * (1.0 + params.power_headroom_share) / params.h100e_per_gw
        building = 0.0
        for gw in ring:
            building += float(gw)
        start = float(kernels.power_to_start(needed_gw, self.power_gw + building, self.power_gw,
                                             params.power_build_max_share_per_month))
        start *= float(kernels.affordable_share(start * params.power_capex_usd_bn_per_gw, headroom_usd_bn))
        ring[(month + self.power_lead_time_months) % ring.size] += start
        self.power_started_gw = start
        self.power_capex_usd_bn = (building + start) * params.power_capex_usd_bn_per_gw / self.power_lead_time_months
        self.borrow_or_repay(-self.power_capex_usd_bn)

    # --- settlement
    def available_h100e(self) -> float:
        return self.capacity_h100e * (1.0 - self.outage_share)

    def borrow_or_repay(self, flow_usd_bn: float) -> None:
        """Apply a cash flow: shortfalls are borrowed, surpluses repay debt first."""
        cash, debt = kernels.finance(self.cash_usd_bn, self.debt_usd_bn, flow_usd_bn)
        self.cash_usd_bn, self.debt_usd_bn = float(cash), float(debt)

    # --- finance
    def fleet_value_usd_bn(self) -> float:
        """Book value of its chips installed or on the way."""
        return (self.capacity_h100e + self.pipeline_h100e) * self.capex_usd_per_h100e / 1e9

    def credit_limit(self, backlog_usd_bn: float, params) -> float:
        """What lenders will lend it: against its fleet, its contract backlog and its non-AI margin (nothing once
        it has defaulted)."""
        if self.defaulted:
            return 0.0
        return float(kernels.credit_limit_usd_bn(
            self.fleet_value_usd_bn(), backlog_usd_bn, params.non_ai_margin * self.non_ai_revenue_usd_bn_per_month,
            params.fleet_loan_to_value, params.backlog_loan_to_value, params.non_ai_max_leverage))

    def committed_spending_usd_bn(self, orders_usd_bn: float, month: int, params) -> float:
        """Committed and not yet paid: its open orders (`orders_usd_bn`) and the rest of the cost of its power
        under construction (k payments left for a project finishing k months from now)."""
        ring = self.model.state.providers.power_pipeline_gw[self.row]
        gw_months = 0.0
        for k in range(1, ring.size + 1):
            gw_months += float(ring[(month + k) % ring.size]) * k
        return orders_usd_bn + gw_months * params.power_capex_usd_bn_per_gw / self.power_lead_time_months

    def leave_market(self) -> None:
        """After a default its assets go to its lenders: it holds, builds and owes nothing."""
        p = self.model.state.providers
        for column in ("capacity_h100e", "waiting_power_h100e", "power_gw", "open_orders_h100e", "cash_usd_bn",
                       "debt_usd_bn", "non_ai_revenue_usd_bn_per_month", "credit_limit_usd_bn"):
            setattr(self, column, 0.0)
        p.pipeline_h100e[self.row] = 0.0
        p.power_pipeline_gw[self.row] = 0.0

    def settle(self, params) -> None:
        """Bank this month's AI revenue and non-AI margin, pay for leased capacity, opex and interest (its rate
        rising as its debt nears its credit limit, `credit_limit_usd_bn`, set this month), book profit after
        depreciation; count months over the limit; grow non-AI revenue."""
        p, row = self.model.state.providers, self.row
        opex = self.capacity_h100e * self.opex_usd_per_h100e_hour * 730.0 / 1e9
        self.interest_usd_bn = self.debt_usd_bn * float(kernels.interest_rate(
            self.debt_usd_bn, self.credit_limit_usd_bn, params.debt_base_rate, params.debt_spread_at_limit)) / 12
        flow = (p.contract_revenue_usd_bn[row] + p.spot_revenue_usd_bn[row] - p.wholesale_cost_usd_bn[row]
                + params.non_ai_margin * self.non_ai_revenue_usd_bn_per_month - opex - self.interest_usd_bn)
        self.borrow_or_repay(flow)
        over = self.debt_usd_bn - self.credit_limit_usd_bn > 1e-9 * max(self.credit_limit_usd_bn, self.debt_usd_bn)
        self.over_limit_months = self.over_limit_months + 1 if over and not self.defaulted else 0
        p.profit_usd_bn[row] = flow - float(kernels.depreciation_usd_bn(self.capacity_h100e, self.capex_usd_per_h100e,
                                                                        self.useful_life_years))
        self.non_ai_revenue_usd_bn_per_month = self.non_ai_revenue_usd_bn_per_month * (
            1.0 + self.non_ai_growth_per_month)
