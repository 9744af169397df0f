"""Sweeps: designs, executors (serial, processes, a real Dask cluster), the results store, resume, failures,
sensitivity and the scripted experiments."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.outputs import OutputError
from experiments.scripted import EXPERIMENTS
from experiments.sensitivity import run_sensitivity
from experiments.sweep import run_sweep
from experiments.sweep_config import SweepConfigError, design_points, load_sweep_config, run_list

BIN = Path(sys.executable).parent
OUTCOME_COLUMNS = ["market_hhi_2027", "idle_share_last_12m", "breaches", "committed_price_end", "utilisation_end"]


def write_config(folder: Path, text: str) -> Path:
    path = folder / "sweep.toml"
    path.write_text(text)
    return path


GRID = """
name = "grid"
steps = 10
seeds = [1, 2]
design = "grid"
[parameters.regulator_strictness_scale]
values = [0.5, 2.0]
[parameters.demand_growth_scale]
values = [0.5, 1.5]
[fixed]
n_small_labs = 15
"""


def results(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "results").sort_values("run_id", ignore_index=True)


def test_designs_cover_their_space(tmp_path):
    grid = load_sweep_config(write_config(tmp_path, GRID))
    assert len(design_points(grid)) == 4 and len(run_list(grid)) == 8
    lhs = load_sweep_config(write_config(tmp_path, GRID.replace('design = "grid"', 'design = "lhs"\nsamples = 6')
                                         .replace("values = [0.5, 2.0]", "low = 0.5\nhigh = 2.0")
                                         .replace("values = [0.5, 1.5]", "low = 0.5\nhigh = 1.5")))
    points = pd.DataFrame(design_points(lhs))
    assert len(points) == 6 and points["regulator_strictness_scale"].between(0.5, 2.0).all()
    # Latin hypercube: one point in each sixth of each range
    assert sorted(((points["demand_growth_scale"] - 0.5) / 1.0 * 6).astype(int)) == list(range(6))
    sobol = load_sweep_config(write_config(tmp_path, GRID.replace('design = "grid"', 'design = "sobol"\nsamples = 4')
                                           .replace("values = [0.5, 2.0]", "low = 0.5\nhigh = 2.0")
                                           .replace("values = [0.5, 1.5]", "low = 0.5\nhigh = 1.5")))
    assert len(design_points(sobol)) == 4 * (2 + 2)


@pytest.mark.parametrize(("change", "message"), [
    (("regulator_strictness_scale", "strictness_knob"), "unknown parameter 'strictness_knob'"),
    (("seeds = [1, 2]", "seeds = []"), "field seeds"),
    (('design = "grid"', 'design = "cube"'), "field design"),
    (("values = [0.5, 2.0]", "low = 2.0\nhigh = 1.0"), "high \\(1.0\\) is below low \\(2.0\\)"),
    (('name = "grid"', 'name = "grid"\nscenario = "atlantis"'),
     "field scenario: 'atlantis' is neither a library scenario nor a file in"),
    (('name = "grid"', 'name = "grid"\nscenario = "../../etc/passwd"'), "is neither a library scenario nor a file"),
])
def test_a_bad_sweep_file_is_refused_naming_file_and_field(tmp_path, change, message):
    path = write_config(tmp_path, GRID.replace(*change))
    with pytest.raises(SweepConfigError, match=f"sweep.toml: .*{message}"):
        load_sweep_config(path)


def test_results_stream_to_a_parquet_dataset_with_a_manifest(tmp_path):
    config = load_sweep_config(write_config(tmp_path, GRID))
    summary = run_sweep(config, tmp_path / "out", executor="serial")
    assert (summary.done, summary.failed) == (8, 0)
    frame = results(tmp_path / "out")
    assert len(frame) == 8 and frame["run_id"].is_unique and (frame["status"] == "ok").all()
    assert {"param.regulator_strictness_scale", "param.demand_growth_scale", "seed", *OUTCOME_COLUMNS} <= set(frame)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["design"] == "grid" and manifest["seeds"] == [1, 2] and manifest["runs"] == 8
    assert manifest["parameter_ranges"]["demand_growth_scale"] == {"values": [0.5, 1.5]}
    assert len(manifest["git"]["commit"]) == 40 or manifest["git"]["commit"] == "unknown"
    # a second sweep into the same folder is refused rather than mixed
    with pytest.raises(ValueError, match="already holds a sweep"):
        run_sweep(config, tmp_path / "out", executor="serial")


def test_a_run_that_raises_is_recorded_and_the_others_complete(tmp_path):
    """A value the sweep file cannot check (a month that does not exist, seen only when the model is built) fails
    its runs; the others complete."""
    grid = GRID.replace("[parameters.demand_growth_scale]\nvalues = [0.5, 1.5]",
                        '[parameters.history_until]\nvalues = ["", "2025-13"]')
    config = load_sweep_config(write_config(tmp_path, grid))
    summary = run_sweep(config, tmp_path / "out", executor="serial")
    assert (summary.done, summary.failed) == (4, 4)
    frame = results(tmp_path / "out")
    failed = frame[frame["status"] == "failed"]
    assert (failed["param.history_until"] == "2025-13").all()
    assert failed["error"].str.contains("history_until").all()
    assert frame.loc[frame["status"] == "ok", "market_hhi_2027"].notna().all()


def test_a_value_outside_a_parameters_range_is_refused_before_any_run(tmp_path):
    for bad, message in (("values = [1.0, -2.0]", "'demand_growth_scale' must be at least 0, got -2.0"),
                         ("values = [1.0, nan]", "finite"), ("values = [1.0, inf]", "finite")):
        with pytest.raises(SweepConfigError, match=message):
            load_sweep_config(write_config(tmp_path, GRID.replace("values = [0.5, 1.5]", bad)))
    assert not (tmp_path / "out").exists()


def test_processes_give_the_same_results_as_serial(tmp_path):
    config = load_sweep_config(write_config(tmp_path, GRID))
    run_sweep(config, tmp_path / "serial", executor="serial")
    run_sweep(config, tmp_path / "processes", executor="processes", workers=2)
    pd.testing.assert_frame_equal(results(tmp_path / "serial")[OUTCOME_COLUMNS],
                                  results(tmp_path / "processes")[OUTCOME_COLUMNS])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster():
    """A Dask scheduler and two single-threaded workers, each its own process on 127.0.0.1."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    workers = [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env) for i in range(2)]
    from distributed import Client
    with Client(address, timeout="60s") as client:
        client.wait_for_workers(2, timeout=60)
    yield address, workers
    for process in [*workers, scheduler]:  # the workers first, while the scheduler can still see them go
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_dask_cluster_gives_the_same_results_as_serial(tmp_path, dask_cluster):
    address, _ = dask_cluster
    config = load_sweep_config(write_config(tmp_path, GRID))
    run_sweep(config, tmp_path / "serial", executor="serial")
    summary = run_sweep(config, tmp_path / "dask", executor="dask", scheduler=address)
    assert summary.done == 8
    pd.testing.assert_frame_equal(results(tmp_path / "serial")[OUTCOME_COLUMNS],
                                  results(tmp_path / "dask")[OUTCOME_COLUMNS])


