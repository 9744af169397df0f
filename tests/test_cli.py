"""The command line: outputs, manifest, and one-line errors for bad input with nothing half-written."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.outputs import RUN_FILES

EXE = Path(sys.executable).with_name("compute-market")


def cli(*args, cwd=None):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "baseline"
    result = cli("run", "--scenario", "baseline", "--steps", "6", "--seed", "9", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result


def test_run_writes_all_five_files_and_prints_a_summary(run_dir):
    out, result = run_dir
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    assert "Headline results" in result.stdout and "Largest contracts" in result.stdout
    assert "Revenue share, AWS" in result.stdout
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert len(timeseries) == 7 and timeseries["date"].iloc[-1] == "2025-06"
    assert {"kind", "name", "month_index"} <= set(pd.read_parquet(out / "agents.parquet").columns)
    contracts = pd.read_parquet(out / "contracts.parquet")
    assert {"seller_name", "buyer_name", "status", "proposed_month", "value_usd_bn"} <= set(contracts.columns)


def test_run_prints_the_clearing_beside_debtrank_as_its_risk_file_has_it(run_dir):
    out, result = run_dir
    nodes = pd.read_parquet(out / "risk.parquet")
    short = nodes[nodes["clearing_shortfall_usd_bn"] > 1e-9]
    printed = " ".join(result.stdout.split())  # the console wraps long lines
    assert "Clearing of the coming year's obligations (Eisenberg-Noe):" in printed
    if len(short):
        assert f"${short['clearing_shortfall_usd_bn'].sum():,.1f}B short at {len(short)} of them" in printed
    else:
        assert "every node pays in full" in printed


def test_manifest_names_seed_commit_parameters_and_versions(run_dir):
    out, _ = run_dir
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 9 and manifest["engine"] == "vectorized" and manifest["steps"] == 6
    assert manifest["scenario"]["name"] == "baseline"
    assert len(manifest["git"]["commit"]) == 40 or manifest["git"]["commit"] == "unknown"
    assert manifest["parameters"]["ramp_months"] == 3
    assert {"mesa", "numpy", "python"} <= set(manifest["versions"])


def test_same_seed_same_outputs(run_dir, tmp_path):
    out, _ = run_dir
    again = tmp_path / "again"
    assert cli("run", "--steps", "6", "--seed", "9", "--out", str(again)).returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"),
                                  pd.read_parquet(again / "timeseries.parquet"))


@pytest.mark.parametrize(("args", "message"), [
    (["--scenario", "nowhere"], "unknown scenario 'nowhere'"),
    (["--engine", "turbo"], "unknown engine 'turbo'"),
    (["--steps", "0"], "--steps must be a positive number of months, got 0"),
    (["--steps", "-3"], "--steps must be a positive number of months, got -3"),
])
def test_bad_input_is_one_line_non_zero_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    result = cli("run", *args, "--out", str(out))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_unwritable_output_folder_is_refused_and_existing_files_survive(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "keep.txt").write_text("precious")
    locked.chmod(0o500)
    # root ignores folder modes; /sys refuses new files even to root
    target = Path("/sys/compute-market-test") if os.geteuid() == 0 else locked / "run"
    try:
        result = cli("run", "--steps", "2", "--out", str(target))
    finally:
        locked.chmod(0o700)
    assert result.returncode != 0
    assert "not writable" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (locked / "keep.txt").read_text() == "precious"
    assert not target.exists()


def test_output_path_that_is_a_file_or_below_one_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = cli("run", "--steps", "2", "--out", str(target))
    assert result.returncode != 0 and "is not a folder" in result.stderr
    result = cli("run", "--steps", "2", "--out", str(target / "below"))
    assert result.returncode != 0 and "cannot be created" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert target.read_text() == "x"


def test_a_failure_while_writing_leaves_earlier_outputs_intact(tmp_path, baseline_24):
    from experiments.outputs import write_run

    class Broken:
        def __getattr__(self, name):
            return getattr(baseline_24, name)

        def contract_table(self):
            raise RuntimeError("disk on fire")

    out = tmp_path / "out"
    write_run(baseline_24, out, {"seed": 7})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_run(Broken(), out, {"seed": 8})
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_help_explains_every_option():
    result = cli("run", "--help")
    assert result.returncode == 0
    for option in ("--scenario", "--steps", "--seed", "--engine", "--out", "--without"):
        assert option in result.stdout


def test_scenarios_lists_the_library():
    result = cli("scenarios")
    assert result.returncode == 0 and "baseline" in result.stdout


@pytest.fixture(scope="module")
def replay_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pair")
    with_deal, without_deal = folder / "replay", folder / "no-aws"
    for out, extra in ((with_deal, []), (without_deal, ["--without", "openai-aws-2025-11"])):
        result = cli("run", "--scenario", "aws-openai-2025", "--steps", "14", "--seed", "3", "--out", str(out), *extra)
        assert result.returncode == 0, result.stderr
    return with_deal, without_deal


def test_without_drops_the_event_and_compare_shows_its_effect(replay_pair):
    with_deal, without_deal = replay_pair
    manifest = json.loads((without_deal / "manifest.json").read_text())
    assert manifest["without"] == ["openai-aws-2025-11"]
    assert "openai-aws-2025-11" not in manifest["scenario"]["events"]
    result = cli("compare", str(with_deal), str(without_deal), "--dates", "2025-12,2026-02")
    assert result.returncode == 0, result.stderr
    line = next(row for row in result.stdout.splitlines() if "AWS backlog" in row and "2025-12" in row)
    assert float(line.split("│")[-2].replace(",", "")) < -30  # B - A: about the deal's $38B
    assert "OpenAI supplier HHI" in result.stdout and "Idle share" in result.stdout


def test_compare_warns_about_different_seeds_and_refuses_missing_dates(replay_pair, run_dir):
    with_deal, _ = replay_pair
    baseline, _ = run_dir
    result = cli("compare", str(with_deal), str(baseline), "--dates", "2025-06")
    assert result.returncode == 0 and "different seeds" in result.stderr
    result = cli("compare", str(with_deal), str(baseline), "--dates", "2031-01")
    assert result.returncode != 0 and "date 2031-01 is not in both runs" in result.stderr
    result = cli("compare", str(with_deal), "/nonexistent/run")
    assert result.returncode != 0 and "is not a run folder" in result.stderr


def test_contracts_report_compares_the_contracts_signed_in_a_period(replay_pair, tmp_path):
    with_deal, without_deal = replay_pair
    report = tmp_path / "report.md"
    result = cli("contracts-report", str(with_deal), str(without_deal), "--from", "2025-01", "--to", "2025-12",
                 "--out", str(report))
    assert result.returncode == 0, result.stderr
    text = report.read_text()
    assert text.strip() == result.stdout.strip()
    assert "| contracts |" in text and "## Size distribution" in text
    assert "| OpenAI | AWS | 1 | 38.0 |" in text


def test_risk_tables_are_written(replay_pair):
    with_deal, _ = replay_pair
    risk = pd.read_parquet(with_deal / "risk.parquet")
    assert {"name", "kind", "debtrank", "compute_at_risk_share"} <= set(risk.columns)
    assert risk["debtrank"].between(0, 1).all()
    cycles = pd.read_parquet(with_deal / "circular_flows.parquet")
    assert (cycles["value_usd_bn"] > 0).all() and len(cycles) > 0


def test_a_scenario_path_and_a_malformed_file(tmp_path):
    from model.scenario import SCENARIO_DIR
    good = tmp_path / "mine.toml"
    good.write_text((SCENARIO_DIR / "chip-shortage.toml").read_text())
    assert cli("run", "--scenario", str(good), "--steps", "2", "--out", str(tmp_path / "ok")).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text((SCENARIO_DIR / "chip-shortage.toml").read_text().replace("factor = 0.5", "factor = -1"))
    result = cli("run", "--scenario", str(bad), "--steps", "2", "--out", str(tmp_path / "bad"))
    assert result.returncode != 0 and "bad.toml" in result.stderr and "factor" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "bad").exists()


HEAVY = ("mesa", "solara", "dask", "matplotlib", "pandas", "pyarrow", "networkx")


@pytest.mark.parametrize("argv", [["--help"], ["scenarios"], ["run", "--engine", "x"], ["run", "--steps", "0"],
                                  ["validate", "--engine", "x"], ["sweep", "--help"]])
def test_help_scenarios_and_argument_errors_import_none_of_the_heavy_libraries(argv):
    """Start-up (issue #12): a command imports only what it uses, so help, the scenario list and a refused
    argument load none of Mesa, Solara, Dask, matplotlib, pandas, pyarrow or networkx."""
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: print('loaded:', [m for m in {HEAVY!r} if m in sys.modules]))\n"
            "from experiments.cli import main\n"
            f"sys.argv = ['compute-market', *{argv!r}]\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "loaded: []" in done.stdout, (done.stdout[-300:], done.stderr[-300:])


def test_out_onto_other_files_is_refused_and_onto_an_earlier_run_needs_overwrite(tmp_path):
    """Issue #12: --out onto a folder with the user's own files is refused (they stay as they were); onto an
    earlier run it needs --overwrite, and then the new run replaces it; a killed run's staging folder is cleared."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    result = cli("run", "--steps", "2", "--out", str(mine))
    assert result.returncode == 2 and "holds files this command did not write (notes.txt)" in result.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"] and len(result.stderr.strip().splitlines()) == 1
    out = tmp_path / "run"
    assert cli("run", "--steps", "2", "--seed", "1", "--out", str(out)).returncode == 0
    (out / ".staging-killed").mkdir()
    again = cli("run", "--steps", "2", "--seed", "2", "--out", str(out))
    assert again.returncode == 2 and "holds an earlier output: add --overwrite" in again.stderr
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    assert cli("run", "--steps", "2", "--seed", "2", "--out", str(out), "--overwrite").returncode == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)


