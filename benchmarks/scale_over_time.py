"""Does a step's cost follow the contracts in force, not every contract ever signed? (`make bench`, issue #12)

Runs a generated market of 100,000 labs x 1,000 providers for 72 months on the vectorized engine and prints the
phases' time of each month (with the move of closed contracts to the archive) and the contracts the phases scan
and those in force, then the tenth month against
the last (the goal: the last no slower than the tenth) and the median over the run (goal <= 500 ms).

    .venv/bin/python benchmarks/scale_over_time.py [--labs N] [--months M]
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", type=int, default=100_000)
    parser.add_argument("--providers", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=72)
    args = parser.parse_args()
    from model import ComputeMarket
    from model.plan import PHASE_NAMES
    from model.records import ACTIVE, APPROVED, PROPOSED, UNDER_REVIEW

    started = time.perf_counter()
    model = ComputeMarket(market="generated", n_small_labs=args.labs, generated_providers=args.providers,
                          small_lab_eligible_providers=20, generated_vendors=4, rng=1, engine="vectorized",
                          agent_record_every=10**6, horizon_months=args.months)
    print(f"{args.labs:,} labs x {args.providers:,} providers, {args.months} months; set-up "
          f"{time.perf_counter() - started:.1f} s")
    print(f"{'month':>5} {'ms':>7} {'contracts kept':>15} {'in force':>9}")
    per_step, per_phase = [], {name: [] for name in PHASE_NAMES}
    for month in range(1, args.months + 1):
        before = sum(model.phase_seconds.values()) + model.bookkeeping_seconds
        phases_before = dict(model.phase_seconds)
        model.step()
        per_step.append(1000 * (sum(model.phase_seconds.values()) + model.bookkeeping_seconds - before))
        for name, seconds in model.phase_seconds.items():
            per_phase[name].append(1000 * (seconds - phases_before.get(name, 0.0)))
        c = model.state.contracts
        live = int(((c.status == ACTIVE) | (c.status == APPROVED) | (c.status == UNDER_REVIEW)
                    | (c.status == PROPOSED)).sum())
        if month in (1, 10) or month % 6 == 0:
            print(f"{month:>5} {per_step[-1]:>7.0f} {len(c):>15,} {live:>9,}")
    tenth = statistics.median(per_step[8:11])
    last = statistics.median(per_step[-3:])
    print(f"month 10 (median of 9-11): {tenth:.0f} ms; last (median of the last 3): {last:.0f} ms; "
          f"last/tenth {last / tenth:.2f} (goal <= 1.00); median over the run {statistics.median(per_step):.0f} ms "
          "(goal <= 500)")
    print("median ms per phase: " + ", ".join(f"{name} {statistics.median(times):.0f}"
                                              for name, times in per_phase.items()))
    print(f"contracts recorded {len(model.state.contracts) + len(model.state.contract_archive):,}, of which in the "
          f"archive {len(model.state.contract_archive):,}; moving them took {model.bookkeeping_seconds:.1f} s in all")


if __name__ == "__main__":
    main()
