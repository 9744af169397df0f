"""Vega-Lite specs of the page's charts (pure functions of the model's records).

Every chart stands alone: a title that says what it measures, a subtitle with the definition and the units, the
run's whole horizon on the time axis (with years), one colour per provider on every chart, points so a line of one
month shows, and a marker at each scripted deal and shock (labelled for the large ones, every one on hover).

Each chart's structure is built once per run frame with Altair over *named* datasets (cached); a redraw only puts
this step's rows into the spec's `datasets`, far cheaper than rebuilding the Altair objects. Validation is skipped
on redraws; the tests validate each spec once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd

from model.units import month_to_index

HEIGHT = 200
KIND_COLOURS = {"vendor": "#7b3294", "provider": "#1f78b4", "lab": "#e66101", "labs (grouped)": "#fdb863",
                "regulator": "#4d4d4d", "investor": "#1b9e77"}
# one colour per provider on every chart: the large ones in their own colours, the rest from a palette by row
BRAND_COLOURS = {"AWS": "#ff9900", "Microsoft Azure": "#0078d4", "Google Cloud": "#34a853", "Oracle": "#c74634",
                 "CoreWeave": "#6a3d9a", "Meta Infrastructure": "#1877f2", "Nebius": "#b15928"}
PALETTE = ["#17becf", "#e377c2", "#8c564b", "#bcbd22", "#7f7f7f", "#9edae5", "#f7b6d2", "#c49c94", "#dbdb8d",
           "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5"]
HHI_BANDS = (1000, 1800)  # US 2023 Merger Guidelines: unconcentrated < 1,000 < moderately < 1,800 < highly
BANDS = pd.DataFrame({"low": [0, HHI_BANDS[0], HHI_BANDS[1]], "high": [HHI_BANDS[0], HHI_BANDS[1], 10_000],
                      "band": ["unconcentrated", "moderately concentrated", "highly concentrated"]})
LABELLED_DEAL_USD_BN = 20.0  # scripted deals at least this large are lettered on the charts; all show on hover
EMBED = {"embedOptions": {"renderer": "svg",  # crisp when saved, and its marks can be counted in tests
                          "actions": {"export": True, "source": False, "compiled": False, "editor": False}}}


@dataclass(frozen=True)
class Frame:
    """What every chart of one run shares: its providers (for the colours), its months and its scripted events."""
    providers: tuple[str, ...]
    first: str  # "YYYY-MM", the start state's month
    last: str   # "YYYY-MM", the horizon's
    markers: tuple[tuple[str, str, bool], ...] = ()  # (month, label, labelled on the chart)

    @property
    def months(self) -> int:
        return month_to_index(self.first, self.last)

    def colour(self, name: str) -> str:
        if name in BRAND_COLOURS:
            return BRAND_COLOURS[name]
        others = [p for p in self.providers if p not in BRAND_COLOURS]
        return PALETTE[others.index(name) % len(PALETTE)] if name in others else "#999999"

    def colour_scale(self) -> alt.Scale:
        return alt.Scale(domain=list(self.providers), range=[self.colour(p) for p in self.providers])


def instant(month: str) -> str:
    """A month as a local date-time Vega parses the same in every time zone (no trailing Z: local midnight)."""
    return f"{month}-01T00:00:00"


def time_axis(frame: Frame) -> alt.X:
    short = frame.months <= 24
    axis = alt.Axis(format="%b %Y" if short else "%Y", labelAngle=0, grid=False,
                    tickCount={"interval": "month", "step": 3} if short else {"interval": "year", "step": 1})
    return alt.X("date:T", title=None, axis=axis, scale=alt.Scale(domain=[instant(frame.first), instant(frame.last)]))


def titled(text: str, subtitle: str) -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=subtitle, anchor="start", fontSize=13, subtitleFontSize=10,
                           subtitleColor="#555")


def marker_layers(frame: Frame) -> list[alt.Chart]:
    """A dashed rule at each scripted event (hover: what it was), and at the top the letters of the large ones (the
    page lists them: `marker_key`), one label per month ("D E F")."""
    rules = alt.Chart(alt.NamedData("markers")).mark_rule(color="#777", strokeDash=[2, 3], opacity=0.6).encode(
        x=time_axis(frame), tooltip=[alt.Tooltip("month:N", title="month"), alt.Tooltip("label:N", title="event")])
    letters = alt.Chart(alt.NamedData("markers")).transform_filter("datum.letters != ''").mark_text(
        baseline="top", align="left", dx=2, dy=2, fontSize=10, fontWeight="bold", color="#333").encode(
        x=time_axis(frame), y=alt.value(0), text="letters:N")
    return [rules, letters]


def marker_rows(frame: Frame) -> list[dict]:
    """The markers' rows: each labelled one gets a letter (A, B, ...); the first of a month carries the month's
    letters ("D E F"), drawn once."""
    rows, first_of_month = [], {}
    for month, label, labelled in frame.markers:
        row = {"date": instant(month), "month": month, "label": label, "letter": "", "letters": ""}
        if labelled:
            row["letter"] = chr(ord("A") + sum(1 for r in rows if r["letter"]) % 26)
            first = first_of_month.setdefault(month, row)
            first["letters"] = (first["letters"] + " " + row["letter"]).strip()
        rows.append(row)
    return rows


def marker_key(frame: Frame) -> str:
    """The letters' key, one line: "A 2025-07 OpenAI–Oracle $300B · B ..." (empty without labelled events)."""
    return " · ".join(f"{r['letter']} {r['month']} {r['label']}" for r in marker_rows(frame) if r["letter"])