def test_a_worker_killed_mid_sweep_loses_no_run_and_duplicates_none(tmp_path, dask_cluster):
    address, workers = dask_cluster
    text = GRID.replace("steps = 10", "steps = 30").replace("seeds = [1, 2]", "seeds = [1, 2, 3, 4]")
    config = load_sweep_config(write_config(tmp_path, text))
    out = tmp_path / "dask"
    killed = threading.Event()

    def kill_one_worker_after_first_results():
        deadline = time.time() + 120
        while time.time() < deadline and len(list((out / "results").glob("run-*.parquet"))) < 2:
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        killed.set()

    threading.Thread(target=kill_one_worker_after_first_results, daemon=True).start()
    summary = run_sweep(config, out, executor="dask", scheduler=address)
    assert killed.is_set() and workers[0].wait(timeout=10) is not None
    frame = results(out)
    assert summary.done == 16 and len(frame) == 16
    assert sorted(frame["run_id"]) == list(range(16)) and (frame["status"] == "ok").all()


def test_an_interrupted_sweep_resumes_without_repeating_or_missing_runs(tmp_path):
    text = GRID.replace("steps = 10", "steps = 24").replace("seeds = [1, 2]", "seeds = [1, 2, 3]")
    config_path = write_config(tmp_path, text)
    out = tmp_path / "out"
    process = subprocess.Popen([str(BIN / "compute-market"), "sweep", str(config_path), "--executor", "serial",
                                "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "results").glob("run-*.parquet"))) < 3:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("run-*.parquet")}
    assert 3 <= len(before) < 12
    result = subprocess.run([str(BIN / "compute-market"), "sweep", str(config_path), "--executor", "serial",
                             "--out", str(out), "--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"already finished {len(before)}" in result.stdout
    frame = results(out)
    assert sorted(frame["run_id"]) == list(range(12)) and (frame["status"] == "ok").all()
    after = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("run-*.parquet")}
    assert all(after[name] == mtime for name, mtime in before.items())  # finished runs were not rerun
    # same results as an uninterrupted sweep
    run_sweep(load_sweep_config(config_path), tmp_path / "whole", executor="serial")
    pd.testing.assert_frame_equal(frame[OUTCOME_COLUMNS], results(tmp_path / "whole")[OUTCOME_COLUMNS])


def test_sensitivity_ranks_demand_growth_above_strictness_for_idle_capacity(tmp_path):
    """32 Sobol samples (128 runs of 12 months): with 8 the ranking was within the estimates' noise (at the fitted
    set, ST 0.28 against 0.39, each +/- ~0.4)."""
    text = """
name = "sens"
steps = 12
seeds = [1]
design = "sobol"
samples = 32
[parameters.demand_growth_scale]
low = 0.2
high = 2.5
[parameters.regulator_strictness_scale]
low = 0.0
high = 2.0
[fixed]
n_small_labs = 15
"""
    config = load_sweep_config(write_config(tmp_path, text))
    table, files = run_sensitivity(config, tmp_path / "out", executor="serial")
    assert all(path.exists() for path in files)
    idle = table[table["outcome"] == "idle_share_last_12m"].set_index("parameter")
    assert idle.loc["demand_growth_scale", "ST"] > idle.loc["regulator_strictness_scale", "ST"]
    assert set(table["outcome"]) == {"market_hhi_2027", "idle_share_last_12m"}
    # in the baseline Microsoft keeps OpenAI exclusive (its supplier HHI is 10,000 in every run), and no lab breaches
    # a contract within 12 months: those outcomes cannot vary, and say so
    assert table.attrs["left_out"] == {"OpenAI's supplier HHI": "it cannot vary in this design: every run gave 10,000",
                                       "breaches": "it cannot vary in this design: every run gave 0"}
    assert "Left out: **breaches**" in (tmp_path / "out" / "sobol_indices.md").read_text()


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_each_experiment_writes_its_figures_and_report(tmp_path, name):
    report = EXPERIMENTS[name](tmp_path / name, seeds=(3,), quick=True)
    text = report.read_text()
    figures = list((tmp_path / name).glob("*.png"))
    assert figures and all(path.stat().st_size > 10_000 for path in figures)
    assert f"compute-market experiment {name}" in text and "seeds**: 3" in text and "git commit" in text
    for figure in figures:
        assert f"]({figure.name})" in text
    data = list((tmp_path / name).glob("*.parquet"))  # the runs' data beside the report
    assert data and all(f"`{path.name}`" in text for path in data) and len(pd.read_parquet(data[0])) > 0
    results = text.split("## Set-up")[1].split("## Figures")[0]
    assert not re.search(r"\de[+-]\d", results)  # numbers for people, never 5.95e+03
    assert "| seed |" not in results  # means over seeds never average the seed ids


def test_numbers_in_reports_are_for_people():
    from experiments.scripted.common import human
    assert [human(v) for v in (5950.3, 0.0342, 59_500_000.0, 2.346, 1800, 0.0, float("nan"), "AWS")] == \
        ["5,950", "0.034", "59.5M", "2.35", "1,800", "0", "–", "AWS"]


def test_a_heat_map_whose_cells_barely_differ_says_no_effect_instead_of_spreading_colours():
    """Cells 3,000 / 3,001 / 3,002 / 3,003 (a 0.1% spread) would fill the whole palette; the panel says "no
    effect". Cells 1,000 to 4,000 are coloured, with a colour bar."""
    from experiments.scripted.common import subplots
    from experiments.scripted.regulator_policy import heat_map

    flat = pd.DataFrame([[3000.0, 3001.0], [3002.0, 3003.0]], index=[1000, 2500], columns=[0.0, 1.0])
    fig, (a, b) = subplots(1, 2)
    heat_map(fig, a, flat, "HHI")
    heat_map(fig, b, pd.DataFrame([[1000.0, 3001.0], [3002.0, 4000.0]], index=flat.index, columns=flat.columns),
             "HHI")
    assert "no effect" in a.get_title() and "no effect" not in b.get_title()
    assert len(fig.axes) == 3  # the two panels and one colour bar, for the panel with an effect
    assert [t.get_text() for t in a.texts] == ["3,000", "3,001", "3,002", "3,003"]


def test_a_sweeps_scenario_may_be_a_file_beside_the_sweep_file(tmp_path):
    (tmp_path / "mine.toml").write_text('name = "mine"\ndescription = "m"\nsteps = 6\n')
    config = load_sweep_config(write_config(tmp_path, GRID.replace('name = "grid"', 'name = "grid"\nscenario = "mine.toml"')))
    assert config.scenario == str((tmp_path / "mine.toml").resolve())


@pytest.mark.parametrize(("edit", "message"), [
    # a 10^9-point design is counted, not allocated: 1,000 values of each of three parameters (grid) ...
    ("grid", r"the design has 2,000,000,000 runs \(1,000,000,000 points x 2 seeds\), more than the 1,000,000"),
    # ... or 10^9 Sobol samples over two parameters: 10^9 x (2 + 2) points
    ("sobol", r"the design has 8,000,000,000 runs \(4,000,000,000 points x 2 seeds\)"),
    ("seed", r"a seed must be at most 2\^63 - 1, got 18446744073709551616"),
])
def test_a_design_too_large_or_a_seed_beyond_64_bits_is_refused_before_anything_is_allocated(tmp_path, edit, message):
    values = "values = [" + ", ".join(f"{0.001 * i:.3f}" for i in range(1000)) + "]"
    text = {"grid": GRID.replace("values = [0.5, 2.0]", values).replace("values = [0.5, 1.5]", values)
                        + f"[parameters.reserve_margin]\n{values}\n",
            "sobol": GRID.replace('design = "grid"', 'design = "sobol"\nsamples = 1000000000')
                         .replace("values = [0.5, 2.0]", "low = 0.5\nhigh = 2.0")
                         .replace("values = [0.5, 1.5]", "low = 0.5\nhigh = 1.5"),
            "seed": GRID.replace("seeds = [1, 2]", "seeds = [1, 18446744073709551616]")}[edit]
    text = text.replace("[fixed]\nn_small_labs = 15\n", "") + "[fixed]\nn_small_labs = 15\n" if edit == "grid" else text
    with pytest.raises(SweepConfigError, match=message):
        load_sweep_config(write_config(tmp_path, text))


def test_an_unreachable_dask_scheduler_is_one_line_within_seconds_and_nothing_is_written(tmp_path):
    port = free_port()  # nothing listens there
    config = write_config(tmp_path, GRID)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "experiments.cli", "sweep", str(config), "--executor", "dask",
                           "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr[-500:]
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: no answer within 5 s" in done.stderr
    assert not out.exists()


def test_resume_refuses_a_sweep_whose_scenario_changed_since_it_started(tmp_path):
    """Issue #12: the fingerprint covers the scenario's content, so an edited scenario file cannot be resumed into
    results made with the old one."""
    scenario = tmp_path / "mine.toml"
    scenario.write_text('name = "mine"\ndescription = "m"\nsteps = 4\n')
    text = GRID.replace('name = "grid"', 'name = "grid"\nscenario = "mine.toml"').replace("steps = 10", "steps = 4")
    config = load_sweep_config(write_config(tmp_path, text))
    run_sweep(config, tmp_path / "out", executor="serial")
    scenario.write_text('name = "mine"\ndescription = "m"\nsteps = 4\n[parameters]\nreserve_margin = 0.3\n')
    with pytest.raises(OutputError, match="holds a different sweep"):
        run_sweep(load_sweep_config(write_config(tmp_path, text)), tmp_path / "out", executor="serial", resume=True)
