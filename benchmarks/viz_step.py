"""How long one step takes on the server for the page: Session.step() plus the page redrawn (the Step button).

Renders the page without a browser (solara.render, as the component tests do) and times the Step button's click
(the model's step, then every component of the shown tab redrawn and its charts' changed rows produced). Drawing in
the browser is not included: `benchmarks/page_speed.py` measures that from the browser. Then `--sessions` pages
(five by default) each press Step `--load-steps` times at once, one thread each, as the server serves five
visitors: the server's share of the five-session goal (each step <= 1 s), without the browsers that
`benchmarks/page_load.py` runs on the same two cores, and without the websocket's messages.

    .venv/bin/python benchmarks/viz_step.py [--scenario baseline] [--steps 36] [--sessions 5] [--load-steps 12]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import ipyvuetify as v
import solara

from viz.app import MarketPage
from viz.session import Inputs, Session


def step_button(scenario: str, seed: int):
    """A page rendered for a new session, and its Step button."""
    session = Session(Inputs(scenario=scenario, seed=seed))
    _, rc = solara.render(MarketPage(session), handle_error=False)
    return rc.find(v.Btn, children=["Step"]).widget


def click_times_s(button, steps: int) -> list[float]:
    times = []
    for _ in range(steps):
        started = time.perf_counter()
        button.click()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--steps", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--load-steps", type=int, default=12)
    args = parser.parse_args()
    ordered = sorted(1000 * t for t in click_times_s(step_button(args.scenario, args.seed), args.steps))
    print(f"page step on the server ({args.scenario}, {args.steps} steps, the Market tab redrawn): "
          f"median {statistics.median(ordered):.0f} ms, p90 {ordered[int(0.9 * (len(ordered) - 1))]:.0f} ms, "
          f"max {ordered[-1]:.0f} ms")

    buttons = [step_button(args.scenario, args.seed) for _ in range(args.sessions)]
    times: list[list[float]] = [[] for _ in buttons]
    start = threading.Barrier(len(buttons))

    def visitor(i: int) -> None:
        start.wait()
        times[i] = click_times_s(buttons[i], args.load_steps)

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(len(buttons))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(1000 * t for session in times for t in session)
    print(f"{args.sessions} sessions pressing Step {args.load_steps} times at once, on the server alone: "
          f"median {statistics.median(ordered):.0f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms, "
          f"max {ordered[-1]:.0f} ms per step (goal <= 1 s each)")


if __name__ == "__main__":
    main()
