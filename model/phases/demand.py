"""Phase 2, demand: labs' compute demand and revenue grow at their own rates with noise from the `demand` stream;
smaller labs discover new providers (the `discovery` stream), which changes the graph's topology."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..edge_index import follow_inserted_edges
from ..edges import insert_edges
from ..state import PROVIDER_KINDS, MarketState


def demand(state: MarketState, ctx: StepContext) -> None:
    labs, params = state.labs, ctx.params
    n = len(labs)
    demand_noise = ctx.streams.normal("demand", state.month, np.arange(n))
    revenue_noise = ctx.streams.normal("revenue", state.month, np.arange(n))
    alive = ~labs.defaulted
    labs.demand_h100e[alive] *= np.exp(params.demand_growth_scale * labs.demand_growth_per_month[alive]
                                       + params.demand_noise_sd * demand_noise[alive])
    labs.revenue_usd_bn_per_month[alive] *= np.exp(labs.revenue_growth_per_month[alive]
                                                   + params.revenue_noise_sd * revenue_noise[alive])
    discover_providers(state, ctx)


def discovery_draws(state: MarketState, ctx: StepContext):
    """(labs that discover a provider this month, the cloud each discovers): each smaller lab draws whether it
    finds one (`discovery`) and which cloud, uniformly (`discovery_pick`)."""
    ids = np.arange(len(state.labs))
    clouds = np.flatnonzero(state.providers.kind != PROVIDER_KINDS.index("self_builder"))
    found = ctx.streams.uniform("discovery", state.month, ids) < ctx.params.discovery_probability_per_month
    pick = clouds[kernels.pick_index(ctx.streams.uniform("discovery_pick", state.month, ids), clouds.size)]
    found &= ~state.labs.frontier & ~state.labs.defaulted
    return np.flatnonzero(found), pick[found]


def discover_providers(state: MarketState, ctx: StepContext) -> None:
    labs_found, providers_found = discovery_draws(state, ctx)
    if labs_found.size == 0:
        return
    edges, inserted_at = insert_edges(state.edges, labs_found, providers_found, len(state.labs), len(state.providers))
    if inserted_at.size:
        follow_inserted_edges(state, edges, inserted_at)
        state.topology_version += 1
