"""HardwareVendor: makes accelerators, ships scarce output to provider orders, prices from its backlog."""

from __future__ import annotations

from model import kernels
from model.views import VendorView


class HardwareVendor(VendorView):
    """A chip vendor (NVIDIA, AMD, custom silicon, captive TPU/Trainium). Quantities in h100e."""

    def ships_to(self, provider) -> bool:
        """False while an export control stops it shipping to a provider outside its region."""
        return not (self.export_blocked and provider.region != self.region)

    def priority(self, provider_row: int, params) -> float:
        """Allocation weight of an order from `provider_row`: captive owners first."""
        return params.strategic_priority if provider_row == self.captive_owner else 1.0

    def ship(self, remaining: list[float], priorities: list[float]) -> list[float]:
        """Split this month's output plus inventory over due orders (weighted pro rata, none above its order)."""
        available = self.production_h100e_per_month + self.inventory_h100e
        return list(kernels.weighted_pro_rata(remaining, priorities, available))

    def close_month(self, available: float, params) -> None:
        """Keep unsold output (up to a month's production), reprice from backlog, grow output."""
        self.inventory_h100e = min(float(kernels.snap_to_zero(available - self.shipped_h100e, available)),
                                   self.production_h100e_per_month)
        self.price_usd_per_h100e = float(kernels.vendor_price(
            self.price_usd_per_h100e, self.base_price_usd_per_h100e, self.backlog_h100e,
            self.production_h100e_per_month, params.vendor_target_backlog_months, params.vendor_price_sensitivity))
        self.production_h100e_per_month = self.production_h100e_per_month * (1.0 + self.production_growth_per_month)
