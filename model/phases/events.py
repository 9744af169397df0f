"""Phase 1, events: count down running outages, then apply this month's scenario events in file order."""

from __future__ import annotations

from ..context import StepContext
from ..events import APPLY, tick_outages
from ..state import MarketState


def events(state: MarketState, ctx: StepContext) -> None:
    tick_outages(state)
    for resolved in ctx.timeline.get(state.month, ()):
        text = APPLY[resolved.event.type](state, ctx, resolved)
        ctx.log.append((state.month, text))
