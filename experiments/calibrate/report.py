"""What a calibration writes: the posterior (each parameter's weighted 5/50/95%), the fit table (each target:
real, the model's band over posterior draws and seeds, error, within its scale or not, and its role), the
convergence diagnostics per generation, a pair plot, a markdown report, and the fitted parameter set (NAME.toml,
with its posterior particles in NAME.posterior.csv) that scenarios use by name once copied to `model/fits/`.

Every target of a calibration is marked **calibration target**: matching it is what was fitted, not a success of
the model; the other figures of `compute-market validate` stay predictions.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs import write_file_atomic
from ..scripted.common import subplots, table
from .simulate import simulator_for
from .smc import HISTORY
from .targets import resolve_targets

PREDICTIVE_DRAWS = 12  # posterior draws run again (with every seed) for the fit table's bands


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs=(0.05, 0.5, 0.95)) -> list[float]:
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return [float(np.interp(q, cumulative, values)) for q in qs]


def posterior(history) -> tuple[pd.DataFrame, np.ndarray]:
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    return frame, np.asarray(weights, dtype=float)


def write_report(config, out: Path) -> dict[str, Path]:
    """Write posterior.csv, fit.csv, diagnostics.csv, pairs.png, calibration.md and NAME.toml into `out`."""
    import pyabc

    out = Path(out)
    history = pyabc.History(f"sqlite:///{out / HISTORY}", _id=1)
    frame, weights = posterior(history)
    names = list(config.parameters)
    rows = []
    for name in names:
        p05, p50, p95 = weighted_quantiles(frame[name].to_numpy(), weights)
        prior = config.parameters[name]
        rows.append({"parameter": name, "p05": p05, "p50": p50, "p95": p95, "prior_low": prior.low,
                     "prior_high": prior.high, "band_over_prior": (p95 - p05) / (prior.high - prior.low),
                     "reason": prior.reason})
    post = pd.DataFrame(rows)
    fit = fit_table(config, frame, weights, post)
    diagnostics = diagnostics_table(history)
    files = {"posterior": out / "posterior.csv", "fit": out / "fit.csv", "diagnostics": out / "diagnostics.csv",
             "pairs": out / "pairs.png", "report": out / "calibration.md", "fitted": out / f"{config.name}.toml",
             "particles": out / f"{config.name}.posterior.csv"}
    write_file_atomic(files["posterior"], lambda path: post.to_csv(path, index=False))
    write_file_atomic(files["fit"], lambda path: fit.to_csv(path, index=False))
    write_file_atomic(files["diagnostics"], lambda path: diagnostics.to_csv(path, index=False))
    write_file_atomic(files["pairs"], lambda path: pair_plot(frame, weights, names, path))
    write_file_atomic(files["fitted"], lambda path: path.write_text(fitted_toml(config, post)))
    write_file_atomic(files["particles"], lambda path: frame[names].assign(weight=weights / weights.sum()).to_csv(
        path, index=False))  # what `run --ensemble` draws from
    write_file_atomic(files["report"], lambda path: path.write_text(markdown(config, post, fit, diagnostics)))
    return files


def fit_table(config, frame: pd.DataFrame, weights: np.ndarray, post: pd.DataFrame) -> pd.DataFrame:
    """Each target: real, the model at the posterior median, and its 5-95% band over posterior draws x seeds."""
    simulate = simulator_for(config, left_out=True)
    rng = np.random.default_rng(config.design_seed)
    draws = rng.choice(len(frame), size=min(PREDICTIVE_DRAWS, len(frame)), p=weights / weights.sum())
    samples = {label: [] for label in simulate.labels}
    for i in draws:
        parameters = {name: float(frame[name].iloc[i]) for name in config.parameters}
        for seed in config.seeds:
            for label, value in simulate.figures(parameters, seeds=(seed,)).items():
                samples[label].append(value)
    median = simulate.figures(dict(zip(post["parameter"], post["p50"])))
    rows = []
    roles = [(target, "calibration target") for target in resolve_targets(config)]
    roles += [(target, "prediction (left out of the fit)") for target in resolve_targets(config, left_out=True)]
    for target, role in roles:
        label = target.figure.label
        values = np.asarray(samples[label], dtype=float)
        finite = values[np.isfinite(values)]
        p05, p95 = (np.percentile(finite, q) for q in (5, 95)) if finite.size else (math.nan, math.nan)
        error = (median[label] - target.real) / target.scale
        rows.append({"figure": label, "real": target.real, "model_at_median": median[label], "model_p05": p05,
                     "model_p95": p95, "error_in_scales": error, "scale": target.scale, "weight": target.weight,
                     "within_scale": bool(abs(error) <= 1.0), "role": role,
                     "source": target.source})
    return pd.DataFrame(rows)


def diagnostics_table(history) -> pd.DataFrame:
    """Per generation: threshold, simulations, accepted particles, acceptance rate, effective sample size."""
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    rows = []
    for _, row in populations.iterrows():
        _, w = history.get_distribution(m=0, t=int(row["t"]))
        w = np.asarray(w, dtype=float)
        rows.append({"generation": int(row["t"]) + 1, "epsilon": float(row["epsilon"]),
                     "simulations": int(row["samples"]), "accepted": int(row["particles"]),
                     "acceptance_rate": float(row["particles"]) / float(row["samples"]),
                     "effective_sample_size": float(w.sum() ** 2 / (w ** 2).sum())})
    return pd.DataFrame(rows)


def pair_plot(frame: pd.DataFrame, weights: np.ndarray, names: list[str], path: Path) -> None:
    n = len(names)
    fig, axes = subplots(n, n, figsize=(2.6 * n + 1, 2.6 * n + 1))
    axes = np.atleast_2d(axes)
    size = 8 + 60 * weights / weights.max()
    for i, y in enumerate(names):
        for j, x in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(frame[x], weights=weights, bins=15, color="#1f78b4")
            else:
                ax.scatter(frame[x], frame[y], s=size, alpha=0.5, color="#1f78b4")
            if i == n - 1:
                ax.set_xlabel(x, fontsize=7)
            if j == 0:
                ax.set_ylabel(y, fontsize=7)
    fig.suptitle("Posterior: each parameter (diagonal) and each pair (weighted particles)")
    fig.tight_layout(rect=(0, 0, 1, 0.97))  # room for the title
    fig.savefig(path, dpi=90, format="png")


def fitted_toml(config, post: pd.DataFrame) -> str:
    """The fitted parameter set: posterior medians (a scenario's `parameters = "NAME"`), and the bands."""
    lines = [f"# {config.name}: fitted by `compute-market calibrate` (ABC-SMC, pyabc) on "
             f"{datetime.now(timezone.utc).date().isoformat()}: posterior medians; the 5-95% bands below.",
             f'name = "{config.name}"',
             "# the figures fitted: `compute-market validate` marks them calibration targets in scenarios using this set",
             "targets = [" + ", ".join(json.dumps(t.figure) for t in config.targets) + "]", "", "[parameters]"]
    lines += [f"{r.parameter} = {r.p50:.6g}" for r in post.itertuples()]
    lines += ["", "[bands]"]
    lines += [f"{r.parameter} = [{r.p05:.6g}, {r.p95:.6g}]" for r in post.itertuples()]
    return "\n".join(lines) + "\n"


def markdown(config, post: pd.DataFrame, fit: pd.DataFrame, diagnostics: pd.DataFrame) -> str:
    last = diagnostics.iloc[-1] if len(diagnostics) else None
    lines = [f"# Calibration {config.name}", "",
             f"ABC-SMC (pyabc): {config.population_size} particles, {len(diagnostics)} generations, scenario "
             f"`{config.scenario}` for {config.steps} months, seeds {config.seeds} per evaluation. Distance: the "
             "weighted root-mean-square of the targets' errors, each in units of its scale (its tolerance).", "",
             "## Posterior", "", table(post.drop(columns=["reason"]).round(4)), "",
             "A band over a large share of its prior (`band_over_prior` near 1) means the targets do not pin the "
             "parameter down.", "", "## Fit (a calibration target is what was fitted, not a success of the model)", "",
             table(fit.drop(columns=["source"]).round(3)), ""]
    if config.left_out:
        lines += ["Left out of the fit on purpose (their rows above are predictions of the fitted model):", ""]
        lines += [f"- **{item.figure}**: {item.reason}" for item in config.left_out] + [""]
    lines += ["## Convergence", "",
             table(diagnostics.round(4)), ""]
    if last is not None:
        lines.append(f"Last generation: epsilon {last['epsilon']:.3f}, acceptance rate {last['acceptance_rate']:.3f}, "
                     f"effective sample size {last['effective_sample_size']:.0f} of {config.population_size}.")
    lines += ["", "## Priors", ""] + [f"- **{name}** uniform on [{p.low:g}, {p.high:g}]: {p.reason}"
                                      for name, p in config.parameters.items()]
    lines += ["", "Config: " + json.dumps(config.model_dump(), default=str)]
    return "\n".join(lines) + "\n"
