"""The Solara view as a person uses it: served on a free port, opened in headless Chromium with every
request outside this machine blocked, stepped, switched to another scenario, and given a bad seed.

Screenshots go to test-artifacts/. Needs Debian's chromium (`make test` installs it when it may); without
it the test is skipped locally and fails under CI=true.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LOCAL = re.compile(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:)")

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


EXE = Path(sys.executable).with_name("compute-market")


@contextmanager
def app_server(*options: str):
    """`compute-market app` on a free port with `options`, until the block ends: its URL."""
    port = free_port()
    process = subprocess.Popen([str(EXE), "app", "--port", str(port), *options], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the app did not start: " + (process.stdout.read() if process.stdout else ""))
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def server():
    with app_server("--seed", "7") as url:
        yield url


@pytest.fixture(scope="module")
def browser_page(server):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is required under CI"
    ARTIFACTS.mkdir(exist_ok=True)
    blocked = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1500, "height": 1100})

        def only_local(route):
            if LOCAL.match(route.request.url):
                return route.continue_()
            blocked.append(route.request.url)
            return route.abort()

        page.route("**/*", only_local)
        page.goto(server)
        page.wait_for_selector(".cm-network canvas, .cm-network svg", timeout=90_000)
        yield page, blocked
        browser.close()


def shot(page, selector: str, name: str) -> bytes:
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    return element.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def headline_date(page) -> str:
    return page.locator(".cm-date-value").first.inner_text().strip()


def wait_for_date(page, date: str) -> None:
    page.wait_for_function(f"() => [...document.querySelectorAll('.cm-date-value')].some(e => e.innerText.trim() === '{date}')",
                           timeout=60_000)


CHARTS = (".cm-network", ".cm-hhi", ".cm-contracted", ".cm-shares", ".cm-prices", ".cm-use", ".cm-supplier-mix")


def step_to(page, *months: str) -> None:
    for month in months:
        page.get_by_role("button", name=re.compile(r"^step$", re.I)).click()
        wait_for_date(page, month)


def reset(page) -> None:
    page.get_by_role("button", name=re.compile(r"^reset$", re.I)).click()
    wait_for_date(page, "2024-12")


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=re.compile(name, re.I)).click()


def hhi_points(page) -> int:
    """The points drawn on the HHI chart's lines (not its legend): three series, one point a month each."""
    return page.locator(".cm-hhi g.mark-symbol.role-mark path").count()


def test_page_shows_network_and_charts_offline(browser_page):
    page, blocked = browser_page
    for css in CHARTS:
        page.wait_for_selector(f"{css} svg", timeout=60_000)
    assert headline_date(page) == "2024-12"
    tabs = [t.strip() for t in page.locator(".v-tab").all_inner_texts()]
    assert [t.lower() for t in tabs] == ["market", "contracts and events", "agents", "compare runs", "deal assessment"]
    body = page.inner_text("body")
    assert "Time:" not in body and "PAGE 0" not in body.upper()  # no Mesa developer controls, no numbered pages
    assert hhi_points(page) == 3  # the start month is drawn before any step
    page.screenshot(path=str(ARTIFACTS / "page-start.png"), full_page=True)
    assert blocked == []  # nothing was fetched from outside this machine


def test_stepping_changes_the_date_and_the_charts(browser_page):
    page, _ = browser_page
    before = shot(page, ".cm-hhi", "hhi-before")
    step_to(page, "2025-01", "2025-02", "2025-03")
    page.wait_for_function("() => document.querySelectorAll('.cm-hhi g.mark-symbol.role-mark path').length === 12",
                           timeout=30_000)
    after = shot(page, ".cm-hhi", "hhi-after-3-steps")
    assert after != before
    page.screenshot(path=str(ARTIFACTS / "page-after-3-steps.png"), full_page=True)


def test_pause_keeps_the_view_at_the_month_reached(browser_page):
    """Issue #14: after Play then Pause the network and the charts went back to the start state while the headline
    kept the month. Here every chart keeps the month reached, also seconds after Pause."""
    page, _ = browser_page
    reset(page)
    page.get_by_role("button", name=re.compile("play", re.I)).click()
    page.wait_for_function("() => ['2025-03', '2025-04', '2025-05'].includes("
                           "document.querySelector('.cm-date-value').innerText.trim())", timeout=30_000)
    page.get_by_role("button", name=re.compile("pause", re.I)).click()
    page.get_by_role("button", name=re.compile("play", re.I)).wait_for(timeout=30_000)  # the pause is served
    page.wait_for_timeout(1000)
    reached = headline_date(page)
    months = 1 + month_index(reached)  # from 2024-12: at 2025-03, four months drawn
    assert hhi_points(page) == 3 * months
    page.wait_for_timeout(2000)
    assert headline_date(page) == reached and hhi_points(page) == 3 * months
    page.screenshot(path=str(ARTIFACTS / "page-paused.png"), full_page=True)