def test_allow_paths_lets_extends_and_a_sweeps_scenario_reach_outside_their_folder(tmp_path):
    """Issue #12: `extends` and a sweep's `scenario` resolve only in the library or the naming file's folder,
    unless `--allow-paths` is given (then the run and a processes sweep, whose workers resolve it too, work)."""
    (tmp_path / "base.toml").write_text('name = "b"\ndescription = "d"\nsteps = 2\n')
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "s.toml").write_text('extends = "../base.toml"\nname = "s"\ndescription = "d"\nsteps = 2\n')
    (inner / "w.toml").write_text('name = "w"\nscenario = "../base.toml"\nsteps = 2\nseeds = [1, 2]\n'
                                  'design = "grid"\n[parameters.demand_growth_scale]\nvalues = [1.0]\n')
    refused = cli("run", "--scenario", str(inner / "s.toml"), "--out", str(tmp_path / "r1"))
    assert refused.returncode == 2 and "--allow-paths allows other files" in refused.stderr
    assert cli("--allow-paths", "run", "--scenario", str(inner / "s.toml"), "--out", str(tmp_path / "r2")).returncode == 0
    refused = cli("sweep", str(inner / "w.toml"), "--out", str(tmp_path / "w1"))
    assert refused.returncode == 2 and "field scenario: '../base.toml' is neither" in refused.stderr
    allowed = cli("--allow-paths", "sweep", str(inner / "w.toml"), "--workers", "2", "--out", str(tmp_path / "w2"))
    assert allowed.returncode == 0, allowed.stderr
    assert "runs done 2, failed 0" in allowed.stdout
