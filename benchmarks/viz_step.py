"""How long one step takes on the server for the page: Session.step() plus the page redrawn (the Step button).

Renders the page without a browser (solara.render, as the component tests do) and times the Step button's click
(the model's step, then every component of the shown tab redrawn and its charts' changed rows produced). Drawing in
the browser is not included: `benchmarks/page_speed.py` measures that from the browser.

    .venv/bin/python benchmarks/viz_step.py [--scenario baseline] [--steps 36]
"""

from __future__ import annotations

import argparse
import statistics
import time

import ipyvuetify as v
import solara

from viz.app import MarketPage
from viz.session import Inputs, Session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--steps", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    session = Session(Inputs(scenario=args.scenario, seed=args.seed))
    _, rc = solara.render(MarketPage(session), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    times_ms = []
    for _ in range(args.steps):
        started = time.perf_counter()
        step.click()
        times_ms.append(1000 * (time.perf_counter() - started))
    ordered = sorted(times_ms)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(f"page step on the server ({args.scenario}, {args.steps} steps, the Market tab redrawn): "
          f"median {statistics.median(times_ms):.0f} ms, p90 {p90:.0f} ms, max {max(times_ms):.0f} ms")


if __name__ == "__main__":
    main()
