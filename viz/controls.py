"""The sidebar: Step, Play / Pause and Reset, the date as the step counter, and the inputs (each checked as it is
typed, in plain words; all of them apply on Reset, as the sidebar says when one has changed)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from functools import lru_cache

import solara

from model import load_scenario
from model.units import index_to_month

from .session import (
    KNOBS,
    Session,
    allowed_scenarios,
    knob_default,
    knob_source,
    seed_problem,
)

PLAY_INTERVAL_S = 0.3  # Play's nominal rate: one month every 0.3 s
PLAY_MIN_GAP_S = 0.05  # and at least this long between a month drawn and the next step


def month_counter(model) -> str:
    """The date as the step counter: "2025-07 · month 7 of 72"."""
    return f"{model.date} · month {model.month_index + 1} of {model.horizon_months}"


def end_of_run(model) -> str:
    last = index_to_month(model.params.start_month, model.horizon_months - 1)
    return f"The run has reached its horizon ({last}). Reset starts it again."


def play_loop(session: Session, redraw, cancel, paused) -> None:
    """Step at the nominal rate until paused (`paused` or `cancel` set) or the horizon; each month is drawn before
    the next."""
    due = time.monotonic()
    while not (cancel.is_set() or paused.is_set()):
        if not session.step(unless=paused):
            redraw()
            return
        if paused.is_set():
            return  # Pause draws the month reached
        redraw()
        # behind schedule (a slow machine), Play does not catch up: it still pauses a moment, so a click is served
        due = max(due + PLAY_INTERVAL_S, time.monotonic() + PLAY_MIN_GAP_S)
        cancel.wait(due - time.monotonic())


@solara.component
def Controls(session: Session, applied, version, redraw, playing: bool, set_playing, on_reset):
    """Step / Play / Reset over the inputs of `session`. The buttons and the month counter read `version`, the
    page's redraw counter, and draw again with each redraw (`redraw()`); the inputs draw again when they are
    edited or applied (`applied`, the inputs of the session's model); `playing` is Play's state."""
    paused = solara.use_memo(threading.Event, [playing])  # one for each Play, set by Pause or Reset

    def play(cancel):
        if playing:
            play_loop(session, redraw, cancel, paused)
            if not (cancel.is_set() or paused.is_set()):
                set_playing(False)  # the horizon: Play ends by itself

    solara.use_thread(play, dependencies=[playing], intrusive_cancel=False)

    def play_or_pause():
        if not playing:
            set_playing(True)
            return
        session.stop(paused)  # waits for a step in flight; Play's thread steps no more
        set_playing(False)
        redraw()

    def reset():
        if playing:
            session.stop(paused)
        on_reset()

    def step():
        session.step()
        redraw()

    with solara.Column(gap="10px", classes=["cm-controls"]) as main:
        StepButtons(session, version, playing, reset, play_or_pause, step)
        Inputs(session, applied)
    return main


@solara.component
def StepButtons(session: Session, version, playing: bool, on_reset, on_play_or_pause, on_step):
    """The date as the step counter, Reset, Play / Pause and Step, and the end-of-run banner."""
    version.value  # reading it subscribes the buttons to every redraw
    model = session.model
    solara.Text(month_counter(model), classes=["cm-counter"], style={"font-size": "1.2em", "font-weight": "600"})
    with solara.Row(gap="6px"):
        solara.Button("Reset", on_click=on_reset, color="primary", outlined=True)
        solara.Button("❚❚ Pause" if playing else "▶ Play", on_click=on_play_or_pause,
                      color="primary", disabled=not model.running, classes=["cm-play"])
        solara.Button("Step", on_click=on_step, color="primary", disabled=playing or not model.running)
    if not model.running:
        solara.Info(end_of_run(model), classes=["cm-end-banner"], dense=True)


@solara.component
def Inputs(session: Session, applied):
    """The scenario (with its description), the seed and the knobs: the session's inputs being edited
    (`session.pending`); a changed input says it applies on Reset. `applied` (the inputs of the session's model)
    draws it again on Reset, an edit draws it again itself."""
    _, set_edits = solara.use_state(0)  # counts edits
    pending = session.pending
    seed_text, set_seed_text = solara.use_state(str(pending.seed))
    problem = seed_problem(seed_text)

    def edit(inputs):
        session.pending = inputs
        set_edits(lambda edits: edits + 1)

    def set_scenario(name):
        edit(replace(session.pending, scenario=name, parameters={}, dropped=()))

    def moved(name, new, old):
        if abs(float(new) - float(old)) >= KNOBS[name].step / 2:  # the slider snaps a fitted value to its step
            edit(session.pending.with_value(name, float(new)))

    def set_seed(text):
        set_seed_text(text)
        if seed_problem(text) is None:
            edit(replace(session.pending, seed=int(text.strip())))

    solara.Text("Inputs (apply on Reset)", style={"font-weight": "600", "margin-top": "8px"})
    items = [{"text": f"{name}: {describe(name, 70)}", "value": name} for name in allowed_scenarios()]
    solara.v.Select(label="Scenario", items=items, v_model=pending.scenario, on_v_model=set_scenario,
                    class_="cm-scenario", dense=True, hide_details=True, menu_props={"maxWidth": 520})
    solara.Text(describe(pending.scenario), classes=["cm-scenario-description"],
                style={"font-size": "0.85em", "color": "#555"})
    solara.InputText("Seed", value=seed_text, on_value=set_seed, continuous_update=True, error=problem or False,
                     message=problem, classes=["cm-seed"])
    for name, knob in KNOBS.items():
        value = pending.parameters.get(name, knob_default(pending.scenario, name))
        with solara.Tooltip(f"Source: {knob_source(pending.scenario, name)}"):
            with solara.Column(gap="0px", classes=[f"cm-knob-{name}"]):
                solara.Text(f"{knob.label}: {value:,.4g}", style={"font-size": "0.85em"})
                solara.SliderFloat("", value=float(value), min=knob.low, max=knob.high, step=knob.step,
                                   thumb_label=False, on_value=lambda v, name=name, value=value: moved(name, v, value))
    if session.changed:
        solara.Warning("Changed: press Reset to run with these inputs.", dense=True, classes=["cm-pending"])


@lru_cache(maxsize=64)
def describe(name: str, limit: int | None = None) -> str:
    text = load_scenario(name).description
    return text if limit is None or len(text) <= limit else text[:limit - 1].rstrip() + "…"
