"""The page's components: functions of the model (and its chart frame). Those that change with each step (the
headline, each chart, the tables) read `version`, the page's redraw counter, and draw again when it changes; the
rest draw again only when their arguments change (a Reset: a new model).

Charts and tables are widgets made once and updated in place (`LiveWidget`; a chart's rows change inside the drawn
chart, `LiveVega`); each chart has a CSV of its data below it, and its own menu (top right) saves it as PNG or SVG.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import solara

from . import charts
from .agent_tables import AGENT_COLUMNS, agent_rows, headers
from .live_vega import LiveVega
from .network_view import network_frames, network_spec
from .tables import NumberTable

selected_lab = solara.reactive("OpenAI")


@solara.component
def LiveWidget(widget_factory, update, tick):
    """A widget created once (with its first value) and updated in place after later renders.

    Large values (chart specs, table rows) live only in the widget's traits: the widget itself is the child,
    not an element holding the values as arguments, which reacton would walk value by value on every redraw
    (that walk was most of a step's redraw). `tick` changes with each step (and each new model), so the
    component redraws and runs `update(widget)`. The first value goes in when the widget is made (an update
    sent before the browser has mounted the widget is lost); the first run of the effect then writes an equal
    value, which sends nothing.
    """
    widget = solara.use_memo(widget_factory, [])
    solara.use_effect(lambda: update(widget), [tick])
    solara.use_effect(lambda: widget.close, [])  # the widget goes with the component
    return solara.Div(children=[widget])


def tick(model):
    """Changes with every step and every new model: what makes a live widget redraw. The model itself, not its
    id: a new model may be given the id of the one it replaced."""
    return (model, model.month_index, len(model.ctx.log))


def Download(name: str, data, label: str = "CSV"):
    """A button that downloads `data()` (a DataFrame, made when clicked) as NAME.csv."""
    solara.FileDownload(lambda: data().to_csv(index=False), filename=f"{name}.csv", mime_type="text/csv",
                        children=[solara.Button(label, icon_name="mdi-download", text=True, small=True,
                                                classes=["cm-download"])])


@solara.component
def LiveChart(model, version, frame, spec, extra=()):
    """The chart `spec(model, frame)`, made once and redrawn in place whenever `version` (the page's redraw counter)
    changes: the only part of a chart's card drawn again after a step."""
    version.value  # reading it subscribes this component to every redraw
    return LiveWidget(lambda: LiveVega(spec=spec(model, frame)), lambda widget: widget.show(spec(model, frame)),
                      (*tick(model), *extra))


def series(model, columns) -> pd.DataFrame:
    ts = model.timeseries()
    return ts[["date", *[c for c in columns if c in ts.columns]]]


def prefixed(model, *prefixes: str) -> pd.DataFrame:
    ts = model.timeseries()
    return ts[["date", *[c for c in ts.columns if c.startswith(prefixes)]]]


def over_time(chart):
    """The spec of (model, frame) of a time chart `chart(timeseries columns, frame)`: the columns as arrays (0.4 ms
    at month 72), not the timeseries' DataFrame."""
    return lambda model, frame: chart(model.timeseries_columns(), frame)


# the Market tab's charts, in the page's order: css class -> (spec of (model, frame), CSV of (model)); made once at
# module level, so a card's arguments stay equal from step to step and only its LiveChart draws again
CHART_CARDS = {
    "cm-network": (lambda model, frame: network_spec(model.state),
                   lambda model: network_frames(model.state)[1].drop(columns=["x", "y", "x2", "y2"])),
    "cm-hhi": (over_time(charts.hhi_spec), lambda model: series(model, charts.HHI_SERIES)),
    "cm-contracted": (over_time(charts.contracted_spec),
                      lambda model: prefixed(model, "contracted_share[", "delivering_share[")),
    "cm-shares": (over_time(charts.shares_spec), lambda model: prefixed(model, "revenue_share[")),
    "cm-prices": (over_time(charts.prices_spec), lambda model: series(model, charts.PRICE_SERIES)),
    "cm-use": (over_time(charts.use_spec), lambda model: series(model, charts.USE_SERIES)),
}


@solara.component
def ChartCard(model, version, frame, css: str):
    """The chart CHART_CARDS[css] with the CSV of its data below it."""
    spec, data = CHART_CARDS[css]
    with solara.Column(gap="0px", classes=["cm-card", css]) as main:
        LiveChart(model, version, frame, spec)
        with solara.Row(justify="end"):
            Download(css.removeprefix("cm-"), lambda: data(model))
    return main


@solara.component
def SupplierMix(model, version, frame):
    """One frontier lab's suppliers month by month (the lab chosen above the chart)."""
    labs = [name for name, frontier in zip(model.state.labs.name, model.state.labs.frontier) if frontier]
    lab = selected_lab.value if selected_lab.value in labs else (labs[0] if labs else "")

    def spec(model, frame):  # equal from step to step (reacton compares a closure's values): only the chart redraws
        return charts.supplier_mix_spec(model.supply_columns(), lab, frame)

    with solara.Column(gap="0px", classes=["cm-card", "cm-supplier-mix"]) as main:
        solara.Select("Lab", values=labs, value=selected_lab, dense=True)
        LiveChart(model, version, frame, spec, (lab,))
        with solara.Row(justify="end"):
            Download(f"supplier-mix-{lab}", lambda: model.supply_table().query("lab_name == @lab"))
    return main


CONTRACT_COLUMNS = {"signed_month": ("signed", None), "buyer_name": ("buyer", None), "seller_name": ("seller", None),
                    "value_usd_bn": ("value $B", 1), "quantity_h100e": ("H100e", 0),
                    "price_usd_per_h100e_hour": ("$/H100e-hour", 2), "start_month": ("delivers from", None),
                    "duration_months": ("months", 0), "hardware_generation": ("chips", None),
                    "status": ("status", None), "origin": ("origin", None)}
ALL = "all"
# the contract table's filters: the session's, so they are kept while another tab is shown
contract_lab, contract_provider = solara.reactive(ALL), solara.reactive(ALL)


def contract_rows(model, lab: str = ALL, provider: str = ALL) -> list[dict]:
    """The table's rows: every market contract (in-house fleets left out), optionally one lab's or provider's."""
    frame = model.contract_table()
    frame = frame[~frame["captive"]].rename(columns={"proposed_month": "signed_month"})
    if lab != ALL:
        frame = frame[frame["buyer_name"] == lab]
    if provider != ALL:
        frame = frame[(frame["seller_name"] == provider) | (frame["buyer_name"] == provider)]
    return frame[["contract_id", *CONTRACT_COLUMNS]].to_dict("records")


def ContractTable(model):
    """Every market contract, largest first; sort by any column, filter by lab or provider, download as CSV."""
    labs, providers = [ALL, *model.state.labs.name], [ALL, *model.state.providers.name]
    lab = contract_lab.value if contract_lab.value in labs else ALL
    provider = contract_provider.value if contract_provider.value in providers else ALL
    rows = contract_rows(model, lab, provider)
    headers_ = [{"text": label, "value": column} for column, (label, _) in CONTRACT_COLUMNS.items()]
    decimals = {column: digits for column, (_, digits) in CONTRACT_COLUMNS.items() if digits is not None}

    def update(widget):
        widget.items = rows

    with solara.Column(classes=["cm-contracts"]) as main:
        with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text(f"{len(rows):,} contracts", style={"font-weight": "600"})
            solara.Select("Lab", values=labs, value=lab, on_value=contract_lab.set, dense=True,
                          classes=["cm-filter-lab"], style={"max-width": "220px"})
            solara.Select("Provider", values=providers, value=provider, on_value=contract_provider.set, dense=True,
                          classes=["cm-filter-provider"], style={"max-width": "220px"})
            Download("contracts", lambda: pd.DataFrame(rows))
        LiveWidget(lambda: NumberTable(headers=headers_, items=rows, decimals=decimals, item_key="contract_id",
                                       sort_by="value_usd_bn"), update, (*tick(model), lab, provider))
    return main


AGENT_TABLE_TITLES = {"provider": "Providers: capacity, power, prices, capex and finance this month",
                      "vendor": "Vendors: capacity, output, order book and inventory this month",
                      "lab": "Labs: demand, money and runway this month"}


def AgentTables(model):
    """This month's providers, vendors and labs, one sortable table each (viz/agent_tables.py)."""
    with solara.Column(classes=["cm-agents"]) as main:
        for kind, title in AGENT_TABLE_TITLES.items():
            rows = agent_rows(model, kind)
            decimals = {column: digits for column, _, digits in AGENT_COLUMNS[kind] if digits is not None}

            def update(widget, rows=rows):
                widget.items = rows

            def table(kind=kind, rows=rows, decimals=decimals):
                return NumberTable(headers=headers(kind), items=rows, decimals=decimals, item_key="name",
                                   sort_by="", per_page=15, table_class=f"cm-{kind}-table")

            with solara.Row(gap="12px", style={"align-items": "center"}):
                solara.Text(title, style={"font-weight": "600"})
                Download(f"{kind}s-{model.date}", lambda rows=rows: pd.DataFrame(rows))
            LiveWidget(table, update, tick(model))
    return main


def EventLog(model):
    """What happened, latest first, as plain text (never Markdown: a "$" is a dollar, not mathematics)."""
    log = model.event_log()
    with solara.Column(gap="2px", classes=["cm-events"]) as main:
        with solara.Row(gap="12px", style={"align-items": "center"}):
            solara.Text(f"Event log ({len(log):,} entries, latest first)", style={"font-weight": "600"})
            Download("event-log", lambda: log)
        if log.empty:
            solara.Text("Nothing yet: press Step.", style={"color": "#777"})
        with solara.Div(style={"max-height": "520px", "overflow-y": "auto"}):
            for row in log.iloc[::-1].head(80).itertuples():
                solara.Text(f"{row.date}  {row.event}", classes=["cm-event-line"],
                            style={"display": "block", "font-size": "0.9em"})
    return main


outage_provider = solara.reactive("Microsoft Azure")


def ShockControls(model, redraw):
    """An outage switch: take half of a provider's capacity offline until switched back."""
    p = model.state.providers
    names = list(p.name)
    provider = outage_provider.value if outage_provider.value in names else names[0]
    row = names.index(provider)
    on = bool(p.outage_share[row] > 0)

    def switch(value: bool) -> None:
        p.outage_share[row] = 0.5 if value else 0.0
        p.outage_months_left[row] = 10**6 if value else 0
        model.ctx.log.append((model.month_index + 1, f"{provider} outage switched {'on' if value else 'off'} "
                                                      f"(50% of capacity)"))
        redraw()

    with solara.Column(classes=["cm-shocks"]) as main:
        solara.Text("Shocks", style={"font-weight": "600"})
        solara.Select("Provider", values=names, value=outage_provider, dense=True)
        solara.Switch(label="Outage (50% of capacity)", value=on, on_value=switch, classes=["cm-outage"])
        risk = model.ctx.per_agent["provider"]["compute_at_risk_share"]
        order = np.argsort(-risk)[:3]
        solara.Text("Most compute at risk (share of all compute delivered to labs): "
                    + ", ".join(f"{names[i]} {risk[i]:.0%}" for i in order))
    return main
