"""The per-agent panel and the named labs' supply records, kept as arrays while a run steps and turned into
DataFrames once, when asked for (building a DataFrame every month cost most of a default run's stepping)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema

BASE_COLUMNS = ("month_index", "date", "kind", "name")


class PanelBuffer:
    """Each recorded month's panel columns (`schema.py` marks them) per agent kind, as copies of their arrays."""

    def __init__(self) -> None:
        self._blocks: list[tuple[int, str, str, list, dict[str, np.ndarray]]] = []

    def add(self, month: int, date: str, state, per_agent: dict) -> None:
        """Record this month: each kind's panel columns from the metrics phase (derived columns, and flows the start
        state has not had yet) or else from the state."""
        for declared in schema.AGENT_TABLES:
            table, computed = getattr(state, declared.attribute), per_agent.get(declared.kind, {})
            columns = {name: np.array(computed[name] if name in computed else getattr(table, name), copy=True)
                       for name in declared.panel()}
            self._blocks.append((month, date, declared.kind, list(table.name), columns))

    def frame(self) -> pd.DataFrame:
        """One row per agent per recorded month, columns and types as `schema.panel_dtypes()` declares them; a
        column of another kind is null in a row."""
        dtypes = schema.panel_dtypes()
        if not self._blocks:
            return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in dtypes.items()})
        sizes = [len(names) for _, _, _, names, _ in self._blocks]
        data = {"month_index": np.repeat([b[0] for b in self._blocks], sizes).astype(np.int64),
                "date": np.repeat(np.array([b[1] for b in self._blocks], dtype=object), sizes),
                "kind": np.repeat(np.array([b[2] for b in self._blocks], dtype=object), sizes),
                "name": np.array([n for b in self._blocks for n in b[3]], dtype=object)}
        kinds = _rows_by_kind(self._blocks, sizes)
        for column, dtype in dtypes.items():
            if column not in BASE_COLUMNS:
                data[column] = _column(column, dtype, kinds, sum(sizes))
        return pd.DataFrame(data, columns=list(dtypes)).astype(dtypes)  # pandas would infer strings as 'str'


def _rows_by_kind(blocks, sizes) -> list[tuple[np.ndarray, list[dict]]]:
    """For each agent kind: its rows in the panel and its blocks' columns, month after month."""
    kinds: dict[str, tuple[list, list]] = {}
    start = 0
    for (_, _, kind, _, columns), size in zip(blocks, sizes):
        rows, of_kind = kinds.setdefault(kind, ([], []))
        rows.append(np.arange(start, start + size))
        of_kind.append(columns)
        start += size
    return [(np.concatenate(rows), of_kind) for rows, of_kind in kinds.values()]


def _column(name: str, dtype: str, kinds, total: int):
    """One panel column over every row, null in the rows of a kind that does not have it."""
    having = [(rows, [columns[name] for columns in of_kind]) for rows, of_kind in kinds if name in of_kind[0]]
    if dtype in ("float64", "object"):
        numpy_type = float if dtype == "float64" else object
        values = np.full(total, np.nan, dtype=numpy_type)
        for rows, pieces in having:
            values[rows] = np.concatenate([np.asarray(piece, dtype=numpy_type) for piece in pieces])
        return values
    numpy_type = bool if dtype == "boolean" else np.int64
    values, missing = np.zeros(total, dtype=numpy_type), np.ones(total, dtype=bool)
    for rows, pieces in having:
        values[rows] = np.concatenate([np.asarray(piece).astype(numpy_type) for piece in pieces])
        missing[rows] = False
    masked = pd.arrays.BooleanArray if dtype == "boolean" else pd.arrays.IntegerArray
    return masked(values, missing)


class SupplyBuffer:
    """Each month's named labs' supplier mix (the metrics phase's `supply` columns), kept as arrays."""

    def __init__(self) -> None:
        self._months: list[tuple[int, str, dict[str, np.ndarray]]] = []

    def add(self, month: int, date: str, supply: dict) -> None:
        self._months.append((month, date, {k: np.array(v, copy=True) for k, v in supply.items()}))

    def columns(self) -> dict[str, np.ndarray]:
        """month_index, date, then the supply columns, one row per (lab, provider) per month, as arrays."""
        sizes = [len(next(iter(columns.values()))) if columns else 0 for _, _, columns in self._months]
        keys = list(self._months[0][2]) if self._months else []
        data = {"month_index": np.repeat([m[0] for m in self._months], sizes).astype(np.int64),
                "date": np.repeat(np.array([m[1] for m in self._months], dtype=object), sizes)}
        for key in keys:
            data[key] = np.concatenate([m[2][key] for m in self._months])
        return data

    def frame(self) -> pd.DataFrame:
        """`columns()` as a DataFrame."""
        return pd.DataFrame(self.columns())
