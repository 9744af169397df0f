"""Every kind of bad input in one table (issue #12): each is given to the command line as a user would, and each
must give a non-zero exit and one line on stderr that names what is wrong, with no traceback and nothing written.

Each row: (id, the command's arguments, the files it needs {name: text}, a fragment the message must hold).
`{dir}` in an argument is the test's folder; `OUT` is the output folder that must not appear.
"""

import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("compute-market")
SCENARIO = 'name = "s"\ndescription = "d"\nsteps = 6\n'
CONTRACT = ('[[events]]\nid = "deal"\ndate = "2025-03"\ntype = "contract"\nseller = "AWS"\nbuyer = "OpenAI"\n'
            'quantity_h100e = 1000\nprice_usd_per_h100e_hour = 2.0\nduration_months = 12\nramp_months = 2\n')
SWEEP = ('name = "w"\nsteps = 2\nseeds = [1, 2]\ndesign = "grid"\n'
         '[parameters.demand_growth_scale]\nvalues = [0.5, 1.5]\n')


def scenario_with(extra: str, head: str = SCENARIO) -> dict:
    return {"s.toml": head + extra}


def sweep_with(old: str, new: str) -> dict:
    return {"w.toml": SWEEP.replace(old, new)}


CALIBRATION = ('name = "c"\nseeds = [1]\npopulation_size = 4\ngenerations = 1\n'
               '[parameters.demand_growth_scale]\nlow = 0.5\nhigh = 2.0\nreason = "ESTIMATE: a range"\n'
               '[[targets]]\nfigure = "AWS cloud share, quarter to 2025-12 (%)"\n')


def calibration_with(old: str, new: str) -> dict:
    return {"c.toml": CALIBRATION.replace(old, new)}


RUN = ["run", "--steps", "2", "--out", "OUT"]
CAL = ["calibrate", "{dir}/c.toml", "--executor", "serial", "--out", "OUT"]
SCEN = ["run", "--scenario", "{dir}/s.toml", "--out", "OUT"]
SWP = ["sweep", "{dir}/w.toml", "--executor", "serial", "--out", "OUT"]

