"""What the scripted experiments share: running tasks on an executor, and writing the report."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from ..executors import make_executor
from ..manifest import git_commit, package_versions
from ..outputs import check_output_dir
from ..tasks import RunTask, run_task


def subplots(rows: int = 1, columns: int = 1, figsize=(10, 4)):
    """A figure and its axes, without pyplot's global state (no display backend needed)."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, columns)


def date_axis(ax) -> None:
    """Readable month ticks on a time axis."""
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def run_tasks(tasks: list[RunTask], executor: str = "serial", workers: int | None = None) -> dict[int, dict]:
    """{run_id: result} for every task; a failed run stops the experiment with its error."""
    results = {}
    with make_executor(executor, workers=workers) as pool:
        for result in pool.map_unordered(run_task, tasks):
            if result["row"]["status"] != "ok":
                raise RuntimeError(f"run {result['row']['run_id']} failed: {result['row']['error']}")
            results[result["row"]["run_id"]] = result
    return results


def prepare(out: Path) -> Path:
    out = check_output_dir(Path(out))
    out.mkdir(parents=True, exist_ok=True)
    return out


def save(fig, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    return name


def write_report(out: Path, name: str, title: str, question: str, setup: dict, sections: list[tuple[str, str]],
                 figures: list[str], seeds, steps: int, quick: bool) -> Path:
    """The markdown report: question, set-up, results, figures, and how to reproduce it exactly."""
    seeds_text = ",".join(str(s) for s in seeds)
    command = f"compute-market experiment {name} --out {out} --seeds {seeds_text} --steps {steps}"
    command += " --quick" if quick else ""
    git = git_commit()
    lines = [f"# {title}", "", question, "", "## Set-up", ""]
    lines += [f"- **{key}**: {value}" for key, value in setup.items()]
    lines += [f"- **seeds**: {seeds_text}", f"- **months simulated**: {steps}"]
    for heading, body in sections:
        lines += ["", f"## {heading}", "", body]
    lines += ["", "## Figures", ""] + [f"![{figure}]({figure})" for figure in figures]
    lines += ["", "## Reproduce", "", "```bash", command, "```", "", "```python",
              f"from experiments.scripted import {name}",
              f"{name}({str(out)!r}, seeds=({seeds_text},), steps={steps}, quick={quick})", "```", "",
              f"Code at git commit `{git['commit']}`" + (" (with uncommitted changes)" if git["dirty"] else "")
              + f"; {', '.join(f'{k} {v}' for k, v in package_versions().items())}; written "
              f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}."]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    """A small DataFrame as a markdown table (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(format(v, floatfmt) if isinstance(v, float) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])
