"""Reading the calibration CSV files with checks that name the file, the row, the field and the value."""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


class DataFileError(ValueError):
    """A calibration file is malformed; the message names the file, row, field and value."""


def read_rows(name: str, numeric: tuple[str, ...], text: tuple[str, ...] = (), data_dir: Path = DATA_DIR):
    """Rows of `data_dir/name` as dicts, numeric fields as floats; every row must give its `source`."""
    path = Path(data_dir) / name
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for column in (*numeric, *text, "source"):
            if column not in header:
                raise DataFileError(f"{path}: missing column {column!r}")
        rows = []
        for line, row in enumerate(reader, start=2):
            if not (row.get("source") or "").strip():
                raise DataFileError(f"{path}:{line}: field 'source' is empty; cite a source or say ESTIMATE and how")
            for column in numeric:
                row[column] = parse_number(path, line, column, row[column])
            rows.append(row)
    return rows


def parse_number(path, line, column, value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataFileError(f"{path}:{line}: field {column!r} has value {value!r}, not a number") from None


def parse_bool(path, line, column, value) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0", ""):
        return False
    raise DataFileError(f"{path}:{line}: field {column!r} has value {value!r}, not true/false")
