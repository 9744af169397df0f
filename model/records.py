"""Growable record tables (struct of arrays): contracts, vendor orders and equity stakes with lifecycle stamps.

Their columns are declared once in `schema.py` (name, type, default, meaning); a row appended without a column
gets its declared default.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema
from .schema import CONTRACT_ORIGIN, CONTRACT_STATUS, NO_MONTH, NOT_SET, ORDER_STATUS  # noqa: F401 (re-exported)

# Contract lifecycle: proposed -> under_review -> approved -> active -> completed, or blocked / terminated.
PROPOSED, UNDER_REVIEW, APPROVED, ACTIVE, COMPLETED, BLOCKED, TERMINATED = range(len(CONTRACT_STATUS))
# Where a contract came from.
ORIGIN_START, ORIGIN_NEGOTIATED, ORIGIN_SCRIPTED = range(len(CONTRACT_ORIGIN))
# Vendor order status: open until filled, or cancelled (an export control cut the supply edge).
ORDER_OPEN, ORDER_FILLED, ORDER_CANCELLED = range(len(ORDER_STATUS))


class RecordTable:
    """Columns of equal length that grow by appending; `table.column` is a view of the filled rows.

    The views are kept in the instance's `__dict__` and renewed whenever the rows change (`_set_rows`), so reading
    a column is a plain attribute lookup: the agents engine reads single cells millions of times a run.
    """

    def __init__(self, declaration: schema.Table, capacity: int = 64):
        self.__dict__["declaration"] = declaration
        self.__dict__["_data"] = {c.name: np.zeros(capacity, dtype=c.numpy_dtype) for c in declaration.columns}
        self.__dict__["next_id"] = 0  # for tables with an `id` column: the id the next appended row gets
        self._set_rows(0)

    def _set_rows(self, n: int) -> None:
        """Make the first `n` rows the table's rows, and each column's view those rows of its array."""
        self.__dict__["n"] = n
        for name, array in self._data.items():
            self.__dict__[name] = array[:n]

    def __getstate__(self) -> dict:
        return {key: self.__dict__[key] for key in ("declaration", "_data", "next_id", "n")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._set_rows(state["n"])  # views unpickled apart would no longer share the arrays' memory

    def __len__(self) -> int:
        return self.n

    def __setattr__(self, name: str, value) -> None:
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            data[name][: self.n] = value  # `table.column += x` writes through instead of rebinding
        elif name == "n":
            self._set_rows(int(value))  # `table.n = 0` empties the table: the views follow
        else:
            super().__setattr__(name, value)

    def __deepcopy__(self, memo) -> "RecordTable":
        return self.copy()

    def columns(self) -> list[str]:
        return list(self.declaration.names())

    def append(self, **values) -> np.ndarray:
        """Append rows: each column given as a scalar or an array of one length, or left to its declared default.
        Returns the new row ids."""
        declared = self.declaration
        unknown = set(values) - set(self._data)
        if unknown:
            raise ValueError(f"{declared.kind}: unknown columns {sorted(unknown)}")
        missing = [c.name for c in declared.columns if c.default is None and c.name not in values]
        if missing:
            raise ValueError(f"{declared.kind}: missing columns {missing}")
        sizes = {np.size(v) for v in values.values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise ValueError(f"{declared.kind}: columns have different lengths {sorted(sizes)}")
        count = sizes.pop() if sizes else 1
        if count == 0:
            return np.arange(self.n, self.n)
        if "id" in self._data and "id" not in values:
            values = {**values, "id": np.arange(self.next_id, self.next_id + count)}
        if "id" in self._data:
            self.__dict__["next_id"] = max(self.next_id, int(np.max(values["id"])) + 1)
        self._reserve(self.n + count)
        for column in declared.columns:
            value = values.get(column.name, column.default)
            self._data[column.name][self.n: self.n + count] = value
        self._set_rows(self.n + count)
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

    def take(self, rows: np.ndarray) -> "RecordTable":
        """A new table of the rows `rows` (positions), in that order."""
        other = RecordTable(self.declaration, capacity=max(np.size(rows), 1))
        for name in self._data:
            other._data[name][: np.size(rows)] = self._data[name][: self.n][rows]
        other.__dict__["next_id"] = self.next_id
        other._set_rows(int(np.size(rows)))
        return other

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the rows where `mask` holds, in order (in place)."""
        kept = int(np.count_nonzero(mask))
        for name in self._data:
            self._data[name][:kept] = self._data[name][: self.n][mask]
        self._set_rows(kept)

    def extend(self, other: "RecordTable") -> None:
        """Append every row of `other` (a table of the same declaration), ids included."""
        if other.n:
            self.append(**{name: other._data[name][: other.n] for name in self._data})

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame; "month" columns (int32 in the table) widened to the int64 every output stores."""
        months = {c.name for c in self.declaration.columns if c.dtype == "month"}
        return pd.DataFrame({name: self._data[name][: self.n].astype(np.int64 if name in months else array.dtype)
                             for name, array in self._data.items()})

    def copy(self) -> "RecordTable":
        other = RecordTable(self.declaration, capacity=max(self.n, 1))
        for name in self._data:
            other._data[name][: self.n] = self._data[name][: self.n]
        other.__dict__["next_id"] = self.next_id
        other._set_rows(self.n)
        return other


def contract_table() -> RecordTable:
    return RecordTable(schema.CONTRACT)


def order_table() -> RecordTable:
    return RecordTable(schema.ORDER)


def equity_table() -> RecordTable:
    return RecordTable(schema.EQUITY)
