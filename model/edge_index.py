"""Which eligible edge each contract runs along: found once per contract, shifted when discovery inserts edges.

Negotiation (what a lab holds at each provider) and metrics (each lab's deliveries by provider) sum contracts
by edge every month. Finding each contract's edge by binary search every month cost more than the rest of
those sums at 100,000 labs, so the index is kept with the contract records instead (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NOT_ON_AN_EDGE = -1


def find_edges(edges, n_providers: int, buyer_lab: np.ndarray, seller: np.ndarray) -> np.ndarray:
    """Position in `edges` of each (buyer lab, seller) pair; -1 where it is not an eligible edge (or the buyer
    is a provider). Edges are sorted by (lab, provider), so a binary search on the pair key finds them."""
    edge_key = edges.lab * n_providers + edges.provider
    key = np.asarray(buyer_lab) * n_providers + np.asarray(seller)
    if edge_key.size == 0:
        return np.full(key.size, NOT_ON_AN_EDGE, dtype=np.int64)
    at = np.minimum(np.searchsorted(edge_key, key), edge_key.size - 1)
    return np.where((edge_key[at] == key) & (np.asarray(buyer_lab) >= 0), at, NOT_ON_AN_EDGE)


@dataclass
class ContractEdges:
    """The index for the contract records `contracts` over the edge arrays `edges` (its first `n` rows)."""
    contracts: object = None
    edges: object = None
    buffer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n: int = 0


def contract_edges(state, new_on: np.ndarray | None = None) -> np.ndarray:
    """Edge position of every contract in `state.contracts` (-1 off the edges); only new contracts are searched.

    `new_on`: the edges of the contracts just appended, when the caller knows them (negotiation signs along
    the edges it negotiated), so they need no search.
    """
    cache, c, n_providers = state.contract_edges, state.contracts, len(state.providers)
    if cache.contracts is not c or cache.edges is not state.edges or cache.n > len(c):
        cache.contracts, cache.edges, cache.n = c, state.edges, 0
    if cache.n < len(c):
        if cache.buffer.size < len(c):
            grown = np.zeros(max(len(c), 2 * cache.buffer.size), dtype=np.int64)
            grown[: cache.n] = cache.buffer[: cache.n]
            cache.buffer = grown
        new = slice(cache.n, len(c))
        known = new_on is not None and cache.n + np.size(new_on) == len(c)
        cache.buffer[new] = new_on if known else find_edges(state.edges, n_providers, c.buyer_lab[new], c.seller[new])
        cache.n = len(c)
    return cache.buffer[: cache.n]


def follow_inserted_edges(state, new_edges, inserted_at: np.ndarray) -> None:
    """Make `new_edges` (the current edges with new ones inserted before old positions `inserted_at`, sorted)
    the state's edges, shifting the contracts' edge index instead of searching again."""
    cache, c = state.contract_edges, state.contracts
    if cache.contracts is c and cache.edges is state.edges:
        index = cache.buffer[: cache.n]
        # old edge i moves up by the number of edges inserted at or before it; the extra last entry (0) is
        # what index -1 reads, so contracts off the edges stay at -1
        n_old = state.edges.lab.size
        run_lengths = np.diff(np.concatenate([[0], inserted_at, [n_old]]))
        shift = np.zeros(n_old + 1, dtype=np.int64)
        shift[:n_old] = np.repeat(np.arange(inserted_at.size + 1), run_lengths)
        index += shift[index]
        # a lab's contract with a provider it had no edge to (a scripted deal) may now be on a new edge
        off = np.flatnonzero((index == NOT_ON_AN_EDGE) & (c.buyer_lab[: cache.n] >= 0))
        if off.size:
            index[off] = find_edges(new_edges, len(state.providers), c.buyer_lab[off], c.seller[off])
        cache.edges = new_edges
    state.edges = new_edges
