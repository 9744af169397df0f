"""The archive of closed contracts: completed, blocked and terminated contracts leave the records the phases
scan and move here, where only the outputs (the contracts table, the graph's history) read them, so a step's
cost follows the contracts in force rather than every contract ever signed.

What the phases still need of closed contracts is kept as it moves: how many were blocked (a cumulative
metric) and which (frontier lab, provider) pairs ever held a contract (the supplier-mix records list them).
No result depends on when contracts move: `tests/test_archive.py` runs every library scenario archiving at
once and never, on both engines, and compares every output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .records import BLOCKED, COMPLETED, TERMINATED, RecordTable, contract_table

CLOSED = (COMPLETED, BLOCKED, TERMINATED)
MIN_SHARE_CLOSED = 0.25  # and move only when a quarter of the records are closed: each move copies the rest


@dataclass
class ContractArchive:
    table: RecordTable = field(default_factory=contract_table)
    blocked: int = 0  # contracts blocked by a regulator, among those archived
    frontier_pairs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # lab * n_providers + seller

    def __len__(self) -> int:
        return len(self.table)


def archive_closed(state, min_rows: int) -> int:
    """Between steps (`state.month` the month just simulated), move the contracts closed before it to
    `state.contract_archive` once at least `min_rows` of them (and a quarter of the records) are; returns how
    many moved."""
    c, archive = state.contracts, state.contract_archive
    # closed before last month: last month's deliveries (which this month's funding rounds read) and this month's
    # (settlement sets every contract's) are zero
    closed = np.isin(c.status, CLOSED) & (c.closed_step < state.month)
    count = int(np.count_nonzero(closed))
    if count == 0 or count < min_rows or count < MIN_SHARE_CLOSED * len(c):
        return 0
    rows = np.flatnonzero(closed)
    archive.table.extend(c.take(rows))
    archive.blocked += int(np.count_nonzero(c.status[rows] == BLOCKED))
    lab = c.buyer_lab[rows]
    frontier = rows[(lab >= 0) & state.labs.frontier[np.maximum(lab, 0)]]
    archive.frontier_pairs = np.union1d(archive.frontier_pairs,
                                        c.buyer_lab[frontier] * len(state.providers) + c.seller[frontier])
    _keep_edge_index(state, ~closed)
    c.keep(~closed)
    return count


def _keep_edge_index(state, kept: np.ndarray) -> None:
    """The contracts' edge index (`edge_index.contract_edges`) follows the rows that stay."""
    cache = state.contract_edges
    if cache.contracts is state.contracts and cache.n == len(state.contracts):
        cache.buffer[: int(np.count_nonzero(kept))] = cache.buffer[: cache.n][kept]
        cache.n = int(np.count_nonzero(kept))
    else:
        cache.n = 0


def all_contracts(state) -> RecordTable:
    """Every contract recorded, archived or in the records, in id order (the order they were recorded)."""
    archived, live = state.contract_archive.table, state.contracts
    if len(archived) == 0:
        return live
    every = archived.take(np.arange(len(archived)))
    every.extend(live)
    return every.take(np.argsort(every.id, kind="stable"))


def frontier_pairs(state, live_keys: np.ndarray) -> np.ndarray:
    """Sorted (lab * n_providers + seller) keys of the frontier labs' pairs with any contract, archived or not."""
    return np.union1d(state.contract_archive.frontier_pairs, live_keys)
