"""Scenarios: TOML files validated by a pydantic schema (parameters and a dated timeline of events).

`load_scenario("baseline")` reads `model/scenarios/baseline.toml`; a path works too. A bad file is refused
with a `ScenarioError` naming the file, the field and the value.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .params import MAX_CONTRACT_MONTHS, MAX_HORIZON_MONTHS, Params, check_overrides
from .units import month_to_index

SCENARIO_DIR = Path(__file__).parent / "scenarios"
FITS_DIR = Path(__file__).parent / "fits"  # fitted parameter sets (`compute-market calibrate`), used by name


class ScenarioError(ValueError):
    """A scenario name or file is wrong; the message names the file, the field and the value."""


def _check_month(value: str) -> str:
    month_to_index("2000-01", value)  # raises ValueError with the date in the message
    return value


class EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    id: str = Field(min_length=1)
    date: str
    description: str = ""

    @field_validator("date")
    @classmethod
    def _month(cls, value: str) -> str:
        return _check_month(value)


class ExclusivityEvent(EventBase):
    """A lab's exclusivity with a provider changes: exclusive, right of first refusal (rofr), or none; an
    exclusivity or right of first refusal given `until` a month ends then (the lab is free from that month)."""
    type: Literal["exclusivity"]
    lab: str
    provider: str = ""
    mode: Literal["exclusive", "rofr", "none"]
    until: str | None = None

    @model_validator(mode="after")
    def _until_after_date(self):
        if self.until is not None:
            _check_month(self.until)
            if self.mode == "none":
                raise ValueError("until is for an exclusivity or a right of first refusal, not for mode 'none'")
            if month_to_index(self.date, self.until) <= 0:
                raise ValueError(f"until {self.until} is not after the date {self.date}")
        return self


class OutageEvent(EventBase):
    """A provider loses `share` of its capacity for `months` months."""
    type: Literal["outage"]
    provider: str
    months: int = Field(ge=1)
    share: float = Field(gt=0, le=1)


class ListPriceCutEvent(EventBase):
    """A provider cuts its on-demand (list) prices by `share` from this month: its on-demand premium over its
    contract price is lowered so the list price is (1 - share) of what it was."""
    type: Literal["list_price_cut"]
    provider: str
    share: float = Field(gt=0, lt=1)


class DemandShockEvent(EventBase):
    """A lab's compute demand (or every lab's, lab = "all") is multiplied by `factor`."""
    type: Literal["demand_shock"]
    lab: str
    factor: float = Field(ge=0)


class RevenueShockEvent(EventBase):
    """A lab's revenue (or every lab's) is multiplied by `factor`; `growth_per_month` replaces its growth if set."""
    type: Literal["revenue_shock"]
    lab: str
    factor: float = Field(ge=0)
    growth_per_month: float | None = None


class ChipSupplyShockEvent(EventBase):
    """A vendor's production rate (or every vendor's) is multiplied by `factor`."""
    type: Literal["chip_supply_shock"]
    vendor: str
    factor: float = Field(ge=0)


class ExportControlEvent(EventBase):
    """A vendor may (active = false) or may not (active = true) ship outside its own region."""
    type: Literal["export_control"]
    vendor: str
    active: bool = True


class PolicyEvent(EventBase):
    """A regulator's (or every regulator's) thresholds or strictness change."""
    type: Literal["policy"]
    regulator: str
    value_threshold_usd_bn: float | None = Field(default=None, ge=0)
    hhi_threshold: float | None = Field(default=None, ge=0, le=10000)
    delta_hhi_threshold: float | None = Field(default=None, ge=0, le=10000)
    share_threshold: float | None = Field(default=None, ge=0, le=1)
    strictness: float | None = Field(default=None, ge=0, le=1)
    review_lag_months: int | None = Field(default=None, ge=0)


class LabDefaultEvent(EventBase):
    """A lab defaults: its contracts terminate and its demand stops."""
    type: Literal["lab_default"]
    lab: str


class EquityEvent(EventBase):
    """An investor (any agent) puts `value_usd_bn` into an investee; a lab investee gains that cash. `share` is
    the part of the investee's equity it buys, when known (it enters the modified HHI); a stake with `control`
    (a provider or vendor investing in a provider) brings the investee under the investor's control, as an
    acquisition does."""
    type: Literal["equity"]
    investor: str
    investee: str
    value_usd_bn: float = Field(gt=0)
    share: float | None = Field(default=None, gt=0, le=1)
    control: bool = False
    source: str = ""


class DealEvent(EventBase):
    """A deal that brings the `target` provider under the `acquirer`'s control from `date`: one firm from then on
    (one going price, moved by the firm's pooled scarcity; one firm in the regulators' screens and the firm HHI).
    `efficiency_share` is the stated efficiency: the share of unit cost the deal saves at the parties' providers.
    The acquirer pays `value_usd_bn` (a provider from cash, then debt)."""
    acquirer: str
    target: str
    value_usd_bn: float = Field(default=0.0, ge=0)
    efficiency_share: float = Field(default=0.0, ge=0, lt=1)
    source: str = ""

    @model_validator(mode="after")
    def _two_parties(self):
        if self.acquirer == self.target:
            raise ValueError(f"acquirer and target are both {self.target!r}")
        return self


class MergerEvent(DealEvent):
    """Two providers merge; the `acquirer` (a provider) is the firm that survives. An all-share merger pays 0."""
    type: Literal["merger"]


class AcquisitionEvent(DealEvent):
    """A provider or a vendor buys the `target` provider for `value_usd_bn`. A vendor that buys a provider serves
    it first when chips are short (as it serves a captive owner: `strategic_priority`)."""
    type: Literal["acquisition"]
    value_usd_bn: float = Field(gt=0)


class ContractEvent(EventBase):
    """A scripted deal signed at `date`, delivering from `start` (default: `date`), ramping linearly to full
    quantity over `ramp_months`. Give two of quantity (`quantity_h100e` or `power_gw`),
    `price_usd_per_h100e_hour` and `value_usd_bn`; the third follows (see docs/scenarios.md)."""
    type: Literal["contract"]
    seller: str
    buyer: str
    start: str | None = None
    duration_months: int = Field(ge=1, le=MAX_CONTRACT_MONTHS)
    ramp_months: int = Field(default=0, ge=0)
    quantity_h100e: float | None = Field(default=None, gt=0)
    power_gw: float | None = Field(default=None, gt=0)
    price_usd_per_h100e_hour: float | None = Field(default=None, gt=0)
    value_usd_bn: float | None = Field(default=None, gt=0)
    exclusive: bool = False
    source: str = ""

    @field_validator("start")
    @classmethod
    def _start_month(cls, value):
        return None if value is None else _check_month(value)

    @model_validator(mode="after")
    def _two_of_three(self):
        if self.quantity_h100e is not None and self.power_gw is not None:
            raise ValueError("give quantity_h100e or power_gw, not both")
        quantity = self.quantity_h100e is not None or self.power_gw is not None
        given = [quantity, self.price_usd_per_h100e_hour is not None, self.value_usd_bn is not None]
        if sum(given) != 2:
            raise ValueError("give exactly two of quantity (quantity_h100e or power_gw), price_usd_per_h100e_hour, "
                             "value_usd_bn")
        if self.ramp_months > self.duration_months:
            raise ValueError("ramp_months must not exceed duration_months")
        if self.start is not None and month_to_index(self.date, self.start) < 0:
            raise ValueError(f"start {self.start} is before the signing date {self.date}")
        return self


Event = Annotated[Union[ExclusivityEvent, OutageEvent, ListPriceCutEvent, DemandShockEvent, RevenueShockEvent, ChipSupplyShockEvent,
                        ExportControlEvent, PolicyEvent, LabDefaultEvent, EquityEvent, MergerEvent, AcquisitionEvent,
                        ContractEvent],
                  Field(discriminator="type")]


class Scenario(BaseModel):
    """A scenario: name, description, default run length, start-state and parameter overrides, and events.

    `start` overrides numeric fields of named agents: `[start.labs.OpenAI] cash_usd_bn = 20`.
    """
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    extends: str | None = None  # a library scenario whose parameters, start and events this one builds on
    fit: str | None = None  # the fitted parameter set (model/fits/NAME.toml) under `parameters`
    steps: int = Field(default=72, ge=1, le=MAX_HORIZON_MONTHS)
    # non-finite numbers pass here so that check_overrides names them plainly
    parameters: dict[str, bool | int | Annotated[float, Field(allow_inf_nan=True)] | str] = Field(default_factory=dict)
    start: dict[Literal["vendors", "providers", "labs", "regulators"], dict[str, dict[str, float]]] = Field(
        default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    source: str = ""  # the file it came from, filled by the loader

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value):
        check_overrides(value)
        return value

    @model_validator(mode="after")
    def _unique_ids(self):
        seen = set()
        for event in self.events:
            if event.id in seen:
                raise ValueError(f"event id {event.id!r} appears twice")
            seen.add(event.id)
        return self

    @model_validator(mode="after")
    def _events_within_the_horizon(self):
        start = self.parameters.get("start_month", Params.start_month)
        for event in self.events:
            if month_to_index(start, event.date) >= self.steps:
                raise ValueError(f"event {event.id!r} is dated {event.date}, after the scenario's horizon "
                                 f"({self.steps} months from {start})")
        return self

    def without(self, *event_ids: str) -> "Scenario":
        """A copy with the named events dropped (a counterfactual); unknown ids are refused."""
        known = {e.id for e in self.events}
        unknown = [i for i in event_ids if i not in known]
        if unknown:
            raise ScenarioError(f"scenario {self.name!r} has no event {unknown[0]!r} (events: {', '.join(sorted(known))})")
        kept = [e for e in self.events if e.id not in event_ids]
        return self.model_copy(update={"events": kept, "name": f"{self.name} without {', '.join(event_ids)}"})


def scenario_names() -> list[str]:
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str | Path | Scenario) -> Scenario:
    """A scenario by library name or TOML path, validated."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    path = scenario_path(name_or_path)
    raw = read_raw(path)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(f"{path}: {describe(error, raw)}") from None
    return scenario.model_copy(update={"source": str(path)})


