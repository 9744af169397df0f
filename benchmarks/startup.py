"""What a user waits for at the command line (issue #12): whole-process wall times, medians of three runs after a
warm-up, of `compute-market --help`, `scenarios`, a refused argument and a default `run` (baseline, 72 months,
process start to files written). Prints the table; the goals are `--help` <= 0.3 s and `run` <= 1.0 s. Then what a
process that only imports Mesa takes, and the run's months, which together are what the 1.0 s has to hold."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXE = Path(sys.executable).with_name("compute-market")


def wall_seconds(args: list[str], repeats: int = 3, exe: Path = EXE) -> float:
    subprocess.run([str(exe), *args], capture_output=True)  # warm-up: file cache, bytecode
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([str(exe), *args], capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("compute-market --help", ["--help"], 0.3), ("compute-market scenarios", ["scenarios"], None),
                 ("compute-market run --engine x (refused)", ["run", "--engine", "x"], None),
                 ("compute-market run (baseline, 72 months)",
                  ["run", "--out", str(Path(tmp) / "run"), "--overwrite"], 1.0)]
        print(f"{'command':<45} {'median s':>9} {'goal s':>7}")
        for label, args, goal in cases:
            print(f"{label:<45} {wall_seconds(args):>9.2f} {'' if goal is None else goal:>7}")
        # what the run's goal has to hold: a process that only imports Mesa, and the months as the run timed them
        mesa = wall_seconds(["-c", "import mesa"], exe=Path(sys.executable))
        stepping = json.loads((Path(tmp) / "run" / "manifest.json").read_text())["stepping_seconds"]
        print(f"of the run: a process that only imports Mesa {mesa:.2f} s; the 72 months with their records "
              f"{stepping:.2f} s (manifest.json)")


if __name__ == "__main__":
    main()
