"""The nine phases of one monthly step (DESIGN §4), each a function `phase(state, ctx)` over arrays.

A phase reads and writes only the `MarketState` and the `StepContext` it is given: no networkx, pandas or
per-agent Python inside. `PHASES` is the step plan, in order; the model times each phase.
"""

from .booking import booking
from .demand import demand
from .events import events
from .metrics import metrics
from .negotiation import negotiation
from .pricing import pricing
from .regulation import regulation
from .settlement import settlement
from .supply import supply

PHASES = (events, demand, supply, pricing, negotiation, regulation, booking, settlement, metrics)

__all__ = ["PHASES", "booking", "demand", "events", "metrics", "negotiation", "pricing", "regulation",
           "settlement", "supply"]