def finish(chart, frame: Frame, datasets: dict | None = None) -> dict:
    """The chart's spec as wide as its box, with the embed menu (PNG, SVG) and the frame's event markers."""
    spec = chart.properties(width="container").to_dict(validate=False)
    spec["usermeta"] = EMBED
    spec["datasets"] = {"markers": marker_rows(frame), **(datasets or {})}
    return spec


def time_lines(dataset: str, frame: Frame, title: str, subtitle, **encodings) -> dict:
    """A time chart of one line a series (points on it, so one month shows) over the named `dataset`, with the
    frame's event marks: the shape of every line chart of the page."""
    lines = alt.Chart(alt.NamedData(dataset)).mark_line(point=alt.OverlayMarkDef(size=14)).encode(
        x=time_axis(frame), **encodings)
    chart = alt.layer(lines, *marker_layers(frame), title=titled(title, subtitle))
    return finish(chart.properties(height=HEIGHT), frame)


SHARE_AXIS = alt.Y("value:Q", title="share (%)", axis=alt.Axis(format=".0%"))


def provider_colours(frame: Frame) -> alt.Color:
    return alt.Color("series:N", title="provider", scale=frame.colour_scale(),
                     legend=alt.Legend(orient="right", labelLimit=120))


def with_data(template: dict, **frames: pd.DataFrame | list[dict]) -> dict:
    """The template with this step's rows (a frame, or its records already) as its named datasets."""
    spec = dict(template)
    spec["datasets"] = {**template.get("datasets", {}), **{
        name: frame if isinstance(frame, list) else frame.to_dict("records") for name, frame in frames.items()}}
    return spec


def long(ts, columns: dict[str, str], **constants) -> list[dict]:
    """The columns of the timeseries (a DataFrame, or its columns as arrays: `ComputeMarket.timeseries_columns()`)
    as (date, month, series, value) records, named by `columns`: series by series, month by month, months without
    a value left out (what pandas' melt, dropna and to_dict give, at a tenth of the cost: the page builds six of
    these each step)."""
    if not columns:
        return []
    months = np.asarray(ts["date"], dtype=object)
    values = np.concatenate([np.asarray(ts[c]) for c in columns])  # series after series
    kept = ~pd.isna(values)
    month = np.tile(months, len(columns))[kept].tolist()
    series = np.repeat(np.array(list(columns.values()), dtype=object), len(months))[kept].tolist()
    return [{"date": instant(m), "month": m, "series": name, "value": value, **constants}
            for m, name, value in zip(month, series, values[kept].tolist())]


def named_columns(ts, prefix: str, top: int) -> dict[str, str]:
    """{column: provider} of the `top` providers by the last month's value of `prefix[...]` columns (largest first,
    ties in column order, a missing value last)."""
    columns = [c for c in ts if c.startswith(prefix + "[")]
    last = {c: float(np.asarray(ts[c])[-1]) for c in columns}
    ranked = sorted(columns, key=lambda c: -np.inf if np.isnan(last[c]) else last[c], reverse=True)
    return {c: c[len(prefix) + 1:-1] for c in ranked[:top]}


# --- concentration ---------------------------------------------------------------------------------------------