def test_switching_scenario_shows_its_contracts_and_a_plain_text_log(browser_page):
    page, _ = browser_page
    before = shot(page, ".cm-network", "network-baseline")
    page.locator(".cm-scenario").click()
    page.locator(".v-menu__content .v-list-item").filter(has_text="aws-openai-2025:").first.click()
    page.wait_for_selector(".cm-pending", timeout=30_000)  # "Changed: press Reset ..."
    reset(page)
    page.wait_for_selector(".cm-pending", state="detached", timeout=30_000)
    step_to(page, "2025-01", "2025-02", "2025-03")
    page.wait_for_timeout(1500)
    after = shot(page, ".cm-network", "network-aws-openai-2025")
    assert after != before  # same month, another scenario: other contracts
    tab(page, "contracts and events")
    page.wait_for_selector(".cm-events .cm-event-line")
    page.wait_for_timeout(2500)  # long after any late re-render (Markdown maths ran ~1 s after a step)
    log = page.locator(".cm-events").inner_text()
    assert "OpenAI–CoreWeave, $11.9B over" in log  # the replay's March deal, as written
    assert page.locator(".cm-events .katex, .cm-events mjx-container, .cm-events math").count() == 0
    page.wait_for_selector(".cm-contracts table tbody tr")
    assert re.search(r"\d{1,3}(,\d{3})+", page.locator(".cm-contracts table").inner_text())  # 1,234 H100e
    page.screenshot(path=str(ARTIFACTS / "page-aws-openai-2025-contracts.png"), full_page=True)
    tab(page, "agents")
    page.wait_for_selector(".cm-provider-table tbody tr")
    agents = page.locator(".cm-agents").inner_text()
    assert "power GW" in agents and "order book H100e" in agents and "runway months" in agents
    assert "CoreWeave" in agents and "NVIDIA" in agents and "Anthropic" in agents
    page.screenshot(path=str(ARTIFACTS / "page-aws-openai-2025-agents.png"), full_page=True)
    tab(page, "market")
    page.wait_for_selector(".cm-hhi g.mark-symbol.role-mark path", timeout=30_000)
    page.wait_for_timeout(1000)  # the tab's slide
    page.screenshot(path=str(ARTIFACTS / "page-aws-openai-2025.png"), full_page=True)


def test_an_invalid_seed_is_refused_as_it_is_typed(browser_page):
    page, _ = browser_page
    date_box = page.locator(".cm-headline").bounding_box()
    seed = page.get_by_label("Seed")
    seed.fill("not-a-seed")
    message = page.locator(".cm-seed .v-messages__message")
    message.wait_for(timeout=30_000)
    assert message.inner_text() == "the seed must be a whole number (0, 1, 2, ...); 'not-a-seed' is not"
    assert page.locator(".cm-headline").bounding_box() == date_box  # nothing else moved
    assert "Traceback" not in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "page-invalid-seed.png"), full_page=True)
    seed.fill("42")
    message.wait_for(state="detached", timeout=30_000)


def test_a_chart_downloads_its_data_as_csv(browser_page, tmp_path):
    page, _ = browser_page
    tab(page, "market")
    with page.expect_download(timeout=30_000) as download:
        page.locator(".cm-hhi .cm-download").click()
    path = tmp_path / "hhi.csv"
    download.value.save_as(path)
    lines = path.read_text().splitlines()
    assert download.value.suggested_filename == "hhi.csv"
    assert lines[0] == "date,provider_hhi_contracted,provider_hhi_delivering,provider_hhi_revenue"
    assert lines[1].startswith("2024-12,") and len(lines) == 2 + month_index(headline_date(page))


def month_index(month: str) -> int:
    """Months after 2024-12: 2025-03 is 3."""
    return 12 * (int(month[:4]) - 2024) + int(month[5:]) - 12


