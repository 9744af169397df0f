"""Phase 4, pricing: unit cost from capex annuitised over useful life at the cost of capital plus opex; list
price = unit cost x (1 + markup) x a utilisation factor."""

from __future__ import annotations

from .. import kernels
from ..context import StepContext
from ..state import MarketState


def pricing(state: MarketState, ctx: StepContext) -> None:
    p, params = state.providers, ctx.params
    p.unit_cost_usd_per_h100e_hour[:] = kernels.unit_cost_usd_per_h100e_hour(
        p.capex_usd_per_h100e, p.cost_of_capital, p.useful_life_years, p.opex_usd_per_h100e_hour)
    p.list_price_usd_per_h100e_hour[:] = kernels.list_price(
        p.unit_cost_usd_per_h100e_hour, p.markup, p.utilisation, params.reference_utilisation,
        params.markup_utilisation_slope)
