"""What the scripted experiments share: running tasks on an executor (with progress), figures that stand alone
(title, definition, units, event marks, seed bands, a footer naming scenario, seeds, months and commit), numbers
for people, and writing the report with the runs' data beside it."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..executors import make_executor
from ..manifest import git_commit, package_versions, provenance_line
from ..outputs import check_output_dir, write_staged
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


def percent_axis(ax) -> None:
    """Shares (fractions) shown as percentages."""
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def mark_events(ax, scenario) -> None:
    """A dotted line at each of the scenario's large scripted deals and shocks, labelled (viz.frame's choice)."""
    from viz.frame import event_marker

    by_month: dict[str, list[str]] = {}
    for month, label, labelled in sorted(event_marker(event) for event in scenario.events):
        if labelled:
            by_month.setdefault(month, []).append(label)
    for month, labels in by_month.items():  # one label a month: events of one month would overprint
        when = pd.Timestamp(f"{month}-01")
        ax.axvline(when, color="#888", linestyle=":", linewidth=0.8, zorder=0)
        ax.text(when, 0.98, " " + "; ".join(labels), transform=ax.get_xaxis_transform(), rotation=90,
                fontsize=5.5, va="top", ha="right", color="#555")


def band(ax, frame: pd.DataFrame, column: str, label: str, colour=None, over: str = "seed") -> None:
    """The median over runs (`over`: seeds by default) of `column` by date, with the 5-95% band shaded when there
    are several."""
    grouped = frame.groupby("date")[column]
    dates = pd.to_datetime(list(grouped.groups))
    median = grouped.median().to_numpy()
    line, = ax.plot(dates, median, label=label, color=colour)
    if frame[over].nunique() > 1:
        ax.fill_between(dates, grouped.quantile(0.05).to_numpy(), grouped.quantile(0.95).to_numpy(),
                        color=line.get_color(), alpha=0.18, linewidth=0)


def stand_alone(fig, title: str, subtitle: str, scenario: str, seeds, steps: int, note: str = "") -> None:
    """Title and definition above, and a footer naming the scenario, seeds, months, code version (and `note`)."""
    git = git_commit()
    seeds = list(seeds)
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.925, subtitle, ha="left", va="top", fontsize=8, color="#444", wrap=True)
    fig.text(0.01, 0.01, f"Scenario {scenario}; seeds {', '.join(map(str, seeds))} "
             f"({'median and 5-95% band over seeds' if len(seeds) > 1 else 'one seed'}); {steps} months; "
             f"compute-market at {git['commit'][:10]}{' (uncommitted changes)' if git['dirty'] else ''}."
             + (f" {note}" if note else ""),
             fontsize=7, color="#666")
    fig.tight_layout(rect=(0, 0.04, 1, 0.88))


def run_tasks(tasks: list[RunTask], executor: str = "serial", workers: int | None = None,
              name: str = "experiment") -> dict[int, dict]:
    """{run_id: result} for every task, printing progress to stderr; a failed run stops the experiment."""
    results = {}
    with make_executor(executor, workers=workers) as pool:
        for result in pool.map_unordered(run_task, tasks):
            if result["row"]["status"] != "ok":
                raise RuntimeError(f"run {result['row']['run_id']} failed: {result['row']['error']}")
            results[result["row"]["run_id"]] = result
            print(f"{name}: {len(results)} of {len(tasks)} runs done", file=sys.stderr, flush=True)
    return results


@dataclass
class PendingOutput:
    """An experiment's output folder, checked before any run; its figures wait here until the report is
    written, and then the whole folder is written at once (`experiments.outputs.write_staged`)."""
    out: Path
    figures: dict = field(default_factory=dict)


def prepare(out: Path, overwrite: bool = False) -> PendingOutput:
    return PendingOutput(check_output_dir(Path(out), "experiment", overwrite))


def save(fig, output: PendingOutput, name: str) -> str:
    """Keep `fig` (laid out by `stand_alone`) to be written with the report as `name`."""
    output.figures[name] = fig
    return name


def write_report(output: PendingOutput, name: str, title: str, question: str, setup: dict,
                 sections: list[tuple[str, str]], figures: list[str], seeds, steps: int, quick: bool,
                 data: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the figures, the runs' data (`data`: NAME.parquet each) and the markdown report (question,
    set-up, results, figures, data, how to reproduce it exactly) into the output folder at once; returns the
    report's path."""
    data = data or {}
    out = output.out
    seeds_text = ",".join(str(s) for s in seeds)
    command = f"compute-market experiment {name} --out {out} --seeds {seeds_text} --steps {steps} --overwrite"
    command += " --quick" if quick else ""
    git = git_commit()
    lines = [f"# {title}", "", question, "", "## Set-up", ""]
    lines += [f"- **{key}**: {value}" for key, value in setup.items()]
    lines += [f"- **seeds**: {seeds_text}", f"- **months simulated**: {steps}"]
    for heading, body in sections:
        lines += ["", f"## {heading}", "", body]
    lines += ["", "## Figures", ""] + [f"![{figure}]({figure})" for figure in figures]
    if data:
        lines += ["", "## Data", ""] + [f"- `{key}.parquet`: {len(frame):,} rows ({', '.join(map(str, frame.columns[:8]))}"
                                         f"{', ...' if len(frame.columns) > 8 else ''})" for key, frame in data.items()]
    lines += ["", "## Reproduce", "", "```bash", command, "```", "", "```python",
              f"from experiments.scripted import {name}",
              f"{name}({str(out)!r}, seeds=({seeds_text},), steps={steps}, quick={quick})", "```", "",
              provenance_line(git)]
    manifest = {"experiment": name, "seeds": list(seeds), "steps": steps, "quick": quick,
                "setup": {key: str(value) for key, value in setup.items()}, "versions": package_versions(), "git": git}

    def write(staging: Path) -> None:
        for figure, fig in output.figures.items():
            fig.savefig(staging / figure, dpi=110)
        for key, frame in data.items():
            frame.to_parquet(staging / f"{key}.parquet", index=False)
        (staging / "report.md").write_text("\n".join(lines) + "\n")
    write_staged(out, "experiment", write, manifest)
    return out / "report.md"


def human(value) -> str:
    """A number for people: thousands separators, no exponents (5,950 not 5.95e+03; 0.034; 1.2M)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if not math.isfinite(value):
        return "–"
    size = abs(value)
    if size >= 1e7:
        return f"{value / 1e6:,.1f}M"
    if size >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.2f}"
    return f"{value:.2g}" if value else "0"


def table(frame: pd.DataFrame) -> str:
    """A small DataFrame as a markdown table, numbers for people (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(human(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])