def test_a_comparison_runs_two_configurations_on_common_seeds(browser_page, server):
    """A: the replay; B: without the $38B OpenAI-AWS deal; five members each."""
    page, _ = browser_page
    page.goto(f"{server}?scenario=aws-openai-2025&seed=7")
    page.wait_for_selector(".cm-date-value", timeout=90_000)
    tab(page, "compare runs")
    page.locator(".cm-compare-drop").click()
    page.locator(".v-menu__content .v-list-item").filter(has_text="openai-aws-2025-11").first.click()
    page.locator(".cm-compare-run").click()
    page.wait_for_selector(".cm-compare-chart g.mark-line", timeout=120_000)
    text = page.locator(".cm-compare").inner_text()
    assert "B: without openai-aws-2025-11" in text and "B - A" in text
    page.screenshot(path=str(ARTIFACTS / "page-compare.png"), full_page=True)
    tab(page, "market")


def test_a_link_reopens_the_page_in_exactly_that_state(browser_page, server):
    """The link of scenario, seed, a knob and an event left out: a new browser opening it shows those inputs,
    and three steps give the HHI a run of the same inputs gives here."""
    from viz.session import Inputs

    inputs = Inputs(scenario="aws-openai-2025", seed=7, parameters={"demand_growth_scale": 1.5},
                    dropped=("openai-aws-2025-11",))
    page, _ = browser_page
    other = page.context.browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
    other.goto(f"{server}?{inputs.query()}")
    other.wait_for_selector(".cm-date-value", timeout=90_000)
    assert other.locator(".cm-link input").input_value() == f"?{inputs.query()}"
    assert other.get_by_label("Seed").input_value() == "7"
    assert "Demand growth (× calibrated): 1.5" in other.locator(".cm-controls").inner_text()
    step_to(other, "2025-01", "2025-02", "2025-03")
    model = inputs.model()
    for _ in range(3):
        model.step()
    assert other.locator(".cm-hhi-value").inner_text().strip() == f"{model.metrics['provider_hhi_contracted']:,.0f}"
    other.get_by_label("Seed").fill("8")
    other.get_by_role("button", name=re.compile(r"^reset$", re.I)).click()
    other.wait_for_function("() => location.search.includes('seed=8')", timeout=30_000)
    assert "drop=openai-aws-2025-11" in other.url
    other.context.close()


@pytest.mark.parametrize("width, height", [(1600, 1000), (1024, 700)])
def test_the_layout_reflows_with_nothing_cut_off_or_overlapping(browser_page, server, width, height):
    page, _ = browser_page
    other = page.context.browser.new_context(viewport={"width": width, "height": height}).new_page()
    other.goto(server)
    for css in CHARTS:
        other.wait_for_selector(f"{css} svg", timeout=90_000)
    other.wait_for_timeout(1500)
    assert other.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    boxes = [other.locator(css).bounding_box() for css in CHARTS]
    for i, a in enumerate(boxes):
        assert a["x"] >= 0 and a["x"] + a["width"] <= width + 1, CHARTS[i]
        svg = other.locator(f"{CHARTS[i]} svg").first.bounding_box()
        assert svg["x"] + svg["width"] <= a["x"] + a["width"] + 2, CHARTS[i]  # the chart fits its card
        for j, b in enumerate(boxes[i + 1:], i + 1):
            overlap = min(a["x"] + a["width"], b["x"] + b["width"]) > max(a["x"], b["x"]) and \
                min(a["y"] + a["height"], b["y"] + b["height"]) > max(a["y"], b["y"])
            assert not overlap, (CHARTS[i], CHARTS[j])
    other.screenshot(path=str(ARTIFACTS / f"page-{width}x{height}.png"), full_page=True)
    other.context.close()


CHART_ROWS = """([css, name, fields]) => {
    const holder = [...document.querySelectorAll(css + ' *')].find(e => e.vegaView);
    return holder.vegaView.data(name).map(t => fields.map(f => t[f]));
}"""


