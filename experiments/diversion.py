"""Diversion ratios measured from the agents (issue #15): raise one provider's contract price by a small step in
one month, on common random numbers, and see where the labs' new contracts go.

D[j -> k] = (what k signs with the price raised - what k signs without) / (what j loses), in H100e of the
month's new contracts. Under the labs' logit choice with room everywhere this is the closed form s_k / (1 - s_j)
of the month's shares; where a provider is full, or a lab's request shrinks with its quote, the agents give
something else (diversion to full providers is lost, some demand leaves the market), which is what these numbers
are for. Across seeds (and months) they come as a median and 5-95% band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_LOST_H100E = 1.0  # below this the provider lost nothing that a ratio can be taken over


def new_contracts(model, month: int) -> pd.Series:
    """H100e of the contracts proposed in `month` (an index), by seller."""
    c = model.contract_table()
    return c[c["proposed_step"] == month].groupby("seller_name")["quantity_h100e"].sum()


def measured_diversion(make_model, provider: str, month: int, step: float = 0.05) -> pd.Series:
    """{other provider: D[provider -> it]} in `month`: `make_model()` is called twice and must give the same run
    (the same seed); in the second, `provider`'s contract and list prices are `step` higher in that month's
    negotiation."""
    signed = []
    for raised in (False, True):
        model = make_model()
        row = model.state.providers.name.index(provider)

        def raise_price(m, row=row):
            if m.state.month == month:
                m.state.providers.contract_price_usd_per_h100e_hour[row] *= 1.0 + step
                m.state.providers.list_price_usd_per_h100e_hour[row] *= 1.0 + step

        if raised:
            model.add_hook("before", "negotiation", raise_price)
        while model.state.month < month:
            model.step()
        signed.append(new_contracts(model, month))
    names = list(model.state.providers.name)
    base, raised_ = (s.reindex(names, fill_value=0.0) for s in signed)
    lost = base[provider] - raised_[provider]
    if lost < MIN_LOST_H100E:  # no loss, or rounding: a ratio over it would be noise
        return pd.Series(np.nan, index=[n for n in names if n != provider])
    return ((raised_ - base) / lost).drop(provider)


def diversion_bands(make_model_for_seed, provider: str, months, seeds, step: float = 0.05) -> pd.DataFrame:
    """Per destination: the median and 5-95% band of D[provider -> it] over seeds and months (NaN where the
    provider signed nothing that month)."""
    samples = [measured_diversion(lambda seed=seed: make_model_for_seed(seed), provider, month, step)
               .rename((seed, month)) for seed in seeds for month in months]
    frame = pd.concat(samples, axis=1)
    return pd.DataFrame({"to": frame.index, "p05": frame.quantile(0.05, axis=1), "p50": frame.median(axis=1),
                         "p95": frame.quantile(0.95, axis=1), "samples": frame.notna().sum(axis=1)}
                        ).reset_index(drop=True)
