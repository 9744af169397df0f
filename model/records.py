"""Growable record tables (struct of arrays): contracts, vendor orders and equity stakes with lifecycle stamps."""

from __future__ import annotations

import numpy as np
import pandas as pd

NOT_SET = -1

# Contract lifecycle: proposed -> under_review -> approved -> active -> completed, or blocked / terminated.
PROPOSED, UNDER_REVIEW, APPROVED, ACTIVE, COMPLETED, BLOCKED, TERMINATED = range(7)
CONTRACT_STATUS = ("proposed", "under_review", "approved", "active", "completed", "blocked", "terminated")
# Where a contract came from.
ORIGIN_START, ORIGIN_NEGOTIATED, ORIGIN_SCRIPTED = range(3)
CONTRACT_ORIGIN = ("start", "negotiated", "scripted")
# Vendor order status.
ORDER_OPEN, ORDER_FILLED = range(2)


class RecordTable:
    """Columns of equal length that grow by appending; `table.column` is a view of the filled rows."""

    def __init__(self, columns: dict[str, type], capacity: int = 64):
        self._dtypes = dict(columns)
        self._data = {name: np.zeros(capacity, dtype=dtype) for name, dtype in columns.items()}
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("_data")
        if data is None or name not in data:
            raise AttributeError(name)
        return data[name][: self.n]

    def __setattr__(self, name: str, value) -> None:
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            data[name][: self.n] = value  # `table.column += x` writes through instead of rebinding
        else:
            super().__setattr__(name, value)

    def columns(self) -> list[str]:
        return list(self._dtypes)

    def append(self, **values) -> np.ndarray:
        """Append rows (every column given as a scalar or an array of one length); returns the new row ids."""
        missing = set(self._dtypes) - set(values)
        if missing:
            raise ValueError(f"missing columns {sorted(missing)}")
        sizes = {np.size(v) for v in values.values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise ValueError(f"columns have different lengths {sorted(sizes)}")
        count = sizes.pop() if sizes else 1
        if count == 0:
            return np.arange(self.n, self.n)
        self._reserve(self.n + count)
        for name, value in values.items():
            self._data[name][self.n: self.n + count] = value
        self.n += count
        return np.arange(self.n - count, self.n)

    def _reserve(self, size: int) -> None:
        capacity = next(iter(self._data.values())).size
        if size <= capacity:
            return
        new_capacity = max(size, 2 * capacity)
        for name, old in self._data.items():
            grown = np.zeros(new_capacity, dtype=old.dtype)
            grown[: self.n] = old[: self.n]
            self._data[name] = grown

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({name: self._data[name][: self.n].copy() for name in self._dtypes})

    def copy(self) -> "RecordTable":
        other = RecordTable(self._dtypes, capacity=max(self.n, 1))
        for name in self._dtypes:
            other._data[name][: self.n] = self._data[name][: self.n]
        other.n = self.n
        return other


def contract_table() -> RecordTable:
    """Contracts: seller provider -> buyer (a lab, or a provider buying wholesale), with lifecycle stamps (steps)."""
    return RecordTable({
        "seller": np.int64, "buyer_lab": np.int64, "buyer_provider": np.int64,
        "quantity_h100e": float, "price_usd_per_h100e_hour": float, "value_usd_bn": float,
        "start_step": np.int64, "duration_months": np.int64, "ramp_months": np.int64, "end_step": np.int64,
        "exclusive": bool, "status": np.int8, "origin": np.int8, "regulator": np.int64, "event": np.int64,
        "proposed_step": np.int64, "review_due_step": np.int64, "decided_step": np.int64,
        "active_step": np.int64, "closed_step": np.int64,
        "delivered_h100e_months": float, "paid_usd_bn": float, "this_month_h100e": float,
    })


def order_table() -> RecordTable:
    """Vendor orders: a provider orders chips from a vendor; filled as the vendor ships."""
    return RecordTable({
        "provider": np.int64, "vendor": np.int64, "quantity_h100e": float, "remaining_h100e": float,
        "price_usd_per_h100e": float, "placed_step": np.int64, "ready_step": np.int64, "filled_step": np.int64,
        "status": np.int8,
    })


def equity_table() -> RecordTable:
    """Equity stakes: investor node -> investee node, value in USD bn, at a step (node ids index `node_names`)."""
    return RecordTable({"investor": np.int64, "investee": np.int64, "value_usd_bn": float, "step": np.int64})