def test_a_chart_out_of_sight_catches_up_with_every_step_when_it_comes_into_view(browser_page, server):
    """Charts scrolled out of sight skip their redraws (the browser's work under load) and, back in view, show
    what a run of the same inputs gives: the months added step by step (the prices chart) and the links that
    changed (the network, whose rows are all sent again)."""
    from viz import charts
    from viz.frame import run_frame
    from viz.network_view import network_spec
    from viz.session import Inputs

    def press_step(months):  # in the page: Playwright's click would scroll to the button
        for month in months:
            other.evaluate("() => [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step')"
                           ".click()")
            wait_for_date(other, month)
        other.wait_for_timeout(1000)
        for _ in months:
            model.step()

    page, _ = browser_page
    other = page.context.browser.new_context(viewport={"width": 1500, "height": 600}).new_page()
    other.goto(server)
    other.wait_for_selector(".cm-prices svg", timeout=90_000)
    wait_for_date(other, "2024-12")
    model = Inputs(scenario="baseline", seed=7).model()
    prices = [".cm-prices", "prices", ["month", "series", "value"]]
    press_step(["2025-01", "2025-02", "2025-03"])  # the prices chart below the fold
    assert {month for month, _, _ in other.evaluate(CHART_ROWS, prices)} == {"2024-12"}
    other.locator(".cm-prices").scroll_into_view_if_needed()
    other.wait_for_function(f"(chart) => new Set(({CHART_ROWS})(chart).map(([month]) => month)).size === 4",
                            arg=prices, timeout=30_000)  # four months drawn
    expected = charts.prices_spec(model.timeseries(), run_frame(model))["datasets"]["prices"]
    assert sorted(other.evaluate(CHART_ROWS, prices)) == sorted([r["month"], r["series"], r["value"]] for r in expected)

    edges = [".cm-network", "edges", ["source", "target", "kind", "value"]]
    other.locator(".cm-supplier-mix").scroll_into_view_if_needed()  # the network out of sight
    shown_before = sorted(other.evaluate(CHART_ROWS, edges))
    press_step(["2025-04", "2025-05", "2025-06"])
    assert sorted(other.evaluate(CHART_ROWS, edges)) == shown_before
    other.locator(".cm-network").scroll_into_view_if_needed()
    other.wait_for_timeout(1000)
    expected = sorted([e["source"], e["target"], e["kind"], e["value"]]
                      for e in network_spec(model.state)["datasets"]["edges"])
    assert expected != shown_before and sorted(other.evaluate(CHART_ROWS, edges)) == expected
    other.context.close()


def test_each_browser_session_has_its_own_model_and_a_reload_starts_afresh(browser_page, server):
    """Issue #12: two visitors at once each step their own market; a reload starts the visitor's afresh."""
    page, _ = browser_page
    step = re.compile(r"^step$", re.I)
    here = headline_date(page)
    other = page.context.browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
    other.goto(server)
    other.wait_for_selector(".cm-date-value", timeout=90_000)
    wait_for_date(other, "2024-12")
    for month in ("2025-01", "2025-02"):
        other.get_by_role("button", name=step).click()
        wait_for_date(other, month)
    page.wait_for_timeout(1000)
    assert headline_date(page) == here  # the other visitor's steps did not move this one's market
    page.get_by_role("button", name=step).click()
    page.wait_for_function(f"() => document.querySelector('.cm-date-value').innerText.trim() !== '{here}'",
                           timeout=60_000)  # this visitor's own next month
    other.wait_for_timeout(1000)
    assert headline_date(other) == "2025-02"
    other.reload()
    other.wait_for_selector(".cm-date-value", timeout=90_000)
    wait_for_date(other, "2024-12")
    other.context.close()


def test_no_request_can_delete_or_replace_the_offline_page_assets(server):
    """Issue #12: Solara's CDN proxy deleted a cached package folder a GET named (and fetched what was missing
    from the internet); the page serves its cache read-only: such a GET gets a 404 and the assets stay."""
    from viz.offline_assets import cache_dir, wanted_packages

    spec = next(s for s in wanted_packages() if "solara-vuetify-app" in s)
    folder = cache_dir() / spec
    files_before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    for path in (spec, f"{spec}/", f"{spec}/no-such-file.js", "left-pad@1.3.0/index.js", "../../../etc/passwd"):
        try:
            status = urllib.request.urlopen(f"{server}_solara/cdn/{path}", timeout=10).status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status in (404, 400), (path, status)
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == files_before
    assert urllib.request.urlopen(f"{server}_solara/cdn/{spec}/package.json", timeout=10).status == 200


def kernels(server) -> dict:
    """Solara's count of live sessions (`/resourcez`): each holds one model."""
    import json
    return json.loads(urllib.request.urlopen(server + "resourcez", timeout=10).read())["kernels"]