def scenario_path(name_or_path) -> Path:
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith(".toml") or path.exists()):
        path = SCENARIO_DIR / f"{text}.toml"
        if not path.exists():
            raise ScenarioError(f"unknown scenario {text!r} (known: {', '.join(scenario_names())})")
    return path


ALLOW_PATHS = "COMPUTE_MARKET_ALLOW_PATHS"  # "1": a file may name scenario files anywhere (--allow-paths)


def named_file(name: str, naming_file: Path) -> Path | None:
    """The scenario file that a field of `naming_file` names: a library scenario, or a file in the folder of
    `naming_file` (or below it); None for anything else on disk, unless the environment variable ALLOW_PATHS is
    "1" (the command line's `--allow-paths`, inherited by a sweep's workers)."""
    if name in scenario_names():
        return SCENARIO_DIR / f"{name}.toml"
    folder = naming_file.parent.resolve()
    candidate = (folder / name).resolve()
    inside = folder in candidate.parents or os.environ.get(ALLOW_PATHS) == "1"
    return candidate if inside and candidate.is_file() else None


def extended_path(base_name: str, path: Path) -> Path:
    """The file a scenario's `extends` names (see `named_file`)."""
    found = named_file(base_name, path)
    if found is None:
        raise ScenarioError(f"{path}: field extends: {base_name!r} is neither a library scenario nor a file in "
                            f"{path.parent.resolve()} (--allow-paths allows other files)")
    return found


