"""What the scripted experiments share: running tasks on an executor, and writing the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from ..executors import make_executor
from ..manifest import git_commit, package_versions
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


def run_tasks(tasks: list[RunTask], executor: str = "serial", workers: int | None = None) -> dict[int, dict]:
    """{run_id: result} for every task; a failed run stops the experiment with its error."""
    results = {}
    with make_executor(executor, workers=workers) as pool:
        for result in pool.map_unordered(run_task, tasks):
            if result["row"]["status"] != "ok":
                raise RuntimeError(f"run {result['row']['run_id']} failed: {result['row']['error']}")
            results[result["row"]["run_id"]] = result
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
    fig.tight_layout()
    output.figures[name] = fig
    return name


def write_report(output: PendingOutput, name: str, title: str, question: str, setup: dict,
                 sections: list[tuple[str, str]], figures: list[str], seeds, steps: int, quick: bool) -> Path:
    """Write the figures and the markdown report (question, set-up, results, figures, how to reproduce it
    exactly) into the output folder at once; returns the report's path."""
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
    lines += ["", "## Reproduce", "", "```bash", command, "```", "", "```python",
              f"from experiments.scripted import {name}",
              f"{name}({str(out)!r}, seeds=({seeds_text},), steps={steps}, quick={quick})", "```", "",
              f"Code at git commit `{git['commit']}`" + (" (with uncommitted changes)" if git["dirty"] else "")
              + f"; {', '.join(f'{k} {v}' for k, v in package_versions().items())}; written "
              f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}."]
    manifest = {"experiment": name, "seeds": list(seeds), "steps": steps, "quick": quick,
                "setup": {key: str(value) for key, value in setup.items()}, "versions": package_versions(), "git": git}

    def write(staging: Path) -> None:
        for figure, fig in output.figures.items():
            fig.savefig(staging / figure, dpi=110)
        (staging / "report.md").write_text("\n".join(lines) + "\n")
    write_staged(out, "experiment", write, manifest)
    return out / "report.md"


def table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    """A small DataFrame as a markdown table (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(format(v, floatfmt) if isinstance(v, float) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])
