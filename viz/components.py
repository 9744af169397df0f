"""The page's components. Each is a function of the model that SolaraViz redraws after every step."""

from __future__ import annotations

import ipyvuetify
import numpy as np
import solara
from solara.widgets import VegaLite

from . import charts
from .agent_tables import agent_rows, headers
from .network_view import network_spec

selected_lab = solara.reactive("OpenAI")


def Headline(model):
    """Date, market HHI, largest provider share, idle capacity and breaches; refused inputs above them."""
    m = model.metrics
    cells = [("date", "Date", model.date),
             ("hhi", "Market HHI (contracted)", f"{m['provider_hhi_contracted']:,.0f}"),
             ("largest", "Largest provider share", f"{m['largest_provider_share_revenue']:.1%}"),
             ("idle", "Idle capacity", f"{m['idle_capacity_h100e'] / 1e3:,.0f}k H100e ({m['idle_share']:.1%})"),
             ("breaches", "Breaches", f"{m['breaches']}")]
    with solara.Column(classes=["cm-headline"]) as main:
        for problem in getattr(model, "input_problems", []):
            solara.Error(f"Refused: {problem}. The default was kept.", classes=["cm-input-error"])
        with solara.Row(gap="28px"):
            for key, label, value in cells:
                with solara.Column(gap="0px", classes=[f"cm-{key}"]):
                    solara.Text(label, style={"font-size": "0.8em", "color": "#666"})
                    solara.Text(value, style={"font-size": "1.35em", "font-weight": "600"},
                                classes=[f"cm-{key}-value"])
    return main


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
    """Changes with every step and every new model: what makes a live widget redraw."""
    return (id(model), model.month_index, len(model.ctx.log))


def live_vega(model, spec, css: str):
    """A Vega-Lite chart whose spec is `spec()`, redrawn in place after each step."""
    def update(widget):
        widget.spec = spec()
    with solara.Div(classes=[css]) as main:
        LiveWidget(lambda: VegaLite(spec=spec()), update, tick(model))
    return main


def NetworkView(model):
    return live_vega(model, lambda: network_spec(model.state), "cm-network")


def HHIChart(model):
    return live_vega(model, lambda: charts.hhi_spec(model.timeseries()), "cm-hhi")


def SharesChart(model):
    return live_vega(model, lambda: charts.shares_spec(model.timeseries()), "cm-shares")


def PricesChart(model):
    return live_vega(model, lambda: charts.prices_spec(model.timeseries()), "cm-prices")


def SupplierMix(model):
    labs = [name for name, frontier in zip(model.state.labs.name, model.state.labs.frontier) if frontier]
    lab = selected_lab.value if selected_lab.value in labs else (labs[0] if labs else "")

    def update(widget):
        widget.spec = charts.supplier_mix_spec(model.supply_table(), lab)

    with solara.Column(classes=["cm-supplier-mix"]) as main:
        solara.Select("Lab", values=labs, value=selected_lab)
        LiveWidget(lambda: VegaLite(spec=charts.supplier_mix_spec(model.supply_table(), lab)), update,
                   (*tick(model), lab))
    return main


CONTRACT_COLUMNS = {"buyer_name": "buyer", "seller_name": "seller", "value_usd_bn": "value $B",
                    "quantity_h100e": "H100e", "price_usd_per_h100e_hour": "$/h", "start_month": "start",
                    "duration_months": "months", "hardware_generation": "chips", "status": "status",
                    "origin": "origin"}


def ContractTable(model):
    """Every market contract (in-house fleets left out); click a column header to sort by it."""
    rows = contract_rows(model)
    headers = [{"text": label, "value": column} for column, label in CONTRACT_COLUMNS.items()]

    def update(widget):
        widget.items = rows

    def table():
        return ipyvuetify.DataTable(headers=headers, items=rows, item_key="contract_id", sort_by=["value_usd_bn"],
                                  sort_desc=[True], items_per_page=10, dense=True, multi_sort=False)

    with solara.Column(classes=["cm-contracts"]) as main:
        solara.Text(f"{len(rows)} contracts", style={"font-weight": "600"})
        LiveWidget(table, update, tick(model))
    return main


def contract_rows(model) -> list[dict]:
    """The table's rows: every market contract (in-house fleets left out), rounded for display."""
    frame = model.contract_table()
    frame = frame[~frame["captive"]][["contract_id", *CONTRACT_COLUMNS]].copy()
    frame["value_usd_bn"] = frame["value_usd_bn"].round(2)
    frame["quantity_h100e"] = frame["quantity_h100e"].round(0)
    frame["price_usd_per_h100e_hour"] = frame["price_usd_per_h100e_hour"].round(2)
    return frame.to_dict("records")


AGENT_TABLE_TITLES = {"provider": "Providers: capacity, power, prices, capex and finance this month",
                      "vendor": "Vendors: capacity, output, order book and inventory this month",
                      "lab": "Labs: demand, money and runway this month"}


def AgentTables(model):
    """This month's providers, vendors and labs, one sortable table each (viz/agent_tables.py)."""
    with solara.Column(classes=["cm-agents"]) as main:
        for kind, title in AGENT_TABLE_TITLES.items():
            rows = agent_rows(model, kind)

            def update(widget, rows=rows):
                widget.items = rows

            def table(kind=kind, rows=rows):
                return ipyvuetify.DataTable(headers=headers(kind), items=rows, item_key="name", items_per_page=15,
                                          dense=True, multi_sort=False, class_=f"cm-{kind}-table")

            solara.Text(title, style={"font-weight": "600"})
            LiveWidget(table, update, tick(model))
    return main


def EventLog(model):
    """What happened, latest first, in plain words."""
    log = model.event_log()
    lines = [f"**{row.date}** {row.event}" for row in log.iloc[::-1].head(25).itertuples()]
    with solara.Column(classes=["cm-events"]) as main:
        solara.Text("Event log", style={"font-weight": "600"})
        solara.Markdown("\n\n".join(lines) if lines else "_nothing yet: press step_")
    return main


outage_provider = solara.reactive("Microsoft Azure")


def ShockControls(model):
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

    with solara.Column(classes=["cm-shocks"]) as main:
        solara.Text("Shocks", style={"font-weight": "600"})
        solara.Select("Provider", values=names, value=outage_provider)
        solara.Switch(label="Outage (50% of capacity)", value=on, on_value=switch, classes=["cm-outage"])
        risk = model.ctx.per_agent["provider"]["compute_at_risk_share"]
        order = np.argsort(-risk)[:3]
        solara.Text("Most compute at risk: " + ", ".join(f"{names[i]} {risk[i]:.0%}" for i in order))
    return main
