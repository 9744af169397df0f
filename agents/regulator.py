"""Regulator: screens large or exclusive compute contracts in its region after the 2023 US Merger Guidelines."""

from __future__ import annotations

from model import kernels
from model.views import RegulatorView

CAP_ITERATIONS = 60


class Regulator(RegulatorView):
    """A competition authority (US FTC/DOJ, EU Commission, UK CMA). Thresholds in HHI points and USD bn."""

    def wants_review(self, value_usd_bn: float, exclusive: bool) -> bool:
        return value_usd_bn >= self.value_threshold_usd_bn or bool(exclusive)

    @staticmethod
    def hhi_with(market_h100e: list[float], residual: list[bool], provider: int, added: float):
        """(HHI before, HHI after, the seller's share after) of `added` more contracted at `provider`. The residual
        category ("Other clouds") counts in the total, but is no firm: it adds nothing to the sum of squares."""
        total = sum(market_h100e)
        squares = sum(q * q for q, many in zip(market_h100e, residual) if not many)
        before = 1e4 * squares / total ** 2 if total > 0 else 0.0
        own = 0.0 if residual[provider] else market_h100e[provider]
        added_firm = 0.0 if residual[provider] else added
        new_total = total + added
        after_squares = squares - own * own + (own + added_firm) ** 2
        if new_total <= 0:
            return before, 0.0, 0.0
        return before, 1e4 * after_squares / new_total ** 2, (own + added_firm) / new_total

    def decide(self, market_h100e: list[float], residual: list[bool], provider: int, quantity: float, draw: float,
               strictness_scale: float) -> tuple[str, float]:
        """("blocked" | "capped" | "approved", approved quantity) for a deal adding `quantity` at `provider`.

        Presumed harmful under the guidelines' thresholds: blocked if the draw falls under its strictness, else
        capped at the largest quantity whose ΔHHI stays within the threshold (found by bisection).
        """
        before, after, share = self.hhi_with(market_h100e, residual, provider, quantity)
        if not kernels.merger_presumption(after, after - before, share, self.hhi_threshold, self.delta_hhi_threshold,
                                          self.share_threshold):
            return "approved", quantity
        if draw < min(max(self.strictness * strictness_scale, 0.0), 1.0):
            return "blocked", 0.0
        low, high = 0.0, quantity
        for _ in range(CAP_ITERATIONS):
            mid = 0.5 * (low + high)
            before, after, _ = self.hhi_with(market_h100e, residual, provider, mid)
            if after - before <= self.delta_hhi_threshold:
                low = mid
            else:
                high = mid
        return "capped", low
