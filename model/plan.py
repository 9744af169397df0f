"""The step plan: the nine phases of one month, in order, declared once (DESIGN §4).

Each entry names the phase, its vectorized function (`model/phases/`) and its per-agent reference in the
`agents` engine (a "module:function" name, loaded only when that engine runs, so the model core never imports
the reference engine). `ComputeMarket.step()` runs the plan of its engine, timing each phase, with the hooks
users attach before or after a phase (`model.add_hook("after", "regulation", rule)`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from . import phases
from .engines import ENGINES
from .views import VIEWS

PhaseFunction = Callable[..., None]  # phase(state, ctx) -> None


@dataclass(frozen=True)
class Phase:
    name: str
    vectorized: PhaseFunction
    reference: str          # "module:function" of the per-agent reference
    summary: str

    def function(self, engine: str) -> PhaseFunction:
        if engine == "vectorized":
            return self.vectorized
        module, _, name = self.reference.partition(":")
        return getattr(importlib.import_module(module), name)


STEP_PLAN: tuple[Phase, ...] = (
    Phase("events", phases.events, "agents.engine:events", "apply this month's scenario events"),
    Phase("demand", phases.demand, "agents.engine:demand", "labs' demand and revenue grow; labs discover providers"),
    Phase("supply", phases.supply, "agents.engine:supply", "vendors ship, price from backlog; sites are built"),
    Phase("pricing", phases.pricing, "agents.engine:pricing", "providers' unit costs and list prices"),
    Phase("negotiation", phases.negotiation, "agents.engine:negotiation", "labs request, providers quote, "
          "contracts are proposed"),
    Phase("regulation", phases.regulation, "agents.engine:regulation", "regulators review large or exclusive deals"),
    Phase("booking", phases.booking, "agents.engine:booking", "approved contracts activate; providers order chips"),
    Phase("settlement", phases.settlement, "agents.engine:settlement", "deliver, spot market, pay, breach"),
    Phase("metrics", phases.metrics, "agents.engine:metrics", "the month's measures"),
)
PHASE_NAMES = tuple(phase.name for phase in STEP_PLAN)
HOOK_TIMES = ("before", "after")


def engine_phases(engine: str) -> list[tuple[str, PhaseFunction]]:
    """(name, function) of each phase of the plan for `engine`."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    return [(phase.name, phase.function(engine)) for phase in STEP_PLAN]


def agent_classes(engine: str) -> dict[str, type]:
    """The Mesa agent class of each kind: the plain views, or the `agents` engine's classes with their rules."""
    if engine == "vectorized":
        return dict(VIEWS)
    return dict(importlib.import_module("agents").AGENT_CLASSES)


def check_hook(when: str, phase: str) -> None:
    if when not in HOOK_TIMES:
        raise ValueError(f"hook time must be 'before' or 'after', got {when!r}")
    if phase not in PHASE_NAMES:
        raise ValueError(f"unknown phase {phase!r} (the plan: {', '.join(PHASE_NAMES)})")
