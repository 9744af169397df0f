"""Vega-Lite specs of the view's charts (pure functions of the model's records).

Each chart's structure is built once with Altair over *named* datasets (`template_*`, cached); every redraw
only puts this step's rows into the spec's `datasets`, which is far cheaper than rebuilding the Altair
objects. Validation is skipped on redraws; the tests validate each spec once.
"""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd

WIDTH, HEIGHT = 360, 190
KIND_COLOURS = {"vendor": "#7b3294", "provider": "#1f78b4", "lab": "#e66101", "regulator": "#4d4d4d",
                "investor": "#1b9e77", "labs (grouped)": "#fdb863"}
HHI_BANDS = (1000, 1800)  # US guideline bands: unconcentrated < 1,000 < moderately < 1,800 < highly
BANDS = pd.DataFrame({"low": [0, HHI_BANDS[0], HHI_BANDS[1]], "high": [HHI_BANDS[0], HHI_BANDS[1], 10_000],
                      "band": ["unconcentrated", "moderately concentrated", "highly concentrated"]})


def with_data(template: dict, **frames: pd.DataFrame) -> dict:
    """The template with this step's rows as its named datasets."""
    spec = dict(template)
    spec["datasets"] = {**template.get("datasets", {}), **{name: frame.to_dict("records")
                                                          for name, frame in frames.items()}}
    return spec


def _long(ts: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    frame = ts[["date", *columns]].rename(columns=columns)
    return frame.melt("date", var_name="series", value_name="value").dropna()


@cache
def template_shares() -> dict:
    chart = alt.Chart(alt.NamedData("shares"), title="Cloud revenue share").mark_line().encode(
        x=alt.X("date:T", title=None), y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title="provider"),
        tooltip=["date:T", "series:N", alt.Tooltip("value:Q", format=".1%")])
    return chart.properties(width=WIDTH, height=HEIGHT).to_dict(validate=False)


def shares_spec(ts: pd.DataFrame, top: int = 6) -> dict:
    """Cloud revenue shares of the largest providers over time."""
    share_columns = [c for c in ts.columns if c.startswith("revenue_share[")]
    last = ts[share_columns].iloc[-1].sort_values(ascending=False)
    columns = {c: c[len("revenue_share["):-1] for c in last.index[:top]}
    return with_data(template_shares(), shares=_long(ts, columns))


@cache
def template_hhi() -> dict:
    top = alt.param(name="hhi_top", value=2500)
    y_scale = alt.Scale(domain=alt.ExprRef("[0, hhi_top]"), clamp=True)
    shade = alt.Chart(alt.NamedData("bands")).mark_rect(opacity=0.12, clip=True).encode(
        y=alt.Y("low:Q", scale=y_scale, title="HHI"), y2="high:Q",
        color=alt.Color("band:N", scale=alt.Scale(domain=list(BANDS["band"]), range=["#1a9850", "#fee08b", "#d73027"]),
                        legend=None),
        tooltip=["band:N"])
    rules = alt.Chart(alt.NamedData("rules")).mark_rule(strokeDash=[4, 3], color="#555").encode(y="y:Q")
    lines = alt.Chart(alt.NamedData("hhi")).mark_line().encode(
        x=alt.X("date:T", title=None), y=alt.Y("value:Q", scale=y_scale), color=alt.Color("series:N", title="HHI by"),
        tooltip=["date:T", "series:N", alt.Tooltip("value:Q", format=",.0f")])
    chart = alt.layer(shade, rules, lines, title="Market concentration (HHI; bands at 1,000 and 1,800)")
    chart = chart.add_params(top).resolve_scale(color="independent").properties(width=WIDTH, height=HEIGHT)
    spec = chart.to_dict(validate=False)
    spec["datasets"] = {"bands": BANDS.to_dict("records"), "rules": [{"y": y} for y in HHI_BANDS]}
    return spec


def hhi_spec(ts: pd.DataFrame) -> dict:
    """Market HHI (contracted AI capacity and cloud revenue) with the US guideline bands."""
    data = _long(ts, {"provider_hhi_contracted": "contracted AI capacity", "provider_hhi_revenue": "cloud revenue"})
    spec = with_data(template_hhi(), hhi=data)
    top = max(float(data["value"].max()) if len(data) else 0.0, 2500.0) * 1.05
    spec["params"] = [{**param, "value": round(top)} if param["name"] == "hhi_top" else param
                      for param in spec["params"]]
    return spec


@cache
def template_prices() -> dict:
    top = alt.Chart(alt.NamedData("prices"), title="Prices, $ per H100e-hour").mark_line().encode(
        x=alt.X("date:T", title=None), y=alt.Y("value:Q", title="$/h"), color=alt.Color("series:N", title="price"),
        tooltip=["date:T", "series:N", alt.Tooltip("value:Q", format="$.2f")]).properties(width=WIDTH, height=HEIGHT)
    bottom = alt.Chart(alt.NamedData("use"), title="Utilisation and idle capacity").mark_line().encode(
        x=alt.X("date:T", title=None), y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title="capacity"),
        tooltip=["date:T", "series:N", alt.Tooltip("value:Q", format=".1%")]).properties(width=WIDTH, height=110)
    return alt.vconcat(top, bottom).resolve_scale(color="independent").to_dict(validate=False)


def prices_spec(ts: pd.DataFrame) -> dict:
    """Committed, list and spot prices ($/H100e-hour) above utilisation and idle share."""
    prices = _long(ts, {"committed_price_usd_per_h100e_hour": "committed (in force)",
                        "list_price_hyperscaler_usd_per_h100e_hour": "list, hyperscalers",
                        "list_price_neocloud_usd_per_h100e_hour": "list, neoclouds",
                        "spot_price_usd_per_h100e_hour": "spot"})
    use = _long(ts, {"utilisation": "utilisation", "idle_share": "idle share"})
    return with_data(template_prices(), prices=prices, use=use)


@cache
def template_supplier_mix() -> dict:
    chart = alt.Chart(alt.NamedData("supply")).mark_area().encode(
        x=alt.X("date:T", title=None), y=alt.Y("delivered_h100e:Q", title="H100e", stack="zero"),
        color=alt.Color("provider_name:N", title="provider"),
        tooltip=["date:T", "provider_name:N", alt.Tooltip("delivered_h100e:Q", format=",.0f")])
    return chart.properties(width=WIDTH, height=HEIGHT, title="supplier mix").to_dict(validate=False)


def supplier_mix_spec(supply: pd.DataFrame, lab: str) -> dict:
    """A lab's compute by provider each month (delivered H100e), stacked."""
    data = supply[supply["lab_name"] == lab][["date", "provider_name", "delivered_h100e"]]
    spec = with_data(template_supplier_mix(), supply=data)
    spec["title"] = f"{lab}: compute delivered by provider (H100e)"
    return spec
