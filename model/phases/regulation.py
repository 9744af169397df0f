"""Phase 6, regulation: proposed contracts above a regulator's value threshold, or exclusive, go under review;
after the review lag the post-deal HHI of contracted AI capacity is screened (2023 US Merger Guidelines by
default); a presumptive deal is blocked with probability = strictness, otherwise capped so ΔHHI stays within
the threshold. Everything else is approved."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..context import StepContext
from ..event_text import review_text
from ..kernels import sum_by
from ..market_rules import (
    capped_quantity,
    firm_of,
    is_captive,
    market_quantities,
    post_deal_hhi,
    regulator_by_provider,
    residual_providers,
)
from ..records import APPROVED, BLOCKED, ORIGIN_SCRIPTED, PROPOSED, UNDER_REVIEW
from ..state import MarketState
from ..units import usd_bn


def screened(origin, params) -> np.ndarray:
    """Which contracts the regulators may review: all, or only negotiated ones when scripted deals are history."""
    return params.review_scripted_contracts | (np.asarray(origin) != ORIGIN_SCRIPTED)


def review_draws(state: MarketState, ctx: StepContext, rows: np.ndarray) -> np.ndarray:
    """Each decided review's uniform draw, named by its parties and this month (not by how many are decided)."""
    c = state.contracts
    return ctx.streams.uniform("regulator", state.month, kernels.deal_key(
        c.seller[rows], c.buyer_lab[rows], c.buyer_provider[rows], len(state.labs)))


def regulation(state: MarketState, ctx: StepContext) -> None:
    c, r, month = state.contracts, state.regulators, state.month
    proposed = np.flatnonzero(c.status == PROPOSED)
    regulator = regulator_by_provider(state)[c.seller[proposed]]
    safe_reg = np.maximum(regulator, 0)
    reviewed = ((regulator >= 0) & ~is_captive(state, c.seller[proposed], c.buyer_lab[proposed])
                & ((c.value_usd_bn[proposed] >= r.value_threshold_usd_bn[safe_reg]) | c.exclusive[proposed])
                & screened(c.origin[proposed], ctx.params))
    to_review, to_approve = proposed[reviewed], proposed[~reviewed]
    c.status[to_review] = UNDER_REVIEW
    c.regulator[to_review] = regulator[reviewed]
    c.review_due_step[to_review] = month + r.review_lag_months[regulator[reviewed]]
    np.add.at(r.reviews, regulator[reviewed], 1)
    c.status[to_approve] = APPROVED
    c.decided_step[to_approve] = month
    decide_reviews(state, ctx)


def decide_reviews(state: MarketState, ctx: StepContext) -> None:
    c, r, month = state.contracts, state.regulators, state.month
    due = np.flatnonzero((c.status == UNDER_REVIEW) & (c.review_due_step <= month))
    if due.size == 0:
        return
    draws = review_draws(state, ctx, due)
    reg = c.regulator[due]
    # the screened market is of firms: providers under one control count as one, at the row of the one in control
    firm = firm_of(state.providers)
    quantities = sum_by(firm, weights=market_quantities(state), minlength=len(firm))
    residual = residual_providers(state)[firm]
    seller = firm[c.seller[due]]
    before, after, share = post_deal_hhi(quantities, seller, c.quantity_h100e[due], residual)
    presumption = kernels.merger_presumption(after, after - before, share, r.hhi_threshold[reg],
                                             r.delta_hhi_threshold[reg], r.share_threshold[reg])
    strictness = np.clip(r.strictness[reg] * ctx.params.regulator_strictness_scale, 0.0, 1.0)
    block = presumption & (draws < strictness)
    value_before = c.value_usd_bn[due].copy()
    cap = presumption & ~block
    c.status[due[block]] = BLOCKED
    c.closed_step[due[block]] = month
    np.add.at(r.blocks, reg[block], 1)
    capped = due[cap]
    if capped.size:
        q = capped_quantity(quantities, seller[cap], c.quantity_h100e[capped], r.delta_hhi_threshold[reg[cap]],
                            residual)
        c.quantity_h100e[capped] = q
        c.value_usd_bn[capped] = usd_bn(q, c.price_usd_per_h100e_hour[capped],
                                        kernels.scheduled_months(c.duration_months[capped], c.ramp_months[capped]))
        np.add.at(r.caps, reg[cap], 1)
    approved = due[~block]
    c.status[approved] = APPROVED
    c.decided_step[due] = month
    log_reviews(state, ctx, due, value_before, after, after - before, np.where(block, "blocked", np.where(
        cap, "capped", "approved")))


def log_reviews(state: MarketState, ctx: StepContext, due, value_usd_bn, hhi_after, delta_hhi, outcomes) -> None:
    c, names = state.contracts, state.providers.name
    for row, value, after, delta, outcome in zip(due, value_usd_bn, hhi_after, delta_hhi, outcomes):
        buyer = state.labs.name[c.buyer_lab[row]] if c.buyer_lab[row] >= 0 else names[c.buyer_provider[row]]
        ctx.log.append((state.month, review_text(state.regulators.name[c.regulator[row]], buyer, names[c.seller[row]],
                                                 value, after, delta, outcome, c.value_usd_bn[row])))
