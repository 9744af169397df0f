"""What a phase needs besides the state: parameters, random streams, the event timeline, and scratch results."""

from __future__ import annotations

from dataclasses import dataclass, field

from .params import Params
from .streams import RandomStreams


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
