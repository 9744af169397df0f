"""The event log's wording: one sentence per applied scenario event, from the event and the figures its
application produced. Both engines write their logs with it (presentation only; the rules are each engine's)."""

from __future__ import annotations

from .units import index_to_month

POLICY_FIELDS = ("value_threshold_usd_bn", "hhi_threshold", "delta_hhi_threshold", "share_threshold", "strictness",
                 "review_lag_months")


def review_text(regulator: str, buyer: str, seller: str, value_usd_bn: float, hhi_after: float, delta_hhi: float,
                outcome: str, capped_value_usd_bn: float = 0.0) -> str:
    """A regulator's decision on a deal: who reviewed it, the parties and value, the market HHI after it and its
    change (contracted AI capacity), and the decision ("approved", "capped" or "blocked")."""
    decision = {"approved": "approved", "blocked": "blocked",
                "capped": f"approved with a cap to {usd_bn_text(capped_value_usd_bn)}"}[outcome]
    return (f"{regulator} review of {buyer}–{seller} ({usd_bn_text(value_usd_bn)}): HHI after {hhi_after:,.0f} "
            f"({delta_hhi:+,.0f}): {decision}")


def usd_bn_text(value: float) -> str:
    """$ billions for people: "$38.0B", and small values to two significant figures ("$0.0071B")."""
    return f"${value:,.1f}B" if value >= 0.1 else f"${value:.2g}B"


def describe(event, names: dict, start_month: str, **figures) -> str:
    """`names`: the agent names the event refers to, by field ("lab", "provider"); `figures`: what applying it gave."""
    kind = event.type
    if kind == "exclusivity":
        until = f" until {event.until}" if event.until else ""
        return f"{names['lab']} exclusivity: {event.mode}{until}"
    if kind == "outage":
        return f"{names['provider']} outage: {event.share:.0%} of capacity for {event.months} months"
    if kind == "list_price_cut":
        return f"{names['provider']} cuts its on-demand prices by {event.share:.0%}"
    if kind in ("demand_shock", "revenue_shock", "chip_supply_shock"):
        target = event.vendor if kind == "chip_supply_shock" else event.lab
        return f"{kind.replace('_', ' ')} x{event.factor:g} for {target}"
    if kind == "export_control":
        cancelled = figures["cancelled_h100e"]
        return (f"export control on {event.vendor}: {'on' if event.active else 'off'}"
                + (f"; {cancelled:,.0f} H100e of open orders cancelled" if cancelled > 0 else ""))
    if kind == "policy":
        changed = [f"{field}={getattr(event, field):g}" for field in POLICY_FIELDS if getattr(event, field) is not None]
        return f"policy change at {event.regulator}: {', '.join(changed) or 'nothing'}"
    if kind == "lab_default":
        return f"{names['lab']} defaults"
    if kind == "equity":
        stake = f" for {event.share:.0%}" if event.share else ""
        return (f"{event.investor} invests ${event.value_usd_bn:g}B in {event.investee}{stake}"
                + (", with control" if event.control else ""))
    if kind in ("merger", "acquisition"):
        verb = "merges with" if kind == "merger" else "acquires"
        paid = f" for ${event.value_usd_bn:g}B" if event.value_usd_bn > 0 else ""
        saving = f"; stated efficiency {event.efficiency_share:.0%} of unit cost" if event.efficiency_share > 0 else ""
        return f"{event.acquirer} {verb} {event.target}{paid}{saving}"
    if kind == "contract":
        return (f"{event.buyer}–{event.seller}, ${figures['value_usd_bn']:,.1f}B over {event.duration_months / 12:g} "
                f"years from {index_to_month(start_month, figures['start'])} ({figures['quantity_h100e']:,.0f} H100e "
                f"at ${figures['price_usd_per_h100e_hour']:.2f}/h)")
    raise ValueError(f"no wording for event type {kind!r}")


def funding_text(lab: str, amount_usd_bn: float, supplier: str, from_supplier_usd_bn: float) -> str:
    """The log line of an endogenous funding round."""
    part = f", ${from_supplier_usd_bn:,.1f}B of it from {supplier}" if from_supplier_usd_bn > 0 else ""
    return f"{lab} raises ${amount_usd_bn:,.1f}B{part}"
