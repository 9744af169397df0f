"""Writing a command's output folder all at once, and refusing a folder it must not touch.

The new output is written into a hidden sibling (`.NAME.staging-PID-…`), then swapped with the old folder in
one rename (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames), so a reader sees the old output or the
new one, whole, never a mix; a failure or a kill leaves the old output as it was, and the next command into
that folder clears what a dead writer left behind.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path

from model import network

RUN_FILES = ("timeseries.parquet", "agents.parquet", "contracts.parquet", "supply.parquet", "risk.parquet",
             "circular_flows.parquet", "events.parquet", "graph.graphml", "manifest.json")
LEFTOVER_KINDS = ("staging", "old")


class OutputError(ValueError):
    """The output folder cannot be used; the message names it and why."""


def check_output_dir(out: Path, command: str | None = None, overwrite: bool = False,
                     files: tuple[str, ...] = ()) -> Path:
    """Refuse a folder that is a file or cannot be created or written, before any work is done.

    Given the `command` whose output this is: a folder holding anything but an earlier output of that command
    (its manifest.json says `"output_of": command` and lists every file; or, for outputs older than that key,
    only names among `files`) is refused, and an earlier output is replaced only with `overwrite`."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output folder {out} exists and is not a folder")
    if command is not None:
        clear_leftovers(out)
    if command is not None and out.is_dir():
        present = sorted(p.name for p in out.iterdir())
        known = set(files) | set(_manifest_files(out, command))
        foreign = [name for name in present if name not in known]
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


def _manifest_files(out: Path, command: str) -> list[str]:
    """The files an earlier output of `command` in `out` lists in its manifest (none if it is not one)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(manifest, dict) or manifest.get("output_of") != command:
        return []
    return [str(name) for name in manifest.get("files", [])] + ["manifest.json"]


def clear_leftovers(out: Path) -> None:
    """Remove the staging and swapped-out folders a dead writer left beside `out` (a live writer's are kept);
    if a kill fell between the two renames of the fallback swap, put the old output back."""
    out = Path(out).absolute()
    for kind in LEFTOVER_KINDS:
        for leftover in sorted(out.parent.glob(f".{out.name}.{kind}-*")):
            if _writer_alive(leftover.name):
                continue
            if kind == "old" and not out.exists():
                os.rename(leftover, out)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
    for leftover in out.glob(".staging-*") if out.is_dir() else ():  # the layout of earlier versions
        shutil.rmtree(leftover, ignore_errors=True)


def _writer_alive(name: str) -> bool:
    try:
        pid = int(name.rsplit("-", 2)[-2])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def write_staged(out: Path, command: str, write, manifest: dict) -> list[Path]:
    """Let `write(staging)` write the output's files into a hidden sibling of `out`, add manifest.json (the
    `manifest` with `output_of` and the list of files), then swap the folder in whole. Returns the paths in
    `out`. (The command checked `out` first: `check_output_dir(out, command, overwrite)`.)"""
    out = Path(out)
    target = out.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}-", dir=target.parent))
    try:
        write(staging)
        names = sorted(p.name for p in staging.iterdir() if p.name != "manifest.json")
        (staging / "manifest.json").write_text(json.dumps({**manifest, "output_of": command, "files": names},
                                                          indent=2, default=str) + "\n")
        _swap_in(staging, target)
    except OSError as error:
        if _disk_full(error):
            raise OutputError(f"no space left on the device of {out} while writing the {command} output: "
                              f"nothing in {out} was changed") from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in [*names, "manifest.json"]]


def _swap_in(staging: Path, target: Path) -> None:
    """Put `staging` at `target` in one step; the old folder (if any) ends up at `staging`'s name."""
    if not target.exists():
        try:
            os.rename(staging, target)
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
                raise OutputError(f"output folder {target} was written by another process meanwhile; this "
                                  "output is not kept (add --overwrite to replace it)") from None
            raise
        return
    if _exchange(staging, target):
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{staging.name.rsplit('-', 1)[-1]}")
    os.rename(target, old)
    os.rename(staging, target)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where that is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


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
    return write_staged(out, "run", write, manifest)


def write_file_atomic(path: Path, write) -> None:
    """`write(temporary)` then rename over `path`: a reader sees the old file or the new one, whole."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")  # hidden: readers skip it
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as error:
        if _disk_full(error):
            raise OutputError(f"no space left on the device of {path.parent} while writing {path.name}: the "
                              "files already there are whole (free some space; a sweep continues with --resume)"
                              ) from None
        raise
    finally:
        temporary.unlink(missing_ok=True)


def _disk_full(error: OSError) -> bool:
    """A write failed for want of space (or quota); pyarrow's errors carry the errno only in their text."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in str(error)
