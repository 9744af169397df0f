"""The `compute-market` command line."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import typer
from typer.exceptions import Abort, Exit, TyperException

# Each command imports what it uses when it runs, so `--help`, `scenarios` and argument errors do not pay for
# Mesa, pandas, dask or matplotlib (issue #12: `--help` in under 0.3 s).

app = typer.Typer(help="compute-market: an agent-based model of the AI compute market.",
                  add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)


class UsageProblem(ValueError):
    """Bad input from the user: printed as one line, exit code 2."""


@app.callback()
def options(allow_paths: bool = typer.Option(
        False, "--allow-paths", help="Let a scenario's `extends` and a sweep's `scenario` name files outside the "
                                     "scenario library and the naming file's folder (refused by default).")) -> None:
    """compute-market: an agent-based model of the AI compute market."""
    if allow_paths:
        from model.scenario import ALLOW_PATHS
        os.environ[ALLOW_PATHS] = "1"  # read where the files are resolved, in this process and its workers


@app.command()
def run(
    scenario: str = typer.Option("baseline", help="Scenario name from `compute-market scenarios`, or a TOML path."),
    steps: int = typer.Option(None, help="Months to simulate (default: the scenario's, 72 for baseline)."),
    seed: int = typer.Option(42, help="The run's seed: every random stream derives from it."),
    engine: str = typer.Option("vectorized", help="Step engine: 'vectorized' (fast) or 'agents' (reference)."),
    out: Path = typer.Option(Path("runs/latest"), help="Folder for timeseries/agents/contracts Parquet, GraphML and "
                                                       "manifest.json (created; an earlier run there is replaced "
                                                       "only with --overwrite)."),
    without: list[str] = typer.Option([], help="Drop a scenario event by id (a counterfactual); repeatable."),
    overwrite: bool = typer.Option(False, help="Replace an earlier run in --out (a folder with other files is "
                                               "always refused)."),
    ensemble: int = typer.Option(0, help="Run N members, each a parameter set drawn from the scenario's fitted "
                                         "posterior with its own seed, and report every headline as median and "
                                         "5-95% band (writes ensemble.parquet and bands.parquet)."),
    executor: str = typer.Option("serial", help="With --ensemble: serial | processes | dask."),
    workers: int = typer.Option(None, help="With --ensemble: worker processes."),
) -> None:
    """Run a scenario, print its headline results, and write its records to --out."""
    from model.engines import ENGINES
    if engine not in ENGINES:
        raise UsageProblem(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if steps is not None and steps < 1:
        raise UsageProblem(f"--steps must be a positive number of months, got {steps}")
    if seed < 0:
        raise UsageProblem(f"--seed must not be negative, got {seed}")
    if ensemble < 0 or ensemble > 10_000:
        raise UsageProblem(f"--ensemble must be a number of members from 1 to 10,000 (0: one run), got {ensemble}")
    import mesa  # noqa: F401  before the rest: Mesa's import costs more with every module loaded (see `app`)

    from model import load_scenario

    if ensemble:
        return run_ensemble_command(scenario, without, ensemble, seed, steps, executor, workers, out, overwrite)
    from .manifest import run_manifest
    from .outputs import RUN_FILES, check_output_dir, write_run
    from .run import run_scenario
    from .summary import print_summary
    spec = load_scenario(scenario)
    if without:
        spec = spec.without(*without)
    check_output_dir(out, "run", overwrite, files=RUN_FILES)
    result = run_scenario(spec, steps=steps, seed=seed, engine=engine)
    manifest = run_manifest(result.model, stepping_seconds=round(result.stepping_seconds, 6),
                            without=list(without))
    risk = result.model.risk()  # DebtRank over the final state: computed once for the files and the summary
    write_run(result.model, out, manifest, risk)
    print_summary(result.model, result.stepping_seconds, out=out, risk=risk)


def run_ensemble_command(scenario, without, members, seed, steps, executor, workers, out, overwrite) -> None:
    from model import load_scenario

    from .ensemble import posterior_draws, run_ensemble, write_ensemble
    from .manifest import git_commit, package_versions
    from .outputs import check_output_dir
    from .summary import print_ensemble
    spec = load_scenario(scenario)
    if without:
        spec = spec.without(*without)
    fit, _ = posterior_draws(spec, 1, seed)  # refuses a scenario without a fitted posterior before any run
    check_output_dir(out, "run-ensemble", overwrite)
    frame, band = run_ensemble(spec, members, seed, steps, executor, workers)
    write_ensemble(frame, band, out, {"scenario": spec.name, "fit": fit, "members": members, "seed": seed,
                                      "without": list(without), "versions": package_versions(), "git": git_commit()})
    print_ensemble(spec.name, fit, members, band)
    print(f"Results written to {out}")


@app.command()
def compare(
    run_a: Path = typer.Argument(..., help="Folder of the first run (e.g. the replay)."),
    run_b: Path = typer.Argument(..., help="Folder of the second run (e.g. the counterfactual)."),
    dates: str = typer.Option("", help="Comma-separated months YYYY-MM (default: every December and the end)."),
) -> None:
    """Print the differences in headline metrics between two runs at chosen dates."""
    from rich.table import Table

    from .compare import compare_ensembles, compare_runs, is_ensemble
    from .summary import wide_console
    chosen = [d.strip() for d in dates.split(",") if d.strip()] or None
    if is_ensemble(run_a) or is_ensemble(run_b):
        if not (is_ensemble(run_a) and is_ensemble(run_b)):
            raise UsageProblem("compare two ensembles (run --ensemble) or two runs, not one of each")
        return print_ensemble_comparison(run_a, run_b, compare_ensembles(run_a, run_b, chosen))
    table, warnings = compare_runs(run_a, run_b, chosen)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    console = wide_console()
    view = Table(title=f"A = {run_a}   B = {run_b}")
    for column in ("metric", "date", "A", "B", "B - A"):
        view.add_column(column, justify="left" if column in ("metric", "date") else "right")
    for row in table.itertuples(index=False):
        view.add_row(row.metric, row.date, f"{row.A:,.4g}", f"{row.B:,.4g}", f"{row[4]:+,.4g}")
    console.print(view)


def print_ensemble_comparison(run_a: Path, run_b: Path, table) -> None:
    from rich.table import Table

    from .summary import wide_console
    view = Table(title=f"A = {run_a}   B = {run_b}   (ensembles on common random numbers: medians over members; "
                       "the effect B - A as median [5%-95%] of the paired differences)")
    for column in ("metric", "date", "A", "B", "B - A"):
        view.add_column(column, justify="left" if column in ("metric", "date") else "right")
    for row in table.itertuples(index=False):
        view.add_row(row.metric, row.date, f"{row.A:,.4g}", f"{row.B:,.4g}",
                     f"{row.effect_p50:+,.4g} [{row.effect_p05:+,.4g} to {row.effect_p95:+,.4g}]")
    wide_console().print(view)


@app.command("contracts-report")
def contracts_report_command(
    run_a: Path = typer.Argument(..., help="Folder of the first run (e.g. aws-openai-2025)."),
    run_b: Path = typer.Argument(..., help="Folder of the second run (e.g. endogenous-2025)."),
    start: str = typer.Option("2025-01", "--from", help="First month (YYYY-MM)."),
    end: str = typer.Option("2025-12", "--to", help="Last month (YYYY-MM)."),
    out: Path = typer.Option(None, help="Also write the markdown report to this file."),
    overwrite: bool = typer.Option(False, help="Replace the file --out if it exists."),
) -> None:
    """Compare the contracts two runs signed in a period: count, size distribution, terms, who with whom."""
    from model.units import month_to_index

    from .compare import contracts_report
    from .outputs import OutputError, check_output_dir, write_file_atomic
    for month in (start, end):
        month_to_index("2000-01", month)
    if out is not None:
        if out.is_dir():
            raise OutputError(f"--out {out} is a folder: give a file name for the report")
        if out.exists() and not overwrite:
            raise OutputError(f"--out {out} exists: add --overwrite to replace it")
        check_output_dir(out.parent)
    report = contracts_report(run_a, run_b, start, end, names=(run_a.name, run_b.name))
    print(report)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_file_atomic(out, lambda path: path.write_text(report))


@app.command("app")
def serve_app(
    scenario: str = typer.Option("baseline", help="Scenario shown first (name or TOML path)."),
    seed: int = typer.Option(42, help="Seed shown first."),
    host: str = typer.Option("127.0.0.1", help="Address to serve on (localhost by default)."),
    port: int = typer.Option(8765, help="Port to serve on."),
    max_sessions: int = typer.Option(16, help="Browser sessions served at once (each holds a model); more wait."),
    run: list[Path] = typer.Option(None, "--run", help="A finished run folder (run or run --ensemble) to show in the "
                                                        "'Compare runs' tab; give two to compare them."),
    deal: Path = typer.Option(None, "--deal", help="A deal assessment folder (assess-deal --out) to show in the "
                                                   "'Deal assessment' tab."),
) -> None:
    """Serve the interactive Solara view (open http://HOST:PORT in a browser)."""
    from model import load_scenario
    load_scenario(scenario)
    runs = list(run or [])
    if len(runs) > 2:
        raise UsageProblem(f"--run may be given at most twice (two runs side by side), got {len(runs)}")
    # Mesa before Solara (which viz imports): each Mesa module names its logger with inspect.stack(), which looks up
    # the module of every frame on the import stack among all those loaded (python/cpython#92041), so Mesa's
    # import took 0.3-0.6 s longer after Solara's 1,200 modules (this machine, 2026-12-02)
    import mesa  # noqa: F401

    from viz.compare_view import RUNS_ENV, read_run_folder
    for side, folder in zip("AB", runs):
        read_run_folder(folder, side)  # refuses a folder that is not a finished run, naming it
    from viz.deal_view import DEAL_ENV, read_deal_folder
    if deal is not None:
        read_deal_folder(deal)  # refuses a folder that is not a finished assessment, naming it
    if not 0 < port < 65536:
        raise UsageProblem(f"--port must be between 1 and 65535, got {port}")
    if seed < 0:
        raise UsageProblem(f"--seed must not be negative, got {seed}")
    from viz.offline_assets import missing_packages
    missing = missing_packages()
    if missing:
        raise UsageProblem("the page's assets are not installed (" + ", ".join(missing) + "): run "
                           f"`{sys.executable} -m viz.offline_assets` (make venv does it)")
    if max_sessions < 1:
        raise UsageProblem(f"--max-sessions must be at least 1, got {max_sessions}")
    os.environ.update(COMPUTE_MARKET_SCENARIO=scenario, COMPUTE_MARKET_SEED=str(seed),
                      **{RUNS_ENV: os.pathsep.join(str(folder.resolve()) for folder in runs),
                         DEAL_ENV: str(deal.resolve()) if deal is not None else ""})
    print(f"compute-market view on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    from viz.serve import serve
    serve(host, port, max_sessions)


@app.command()
def sweep(
    config: Path = typer.Argument(..., help="Sweep file (TOML): design, parameter ranges, seeds (see docs/sweeps.md)."),
    executor: str = typer.Option("processes", help="serial | processes | dask."),
    scheduler: str = typer.Option(None, help="tcp://HOST:PORT of a running Dask scheduler (with --executor dask); "
                                             "without it, dask starts a local cluster."),
    workers: int = typer.Option(None, help="Worker processes (processes, local dask); default: the CPUs."),
    out: Path = typer.Option(Path("runs/sweep"), help="Folder for results/, timeseries/ and manifest.json."),
    resume: bool = typer.Option(False, help="Continue a sweep in --out: skip finished runs, retry failed ones."),
) -> None:
    """Run a parameter sweep (grid, Latin hypercube or Sobol, crossed with seeds), streaming results to disk."""
    from .sweep import print_sweep_summary, run_sweep
    from .sweep_config import load_sweep_config
    spec = load_sweep_config(config)
    summary = run_sweep(spec, out, executor=executor, workers=workers, scheduler=scheduler, resume=resume)
    print_sweep_summary(summary)


@app.command()
def sensitivity(
    config: Path = typer.Argument(None, help="Sweep file with design = 'sobol' (default: the packaged one over the "
                                             "key parameters, experiments/configs/sensitivity.toml)."),
    executor: str = typer.Option("processes", help="serial | processes | dask."),
    scheduler: str = typer.Option(None, help="tcp://HOST:PORT of a running Dask scheduler."),
    workers: int = typer.Option(None, help="Worker processes."),
    out: Path = typer.Option(Path("runs/sensitivity"), help="Folder for the runs, the table and the figure."),
    resume: bool = typer.Option(False, help="Continue an interrupted sensitivity sweep in --out."),
    samples: int = typer.Option(None, help="Sobol base samples (runs: samples x (parameters + 2) x seeds; a power "
                                           "of 2); default: the file's."),
    steps: int = typer.Option(None, help="Months per run; default: the file's."),
    quick: bool = typer.Option(False, help="A small design to try it: 8 base samples, 12 months, the first seed."),
) -> None:
    """Sobol indices (SALib) of market HHI at 2027, OpenAI's supplier HHI, idle share and breaches."""
    from .sensitivity import DEFAULT_CONFIG, run_sensitivity
    from .sweep_config import load_sweep_config, resized
    spec = load_sweep_config(DEFAULT_CONFIG if config is None else config)
    spec = resized(spec, samples=8 if quick and samples is None else samples,
                   steps=12 if quick and steps is None else steps, seeds=spec.seeds[:1] if quick else None)
    table, files = run_sensitivity(spec, out, executor=executor, workers=workers, scheduler=scheduler, resume=resume)
    print(table.pivot_table(index="parameter", columns="outcome_label", values="ST").round(3).to_string())
    for label, why in table.attrs.get("left_out", {}).items():
        print(f"left out: {label}: {why}")
    print("written: " + ", ".join(str(f) for f in files))


@app.command()
def explore(
    sweep: Path = typer.Argument(..., help="A finished sweep's folder (compute-market sweep --out)."),
    outcome: str = typer.Option(..., help="The outcome whose runs of interest PRIM explains (a results column)."),
    above: float = typer.Option(None, help="Runs of interest: the outcome above this."),
    below: float = typer.Option(None, help="Runs of interest: the outcome below this."),
    out: Path = typer.Option(Path("runs/explore"), help="Folder for explore.md, the figures and box.csv."),
    overwrite: bool = typer.Option(False, help="Replace an earlier explore output in --out."),
) -> None:
    """Envelopes over a sweep's runs and the PRIM box of parameter ranges behind an outcome threshold."""
    from .explore import explore as run_explore
    found = run_explore(sweep, outcome, out, above=above, below=below, overwrite=overwrite)
    print(f"{found['of_interest']:,} of {found['runs']:,} runs of interest; PRIM box: coverage "
          f"{found['coverage']:.0%}, density {found['density']:.0%}")
    print(found["limits"].to_string(index=False) if len(found["limits"]) else "the box restricts no parameter")
    print(f"report: {found['report']}")


def seeds_and_steps(seeds: str, steps: int | None) -> tuple[int, ...]:
    """The seeds of a comma-separated list, after checking them and the number of months."""
    try:
        seed_list = tuple(int(s) for s in seeds.split(",") if s.strip())
    except ValueError:
        raise UsageProblem(f"--seeds must be comma-separated whole numbers, got {seeds!r}") from None
    if not seed_list or min(seed_list) < 0:
        raise UsageProblem(f"--seeds must be whole numbers of 0 or more, got {seeds!r}")
    if steps is not None and steps < 1:
        raise UsageProblem(f"--steps must be a positive number of months, got {steps}")
    return seed_list


@app.command("assess-deal")
def assess_deal_command(
    scenario: str = typer.Argument(..., help="Scenario (name or TOML path) that holds the deal."),
    without: list[str] = typer.Option(..., "--without", help="The deal's event id: the counterfactual drops it "
                                      "(repeatable, for a deal of several events)."),
    seeds: str = typer.Option("1,2,3,4", help="Comma-separated seeds, the same in every arm."),
    draws: int = typer.Option(0, help="Parameter sets drawn from the scenario's fitted posterior (0: the fitted set)."),
    efficiency: float = typer.Option(None, help="Stated efficiency of a merger or acquisition, a share of unit cost "
                                     "(default: the file's); adds an arm with it."),
    steps: int = typer.Option(None, help="Months to simulate (default: the scenario's)."),
    executor: str = typer.Option("serial", help="serial | processes | dask."),
    workers: int = typer.Option(None, help="Worker processes."),
    out: Path = typer.Option(Path("runs/deal"), help="Folder for report.md, the figures and the data."),
    quick: bool = typer.Option(False, help="One seed: a first look in a minute."),
    overwrite: bool = typer.Option(False, help="Replace an earlier assessment in --out."),
) -> None:
    """Assess a deal: the competition screens and effects beside the systemic-risk view, with and without it."""
    from .assess_deal import assess_deal
    seed_list = seeds_and_steps(seeds, steps)
    found = assess_deal(scenario, without, out, seeds=seed_list, draws=draws, efficiency=efficiency, steps=steps,
                        executor=executor, workers=workers, quick=quick, overwrite=overwrite)
    print(found["headline"])
    print(f"report: {found['report']}")


@app.command()
def experiment(
    name: str = typer.Argument(..., help="aws_openai_deal | concentration_risk | overcapacity | regulator_policy."),
    out: Path = typer.Option(..., help="Folder for the figures and report.md."),
    seeds: str = typer.Option("1,2", help="Comma-separated seeds."),
    steps: int = typer.Option(None, help="Months to simulate (default: the experiment's)."),
    executor: str = typer.Option("serial", help="serial | processes | dask."),
    workers: int = typer.Option(None, help="Worker processes."),
    quick: bool = typer.Option(False, help="A small version (one seed, fewer cells) that runs in seconds."),
    overwrite: bool = typer.Option(False, help="Replace an earlier output of this command in --out."),
) -> None:
    """Run a scripted experiment: its runs, PNG figures and a markdown report with the commands to reproduce it."""
    from .outputs import check_output_dir
    from .scripted import EXPERIMENTS
    if name not in EXPERIMENTS:
        raise UsageProblem(f"unknown experiment {name!r} (choose from {', '.join(EXPERIMENTS)})")
    seed_list = seeds_and_steps(seeds, steps)
    check_output_dir(out, "experiment", overwrite)
    kwargs = {"seeds": seed_list, "executor": executor, "workers": workers, "quick": quick, "overwrite": overwrite}
    if steps is not None:
        kwargs["steps"] = steps
    report = EXPERIMENTS[name](out, **kwargs)
    print(f"report: {report}")


@app.command()
def calibrate(
    config: Path = typer.Argument(..., help="Calibration file (TOML): priors, targets, seeds, budget "
                                            "(see docs/calibration.md)."),
    executor: str = typer.Option("processes", help="serial | processes | dask."),
    scheduler: str = typer.Option(None, help="tcp://HOST:PORT of a running Dask scheduler (with --executor dask)."),
    workers: int = typer.Option(None, help="Worker processes (processes, local dask); default: 2."),
    out: Path = typer.Option(Path("runs/calibration"), help="Folder for history.db (the resumable pyabc history), "
                                                            "the posterior, the fit, diagnostics and NAME.toml."),
    resume: bool = typer.Option(False, help="Continue the calibration in --out from its last whole generation."),
) -> None:
    """Fit the free parameters to 2025's figures by ABC-SMC (pyabc): posterior, fit with bands, diagnostics."""
    from .calibrate.config import load_calibration_config
    from .calibrate.report import write_report
    from .calibrate.smc import run_calibration
    if executor not in ("serial", "processes", "dask"):
        raise UsageProblem(f"unknown executor {executor!r} (choose from serial, processes, dask)")
    if scheduler and executor != "dask":
        raise UsageProblem("--scheduler only goes with --executor dask")
    if workers is not None and workers < 1:
        raise UsageProblem(f"--workers must be at least 1, got {workers}")
    spec = load_calibration_config(config)
    run_calibration(spec, out, executor=executor, workers=workers, scheduler=scheduler, resume=resume,
                    progress=lambda line: print(line, file=sys.stderr, flush=True))
    files = write_report(spec, out)
    print(files["report"].read_text().split("## Convergence")[0])
    print("written: " + ", ".join(str(f) for f in files.values()))


@app.command()
def backtest(
    cutoff: str = typer.Option(..., help="The month (YYYY-MM, 2025-02 to 2025-12) that splits the past (fitted to) "
                                         "from the future (scored)."),
    config: Path = typer.Option(Path(__file__).parent / "configs" / "fit-2025.toml",
                                help="Calibration file whose priors are fitted (its targets before the cutoff)."),
    executor: str = typer.Option("processes", help="serial | processes | dask."),
    workers: int = typer.Option(None, help="Worker processes."),
    out: Path = typer.Option(Path("runs/backtest"), help="Folder for backtest.md, the score tables and the "
                                                         "calibration on the past."),
    quick: bool = typer.Option(False, help="A small calibration (12 particles, 2 generations, one seed)."),
    overwrite: bool = typer.Option(False, help="Replace an earlier backtest in --out."),
) -> None:
    """Calibrate on data before --cutoff, run the replay past it, and score what it makes against what happened."""
    import tempfile

    from .backtest import backtest_markdown, run_backtest
    from .calibrate.config import load_calibration_config
    from .manifest import git_commit, package_versions
    from .outputs import check_output_dir, write_staged
    spec = load_calibration_config(config)
    check_output_dir(out, "backtest", overwrite)
    with tempfile.TemporaryDirectory(prefix=".backtest-", dir=Path(out).absolute().parent) as work:
        tables = run_backtest(spec, cutoff, Path(work), executor=executor, workers=workers, quick=quick,
                              progress=lambda line: print(line, file=sys.stderr, flush=True))

        def write(staging: Path) -> None:
            for name, table in tables.items():
                table.to_csv(staging / f"{name}.csv", index=False)
            (staging / "backtest.md").write_text(backtest_markdown(cutoff, tables, quick))
        write_staged(out, "backtest", write, {"cutoff": cutoff, "config": str(config), "calibration": spec.model_dump(),
                                              "quick": quick, "executor": executor, "versions": package_versions(),
                                              "git": git_commit()})
    print((Path(out) / "backtest.md").read_text())


@app.command()
def validate(
    seeds: str = typer.Option("1-5", help="Seeds, as '1-5' or '1,2,3'."),
    scenario: list[str] = typer.Option([], help="Scenario to hold against 2025; repeatable (default: the replay "
                                                "and its endogenous twin, aws-openai-2025 and endogenous-2025)."),
    engine: str = typer.Option("vectorized", help="Step engine: 'vectorized' or 'agents'."),
    out: Path = typer.Option(Path("runs/validation"), help="Folder for validation.md, validation.csv and "
                                                           "manifest.json."),
    overwrite: bool = typer.Option(False, help="Replace an earlier validation in --out."),
) -> None:
    """Hold the model against 2025's real figures: real, model median and 5-95% band over seeds, error."""
    from model.engines import ENGINES
    if engine not in ENGINES:
        raise UsageProblem(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    from model import load_scenario

    from .outputs import check_output_dir
    from .validation import FILES, SCENARIOS, collect, parse_seeds, print_validation, write_validation
    scenario = list(scenario) or list(SCENARIOS)
    seed_list = parse_seeds(seeds)
    for name in scenario:
        load_scenario(name)
    check_output_dir(out, "validate", overwrite, files=FILES)
    table = collect(tuple(scenario), seed_list, engine,
                    progress=lambda name, seed: print(f"  ran {name} seed {seed}", file=sys.stderr))
    files = write_validation(table, out, seed_list, scenario, engine)
    print_validation(table)
    print("written: " + ", ".join(str(f) for f in files))


@app.command()
def scenarios() -> None:
    """List the scenario library with a one-line description each."""
    from model import load_scenario, scenario_names
    for name in scenario_names():
        print(f"{name}: {load_scenario(name).description}")


class Terminated(BaseException):
    """SIGTERM: unwinds like Ctrl-C, so staging folders are removed and workers stopped on the way out."""


def _terminate(signum, frame) -> None:
    raise Terminated


def main() -> None:
    """Entry point: bad input becomes one line on stderr and a non-zero exit, never a traceback; SIGINT and
    SIGTERM stop cleanly (exit 130 and 143) with nothing half-written."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(standalone_mode=False)
    except ValueError as problem:  # UsageProblem and every input error of the model and experiments
        fail(str(problem))
    except PermissionError as problem:
        fail(f"cannot write: {problem}")
    except OSError as problem:  # a path that is a folder, a full disk...: one line, never a traceback
        fail(f"{problem.filename}: {problem.strerror}" if problem.filename else str(problem.strerror or problem))
    except TyperException as problem:
        fail(problem.format_message())
    except Exit as done:
        sys.exit(done.exit_code)
    except (Abort, KeyboardInterrupt):
        fail("interrupted", code=130)
    except Terminated:
        fail("terminated", code=143)
    if isinstance(code, int) and code == 130:  # typer returns Ctrl-C as an exit code when not standalone
        fail("interrupted", code=130)
    if isinstance(code, int) and code:
        sys.exit(code)


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, then exit."""
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
