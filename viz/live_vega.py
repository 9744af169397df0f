"""A Vega-Lite chart whose structure is drawn once and whose data then change in place (vue/live_vega.vue).

`show(spec)` with a spec of the same structure as the last one (the same template: only `datasets` and the
`params` values differ) sends just the rows and the parameter values; another structure (a lab chosen for the
supplier mix) draws the chart afresh. Solara's VegaLite rebuilds the whole chart from the spec on every change,
after a 100 ms wait: most of a step's redraw in the browser.
"""

from __future__ import annotations

import os

import traitlets
from solara.widgets import VegaLite


def structure(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key not in ("datasets", "params")}


class LiveVega(VegaLite):
    template_file = os.path.join(os.path.dirname(__file__), "vue", "live_vega.vue")
    datasets = traitlets.Dict().tag(sync=True)  # the datasets the last step changed, by name
    signals = traitlets.Dict().tag(sync=True)  # the parameters' values

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = dict(self.spec.get("datasets", {}))  # the rows shown now, by dataset name

    def show(self, spec: dict) -> None:
        """Draw `spec`: in place when its structure is the one drawn (sending only the datasets that changed),
        afresh otherwise."""
        if structure(spec) != structure(self.spec):
            self.spec, self.datasets, self.signals = spec, {}, {}
            self.rows = dict(spec.get("datasets", {}))
            return
        changed = {name: rows for name, rows in spec.get("datasets", {}).items() if rows != self.rows.get(name)}
        self.rows.update(changed)
        self.datasets = changed
        self.signals = {p["name"]: p["value"] for p in spec.get("params", []) if "value" in p and "select" not in p}
