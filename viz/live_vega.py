"""A Vega-Lite chart whose structure is drawn once and whose data then change in place (vue/live_vega.vue).

`show(spec)` with a spec of the same structure as the last one (the same template: only `datasets` and the
`params` values differ) sends each changed dataset's change: the rows added when the new rows are the old ones
and more (a month drawn on a time chart), all the rows otherwise; and the parameter values. Another structure
(a lab chosen for the supplier mix) draws the chart afresh. Solara's VegaLite rebuilds the whole chart from the
spec on every change, after a 100 ms wait: most of a step's redraw in the browser.
"""

from __future__ import annotations

import os
from collections import Counter

import traitlets
from solara.widgets import VegaLite


def structure(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key not in ("datasets", "params")}


def rows_added(before: list[dict], after: list[dict]) -> list[dict] | None:
    """The rows of `after` beyond those of `before`, in `after`'s order, when `after` holds every row of `before`
    (as many times); None when a row of `before` is gone or changed, or a value cannot be compared so."""
    try:
        left = Counter(tuple(row.items()) for row in before)
        added = []
        for row in after:
            key = tuple(row.items())
            if left[key]:
                left[key] -= 1
            else:
                added.append(row)
    except TypeError:  # a value that is a list or a dict
        return None
    return added if not any(left.values()) else None


def dataset_change(before: list[dict] | None, after: list[dict]) -> dict | None:
    """What the browser does to a dataset showing `before` to show `after`: {"insert": rows} when rows were only
    added, {"replace": after} otherwise; None when nothing changed."""
    if after == before:
        return None
    added = rows_added(before, after) if before is not None and len(after) > len(before) else None
    return {"insert": added} if added is not None else {"replace": after}


class LiveVega(VegaLite):
    template_file = os.path.join(os.path.dirname(__file__), "vue", "live_vega.vue")
    changes = traitlets.Dict().tag(sync=True)  # the last step's change of each dataset it changed, by name
    signals = traitlets.Dict().tag(sync=True)  # the parameters' values

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = dict(self.spec.get("datasets", {}))  # the rows shown now, by dataset name

    def show(self, spec: dict) -> None:
        """Draw `spec`: in place when its structure is the one drawn (sending only what changed in its
        datasets), afresh otherwise."""
        if structure(spec) != structure(self.spec):
            self.spec, self.changes, self.signals = spec, {}, {}
            self.rows = dict(spec.get("datasets", {}))
            return
        changes = {}
        for name, rows in spec.get("datasets", {}).items():
            change = dataset_change(self.rows.get(name), rows)
            if change is not None:
                changes[name] = change
            self.rows[name] = rows
        if changes and changes == self.changes:  # the same rows added again: traitlets sends only a new value
            self.changes = {}
        self.changes = changes
        self.signals = {p["name"]: p["value"] for p in spec.get("params", []) if "value" in p and "select" not in p}