HHI_SERIES = {"provider_hhi_contracted": "signed contracts in force", "provider_hhi_delivering": "contracts delivering",
              "provider_hhi_revenue": "cloud revenue"}


@lru_cache(maxsize=32)
def template_hhi(frame: Frame) -> dict:
    top = alt.param(name="hhi_top", value=2500)
    y = alt.Scale(domain=alt.ExprRef("[0, hhi_top]"), clamp=True)
    shade = alt.Chart(alt.NamedData("bands")).mark_rect(opacity=0.12, clip=True).encode(
        y=alt.Y("low:Q", scale=y, title="HHI (0-10,000)"), y2="high:Q",
        color=alt.Color("band:N", scale=alt.Scale(domain=list(BANDS["band"]), range=["#1a9850", "#fee08b", "#d73027"]),
                        legend=None), tooltip=["band:N"])
    lines = alt.Chart(alt.NamedData("hhi")).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=time_axis(frame), y=alt.Y("value:Q", scale=y),
        color=alt.Color("series:N", title="HHI of", sort=list(HHI_SERIES.values()),
                        scale=alt.Scale(domain=list(HHI_SERIES.values()), range=["#08519c", "#6baed6", "#888888"]),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        strokeDash=alt.StrokeDash("series:N", legend=None, sort=list(HHI_SERIES.values()),
                                  scale=alt.Scale(domain=list(HHI_SERIES.values()), range=[[1, 0], [5, 3], [2, 2]])),
        tooltip=["month:N", "series:N", alt.Tooltip("value:Q", format=",.0f", title="HHI")])
    chart = alt.layer(shade, lines, *marker_layers(frame), title=titled(
        "Market concentration (HHI)",
        ["Sum of squared provider shares, 0-10,000: of AI capacity under signed contracts (counted from signing), "
         "of what contracts", "deliver this month, and of cloud revenue. Shaded: US 2023 Merger Guidelines bands "
         "(1,000 and 1,800)."]))
    chart = chart.add_params(top).resolve_scale(color="independent", strokeDash="independent").properties(
        height=HEIGHT)
    return finish(chart, frame, {"bands": BANDS.to_dict("records")})


def hhi_spec(ts, frame: Frame) -> dict:
    """Market HHI (signed contracts, delivering contracts, cloud revenue) with the guideline bands."""
    data = long(ts, {c: label for c, label in HHI_SERIES.items() if c in ts})
    spec = with_data(template_hhi(frame), hhi=data)
    top = max(max((row["value"] for row in data), default=0.0), 2500.0) * 1.05
    spec["params"] = [{**param, "value": round(top)} if param["name"] == "hhi_top" else param
                      for param in spec["params"]]
    return spec


@lru_cache(maxsize=32)
def template_contracted(frame: Frame) -> dict:
    return time_lines(
        "shares", frame, "Shares of contracted AI capacity, by provider (%)",
        ["Solid: the capacity of signed contracts in force (what the HHI above counts and regulators screen); "
         "dashed: what they deliver", "this month. A deal signed for later delivery moves the solid line at once, "
         "the dashed one when it delivers."],
        y=SHARE_AXIS, color=provider_colours(frame), detail="basis:N",
        strokeDash=alt.StrokeDash("basis:N", title="counted", scale=alt.Scale(
            domain=["signed", "delivering"], range=[[1, 0], [5, 3]]), legend=alt.Legend(orient="right")),
        tooltip=["month:N", alt.Tooltip("series:N", title="provider"), alt.Tooltip("basis:N", title="counted"),
                 alt.Tooltip("value:Q", format=".1%", title="share")])


def contracted_spec(ts, frame: Frame, top: int = 6) -> dict:
    """Each large provider's share of contracted AI capacity: signed (solid) and delivering (dashed)."""
    signed = named_columns(ts, "contracted_share", top)
    delivering = {f"delivering_share[{name}]": name for name in signed.values()
                  if f"delivering_share[{name}]" in ts}
    data = long(ts, signed, basis="signed") + long(ts, delivering, basis="delivering")
    return with_data(template_contracted(frame), shares=data)


@lru_cache(maxsize=32)
def template_shares(frame: Frame) -> dict:
    return time_lines(
        "shares", frame, "Cloud revenue share, by provider (%)",
        "Each provider's cloud revenue this month (AI contracts, spot sales and its other cloud business) over "
        "the market's.", y=SHARE_AXIS, color=provider_colours(frame),
        tooltip=["month:N", alt.Tooltip("series:N", title="provider"),
                 alt.Tooltip("value:Q", format=".1%", title="share")])


