"""`compute-market explore` (issue #14): PRIM boxes and envelopes over a finished sweep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.explore import ExploreError, explore, prim_box

EXE = Path(sys.executable).with_name("compute-market")
SWEEP = """name = "explore-test"
scenario = "baseline"
steps = 12
seeds = [1]
design = "lhs"
samples = 40
design_seed = 3
timeseries = true
[parameters.demand_growth_scale]
low = 0.2
high = 2.0
[parameters.regulator_strictness_scale]
low = 0.0
high = 2.0
[fixed]
n_small_labs = 15
"""


def test_prim_finds_the_box_that_made_the_cases_of_interest():
    """400 points uniform on the unit square, of interest exactly when x1 > 0.7: the box restricts x1 alone, from
    about 0.7 up, holds nearly all the cases (coverage) and only them (density 1)."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"x1": rng.uniform(size=400), "x2": rng.uniform(size=400)})
    _, limits, coverage, density, _ = prim_box(x, (x["x1"] > 0.7).to_numpy())
    assert list(limits["parameter"]) == ["x1"]
    assert limits["box low"].iloc[0] == pytest.approx(0.7, abs=0.03)
    assert density == 1.0 and coverage >= 0.9


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "sweep.toml").write_text(SWEEP)
    subprocess.run([str(EXE), "sweep", str(folder / "sweep.toml"), "--executor", "serial", "--out",
                    str(folder / "out")], check=True, capture_output=True)
    return folder / "out"


def test_explore_finds_strictness_behind_blocked_deals_and_writes_its_report(sweep, tmp_path):
    """A regulator blocks a presumptive deal when its draw falls under its strictness (x the scale), so deals are
    blocked only at high strictness scales, whatever the demand growth: the box restricts the strictness scale
    alone, from well above its lowest value."""
    found = explore(sweep, "contracts_blocked", tmp_path / "ex", above=0.5)
    limits = found["limits"].set_index("parameter")
    assert list(limits.index) == ["regulator_strictness_scale"]
    assert limits.loc["regulator_strictness_scale", "box low"] > 0.4
    assert found["density"] >= 0.9 and found["coverage"] >= 0.8
    files = {p.name for p in (tmp_path / "ex").iterdir()}
    assert {"explore.md", "prim_box.png", "prim_tradeoff.png", "envelopes.png", "box.csv", "manifest.json"} <= files
    text = (tmp_path / "ex" / "explore.md").read_text()
    assert "contracts_blocked > 0.5" in text and "compute-market explore" in text


def test_explore_refuses_what_it_cannot_explore_in_plain_words(sweep, tmp_path):
    with pytest.raises(ExploreError, match="unknown outcome 'nothing'"):
        explore(sweep, "nothing", tmp_path / "a", above=1)
    with pytest.raises(ExploreError, match="0 of 40 runs have contracts_blocked above 100 .*PRIM needs"):
        explore(sweep, "contracts_blocked", tmp_path / "b", above=100)
    with pytest.raises(ExploreError, match="give one threshold"):
        explore(sweep, "contracts_blocked", tmp_path / "c")
    with pytest.raises(ExploreError, match="not a sweep folder"):
        explore(tmp_path, "contracts_blocked", tmp_path / "d", above=1)
    assert not any((tmp_path / name).exists() for name in "abcd")  # nothing written
