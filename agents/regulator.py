"""Regulator: screens large or exclusive compute contracts in its region after the 2023 US Merger Guidelines."""

from __future__ import annotations

import numpy as np

from model import kernels
from model.market_rules import capped_quantity, post_deal_hhi
from model.views import RegulatorView


class Regulator(RegulatorView):
    """A competition authority (US FTC/DOJ, EU Commission, UK CMA). Thresholds in HHI points and USD bn."""

    def wants_review(self, value_usd_bn: float, exclusive: bool) -> bool:
        return value_usd_bn >= self.value_threshold_usd_bn or bool(exclusive)

    def decide(self, market_h100e: np.ndarray, residual: np.ndarray, provider: int, quantity: float, draw: float,
               strictness_scale: float) -> tuple[str, float]:
        """("blocked" | "capped" | "approved", approved quantity) for a deal adding `quantity` at `provider`.

        `market_h100e` is every provider's contracted AI capacity; `residual` marks the "other clouds" category.
        """
        before, after, share = post_deal_hhi(market_h100e, provider, quantity, residual)
        presumptive = bool(kernels.merger_presumption(after, after - before, share, self.hhi_threshold,
                                                      self.delta_hhi_threshold, self.share_threshold))
        if not presumptive:
            return "approved", quantity
        if draw < min(max(self.strictness * strictness_scale, 0.0), 1.0):
            return "blocked", 0.0
        capped = capped_quantity(market_h100e, np.array([provider]), np.array([quantity]),
                                 np.array([self.delta_hhi_threshold]), residual)
        return "capped", float(capped[0])
