"""The deal assessment: its screens on the hand-built market worked by hand, and `compute-market assess-deal` end to
end (a merger of two providers on a short horizon), with its bad input refused in one line."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from experiments.deal_runs import before_deal
from experiments.deal_screens import screens
from model.scenario import AcquisitionEvent, MergerEvent

from .test_hand_built import regulated_state
from .tiny import A, B, tiny_model


def screened(event, rows, efficiency=0.0) -> dict:
    model = tiny_model(regulated_state(1.0))
    table = screens(before_deal(model), [event], lambda e: rows, {}, model.params, efficiency)
    return dict(zip(table["measure"], table["value"]))


def test_merger_screens_on_the_hand_built_market():
    """Contracted: A 600, B 200, Other 200 of 1,000 (Other counts in the total, is no firm). HHI 3,600 + 400 = 4,000;
    A and B together add 2 x .6 x .2 = 2,400: 6,400, presumed. Margins (2.50 - 1.50) / 2.50 = 0.4 at both. No
    diversion measured, so logit on shares: D_AB = .2 / (1 - .6) = 0.5, D_BA = .6 / (1 - .2) = 0.75.
    GUPPI_A = .5 x .4 = 0.2, GUPPI_B = .75 x .4 = 0.3; with a 10% efficiency UPP_A = .5 x 1.00 - .1 x 1.50 = 0.35;
    CMCR_A = (.4 x .5 x .75 + .4 x .5) / ((1 - .4)(1 - .375)) = .35 / .375 = 0.9333."""
    event = MergerEvent(id="ab", date="2025-01", type="merger", acquirer="A", target="B")
    s = screened(event, {"acquirer_provider": A, "acquirer_vendor": -1, "target": B}, efficiency=0.1)
    assert s["HHI before (points)"] == pytest.approx(4000.0)
    assert s["HHI after (points)"] == pytest.approx(6400.0)
    assert s["structural presumption (2023 Merger Guidelines)"]
    assert s["diversion A -> B"] == pytest.approx(0.5) and s["diversion B -> A"] == pytest.approx(0.75)
    assert s["GUPPI A"] == pytest.approx(0.2) and s["GUPPI B"] == pytest.approx(0.3)
    assert s["UPP A ($/H100e-hour)"] == pytest.approx(0.35)
    assert s["CMCR A"] == pytest.approx(0.35 / 0.375)
    assert s["ΔMHHI, providers, before (points)"] == 0.0  # no stakes in the tiny market


def test_a_vendor_buying_a_provider_is_screened_vertically():
    """Chips buys B. Its chips cost B's rival A $20,000 x 0.2 (5 years at 0%) / 8,760 = $0.4566 an H100e-hour. A's
    lost sales go .5 to B (logit), B's margin .4 on $2.50: vGUPPI upstream .5 x .4 x 2.5 / 0.4566 = 1.095. B's lost
    sales go .75 to A, which buys the chips at a 50% vendor margin: downstream .75 x .5 x 0.4566 / 2.5 = 0.0685."""
    event = AcquisitionEvent(id="v", date="2025-01", type="acquisition", acquirer="Chips", target="B",
                             value_usd_bn=1.0)
    s = screened(event, {"acquirer_provider": -1, "acquirer_vendor": 0, "target": B})
    chips = 20_000.0 * 0.2 / 8760.0
    assert s["vGUPPI upstream, Chips to A"] == pytest.approx(0.5 * 0.4 * 2.5 / chips)
    assert s["vGUPPI downstream, B against A"] == pytest.approx(0.75 * 0.5 * chips / 2.5)


MERGER_SCENARIO = """name = "merger-test"
description = "two neoclouds merge"
extends = "baseline"
steps = 16

