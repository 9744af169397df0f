"""`ComputeMarket`: the Mesa model of the AI compute market.

Build it from a scenario (name, path or `Scenario`), a seed (`rng=`) and parameter overrides; step it with
`model.step()` (one month). The state lives in numpy arrays (`model.state`); the Mesa agents
(`model.agents_by_type`) are views onto their rows. Two engines step the same rules: `vectorized` (array
phases, the default) and `agents` (each agent applies its own rule in a Python loop, the readable reference).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from functools import partial

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from . import network, schema
from .archive import all_contracts, archive_closed
from .calibration import build_start_state
from .collector import MarketDataCollector
from .context import StepContext
from .events import apply_start_overrides, compile_timeline, mark_scripted_history
from .generated import generate_state
from .market_rules import is_captive
from .panel import PanelBuffer, SupplyBuffer
from .params import MAX_HORIZON_MONTHS, Params
from .plan import agent_classes, check_hook, engine_phases
from .records import CONTRACT_ORIGIN, CONTRACT_STATUS, NO_MONTH
from .risk import risk_tables
from .scenario import load_scenario
from .schema import HARDWARE_GENERATIONS
from .state import MarketState
from .streams import RandomStreams
from .units import index_to_month


def resolve_seed(rng) -> int:
    """One integer seed for the run, whatever form `rng` takes (None draws one from the OS)."""
    if rng is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63 - 1))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"seed must not be negative, got {rng}")
        return int(rng)
    if isinstance(rng, str) and rng.strip().isdigit():  # SolaraViz text inputs arrive as strings
        return int(rng.strip())
    raise ValueError(f"rng must be an integer seed, a numpy Generator or None, got {rng!r}")


def start_state(params: Params, rng: np.random.Generator):
    """The calibrated end-2024 market, or a generated one (`market="generated"`)."""
    if params.market == "calibrated":
        return build_start_state(params, rng)
    if params.market == "generated":
        return generate_state(params, rng)
    raise ValueError(f"parameter 'market' must be 'calibrated' or 'generated', got {params.market!r}")


def apply_threshold_overrides(params: Params, state) -> None:
    """Parameters that set every regulator's HHI thresholds at once (0 keeps the data files' values)."""
    if params.regulator_hhi_threshold > 0:
        state.regulators.hhi_threshold[:] = params.regulator_hhi_threshold
    if params.regulator_delta_hhi_threshold > 0:
        state.regulators.delta_hhi_threshold[:] = params.regulator_delta_hhi_threshold


def hardware_generation(start_months: np.ndarray) -> np.ndarray:
    """The accelerator generation each contract delivers, from its first month (schema.HARDWARE_GENERATIONS)."""
    names = np.array([name for name, _ in HARDWARE_GENERATIONS], dtype=object)
    firsts = np.array([first for _, first in HARDWARE_GENERATIONS])
    return names[np.searchsorted(firsts, start_months.astype(str), side="right") - 1]


def read_metric(model: "ComputeMarket", name: str):
    """DataCollector reporter: the latest value of metric `name` (module-level so batch runs can pickle it)."""
    return model.metrics.get(name)


class ComputeMarket(mesa.Model):
    """The AI compute market, one step per month from the scenario's start (default 2025-01).

    Args:
        scenario: a library name ("baseline"), a TOML path, or a `Scenario`.
        engine: "vectorized" (array phases) or "agents" (per-agent reference rules); same results.
        rng: the run's seed (int), a numpy Generator, or None for a fresh one; recorded as `model.seed`.
        horizon_months: steps after which `running` turns False (default: the scenario's `steps`).
        state: a start state to use instead of the calibrated or generated one (a hand-built market; copied).
        **parameters: overrides of `Params` fields by name (units in the names), e.g. n_small_labs=100.
    """

    def __init__(self, *, scenario="baseline", engine: str = "vectorized", rng=None,
                 horizon_months: int | None = None, state: MarketState | None = None, **parameters):
        self.phases = engine_phases(engine)  # refuses an unknown engine before any work
        self.seed = resolve_seed(rng)
        super().__init__(rng=self.seed)
        self.spec = load_scenario(scenario)
        self.params = Params().replace(**self.spec.parameters).replace(**parameters)
        self.engine = engine
        self.horizon_months = self.spec.steps if horizon_months is None else horizon_months
        if isinstance(self.horizon_months, bool) or not isinstance(self.horizon_months, int | np.integer) \
                or not 1 <= self.horizon_months <= MAX_HORIZON_MONTHS:
            raise ValueError(f"the horizon must be a whole number of months from 1 to {MAX_HORIZON_MONTHS}, got "
                             f"{self.horizon_months!r}")
        self.horizon_months = int(self.horizon_months)
        self.streams = RandomStreams(self.seed)
        self.state = start_state(self.params, self.streams.calibration) if state is None else state.copy()
        apply_threshold_overrides(self.params, self.state)
        apply_start_overrides(self.spec, self.state)
        mark_scripted_history(self.spec, self.state, self.params)
        self.ctx = StepContext(params=self.params, streams=self.streams,
                               timeline=compile_timeline(self.spec, self.state, self.params.start_month))
        self._graph = network.build_graph(self.state)
        self.state.edges = network.compile_edges_from_graph(self._graph, self.state)
        self._graph_version = (self.state.topology_version, len(self.state.contracts), self.state.month)
        self._place_agents()
        self.hooks: dict[tuple[str, str], list] = defaultdict(list)
        self.phase_seconds = defaultdict(float)
        self.bookkeeping_seconds = 0.0  # moving closed contracts to the archive, between steps
        dict(self.phases)["metrics"](self.state, self.ctx)  # the start row, by the engine's own metrics
        self.metrics = self.ctx.metrics
        self.datacollector = MarketDataCollector(
            self, model_reporters={name: partial(read_metric, name=name) for name in self.metrics})
        self._panel, self._supply = PanelBuffer(), SupplyBuffer()
        self._record()

    # --- agents and space
    def _place_agents(self) -> None:
        self.grid = Network(network.relationship_graph(self._graph), random=self.random,
                            layout=network.layered_layout(self.state))
        classes = agent_classes(self.engine)
        for declared in schema.AGENT_TABLES:
            names = getattr(self.state, declared.attribute).name
            created = classes[declared.kind].create_agents(self, len(names), row=np.arange(len(names)),
                                                           cell=[self.grid[n] for n in names])
            self.ctx.agents[declared.kind] = sorted(created, key=lambda agent: agent.row)

    def agent(self, name: str):
        """The agent called `name` (any kind)."""
        for agent in self.agents:
            if agent.name == name:
                return agent
        raise KeyError(f"no agent named {name!r}")

    # --- stepping
    @property
    def month_index(self) -> int:
        """Index of the last simulated month (-1 before the first step)."""
        return self.state.month

    @property
    def date(self) -> str:
        """The last simulated month as YYYY-MM (the month before the start, before the first step)."""
        return index_to_month(self.params.start_month, self.state.month)

    def add_hook(self, when: str, phase: str, hook) -> None:
        """Call `hook(model)` before or after `phase` every month (a custom rule, a logger), in the order added."""
        check_hook(when, phase)
        self.hooks[(when, phase)].append(hook)

    def step(self) -> None:
        """Simulate one month: the step plan's phases in order (model/plan.py), each timed, with its hooks; then
        record."""
        started = time.perf_counter()
        archive_closed(self.state, self.params.contract_archive_min_rows)
        self.bookkeeping_seconds += time.perf_counter() - started
        self.state.month += 1
        self.ctx.month_memo.clear()
        for name, phase in self.phases:
            self._run_hooks("before", name)
            started = time.perf_counter()
            phase(self.state, self.ctx)
            self.phase_seconds[name] += time.perf_counter() - started
            self._run_hooks("after", name)
        self.metrics = self.ctx.metrics
        self._record()
        if self.state.month + 1 >= self.horizon_months:
            self.running = False

    def _run_hooks(self, when: str, phase: str) -> None:
        hooks = self.hooks.get((when, phase), ())
        for hook in hooks:
            hook(self)
        if hooks:
            self.ctx.month_memo.clear()  # a hook may have changed the contracts

    def _record(self) -> None:
        self.datacollector.collect(self)
        every = max(self.params.agent_record_every, 1)
        if (self.state.month + 1) % every == 0 or self.state.month < 0:
            self._panel.add(self.state.month, self.date, self.state, self.ctx.per_agent)
        self._supply.add(self.state.month, self.date, self.ctx.supply)

    # --- records as DataFrames
    def timeseries(self) -> pd.DataFrame:
        """Model-level metrics, one row per month (the first row is the start state)."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def timeseries_columns(self) -> Mapping[str, np.ndarray]:
        """The columns of `timeseries()` as arrays, without building its DataFrame (the page's charts read a few of
        them every step): the DataCollector's model-level records, one reporter's array made when it is first read."""
        return RecordColumns(self.datacollector.model_vars)

    def agent_table(self) -> pd.DataFrame:
        """Per-agent panel: one row per agent per recorded month, columns and types as `schema.py` declares them
        (a column of another kind is null in a row)."""
        return self._panel.frame()

    def supply_table(self) -> pd.DataFrame:
        """Named labs' supplier mix each month: (lab, provider) contracted and delivered H100e."""
        frame = self._supply.frame()
        frame["lab_name"] = [self.state.labs.name[i] for i in frame["lab"]]
        frame["provider_name"] = [self.state.providers.name[i] for i in frame["provider"]]
        return frame

    def supply_columns(self) -> dict[str, np.ndarray]:
        """The columns of `supply_table()` as arrays, without building its DataFrame (the page's supplier-mix chart
        reads one lab's rows every step)."""
        columns = self._supply.columns()
        columns["lab_name"] = np.array(self.state.labs.name, dtype=object)[columns["lab"]]
        columns["provider_name"] = np.array(self.state.providers.name, dtype=object)[columns["provider"]]
        return columns

    def contract_table(self) -> pd.DataFrame:
        """Every contract with its terms, parties and lifecycle stamps (months as YYYY-MM; absent stamps empty)."""
        s, c = self.state, all_contracts(self.state)
        frame = c.to_frame()
        frame.insert(0, "contract_id", frame.pop("id"))
        providers, labs = np.array(s.providers.name, dtype=object), np.array(s.labs.name, dtype=object)
        frame["seller_name"] = providers[c.seller]
        frame["buyer_name"] = np.where(c.buyer_lab >= 0, labs[np.maximum(c.buyer_lab, 0)],
                                       providers[np.maximum(c.buyer_provider, 0)])
        frame["captive"] = is_captive(s, c.seller, c.buyer_lab)
        frame["status"] = np.array(CONTRACT_STATUS, dtype=object)[c.status]
        frame["origin"] = np.array(CONTRACT_ORIGIN, dtype=object)[c.origin]
        events = np.array([e.id for e in self.spec.events] + [""], dtype=object)
        frame["event_id"] = events[np.where(c.event >= 0, c.event, len(events) - 1)]
        regulators = np.array(s.regulators.name + [""], dtype=object)
        frame["regulator_name"] = regulators[np.where(c.regulator >= 0, c.regulator, len(regulators) - 1)]
        for stamp in ("start_step", "end_step", "proposed_step", "review_due_step", "decided_step", "active_step",
                      "closed_step"):
            frame[stamp.replace("_step", "_month")] = self._month_labels(frame[stamp].to_numpy())
        frame["hardware_generation"] = hardware_generation(frame["start_month"].to_numpy())
        return frame

    def _month_labels(self, months: np.ndarray) -> np.ndarray:
        """YYYY-MM for each month index ("" where the stamp is not set)."""
        labels = np.full(months.size, "", dtype=object)
        stamped = months != NO_MONTH
        if stamped.any():
            first, last = int(months[stamped].min()), int(months[stamped].max())
            table = np.array([index_to_month(self.params.start_month, m) for m in range(first, last + 1)],
                             dtype=object)
            labels[stamped] = table[months[stamped] - first]
        return labels

    def order_table(self) -> pd.DataFrame:
        """Vendor orders (provider -> vendor) with quantities, prices and stamps."""
        frame = self.state.orders.to_frame()
        frame["provider_name"] = [self.state.providers.name[i] for i in frame["provider"]]
        frame["vendor_name"] = [self.state.vendors.name[i] for i in frame["vendor"]]
        return frame

    def equity_table(self) -> pd.DataFrame:
        """Equity stakes (investor -> investee, USD bn)."""
        frame = self.state.equity.to_frame()
        names = self.state.node_names()
        frame["date"] = [index_to_month(self.params.start_month, m) for m in frame["step"]]
        frame["investor_name"] = [names[i] for i in frame["investor"]]
        frame["investee_name"] = [names[i] for i in frame["investee"]]
        return frame

    def event_log(self) -> pd.DataFrame:
        """What happened, in plain words, month by month."""
        rows = [(index_to_month(self.params.start_month, m), text) for m, text in self.ctx.log]
        return pd.DataFrame(rows, columns=["date", "event"])

    def risk(self):
        """(per-node risk table: compute at risk, DebtRank, capital, exposure; circular flows table), now."""
        return risk_tables(self.state, self.params)

    # --- the graph of record
    def recompile_graph(self) -> None:
        """Compile `model.graph` into the step's edge arrays after editing it (adding or removing `eligible` or
        `supply` edges): the topology of record changed, so the arrays follow it."""
        self.state.edges = network.compile_edges_from_graph(self._graph, self.state)
        self.state.topology_version += 1
        self._graph_version = (self.state.topology_version, len(self.state.contracts), self.state.month)

    @property
    def graph(self):
        """The networkx MultiDiGraph of record, refreshed from the arrays when they have changed."""
        version = (self.state.topology_version, len(self.state.contracts), self.state.month)
        if version != self._graph_version:
            network.refresh_graph(self._graph, self.state)
            self._graph_version = version
        return self._graph


class RecordColumns(Mapping):
    """A read-only view of the DataCollector's model-level records as arrays ({reporter: values by month}), each
    converted on first access: a chart reads a few of ~100 columns, so converting them all would be wasted."""

    def __init__(self, model_vars: dict[str, list]):
        self._lists, self._arrays = model_vars, {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._arrays:
            self._arrays[name] = np.asarray(self._lists[name], dtype=object if name == "date" else None)
        return self._arrays[name]

    def __iter__(self):
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)