CASES = [
    # the run command's arguments
    ("unknown scenario", ["run", "--scenario", "nowhere", "--out", "OUT"], {}, "unknown scenario 'nowhere'"),
    ("unknown engine", [*RUN, "--engine", "turbo"], {}, "unknown engine 'turbo'"),
    ("zero steps", ["run", "--steps", "0", "--out", "OUT"], {}, "--steps must be a positive number of months, got 0"),
    ("negative steps", ["run", "--steps", "-3", "--out", "OUT"], {}, "got -3"),
    ("negative seed", [*RUN, "--seed", "-1"], {}, "--seed must not be negative, got -1"),
    ("ensemble without a fitted posterior", [*SCEN, "--ensemble", "3"], scenario_with(""),
     "has no fitted posterior to draw from"),
    ("ensemble of negative size", [*RUN, "--ensemble", "-2"], {}, "--ensemble must be a number of members"),
    ("steps past the longest horizon", ["run", "--steps", "100000", "--out", "OUT"], {},
     "the horizon must be a whole number of months from 1 to 240, got 100000"),
    ("scenario steps past the longest horizon", SCEN, {"s.toml": SCENARIO.replace("steps = 6", "steps = 1000000000")},
     "field steps: Input should be less than or equal to 240 (value: 1000000000)"),
    ("sweep steps past the longest horizon", SWP, sweep_with("steps = 2", "steps = 5000"),
     "less than or equal to 240"),
    ("steps not a number", ["run", "--steps", "many", "--out", "OUT"], {}, "Invalid value for '--steps'"),
    ("unknown event to drop", [*RUN, "--without", "nope"], {}, "has no event 'nope'"),
    ("scenario file missing", ["run", "--scenario", "{dir}/none.toml", "--out", "OUT"], {}, "none.toml does not exist"),
    ("scenario path a folder", ["run", "--scenario", "{dir}/sub.toml", "--out", "OUT"], {"sub.toml/x": ""},
     "sub.toml is a folder, not a TOML file"),
    # scenario files
    ("scenario not TOML", SCEN, {"s.toml": "name = ["}, "not valid TOML"),
    ("scenario unknown key", SCEN, scenario_with("colour = 3\n"), "colour"),
    ("scenario without description", SCEN, {"s.toml": 'name = "s"\n'}, "description"),
    ("unknown parameter", SCEN, scenario_with("[parameters]\nwarp_factor = 2\n"), "unknown parameter 'warp_factor'"),
    ("parameter of the wrong kind", SCEN, scenario_with("[parameters]\nramp_months = 2.5\n"),
     "parameter 'ramp_months' must be int, got 2.5"),
    ("parameter not finite", SCEN, scenario_with("[parameters]\ndemand_noise_sd = nan\n"),
     "parameter 'demand_noise_sd' must be a finite number, got nan"),
    ("parameter infinite", SCEN, scenario_with("[parameters]\nreserve_margin = inf\n"),
     "parameter 'reserve_margin' must be a finite number, got inf"),
    ("parameter negative", SCEN, scenario_with("[parameters]\ndemand_growth_scale = -1\n"),
     "parameter 'demand_growth_scale' must be at least 0, got -1.0"),
    ("zero temperature", SCEN, scenario_with("[parameters]\nlogit_temperature = 0\n"),
     "parameter 'logit_temperature' must be above 0, got 0.0"),
    ("share above one", SCEN, scenario_with("[parameters]\nmin_contract_share = 1.5\n"),
     "parameter 'min_contract_share' must be at least 0 and at most 1, got 1.5"),
    ("zero rounds", SCEN, scenario_with("[parameters]\nnegotiation_rounds = 0\n"),
     "parameter 'negotiation_rounds' must be at least 1, got 0"),
    ("lead time past its buffer", SCEN, scenario_with("[parameters]\nvendor_expansion_lead_months = 30\n"),
     "must be at least 1 and at most 23, got 30"),
    ("event type unknown", SCEN, scenario_with(CONTRACT.replace('"contract"', '"earthquake"')), "earthquake"),
    ("event month 13", SCEN, scenario_with(CONTRACT.replace('"2025-03"', '"2025-13"')), "2025-13"),
    ("event after the horizon", SCEN, scenario_with(CONTRACT.replace('"2025-03"', '"2026-03"')),
     "event 'deal' is dated 2026-03, after the scenario's horizon (6 months from 2025-01)"),
    ("event value not a number", SCEN, scenario_with(CONTRACT.replace("= 1000", '= "lots"')), "'lots'"),
    ("event value not finite", SCEN, scenario_with(CONTRACT.replace("= 1000", "= nan")), "finite"),
    ("ramp longer than term", SCEN, scenario_with(CONTRACT.replace("ramp_months = 2", "ramp_months = 20")),
     "ramp_months must not exceed duration_months"),
    ("contract term past the longest", SCEN,
     scenario_with(CONTRACT.replace("duration_months = 12", "duration_months = 10000000000")),
     "Input should be less than or equal to 600"),
    ("ramp parameter past the longest term", SCEN, scenario_with("[parameters]\nramp_months = 100000\n"),
     "parameter 'ramp_months' must be at least 0 and at most 600, got 100000"),
    ("event ids twice", SCEN, scenario_with(CONTRACT + CONTRACT), "event id 'deal' appears twice"),
    ("event with an unknown seller", SCEN, scenario_with(CONTRACT.replace('"AWS"', '"Amazing Cloud"')),
     "field 'seller' has value 'Amazing Cloud'"),
    ("start for an unknown lab", SCEN, scenario_with("[start.labs.Nobody]\ncash_usd_bn = 1\n"),
     "no lab named 'Nobody'"),
    ("start field unknown", SCEN, scenario_with("[start.labs.OpenAI]\nmood = 1\n"),
     "field 'mood' is not a numeric field of labs"),
    ("start value negative", SCEN, scenario_with("[start.labs.OpenAI]\ncash_usd_bn = -5\n"), "which is negative"),
    ("start whole number a fraction", SCEN, scenario_with("[start.labs.OpenAI]\ncontract_months = 36.5\n"),
     "has value 36.5, which is not a whole number"),
    ("start contract length zero", SCEN, scenario_with("[start.labs.OpenAI]\ncontract_months = 0\n"),
     "field 'contract_months' has value 0.0, outside its valid range 1 to 600"),
    ("start share above one", SCEN, scenario_with("[start.providers.AWS]\nreliability = 1.5\n"),
     "field 'reliability' has value 1.5, outside its valid range 0 to 1"),
    ("start yes/no field 2", SCEN, scenario_with("[start.labs.OpenAI]\ndefaulted = 2\n"), "a yes/no field"),
    ("extends outside its folder", SCEN, {"s.toml": 'extends = "../x.toml"\n' + SCENARIO, "../x.toml": SCENARIO},
     "is neither a library scenario nor a file in"),
    ("extends itself", SCEN, {"s.toml": 'extends = "s.toml"\n' + SCENARIO}, "extends itself"),
    # output folders
    ("out is a file", ["run", "--steps", "2", "--out", "{dir}/file"], {"file": "x"}, "is not a folder"),
    ("out below a file", ["run", "--steps", "2", "--out", "{dir}/file/below"], {"file": "x"}, "cannot be created"),
    ("out holds other files", ["run", "--steps", "2", "--out", "{dir}/mine"], {"mine/notes.txt": "x"},
     "holds files this command did not write (notes.txt)"),
    ("out holds an earlier run", ["run", "--steps", "2", "--out", "{dir}/old"], {"old/manifest.json": "{}"},
     "holds an earlier output: add --overwrite"),
    ("run out onto a validation", ["run", "--steps", "2", "--out", "{dir}/v"],
     {"v/manifest.json": '{"output_of": "validate", "files": ["validation.csv"]}', "v/validation.csv": "x"},
     "holds files this command did not write (validation.csv)"),
    ("experiment out holds other files", ["experiment", "overcapacity", "--quick", "--out", "{dir}/mine"],
     {"mine/notes.txt": "x"}, "holds files this command did not write (notes.txt)"),
    ("experiment out holds an earlier one", ["experiment", "overcapacity", "--quick", "--out", "{dir}/old"],
     {"old/manifest.json": '{"output_of": "experiment", "files": ["report.md"]}', "old/report.md": "x"},
     "holds an earlier output: add --overwrite"),
    ("report out a folder", ["contracts-report", "{dir}/a", "{dir}/b", "--out", "{dir}/folder"], {"folder/x": ""},
     "is a folder: give a file name"),
    ("report out exists", ["contracts-report", "{dir}/a", "{dir}/b", "--out", "{dir}/r.md"], {"r.md": "mine"},
     "exists: add --overwrite to replace it"),
    ("sweep out holds other files", ["sweep", "{dir}/w.toml", "--out", "{dir}/mine"],
     {"w.toml": SWEEP, "mine/notes.txt": "x"}, "holds files a sweep did not write (notes.txt)"),
    ("explore a folder that is not a sweep", ["explore", "{dir}", "--outcome", "breaches", "--above", "1", "--out",
                                              "OUT"], {}, "not a sweep folder (no manifest.json and results/)"),
    ("sensitivity with no samples", ["sensitivity", "--samples", "0", "--out", "OUT"], {},
     "--samples: Input should be greater than or equal to 1 (value: 0)"),
    ("sensitivity of too many months", ["sensitivity", "--steps", "999", "--out", "OUT"], {},
     "--steps: Input should be less than or equal to 240 (value: 999)"),
    ("sensitivity out holds other files", ["sensitivity", "--out", "{dir}/mine"], {"mine/notes.txt": "x"},
     "holds files a sweep did not write (notes.txt)"),
    # sweep files
    ("sweep file missing", ["sweep", "{dir}/none.toml", "--out", "OUT"], {}, "sweep file"),
    ("sweep path a folder", ["sweep", "{dir}/w.toml", "--out", "OUT"], {"w.toml/x": ""}, "is a folder, not a TOML"),
    ("sweep not TOML", SWP, {"w.toml": "name = ["}, "not valid TOML"),
    ("sweep unknown parameter", SWP, sweep_with("demand_growth_scale]", "warp_factor]"),
     "unknown parameter 'warp_factor'"),
    ("sweep value out of range", SWP, sweep_with("[0.5, 1.5]", "[0.5, -2.0]"), "must be at least 0, got -2.0"),
    ("sweep value not finite", SWP, sweep_with("[0.5, 1.5]", "[0.5, nan]"), "finite"),
    ("sweep seeds twice", SWP, sweep_with("[1, 2]", "[1, 1]"), "seeds must be distinct"),
    ("sweep seed beyond 64 bits", SWP, sweep_with("[1, 2]", "[1, 18446744073709551616]"), "at most 2^63 - 1"),
    ("sweep design too large", SWP, {"w.toml": SWEEP.replace('design = "grid"', 'design = "lhs"\nsamples = 2000000')
                                     .replace("values = [0.5, 1.5]", "low = 0.5\nhigh = 1.5")},
     "the design has 4,000,000 runs"),
    ("sweep grid without values", SWP, sweep_with("values = [0.5, 1.5]", "low = 0.5\nhigh = 1.5"),
     "a grid needs values"),
    ("sweep bounds reversed", SWP, {"w.toml": SWEEP.replace('design = "grid"', 'design = "lhs"')
                                    .replace("values = [0.5, 1.5]", "low = 1.5\nhigh = 0.5")}, "is below low"),
    ("sweep scenario outside its folder", SWP, sweep_with('name = "w"', 'name = "w"\nscenario = "../../etc/passwd"'),
     "is neither a library scenario nor a file in"),
    ("sweep unknown executor", ["sweep", "{dir}/w.toml", "--executor", "quantum", "--out", "OUT"], {"w.toml": SWEEP},
     "quantum"),
    # calibration files
    ("calibration file missing", ["calibrate", "{dir}/none.toml", "--out", "OUT"], {}, "calibration file"),
    ("calibration not TOML", CAL, {"c.toml": "name = ["}, "not valid TOML"),
    ("calibration unknown parameter", CAL, calibration_with("demand_growth_scale]", "warp_factor]"),
     "unknown parameter 'warp_factor'"),
    ("calibration prior reversed", CAL, calibration_with("high = 2.0", "high = 0.2"), "must be above low"),
    ("calibration prior outside the valid range", CAL, calibration_with("low = 0.5", "low = -1.0"),
     "parameter 'demand_growth_scale' must be at least 0, got -1.0"),
    ("calibration prior not finite", CAL, calibration_with("high = 2.0", "high = inf"), "finite"),
    ("calibration prior without a reason", CAL, calibration_with('reason = "ESTIMATE: a range"\n', ""),
     "field parameters.demand_growth_scale.reason: Field required"),
    ("calibration unknown figure", CAL, calibration_with("AWS cloud share", "Amazing cloud share"),
     "unknown figure 'Amazing cloud share, quarter to 2025-12 (%)'"),
    ("calibration zero weight", CAL, calibration_with("(%)\"\n", "(%)\"\nweight = 0\n"), "greater than 0"),
    ("calibration population of one", CAL, calibration_with("population_size = 4", "population_size = 1"),
     "greater than or equal to 2"),
    ("calibration unknown executor", ["calibrate", "{dir}/c.toml", "--executor", "quantum", "--out", "OUT"],
     {"c.toml": CALIBRATION}, "unknown executor 'quantum'"),
    ("backtest cutoff month 13", ["backtest", "--cutoff", "2025-13", "--out", "OUT"], {}, "2025-13"),
    ("backtest cutoff outside 2025", ["backtest", "--cutoff", "2024-06", "--out", "OUT"], {},
     "--cutoff must be a month from 2025-02 to 2025-12"),
    # other commands
    ("validate bad seeds", ["validate", "--seeds", "x", "--out", "OUT"], {}, "'x'"),
    ("validate unknown engine", ["validate", "--engine", "turbo", "--out", "OUT"], {}, "unknown engine 'turbo'"),
    ("validate unknown scenario", ["validate", "--scenario", "nowhere", "--out", "OUT"], {}, "unknown scenario"),
    ("report bad month", ["contracts-report", "{dir}", "{dir}", "--from", "2025-13", "--out", "OUT/r.md"], {},
     "2025-13"),
    ("experiment unknown", ["experiment", "nothing", "--out", "OUT"], {}, "unknown experiment 'nothing'"),
    ("experiment bad seeds", ["experiment", "overcapacity", "--seeds", "-1", "--out", "OUT"], {},
     "--seeds must be whole numbers of 0 or more"),
    ("app port out of range", ["app", "--port", "70000"], {}, "--port must be between 1 and 65535, got 70000"),
    ("app negative seed", ["app", "--seed", "-1"], {}, "--seed must not be negative, got -1"),
    ("app run folder missing", ["app", "--run", "{dir}/nowhere"], {}, "nowhere: not a run folder (no such folder)"),
    ("app run folder not a run", ["app", "--run", "{dir}"], {}, "not a run folder (no timeseries.parquet or"),
    ("app three run folders", ["app", "--run", "{dir}", "--run", "{dir}", "--run", "{dir}"], {},
     "--run may be given at most twice"),
    ("app deal folder not an assessment", ["app", "--deal", "{dir}"], {}, "not a deal assessment folder"),
    ("assess-deal unknown event", ["assess-deal", "{dir}/s.toml", "--without", "nope", "--out", "OUT"],
     scenario_with(CONTRACT), "has no event 'nope'"),
    ("assess-deal no event", ["assess-deal", "{dir}/s.toml", "--out", "OUT"], scenario_with(CONTRACT),
     "--without"),
    ("assess-deal efficiency of a contract", ["assess-deal", "{dir}/s.toml", "--without", "deal", "--efficiency",
                                              "0.1", "--out", "OUT"], scenario_with(CONTRACT),
     "an efficiency is for mergers and acquisitions"),
    ("assess-deal negative draws", ["assess-deal", "{dir}/s.toml", "--without", "deal", "--draws", "-1", "--out",
                                    "OUT"], scenario_with(CONTRACT), "--draws must be 0 or more"),
    ("assess-deal unknown scenario", ["assess-deal", "nowhere", "--without", "x", "--out", "OUT"], {},
     "unknown scenario"),
]


def test_the_table_holds_at_least_40_kinds_of_bad_input():
    assert len(CASES) >= 40 and len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(("args", "files", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_non_zero_no_traceback_and_nothing_written(tmp_path, args, files, message):
    work = tmp_path / "work"
    work.mkdir()
    for name, text in files.items():
        path = (work / name).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    out = tmp_path / "OUT"
    argv = [a.replace("{dir}", str(work)).replace("OUT", str(out)) for a in args]
    done = subprocess.run([str(EXE), *argv], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0, done.stdout[-300:]
    assert "Traceback" not in done.stderr and len(lines) == 1, done.stderr[-600:]
    assert message in lines[0], lines[0]
    assert not out.exists()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written or changed
