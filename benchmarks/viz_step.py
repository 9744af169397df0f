"""How long one step takes in the Solara view: model.step() plus every component of the page redrawn.

Renders the page without a browser (solara.render, as the component tests do), then times `step` +
`force_update` (which redraws all components, as the page's Step button does) and prints the median and the
90th percentile. Browser-side drawing (Vega in the page) is not included. Target: at most 300 ms.

    .venv/bin/python benchmarks/viz_step.py [--scenario baseline] [--steps 36]
"""

from __future__ import annotations

import argparse
import statistics
import time

import solara
from mesa.visualization.utils import force_update, update_counter

from viz.app import COMPONENTS, make_page


@solara.component
def OtherPages(model):
    """The components of the tabs SolaraViz is not showing, so every component is redrawn each step."""
    update_counter.get()
    with solara.Column() as main:
        for component, page in COMPONENTS:
            if page != 0:
                component(model)
    return main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--steps", type=int, default=36)
    parser.add_argument("--seed", default="42")
    args = parser.parse_args()
    page = make_page(args.scenario, args.seed)
    solara.render(page, handle_error=False)
    model = page.args[0]
    solara.render(OtherPages(model), handle_error=False)
    times_ms = []
    for _ in range(args.steps):
        started = time.perf_counter()
        model.step()
        force_update()
        times_ms.append(1000 * (time.perf_counter() - started))
    ordered = sorted(times_ms)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(f"view step ({args.scenario}, {args.steps} steps, every component redrawn): "
          f"median {statistics.median(times_ms):.0f} ms, p90 {p90:.0f} ms, max {max(times_ms):.0f} ms "
          f"(target <= 300 ms)")


if __name__ == "__main__":
    main()
