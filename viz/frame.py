"""The chart frame of a run: its providers, its months and a marker for each scripted event (charts.Frame)."""

from __future__ import annotations

from model.units import index_to_month

from .charts import LABELLED_DEAL_USD_BN, Frame


def run_frame(model) -> Frame:
    """The frame of `model`'s run: the start state's month to the horizon's, and its scripted events."""
    start = model.params.start_month
    markers = tuple(sorted(event_marker(event) for event in model.spec.events))
    return Frame(tuple(model.state.providers.name), index_to_month(start, -1),
                 index_to_month(start, model.horizon_months - 1), markers)


def event_marker(event) -> tuple[str, str, bool]:
    """(month, short label, labelled on the chart): deals and stakes of at least LABELLED_DEAL_USD_BN are
    labelled, as are shocks, outages, policy changes and export controls; every event shows on hover."""
    kind, value = event.type, getattr(event, "value_usd_bn", None)
    money = (f" ${value:,.0f}B" if value >= 1 else f" ${value:.1f}B") if value else ""
    if kind == "contract":
        return event.date, f"{event.buyer}–{event.seller}{money}", bool(value and value >= LABELLED_DEAL_USD_BN)
    if kind == "equity":
        return event.date, f"{event.investor} → {event.investee}{money}", value >= LABELLED_DEAL_USD_BN
    if kind == "exclusivity":
        return event.date, f"{event.lab} exclusivity: {event.mode}", False
    target = getattr(event, "provider", None) or getattr(event, "vendor", None) or getattr(event, "lab", None) \
        or getattr(event, "regulator", "")
    return event.date, f"{kind.replace('_', ' ')}: {target}", True
