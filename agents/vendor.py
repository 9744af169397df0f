"""HardwareVendor: makes accelerators, ships scarce output to provider orders, prices from its backlog."""

from __future__ import annotations

import numpy as np

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

    def ship(self, remaining: list[float], priorities: list[float], params) -> list[float]:
        """Make what its due orders `remaining` take beyond its stock, topping the stock up to a month of capacity
        (at most its capacity), and split output plus inventory over them (weighted pro rata, none above its
        order)."""
        due = 0.0
        for x in remaining:
            due += x
        self.output_h100e = float(kernels.vendor_output(self.production_h100e_per_month, due, self.inventory_h100e,
                                                        params.vendor_inventory_months))
        available = self.output_h100e + self.inventory_h100e
        return [float(x) for x in kernels.weighted_pro_rata_segments(
            np.array(remaining, dtype=float), np.array(priorities, dtype=float), np.zeros(len(remaining), dtype=np.int64),
            np.array([available]), 1)]

    def close_month(self, available: float, month: int, params) -> None:
        """Keep unsold output as inventory, reprice from backlog net of inventory, bring finished expansions on
        line and decide a new one (on line after the expansion lead time)."""
        self.inventory_h100e = float(kernels.snap_to_zero(available - self.shipped_h100e, available))
        net_backlog = self.backlog_h100e - self.inventory_h100e
        self.price_usd_per_h100e = float(kernels.vendor_price(
            self.price_usd_per_h100e, self.base_price_usd_per_h100e, net_backlog,
            self.production_h100e_per_month, params.vendor_target_backlog_months, params.vendor_price_sensitivity))
        ring = self.model.state.vendors.expansion_h100e_per_month[self.row]
        self.production_h100e_per_month = self.production_h100e_per_month + float(ring[month % ring.size])
        ring[month % ring.size] = 0.0
        added = float(kernels.vendor_expansion(
            self.production_h100e_per_month, net_backlog, self.price_usd_per_h100e / self.base_price_usd_per_h100e,
            params.vendor_target_backlog_months, params.vendor_expansion_sensitivity,
            params.vendor_max_expansion_per_month))
        ring[(month + params.vendor_expansion_lead_months) % ring.size] += added
