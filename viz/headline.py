"""The headline over the tabs: this month's figures, each naming what it is measured on, with a note on hover.

One widget for the six cells (`HeadlineCells`, a Vuetify template): a step changes one of its traits and sends
one message, where a cell of Solara's components each (a tooltip, a column, two texts) sent one per cell and
made reacton walk some 48 elements every step.
"""

from __future__ import annotations

import ipyvuetify as v
import numpy as np
import solara
import traitlets

from model.state import PROVIDER_KINDS

TEMPLATE = """
<template>
  <div class="cm-headline d-flex" style="flex-wrap: wrap; column-gap: 28px">
    <v-tooltip v-for="cell in cells" :key="cell.key" bottom>
      <template v-slot:activator="{ on }">
        <div v-on="on" :class="'d-flex cm-cell-' + cell.key" style="flex-direction: column">
          <span style="font-size: 0.8em; color: #555">{{ cell.label }}</span>
          <span :class="'cm-' + cell.key + '-value'" style="font-size: 1.3em; font-weight: 600">{{ cell.value }}</span>
        </div>
      </template>
      <span>{{ cell.note }}</span>
    </v-tooltip>
  </div>
</template>
"""


class HeadlineCells(v.VuetifyTemplate):
    """`cells`: [{"key": css key, "label": what it is measured on, "value": shown, "note": shown on hover}]."""
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    cells = traitlets.List().tag(sync=True)


def largest_provider(model) -> tuple[str, float]:
    """(name, share) of the firm with the largest share of cloud revenue this month ("Other clouds", the many
    small providers together, is no firm)."""
    p = model.state.providers
    shares = np.where(p.kind == PROVIDER_KINDS.index("other"), 0.0, model.ctx.per_agent["provider"]["revenue_share"])
    row = int(np.argmax(shares))
    return p.name[row], float(shares[row])


def headline_cells(model) -> list[dict]:
    """The headline's cells ({"key", "label", "value", "note"}: css key, label naming its basis, value, hover note)."""
    m = model.metrics
    name, share = largest_provider(model)
    cells = [
        ("date", "Date", model.date, "the month just simulated"),
        ("hhi", "HHI, signed contracts", f"{m['provider_hhi_contracted']:,.0f}",
         "of AI capacity under signed contracts in force, counted from signing (what regulators screen)"),
        ("hhi-delivering", "HHI, contracts delivering", f"{m['provider_hhi_delivering']:,.0f}",
         "of what the market's contracts deliver this month"),
        ("largest", "Largest by cloud revenue", f"{name} {share:.1%}",
         "share of the month's cloud revenue"),
        ("idle", "Idle capacity", f"{m['idle_capacity_h100e'] / 1e3:,.0f}k H100e ({m['idle_share']:.1%})",
         "sellers' capacity nobody uses this month, and its share of their capacity"),
        ("breaches", "Breaches (to date)", f"{m['breaches']:,}", "contracts a lab could not pay"),
    ]
    return [dict(zip(("key", "label", "value", "note"), cell)) for cell in cells]


@solara.component
def Headline(model, version):
    """The headline of `model`, drawn again at each redraw (it reads `version`, the page's redraw counter)."""
    version.value  # reading it subscribes the headline to every redraw
    return HeadlineCells.element(cells=headline_cells(model))
