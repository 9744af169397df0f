"""`compute-market sensitivity`: Sobol indices (SALib) of the headline outcomes over the key parameters.

Runs a Sobol design with the sweep machinery (any executor), averages each outcome over seeds per design
point, and writes `sobol_indices.csv` (S1, ST and their confidence intervals per outcome and parameter), a
markdown table and `sobol_indices.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .outputs import write_file_atomic
from .scripted.common import human, stand_alone, subplots
from .store import ResultsStore
from .sweep import mean_by_point, run_sweep
from .sweep_config import SweepConfig, SweepConfigError, design_points, salib_problem

SENSITIVITY_OUTCOMES = {"market_hhi_2027": "market HHI at 2027 (contracted)",
                        "openai_supplier_hhi": "OpenAI's supplier HHI",
                        "idle_share_last_12m": "idle share (last 12 months)",
                        "breaches": "breaches"}
SENSITIVITY_FILES = ("sobol_indices.csv", "sobol_indices.md", "sobol_indices.png")
DEFAULT_CONFIG = Path(__file__).parent / "configs" / "sensitivity.toml"


def sobol_indices(config: SweepConfig, results: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """(S1 and ST with 95% confidence half-widths per outcome and parameter, {outcome left out: why}): an
    outcome that takes one value over the whole design has no variance to apportion and is left out."""
    from SALib.analyze import sobol

    problem = salib_problem(config)
    expected = len(design_points(config))
    rows, left_out = [], {}
    for outcome, label in SENSITIVITY_OUTCOMES.items():
        y = mean_by_point(results, outcome)
        if y.size != expected or not np.isfinite(y).all():
            raise ValueError(f"outcome {outcome!r}: {y.size} of {expected} design points have results "
                             "(failed runs?); resume the sweep first")
        if np.ptp(y) == 0:
            left_out[label] = f"it cannot vary in this design: every run gave {human(float(y[0]))}"
            continue
        indices = sobol.analyze(problem, y, calc_second_order=False, seed=config.design_seed)
        for i, name in enumerate(problem["names"]):
            rows.append({"outcome": outcome, "outcome_label": label, "parameter": name,
                         "S1": float(indices["S1"][i]), "S1_conf": float(indices["S1_conf"][i]),
                         "ST": float(indices["ST"][i]), "ST_conf": float(indices["ST_conf"][i])})
    return pd.DataFrame(rows, columns=["outcome", "outcome_label", "parameter", "S1", "S1_conf", "ST", "ST_conf"]), \
        left_out


def plot_indices(table: pd.DataFrame, config: SweepConfig, runs: int, path: Path) -> None:
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = subplots(1, max(len(outcomes), 1), figsize=(4.4 * max(len(outcomes), 1), 4.4))
    for ax, outcome in zip(np.atleast_1d(axes), outcomes):
        part = table[table["outcome"] == outcome]
        y = np.arange(len(part))
        ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order (S1)", color="#1f78b4")
        ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total (ST)", color="#fdb863")
        ax.set_yticks(y, part["parameter"], fontsize=8)
        ax.set_title(part["outcome_label"].iloc[0], fontsize=10)
        ax.set_xlabel("share of the outcome's variance (bars: 95% intervals)", fontsize=7)
        ax.set_xlim(left=min(0.0, float(part[["S1", "ST"]].min().min())))
    fig.legend(*np.atleast_1d(axes)[0].get_legend_handles_labels(), loc="upper right", ncol=2, fontsize=8)
    stand_alone(fig, f"Sobol sensitivity: {config.name}",
                "First-order (S1) and total (ST) Sobol indices: the share of each outcome's variance over the "
                "design that a parameter explains alone, and with its interactions (SALib).",
                str(config.scenario), config.seeds, config.steps, note=f"{runs:,} runs ({config.samples} base samples).")
    fig.savefig(path, dpi=110)


def run_sensitivity(config: SweepConfig, out: Path, executor="processes", workers=None, scheduler=None,
                    resume=False) -> tuple[pd.DataFrame, list[Path]]:
    if config.design != "sobol":
        raise SweepConfigError(f"sensitivity needs design = 'sobol' (the file has {config.design!r})")
    summary = run_sweep(config, out, executor=executor, workers=workers, scheduler=scheduler, resume=resume,
                        also_written=SENSITIVITY_FILES)
    table, left_out = sobol_indices(config, ResultsStore(out).read())
    out = Path(out)
    write_file_atomic(out / "sobol_indices.csv", lambda path: table.to_csv(path, index=False))
    write_file_atomic(out / "sobol_indices.png", lambda path: plot_indices(table, config, summary.total, path))
    lines = [f"# Sobol sensitivity: {config.name}", "",
             f"{summary.total} runs ({config.samples} base samples x {len(config.parameters) + 2}, seeds "
             f"{config.seeds}), scenario `{config.scenario}`, {config.steps} months.", "",
             "| outcome | parameter | S1 | ± | ST | ± |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.outcome_label} | {r.parameter} | {r.S1:.3f} | {r.S1_conf:.3f} | {r.ST:.3f} | {r.ST_conf:.3f} |"
              for r in table.itertuples()]
    lines += ["", *(f"Left out: **{label}**, {why}." for label, why in left_out.items())]
    write_file_atomic(out / "sobol_indices.md", lambda path: path.write_text("\n".join(lines) + "\n"))
    table.attrs["left_out"] = left_out
    return table, [out / "sobol_indices.csv", out / "sobol_indices.md", out / "sobol_indices.png"]
