"""Shared helpers: small models and a hand-sized market state for phase tests."""

from __future__ import annotations

import numpy as np
import pytest

from model import ComputeMarket
from model.context import StepContext
from model.edges import compile_edges
from model.generated import generate_state
from model.params import Params
from model.state import PROVIDER_KINDS
from model.streams import RandomStreams


def run(steps: int, **kwargs) -> ComputeMarket:
    model = ComputeMarket(**kwargs)
    for _ in range(steps):
        model.step()
    return model


@pytest.fixture(scope="session")
def baseline_24():
    """The baseline scenario after 24 months (seed 7), shared by read-only tests."""
    return run(24, rng=7)


def small_market(n_labs=4, n_providers=3, seed=0, captive=False, **overrides):
    """(state, ctx) of a generated market for hand-set phase tests: every lab may trade with every provider,
    no contracts and no orders; with `captive`, the last provider is lab 0's own fleet."""
    params = Params().replace(market="generated", n_small_labs=n_labs, generated_providers=n_providers,
                              small_lab_eligible_providers=n_providers, **overrides)
    streams = RandomStreams(seed)
    state = generate_state(params, streams.calibration)
    if not captive:
        state.providers.kind[-1] = PROVIDER_KINDS.index("neocloud")
        state.providers.captive_lab[-1] = -1
        state.labs.self_provider[:] = -1
    e = state.edges
    lab, provider = np.divmod(np.arange(n_labs * n_providers), n_providers)
    supply = {k: getattr(e, k) for k in ("supply_vendor", "supply_provider", "supply_weight", "supply_blocked")}
    state.edges = compile_edges(lab, provider, np.zeros(lab.size), n_labs, supply)
    state.contracts.n = 0
    state.labs.contracted_h100e[:] = 0.0
    state.providers.committed_h100e[:] = 0.0
    state.orders.n = 0
    state.providers.open_orders_h100e[:] = 0.0
    state.vendors.backlog_h100e[:] = 0.0
    state.month = 0
    return state, StepContext(params=params, streams=streams)


def numeric_close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(a), np.abs(b)) + 1e-9))
