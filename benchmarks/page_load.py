"""The page under load (`make bench`, issue #12): server start, five browser sessions stepping at once, memory.

Starts `compute-market app` on a free port and times it to its first answer; opens five sessions (headless
Chromium contexts, nothing fetched from outside this machine) and times each to its first full render; then all
five press Step together, `--steps` times each, and every step is timed from the click to the frame that shows
the new date on that session's page; it prints whether every session reached its last month, the step latencies
(median, 95th percentile, worst), the server's CPU time per step, and its memory before the sessions, with them,
and after they closed; and which steps, if any, took more than the goal of 1 s.

The click and the timing happen in the page (`STEP_IN_PAGE`), as a visitor's browser sees them. `--driver-clicks`
times the steps as the script did before 2026-12-02: Playwright's click (which first checks, over two frames, that
the button is visible and still) and Playwright polling the date every frame; that work falls on the same two
cores as the five browsers and the server, so it is given for comparison, not as what a visitor waits for.

    .venv/bin/python benchmarks/page_load.py [--sessions 5] [--steps 12] [--driver-clicks 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EXE = Path(sys.executable).with_name("compute-market")
LOCAL = ("http://127.0.0.1", "data:", "blob:")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of the process `pid` and its children, MB."""
    total = 0
    for line in subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True,
                               text=True).stdout.split():
        total += int(line)
    return total / 1024


def cpu_s(pid: int) -> float:
    """CPU time (user + system) the process `pid` has used so far, s."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    started = time.perf_counter()
    process = subprocess.Popen([str(EXE), "app", "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                return process, time.perf_counter() - started
        except OSError:
            time.sleep(0.05)


def benchmark_setup(description: str, *arguments: tuple[str, type, object]):
    """The script's arguments ((flag, type, default) each), after checking that Debian's chromium is here."""
    parser = argparse.ArgumentParser(description=description)
    for flag, kind, default in arguments:
        parser.add_argument(flag, type=kind, default=default)
    args = parser.parse_args()
    if CHROMIUM is None:
        sys.exit("needs Debian's chromium: apt-get install -y chromium")
    return args


def month_after(date: str) -> str:
    year, month = (int(x) for x in date.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


# Press Step and time it in the page: from the click to the frame that shows the new date
STEP_IN_PAGE = """(date) => new Promise((resolve) => {
    const shows = () => [...document.querySelectorAll('.cm-date-value')].some(e => e.textContent.trim() === date);
    const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step');
    const started = performance.now();
    const observer = new MutationObserver(() => {
        if (!shows()) { return; }
        observer.disconnect();
        requestAnimationFrame(() => resolve((performance.now() - started) / 1000));
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    button.click();
})"""


def step_by_driver(page, date: str) -> float:
    """Press Step with Playwright and poll for `date` every frame (the script's method before 2026-12-02), s."""
    clicked = time.perf_counter()
    page.get_by_role("button", name="Step", exact=False).first.click()
    page.wait_for_function(
        f"() => [...document.querySelectorAll('.cm-date-value')].some(e => e.innerText.trim() === '{date}')",
        timeout=120_000)
    return time.perf_counter() - clicked


def session(browser, url: str, steps: int, ready: threading.Barrier, go: threading.Barrier, out: dict,
            driver_clicks: bool = False) -> None:
    """One visitor: load the page, wait for the others, then press Step `steps` times, timing each."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL) else route.abort())
    loaded = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".cm-network canvas, .cm-network svg", timeout=120_000)
    page.wait_for_selector(".cm-date-value", timeout=120_000)
    out["load_s"] = time.perf_counter() - loaded
    ready.wait()
    go.wait()
    out["latencies_s"], date = [], page.locator(".cm-date-value").first.inner_text().strip()
    for _ in range(steps):
        date = month_after(date)
        out["latencies_s"].append(step_by_driver(page, date) if driver_clicks else page.evaluate(STEP_IN_PAGE, date))
    out["last_date"] = date
    page.close(run_before_unload=True)  # as a visitor closing the tab: the page tells the server it is gone
    context.close()


def main() -> None:
    args = benchmark_setup(__doc__.splitlines()[0], ("--sessions", int, 5), ("--steps", int, 12),
                           ("--driver-clicks", int, 0))
    from playwright.sync_api import sync_playwright

    port = free_port()
    server, start_s = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        before_mb = rss_mb(server.pid)
        results = [{} for _ in range(args.sessions)]
        # Playwright's sync API is bound to its thread: each session gets its own Playwright and browser
        ready, go = threading.Barrier(args.sessions + 1), threading.Barrier(args.sessions + 1)

        def visitor(out):
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
                try:
                    session(browser, url, args.steps, ready, go, out, bool(args.driver_clicks))
                finally:
                    out["with_sessions_mb"] = rss_mb(server.pid)
                    browser.close()
        threads = [threading.Thread(target=visitor, args=(out,)) for out in results]
        for thread in threads:
            thread.start()
        ready.wait()
        loaded_mb = rss_mb(server.pid)
        started, server_cpu = time.perf_counter(), cpu_s(server.pid)
        go.wait()
        for thread in threads:
            thread.join()
        wall, server_cpu = time.perf_counter() - started, cpu_s(server.pid) - server_cpu
        time.sleep(10)  # let the server close the sessions and collect them
        after_mb = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
    latencies = sorted(x for out in results for x in out.get("latencies_s", []))
    complete = sum(len(out.get("latencies_s", [])) == args.steps for out in results)
    print(f"server start to first answer: {start_s:.2f} s (goal <= 5)")
    print("page load to first full render: " + ", ".join(f"{out['load_s']:.1f}" for out in results if "load_s" in out)
          + " s")
    print(f"{args.sessions} sessions x {args.steps} steps at once: {complete} of {args.sessions} sessions completed "
          f"every step ({len(latencies)} steps in {wall:.1f} s)")
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        how = "timed by Playwright's click and polling" if args.driver_clicks else "timed in the page"
        print(f"step latency (click to the new date on the page, {how}): median {statistics.median(latencies):.2f} s, "
              f"95th percentile {p95:.2f} s, worst {latencies[-1]:.2f} s (goal <= 1 s each)")
        over = [f"session {k + 1} step {i + 1}: {x:.2f} s" for k, out in enumerate(results)
                for i, x in enumerate(out.get("latencies_s", [])) if x > 1.0]
        print(f"steps over 1 s: {len(over)} of {len(latencies)}" + (f" ({'; '.join(over)})" if over else ""))
        print(f"server CPU while the sessions stepped: {server_cpu:.1f} s of {wall:.1f} s "
              f"({1000 * server_cpu / len(latencies):.0f} ms per step; the rest of the two cores went to the browsers)")
    print(f"server memory: {before_mb:.0f} MB before the sessions, {loaded_mb:.0f} MB with {args.sessions} loaded "
          f"({(loaded_mb - before_mb) / args.sessions:.0f} MB per session), {after_mb:.0f} MB 10 s after they closed")


if __name__ == "__main__":
    main()
