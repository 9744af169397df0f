"""Scenarios: TOML files validated by a pydantic schema (parameters and a dated timeline of events).

`load_scenario("baseline")` reads `model/scenarios/baseline.toml`; a path works too. A bad file is refused
with a `ScenarioError` naming the file, the field and the value.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .params import check_overrides
from .units import month_to_index

SCENARIO_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario name or file is wrong; the message names the file, the field and the value."""


def _check_month(value: str) -> str:
    month_to_index("2000-01", value)  # raises ValueError with the date in the message
    return value


class EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    date: str
    description: str = ""

    @field_validator("date")
    @classmethod
    def _month(cls, value: str) -> str:
        return _check_month(value)


class ExclusivityEvent(EventBase):
    """A lab's exclusivity with a provider changes: exclusive, right of first refusal (rofr), or none."""
    type: Literal["exclusivity"]
    lab: str
    provider: str = ""
    mode: Literal["exclusive", "rofr", "none"]


class OutageEvent(EventBase):
    """A provider loses `share` of its capacity for `months` months."""
    type: Literal["outage"]
    provider: str
    months: int = Field(ge=1)
    share: float = Field(gt=0, le=1)


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
    """An investor (any agent) puts `value_usd_bn` into an investee; a lab investee gains that cash."""
    type: Literal["equity"]
    investor: str
    investee: str
    value_usd_bn: float = Field(gt=0)


class ContractEvent(EventBase):
    """A scripted deal. Give two of quantity_h100e, price_usd_per_h100e_hour, value_usd_bn; the third follows."""
    type: Literal["contract"]
    seller: str
    buyer: str
    duration_months: int = Field(ge=1)
    ramp_months: int = Field(default=0, ge=0)
    quantity_h100e: float | None = Field(default=None, gt=0)
    price_usd_per_h100e_hour: float | None = Field(default=None, gt=0)
    value_usd_bn: float | None = Field(default=None, gt=0)
    exclusive: bool = False

    @model_validator(mode="after")
    def _two_of_three(self):
        given = [x is not None for x in (self.quantity_h100e, self.price_usd_per_h100e_hour, self.value_usd_bn)]
        if sum(given) != 2:
            raise ValueError("give exactly two of quantity_h100e, price_usd_per_h100e_hour, value_usd_bn")
        if self.ramp_months > self.duration_months:
            raise ValueError("ramp_months must not exceed duration_months")
        return self


Event = Annotated[Union[ExclusivityEvent, OutageEvent, DemandShockEvent, RevenueShockEvent, ChipSupplyShockEvent,
                        ExportControlEvent, PolicyEvent, LabDefaultEvent, EquityEvent, ContractEvent],
                  Field(discriminator="type")]


class Scenario(BaseModel):
    """A scenario: name, description, default run length, parameter overrides and events."""
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    steps: int = Field(default=72, ge=1)
    parameters: dict[str, float | int | str] = Field(default_factory=dict)
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
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith(".toml") or path.exists()):
        path = SCENARIO_DIR / f"{text}.toml"
        if not path.exists():
            raise ScenarioError(f"unknown scenario {text!r} (known: {', '.join(scenario_names())})")
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(f"{path}: {describe(error, raw)}") from None
    return scenario.model_copy(update={"source": str(path)})


def describe(error: ValidationError, raw: dict) -> str:
    """The first validation problem as 'field <path>: <message> (value: <value>)'."""
    first = error.errors()[0]
    location = [part for part in first["loc"] if not (isinstance(part, str) and part.endswith("Event"))]
    field = ".".join(str(part) for part in location) or "(file)"
    if location and location[0] == "events" and len(location) > 1 and isinstance(location[1], int):
        events = raw.get("events", [])
        if location[1] < len(events) and isinstance(events[location[1]], dict):
            field = f"events[{location[1]}] (id {events[location[1]].get('id', '?')!r})" + (
                "." + ".".join(str(p) for p in location[2:]) if len(location) > 2 else "")
    message = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = "" if isinstance(value, dict) else f" (value: {value!r})"
    return f"field {field}: {message}{shown}"
