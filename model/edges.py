"""The eligible edges' arrays: compiled from (lab, provider) pairs, sorted by (lab, provider) with each lab's slice
indexed, and new pairs inserted in order (discovery)."""

from __future__ import annotations

import numpy as np

from .state import Edges


def compile_edges(lab, provider, relationship, n_labs, supply) -> Edges:
    """Sort eligible edges by (lab, provider), drop duplicates, and index each lab's slice."""
    order = np.lexsort((provider, lab))
    lab, provider, relationship = lab[order], provider[order], relationship[order]
    keep = np.ones(lab.size, dtype=bool)
    keep[1:] = (lab[1:] != lab[:-1]) | (provider[1:] != provider[:-1])
    lab, provider, relationship = lab[keep], provider[keep], relationship[keep]
    lab_start = np.searchsorted(lab, np.arange(n_labs + 1))
    return Edges(lab=lab, provider=provider, relationship=relationship, lab_start=lab_start, **supply)


def insert_edges(edges: Edges, lab: np.ndarray, provider: np.ndarray, n_labs: int,
                 n_providers: int) -> tuple[Edges, np.ndarray]:
    """(`edges` with new (lab, provider) pairs added (relationship 0), keeping the (lab, provider) order; the old
    positions the new edges were inserted before, sorted).

    Pairs already present are skipped. O(edges) copies instead of re-sorting: discovery adds a few a month.
    """
    key = edges.lab * n_providers + edges.provider
    new_key = np.unique(lab * n_providers + provider)
    at = np.searchsorted(key, new_key)
    fresh = (at >= key.size) | (key[np.minimum(at, max(key.size - 1, 0))] != new_key) if key.size else \
        np.ones(new_key.size, dtype=bool)
    new_key, at = new_key[fresh], at[fresh]
    if new_key.size == 0:
        return edges, at
    new_lab, new_provider = new_key // n_providers, new_key % n_providers
    merged_lab = np.insert(edges.lab, at, new_lab)
    return Edges(lab=merged_lab, provider=np.insert(edges.provider, at, new_provider),
                 relationship=np.insert(edges.relationship, at, 0.0),
                 lab_start=edges.lab_start + np.searchsorted(new_lab, np.arange(n_labs + 1)),
                 supply_vendor=edges.supply_vendor, supply_provider=edges.supply_provider,
                 supply_weight=edges.supply_weight, supply_blocked=edges.supply_blocked), at