def fit_names() -> list[str]:
    return sorted(p.stem for p in FITS_DIR.glob("*.toml"))


def fitted_parameters(name: str, naming_file: Path) -> dict:
    """The `[parameters]` of the fitted set `name` (model/fits/NAME.toml)."""
    if not isinstance(name, str) or name not in fit_names():
        raise ScenarioError(f"{naming_file}: field fit: unknown fitted parameter set {name!r} (known: "
                            f"{', '.join(fit_names()) or 'none'})")
    path = FITS_DIR / f"{name}.toml"
    try:
        with open(path, "rb") as handle:
            parameters = tomllib.load(handle).get("parameters", {})
        check_overrides(parameters)
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise ScenarioError(f"{path}: {error}") from None
    return parameters


def fitted_targets(name: str | None) -> tuple[str, ...]:
    """The figures the fitted set `name` was fitted to (its `targets`), none for no set."""
    if name is None or name not in fit_names():
        return ()
    with open(FITS_DIR / f"{name}.toml", "rb") as handle:
        return tuple(tomllib.load(handle).get("targets", ()))


def with_fit(raw: dict, path: Path) -> dict:
    """A file's raw table with its fitted set's parameters under its own: `fit = "NAME"`, or the short form
    `parameters = "NAME"` (the fitted set and nothing else)."""
    if isinstance(raw.get("parameters"), str):
        raw = {**raw, "fit": raw["parameters"], "parameters": {}}
    if raw.get("fit") is None:
        return raw
    return {**raw, "parameters": {**fitted_parameters(raw["fit"], path), **raw.get("parameters", {})}}