def test_a_closed_session_is_freed_with_its_model(browser_page, server):
    """Issue #12: a visitor who closes the tab takes their session (and its model) off the server at once; the
    server limits sessions and culls one whose browser vanished (viz/serve.py)."""
    page, _ = browser_page
    before = kernels(server)["total"]
    other = page.context.browser.new_context().new_page()
    other.goto(server)
    other.wait_for_selector(".cm-date-value", timeout=90_000)
    assert kernels(server)["total"] == before + 1
    other.close(run_before_unload=True)
    deadline = time.time() + 20
    while kernels(server)["total"] > before and time.time() < deadline:
        time.sleep(0.25)
    assert kernels(server)["total"] == before


def test_oversized_requests_are_refused_and_the_server_goes_on(server):
    """Issue #12: request bodies and inputs are bounded: headers over 32 KB get 431, a websocket
    message over 1 MiB closes that connection (1009, message too big); the page still loads afterwards."""
    import http.client

    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    host, port = server.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("GET", "/")
    connection.putheader("Cookie", "x=" + "a" * 100_000)
    try:
        connection.endheaders()
        status = connection.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        status = None  # the server dropped the connection: refused too
    assert status == 431
    socket_url = f"ws://{host}:{port}/jupyter/api/kernels/{'0' * 32}/channels?session_id=test"
    with connect(socket_url, max_size=None, open_timeout=10) as ws:
        ws.send("x" * (2 << 20))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert urllib.request.urlopen(server, timeout=10).status == 200


@contextmanager
def page_on(browser_page, url):
    """A fresh browser context on `url`, once the page has drawn its first month; closed after the block."""
    context = browser_page[0].context.browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".cm-date-value", timeout=90_000)
    try:
        yield page
    finally:
        context.close()


def test_finished_run_folders_open_side_by_side_without_running_again(browser_page, tmp_path):
    """`compute-market app --run A --run B`: two finished runs (seeds 1 and 2, 6 months) in the comparison tab,
    read from their folders."""
    for seed in (1, 2):
        subprocess.run([str(EXE), "run", "--steps", "6", "--seed", str(seed), "--out", str(tmp_path / f"s{seed}")],
                       check=True, capture_output=True)
    with app_server("--run", str(tmp_path / "s1"), "--run", str(tmp_path / "s2")) as url, \
            page_on(browser_page, url) as page:
        tab(page, "compare runs")
        page.wait_for_selector(".cm-finished-runs g.mark-line", timeout=60_000)
        text = page.locator(".cm-finished-runs").inner_text()
        assert "A: s1 (baseline, seed 1)" in text and "B: s2 (baseline, seed 2)" in text
        assert "2025-06" in text  # the runs' last month, as written in their folders
        page.screenshot(path=str(ARTIFACTS / "page-finished-runs.png"), full_page=True)


def test_a_deal_assessment_opens_in_its_tab_with_both_views_and_its_figures(browser_page, tmp_path):
    """`compute-market app --deal DIR`: a finished assessment (a merger of two neoclouds, one seed, 12 months) in
    the 'Deal assessment' tab: the side-by-side table and both figures, read from the folder."""
    scenario = tmp_path / "merger.toml"
    scenario.write_text('name = "m"\ndescription = "m"\nextends = "baseline"\nsteps = 12\n[[events]]\n'
                        'id = "nl"\ndate = "2025-03"\ntype = "merger"\nacquirer = "Nebius"\ntarget = "Lambda"\n')
    subprocess.run([str(EXE), "assess-deal", str(scenario), "--without", "nl", "--quick", "--out",
                    str(tmp_path / "deal")], check=True, capture_output=True)
    with app_server("--deal", str(tmp_path / "deal")) as url, page_on(browser_page, url) as page:
        tab(page, "deal assessment")
        page.wait_for_selector(".cm-deal img", timeout=60_000)
        text = page.locator(".cm-deal").inner_text()
        assert "Competition authority's view" in text and "Financial-stability view" in text
        assert "ΔHHI (points)" in text and "assess-deal" in text
        assert page.locator(".cm-deal img").count() == 2
        page.wait_for_selector(".v-window-item--active:not([class*=transition])", timeout=10_000)  # slid in
        page.screenshot(path=str(ARTIFACTS / "page-deal-assessment.png"), full_page=True)