[[events]]
id = "nebius-lambda"
date = "2025-04"
type = "merger"
acquirer = "Nebius"
target = "Lambda"
"""


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deal")
    (folder / "merger.toml").write_text(MERGER_SCENARIO)
    done = cli("assess-deal", str(folder / "merger.toml"), "--without", "nebius-lambda", "--seeds", "1,2",
               "--efficiency", "0.1", "--out", str(folder / "out"), cwd=None)
    assert done.returncode == 0, done.stderr
    return folder, done


def test_assess_deal_writes_both_views_side_by_side_with_bands_and_how_to_reproduce(assessed):
    folder, done = assessed
    out = folder / "out"
    report = (out / "report.md").read_text()
    for heading in ("## Side by side", "## Competition: screens", "## Competition: effects", "## Systemic risk",
                    "## Parameters and their sources", "## Reproduce"):
        assert heading in report
    assert "| Competition authority's view | with the deal | Financial-stability view | with the deal |" in report
    assert "compute-market assess-deal" in report and "--without nebius-lambda" in report
    assert "Competition authority's view" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["setup"]["seeds"] == [1, 2] and "git" in manifest and "versions" in manifest
    assert manifest["parameters"]["demand_price_elasticity"] > 0
    assert {"paths.png", "differences.png", "effects.parquet", "paired.parquet"} <= set(manifest["files"])
    effects = pd.read_parquet(out / "effects.parquet")
    assert sorted(effects["arm"].unique()) == ["with the deal", "with the deal and its efficiency",
                                               "without the deal"]


def test_the_merger_raises_the_firm_hhi_and_its_efficiency_lowers_the_parties_costs(assessed):
    """Nebius and Lambda hold contracted capacity, so once they are one firm the firm HHI of contracts in force is
    higher in every paired run; the efficiency arm's parties price from a cost 10% lower, so their profit after
    full cost is higher than in the arm without it (same seeds)."""
    folder, _ = assessed
    paired = pd.read_parquet(folder / "out" / "paired.parquet")
    assert (paired.loc[paired["arm"] == "with the deal", "firm_hhi"] > 0).all()
    monthly = pd.read_parquet(folder / "out" / "monthly.parquet")
    parties = ["provider_profit_usd_bn[Nebius]", "provider_profit_usd_bn[Lambda]"]
    profit = monthly.groupby(["arm", "seed"])[parties].sum().sum(axis=1).unstack("arm")
    assert (profit["with the deal and its efficiency"] > profit["with the deal"]).all()


@pytest.mark.parametrize(("args", "message"), [
    (["--without", "nope"], "has no event 'nope'"),
    (["--without", "nebius-lambda", "--efficiency", "1.5"], "--efficiency must be a share from 0 to below 1"),
    (["--without", "nebius-lambda", "--seeds", "x"], "--seeds must be comma-separated whole numbers"),
    (["--without", "nebius-lambda", "--steps", "2"], "the deal (2025-04) is after the last month simulated"),
])
def test_bad_input_is_refused_in_one_line_and_an_earlier_report_is_kept(assessed, args, message):
    folder, _ = assessed
    before = (folder / "out" / "report.md").read_text()
    done = cli("assess-deal", str(folder / "merger.toml"), *args, "--out", str(folder / "out"), "--overwrite",
               cwd=None)
    assert done.returncode != 0
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert (folder / "out" / "report.md").read_text() == before


def test_a_non_deal_event_is_no_deal(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(MERGER_SCENARIO.replace('type = "merger"\nacquirer = "Nebius"\ntarget = "Lambda"',
                                            'type = "outage"\nprovider = "Nebius"\nmonths = 2\nshare = 0.5'))
    done = cli("assess-deal", str(path), "--without", "nebius-lambda", "--out", str(tmp_path / "o"), cwd=None)
    assert done.returncode != 0 and "the outage event is no deal" in done.stderr


def test_the_page_shows_the_assessment_side_by_side_with_its_figures(assessed, tmp_path):
    """The 'Deal assessment' tab renders the report's sections (the side-by-side table first) and both figures; a
    folder that is not an assessment is refused, naming it."""
    import ipyvuetify as v
    import ipywidgets
    import solara

    from viz.deal_view import DealView, read_deal_folder

    folder, _ = assessed
    box, rc = solara.render(DealView(folder / "out"), handle_error=False)
    shown = " ".join(w.template for w in rc.find(v.VuetifyTemplate).widgets)  # solara.Markdown's rendered HTML
    assert shown.index("Competition authority") < shown.index("Competition: screens")
    assert "Financial-stability view" in shown and "assess-deal" in shown
    assert len(rc.find(ipywidgets.Image).widgets) == 2
    with pytest.raises(ValueError, match="not a deal assessment folder"):
        read_deal_folder(tmp_path)


def test_an_exclusivity_is_screened_with_the_labs_economics_and_assumed_lab_diversion():
    """After one month of the hand-built market, L1 has received its 600 H100e at $2 (spend 600 x 2 x 730 / 1e9 =
    $0.000876B) out of $1B of revenue: revenue per compute-hour 1e9 / (730 x 600) = $2,283.1, margin
    1 - 0.000876 = 0.999124. L1 and L2 have equal revenue, so the assumed lab diversion is .5 / (1 - .5) = 1 each
    way. A's price $2.50 over cost $1.50: margin 0.4. Upstream vGUPPI (A to L2) 1 x 0.999124 x 2,283.1 / 2.5 =
    912.4; downstream (L1 against L2) 1 x 0.4 x 2.5 / 2,283.1 = 0.000438. L1 wants 600 of the 1,000 H100e."""
    from model.scenario import ExclusivityEvent

    model = tiny_model(regulated_state(1.0))
    model.step()
    event = ExclusivityEvent(id="x", date="2025-02", type="exclusivity", lab="L1", provider="A", mode="exclusive")
    table = screens(before_deal(model), [event], lambda e: {"lab": 0, "provider": A}, {}, model.params, 0.0)
    s = dict(zip(table["measure"], table["value"]))
    per_hour = 1e9 / (730 * 600)
    assert s["L1's share of the compute labs want"] == pytest.approx(0.6)
    assert s["vGUPPI upstream, A to L2"] == pytest.approx((1 - 0.000876) * per_hour / 2.5)
    assert s["vGUPPI downstream, L1 against L2"] == pytest.approx(0.4 * 2.5 / per_hour)
