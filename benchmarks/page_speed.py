"""What one analyst waits for on the page (`make bench`, issue #14), measured from the browser.

Starts `compute-market app` (the default scenario) on a free port and, in headless Chromium with nothing fetched
from outside this machine:
- page load to first full render: from navigation until every chart has drawn its marks (`--loads` fresh
  sessions);
- Step click to all charts redrawn: until every time chart holds one more month of points, and the date changed
  (`--steps` clicks);
- Play: months advanced in `--play-s` seconds, against the nominal rate (one month per 0.3 s).
It prints medians, ranges and the goals (load <= 3 s, step <= 300 ms median, Play at its nominal rate).

    .venv/bin/python benchmarks/page_speed.py [--loads 5] [--steps 20] [--play-s 6]
"""

from __future__ import annotations

import statistics
import time

from page_load import CHROMIUM, LOCAL, benchmark_setup, free_port, start_server

TIME_CHARTS = (".cm-hhi", ".cm-contracted", ".cm-shares", ".cm-prices", ".cm-use")
ALL_CHARTS = (".cm-network", *TIME_CHARTS, ".cm-supplier-mix")
POINTS = "(css) => document.querySelectorAll(css + ' g.mark-symbol.role-mark path').length"
DRAWN = ("(charts) => charts.every(css => document.querySelector(css + ' svg g.role-mark') !== null)")


def points(page) -> list[int]:
    return [page.evaluate(POINTS, css) for css in TIME_CHARTS]


def load_once(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL) else route.abort())
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DRAWN, arg=list(ALL_CHARTS), timeout=120_000, polling=20)
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def main() -> None:
    args = benchmark_setup(__doc__.splitlines()[0], ("--loads", int, 5), ("--steps", int, 20),
                           ("--play-s", float, 6.0))
    from playwright.sync_api import sync_playwright

    port = free_port()
    server, start_s = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            load_once(browser, url)  # warm-up: the server's first page
            loads = [load_once(browser, url) for _ in range(args.loads)]
            # tall enough for every chart to be in view: a chart out of sight redraws only when it is seen
            page = browser.new_page(viewport={"width": 1600, "height": 2400})
            page.goto(url)
            page.wait_for_function(DRAWN, arg=list(ALL_CHARTS), timeout=120_000)
            to_date, to_charts = [], []
            step = page.get_by_role("button", name="Step")
            for _ in range(args.steps):
                before, date = points(page), page.locator(".cm-date-value").inner_text()
                clicked = time.perf_counter()
                step.click()
                page.wait_for_function(f"() => document.querySelector('.cm-date-value').innerText !== '{date}'",
                                       timeout=60_000, polling=10)
                to_date.append(time.perf_counter() - clicked)
                page.wait_for_function(
                    "([charts, before]) => charts.every((css, i) => document.querySelectorAll(css + "
                    "' g.mark-symbol.role-mark path').length > before[i])", arg=[list(TIME_CHARTS), before],
                    timeout=60_000, polling=10)
                to_charts.append(time.perf_counter() - clicked)
            month = page.evaluate("() => document.querySelector('.cm-counter').innerText")
            page.get_by_role("button", name="Play").click()
            started = time.perf_counter()
            page.wait_for_timeout(args.play_s * 1000)
            page.get_by_role("button", name="Pause").click()
            played_s = time.perf_counter() - started
            after = page.evaluate("() => document.querySelector('.cm-counter').innerText")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    months = int(after.split("month ")[1].split(" ")[0]) - int(month.split("month ")[1].split(" ")[0])
    print(f"server start to first answer: {start_s:.2f} s")
    print(f"page load to first full render ({args.loads} fresh sessions): median {statistics.median(loads):.2f} s, "
          f"{min(loads):.2f}-{max(loads):.2f} s (goal <= 3 s)")
    print(f"Step click to the new date: median {statistics.median(to_date) * 1e3:.0f} ms; to every chart redrawn: "
          f"median {statistics.median(to_charts) * 1e3:.0f} ms, {min(to_charts) * 1e3:.0f}-"
          f"{max(to_charts) * 1e3:.0f} ms over {args.steps} steps (goal <= 300 ms median)")
    print(f"Play: {months} months in {played_s:.1f} s = {months / played_s:.2f} months/s (nominal {1 / 0.3:.2f})")


if __name__ == "__main__":
    main()
