"""Stepping speed of both engines on generated markets of growing size (`make bench`).

Times the nine phases of each step only (not set-up, not the DataCollector and per-agent records), medians
over repeats; prints a table and writes benchmarks/results.csv: ms per step, eligible-edge updates per second,
peak memory, and the vectorized/agents speed ratio where both run. Then the default scenario's 72 months, and
a 2-process sweep against the serial one.

    .venv/bin/python benchmarks/step_benchmark.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import resource
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
SIZES = [  # (labs, providers)
    (100, 20), (1_000, 50), (1_000, 200), (10_000, 200), (10_000, 1_000), (30_000, 1_000), (100_000, 1_000)]
AGENTS_UP_TO_LABS = 1_000  # the per-agent engine is too slow beyond this to be worth timing
EDGES_PER_LAB = 20


def time_steps(labs: int, providers: int, engine: str, warmup: int, steps: int, seed: int = 1) -> dict:
    """Median ms per step of the phases alone, after `warmup` steps (contracts accumulate)."""
    from model import ComputeMarket

    model = ComputeMarket(market="generated", n_small_labs=labs, generated_providers=providers,
                          small_lab_eligible_providers=EDGES_PER_LAB, generated_vendors=4, rng=seed, engine=engine,
                          agent_record_every=10**6)
    for _ in range(warmup):
        model.step()
    per_step = []
    for _ in range(steps):
        before = sum(model.phase_seconds.values())
        model.step()
        per_step.append(sum(model.phase_seconds.values()) - before)
    return {"ms_per_step": 1000 * statistics.median(per_step), "edges": int(model.state.edges.lab.size),
            "contracts": len(model.state.contracts),
            "phases_ms": {k: 1000 * v / (warmup + steps) for k, v in model.phase_seconds.items()}}


def run_in_child(function, *args):
    """Run in a fresh process so peak memory (ru_maxrss) is that run's own."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_measured, (function, *args))


def _measured(function, *args):
    result = function(*args)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def default_scenario_seconds() -> float:
    from model import ComputeMarket

    model = ComputeMarket(rng=42)
    for _ in range(72):
        model.step()
    return sum(model.phase_seconds.values())


def sweep_speedup(tmp: Path) -> tuple[float, float]:
    from experiments.sweep import run_sweep
    from experiments.sweep_config import load_sweep_config

    config = tmp / "bench.toml"
    config.write_text('name = "bench"\nsteps = 72\nseeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\n'
                      'design = "grid"\n[parameters.demand_growth_scale]\nvalues = [0.8, 1.2]\n')
    spec = load_sweep_config(config)
    rates = []
    for executor, workers in (("serial", None), ("processes", 2)):
        summary = run_sweep(spec, tmp / executor, executor=executor, workers=workers)
        rates.append(summary.runs_per_second)
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (seconds)")
    args = parser.parse_args()
    sizes = [s for s in SIZES if s[0] <= 10_000] if args.quick else SIZES
    rows = []
    print(f"{'labs':>8} {'providers':>9} {'edges':>10} {'contracts':>10} {'engine':>10} {'ms/step':>10} "
          f"{'edge-upd/s':>12} {'peak MB':>8} {'speed-up':>9}")
    for labs, providers in sizes:
        warmup, steps = (6, 5) if labs <= 10_000 else (3, 3)
        fast = run_in_child(time_steps, labs, providers, "vectorized", warmup, steps)
        results = [("vectorized", fast)]
        if labs <= AGENTS_UP_TO_LABS:
            results.append(("agents", run_in_child(time_steps, labs, providers, "agents", 2, 2)))
        for engine, r in results:
            ratio = (results[1][1]["ms_per_step"] / fast["ms_per_step"]) if engine == "agents" else float("nan")
            row = {"labs": labs, "providers": providers, "edges": r["edges"], "contracts": r["contracts"],
                   "engine": engine, "ms_per_step": round(r["ms_per_step"], 2),
                   "edge_updates_per_s": round(r["edges"] / (r["ms_per_step"] / 1000)),
                   "peak_mb": round(r["peak_mb"]), "agents_over_vectorized": round(ratio, 1),
                   **{f"phase_ms.{k}": round(v, 2) for k, v in r["phases_ms"].items()}}
            rows.append(row)
            print(f"{labs:>8} {providers:>9} {r['edges']:>10} {r['contracts']:>10} {engine:>10} "
                  f"{row['ms_per_step']:>10.1f} {row['edge_updates_per_s']:>12,} {row['peak_mb']:>8} "
                  f"{'' if engine == 'vectorized' else f'{ratio:,.0f}x':>9}", flush=True)
    big = [r for r in rows if r["engine"] == "vectorized" and r["providers"] == 1_000]
    if len(big) >= 2:
        import math
        a, b = big[0], big[-1]
        slope = math.log(b["ms_per_step"] / a["ms_per_step"]) / math.log(b["edges"] / a["edges"])
        print(f"scaling with edges ({a['labs']:,} -> {b['labs']:,} labs, 1,000 providers): log-log slope {slope:.2f}")
    print(f"default scenario (baseline), 72 months: {default_scenario_seconds():.2f} s of stepping")
    with tempfile.TemporaryDirectory() as tmp:
        serial, parallel = sweep_speedup(Path(tmp))
    print(f"sweep throughput: serial {serial:.2f} runs/s, 2 processes {parallel:.2f} runs/s "
          f"({parallel / serial:.2f}x)")
    out = HERE / "results.csv"
    with open(out, "w", newline="") as handle:
        columns = list(dict.fromkeys(key for row in rows for key in row))  # first-seen order
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(f"written {out}")


if __name__ == "__main__":
    sys.exit(main())
