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
    month_memo: dict = field(default_factory=dict)   # see `remembered`

    def remembered(self, key: tuple, compute):
        """`compute()`, once for `key` in a month: a later phase that asks for the same key gets the same value.

        The vectorized engine uses it for a few sums over every contract that two phases of a month need and that
        the phases between them leave unchanged (each key names the contract rows it was computed over, so rows
        added since are never missed). `ComputeMarket.step` empties it at the start of each month and after any
        hook, which may change anything.
        """
        if key not in self.month_memo:
            self.month_memo[key] = compute()
        return self.month_memo[key]