def read_toml(path: Path, what: str, error: type[Exception]) -> dict:
    """The TOML table of `path` (a `what` file), or `error` with one line naming the file and the problem."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise error(f"{what} file {path} does not exist") from None
    except IsADirectoryError:
        raise error(f"{what} file {path} is a folder, not a TOML file") from None
    except OSError as problem:
        raise error(f"{what} file {path} cannot be read ({problem.strerror})") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: not valid TOML: {problem}") from None


def load_config_file(path: Path, schema: type[BaseModel], what: str, error: type[Exception]):
    """A sweep's or a calibration's file: read, validated by `schema`, its scenario resolved; `error` names the
    file, the field and the value."""
    raw = read_toml(path, what, error)
    try:
        config = schema.model_validate(raw)
    except ValidationError as problem:
        raise error(f"{path}: {describe(problem, raw)}") from None
    return scenario_named_by(config, path, error)


def scenario_named_by(config, path: Path, error: type[Exception]):
    """`config` (a sweep's or a calibration's) with its `scenario` resolved (see `named_file`) and loadable."""
    if config.scenario not in scenario_names():
        candidate = named_file(config.scenario, path)
        if candidate is None:
            raise error(f"{path}: field scenario: {config.scenario!r} is neither a library scenario nor a file in "
                        f"{path.parent.resolve()} (--allow-paths allows other files)")
        config = config.model_copy(update={"scenario": str(candidate)})
    try:
        load_scenario(config.scenario)
    except ScenarioError as problem:
        raise error(f"{path}: field scenario: {problem}") from None
    return config


def read_raw(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """The TOML of `path`, merged onto the scenario it `extends` (parameters and start tables merged,
    events appended after the base's)."""
    raw = with_fit(read_toml(path, "scenario", ScenarioError), Path(path))
    base_name = raw.get("extends")
    if base_name is None:
        return raw
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path}: field extends: must be a scenario name (value: {base_name!r})")
    base_path = extended_path(base_name, Path(path))
    if base_path.resolve() in seen or base_path.resolve() == Path(path).resolve():
        raise ScenarioError(f"{path}: field extends: {base_name!r} extends itself")
    base = read_raw(base_path, (*seen, Path(path).resolve()))
    merged = {**base, **{k: v for k, v in raw.items() if k not in ("parameters", "start", "events")}}
    merged["parameters"] = {**base.get("parameters", {}), **raw.get("parameters", {})}
    start = {kind: {name: dict(fields) for name, fields in agents.items()}
             for kind, agents in base.get("start", {}).items()}
    for kind, agents in raw.get("start", {}).items():
        for name, fields in agents.items():
            start.setdefault(kind, {}).setdefault(name, {}).update(fields)
    merged["start"] = start
    merged["events"] = [*base.get("events", []), *raw.get("events", [])]
    return merged


def describe(error: ValidationError, raw: dict) -> str:
    """The first validation problem as 'field <path>: <message> (value: <value>)'."""
    first = error.errors()[0]
    location = list(first["loc"])
    field = ".".join(str(part) for part in location) or "(file)"
    if location and location[0] == "events" and len(location) > 1 and isinstance(location[1], int):
        events = raw.get("events", [])
        event = events[location[1]] if location[1] < len(events) else None
        if isinstance(event, dict):
            rest = location[2:]
            if rest and rest[0] == event.get("type"):  # pydantic names the event type it tried
                rest = rest[1:]
            field = f"events[{location[1]}] (id {event.get('id', '?')!r})" + (
                "." + ".".join(str(p) for p in rest) if rest else "")
    message = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = "" if isinstance(value, dict) else f" (value: {value!r})"
    return f"field {field}: {message}{shown}"
