"""What a phase needs besides the state: parameters, random streams, the event timeline, and scratch results."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .kernels import sum_by, sum_by_row
from .params import Params
from .records import ACTIVE, APPROVED, PROPOSED, UNDER_REVIEW
from .state import MarketState
from .streams import RandomStreams

PENDING_OR_ACTIVE = (PROPOSED, UNDER_REVIEW, APPROVED, ACTIVE)


@dataclass
class StepContext:
    params: Params
    streams: RandomStreams
    timeline: dict = field(default_factory=dict)     # month index -> list of events
    metrics: dict = field(default_factory=dict)      # written by the metrics phase
    per_agent: dict = field(default_factory=dict)    # written by the metrics phase: kind -> {column: array}
    supply: dict = field(default_factory=dict)       # written by the metrics phase: named labs' supplier mix
    log: list = field(default_factory=list)          # plain-words event log: (month, text)
    agents: dict = field(default_factory=dict)       # kind -> Mesa agents in row order (the `agents` engine)


assert PENDING_OR_ACTIVE == tuple(range(ACTIVE + 1)), "holds() relies on these statuses being 0..ACTIVE"


def holds(status) -> np.ndarray:
    """True for contracts that hold capacity: proposed, under review, approved or active (codes 0 to ACTIVE)."""
    return np.asarray(status) <= ACTIVE


def recount_commitments(state: MarketState) -> None:
    """Recompute providers' committed and labs' contracted quantities from the contract records."""
    c = state.contracts
    held = np.where(holds(c.status), c.quantity_h100e, 0.0)
    state.providers.committed_h100e[:] = sum_by(c.seller, weights=held, minlength=len(state.providers))
    state.labs.contracted_h100e[:] = sum_by_row(c.buyer_lab, held, len(state.labs))


def regulator_by_provider(state: MarketState) -> np.ndarray:
    """Row of the regulator whose jurisdiction covers each provider's region, or -1."""
    region_of = {region: row for row, region in enumerate(state.regulators.region)}
    return np.array([region_of.get(region, -1) for region in state.providers.region], dtype=np.int64)