def shares_spec(ts, frame: Frame, top: int = 6) -> dict:
    """Cloud revenue shares of the largest providers over time."""
    return with_data(template_shares(frame), shares=long(ts, named_columns(ts, "revenue_share", top)))


# --- prices ----------------------------------------------------------------------------------------------------

PRICE_SERIES = {"committed_price_usd_per_h100e_hour": "committed (contracts in force)",
                "list_price_hyperscaler_usd_per_h100e_hour": "on-demand list, hyperscalers",
                "list_price_neocloud_usd_per_h100e_hour": "on-demand list, neoclouds",
                "spot_price_usd_per_h100e_hour": "spot"}
USE_SERIES = {"utilisation": "utilisation", "idle_share": "idle share"}


@lru_cache(maxsize=32)
def template_prices(frame: Frame) -> dict:
    return time_lines(
        "prices", frame, "Prices of AI compute ($ per H100e-hour)",
        "Committed: quantity-weighted price of contracts in force; list: capacity-weighted on-demand prices; "
        "spot: the month's clearing price.", y=alt.Y("value:Q", title="$ per H100e-hour"),
        color=alt.Color("series:N", title="price", sort=list(PRICE_SERIES.values()),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=220)),
        tooltip=["month:N", "series:N", alt.Tooltip("value:Q", format="$.2f", title="$/H100e-hour")])


def prices_spec(ts, frame: Frame) -> dict:
    """Committed, list and spot prices ($/H100e-hour)."""
    return with_data(template_prices(frame), prices=long(ts, PRICE_SERIES))


@lru_cache(maxsize=32)
def template_use(frame: Frame) -> dict:
    return time_lines(
        "use", frame, "Utilisation and idle capacity (%)",
        "Utilisation: capacity delivered over installed; idle: sellers' capacity nobody uses this month, over "
        "theirs.", y=alt.Y("value:Q", title="share of capacity (%)", axis=alt.Axis(format=".0%")),
        color=alt.Color("series:N", title="capacity", legend=alt.Legend(orient="bottom")),
        tooltip=["month:N", "series:N", alt.Tooltip("value:Q", format=".1%", title="share")])


def use_spec(ts, frame: Frame) -> dict:
    """Utilisation and idle share of capacity."""
    return with_data(template_use(frame), use=long(ts, USE_SERIES))


# --- a lab's suppliers -----------------------------------------------------------------------------------------

@lru_cache(maxsize=32)
def template_supplier_mix(frame: Frame) -> dict:
    area = alt.Chart(alt.NamedData("supply")).mark_area(opacity=0.85).encode(
        x=time_axis(frame), y=alt.Y("delivered_h100e:Q", title="H100e delivered", stack="zero",
                                    axis=alt.Axis(format="~s")),
        color=alt.Color("provider_name:N", title="provider", scale=frame.colour_scale(),
                        legend=alt.Legend(orient="right", labelLimit=120)),
        tooltip=["month:N", alt.Tooltip("provider_name:N", title="provider"),
                 alt.Tooltip("delivered_h100e:Q", format=",.0f", title="H100e")])
    chart = alt.layer(area, *marker_layers(frame), title=titled(
        "Compute delivered to a lab, by provider (H100e)", "Each month's deliveries under the lab's contracts, "
        "stacked by provider (H100-equivalents)."))
    return finish(chart.properties(height=HEIGHT), frame)


def supplier_mix_spec(supply, lab: str, frame: Frame) -> dict:
    """A lab's compute by provider each month (delivered H100e), stacked; `supply` is the supply table (a
    DataFrame, or its columns as arrays: `ComputeMarket.supply_columns()`)."""
    of_lab = np.asarray(supply["lab_name"], dtype=object) == lab
    months, providers, delivered = (np.asarray(supply[c])[of_lab].tolist()
                                    for c in ("date", "provider_name", "delivered_h100e"))
    rows = [{"date": instant(month), "month": month, "provider_name": provider, "delivered_h100e": value}
            for month, provider, value in zip(months, providers, delivered)]
    spec = with_data(template_supplier_mix(frame), supply=rows)
    spec["title"] = {**spec["title"], "text": f"Compute delivered to {lab}, by provider (H100e)"}
    return spec
