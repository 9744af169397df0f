"""Writing a run's files into a folder all at once: staged in a temporary sibling, then moved into place,
so a failure leaves the folder as it was (no half-written outputs)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from model import network

RUN_FILES = ("timeseries.parquet", "agents.parquet", "contracts.parquet", "supply.parquet", "risk.parquet",
             "circular_flows.parquet", "events.parquet", "graph.graphml", "manifest.json")


class OutputError(ValueError):
    """The output folder cannot be used; the message names it and why."""


def check_output_dir(out: Path, files: tuple[str, ...] = (), overwrite: bool = False) -> Path:
    """Refuse a folder that is a file or cannot be created or written, before any work is done. Given the `files`
    a command writes: a folder holding anything else is refused (it is not an earlier output of this command),
    one holding an earlier output is replaced only with `overwrite`; leftovers of a killed write are cleared."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output folder {out} exists and is not a folder")
    if files and out.is_dir():
        for leftover in out.glob(".staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        present = sorted(p.name for p in out.iterdir())
        foreign = [name for name in present if name not in files]
        if foreign:
            raise OutputError(f"output folder {out} holds files this command did not write ({', '.join(foreign[:3])}"
                              f"{', ...' if len(foreign) > 3 else ''}): choose an empty or new folder")
        if present and not overwrite:
            raise OutputError(f"output folder {out} holds an earlier output: add --overwrite to replace it")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"output folder {out} cannot be created: {existing} is a file")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise OutputError(f"output folder {out} is not writable ({existing}: {error.strerror})") from None
    return out


def write_staged(out: Path, names: tuple[str, ...], write) -> list[Path]:
    """Create `out` if needed, let `write(staging)` write the files `names` into a temporary sibling, then move
    them all into `out`; a failure leaves `out` as it was. Returns the paths in `out`. (The command checked `out`
    first, `check_output_dir(out, names, overwrite)`.)"""
    out = check_output_dir(Path(out))
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        write(staging)
        for name in names:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in names]


def write_run(model, out: Path, manifest: dict, risk=None) -> list[Path]:
    """Write the run files into `out` (created if needed); returns their paths. `risk`: model.risk(), if known."""
    def write(staging: Path) -> None:
        model.timeseries().to_parquet(staging / "timeseries.parquet", index=False)
        model.agent_table().to_parquet(staging / "agents.parquet", index=False)
        model.contract_table().to_parquet(staging / "contracts.parquet", index=False)
        model.supply_table().to_parquet(staging / "supply.parquet", index=False)
        nodes, circular = risk if risk is not None else model.risk()
        nodes.to_parquet(staging / "risk.parquet", index=False)
        circular.to_parquet(staging / "circular_flows.parquet", index=False)
        model.event_log().to_parquet(staging / "events.parquet", index=False)
        network.write_graphml(model.graph, staging / "graph.graphml")
        (staging / "manifest.json").write_text(json.dumps({**manifest, "files": list(RUN_FILES)}, indent=2,
                                                          default=str) + "\n")
    return write_staged(out, RUN_FILES, write)
