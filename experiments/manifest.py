"""What every output records: parameters, seed, engine, scenario, package versions and the git commit."""

from __future__ import annotations

import dataclasses
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGES = ("compute-market", "mesa", "numpy", "pandas", "networkx", "pyarrow", "pydantic", "scipy", "pyabc")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(root: Path = PROJECT_ROOT) -> dict[str, object]:
    """{"commit": sha or "unknown", "dirty": bool}: the code that produced the output."""
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             check=True, timeout=10).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, check=True, timeout=10).stdout
        return {"commit": sha, "dirty": bool(status.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": False}


def provenance_line(git: dict) -> str:
    """A report's last line: the code's commit (and whether it had uncommitted changes), the packages, the time."""
    return (f"Code at git commit `{git['commit']}`" + (" (with uncommitted changes)" if git["dirty"] else "")
            + f"; {', '.join(f'{k} {v}' for k, v in package_versions().items())}; written "
            f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}.")


def run_manifest(model, **extra) -> dict:
    """The manifest of one model run."""
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": sys.argv,
        "scenario": {"name": model.spec.name, "description": model.spec.description, "source": model.spec.source,
                     "events": [event.id for event in model.spec.events]},
        "seed": model.seed,
        "engine": model.engine,
        "steps": model.month_index + 1,
        "start_month": model.params.start_month,
        "end_month": model.date,
        "parameters": dataclasses.asdict(model.params),
        "versions": package_versions(),
        "git": git_commit(),
        "phase_seconds": {name: round(seconds, 6) for name, seconds in model.phase_seconds.items()},
        **extra,
    }
