"""`compute-market validate`: the figures it reads from the data file, the way it reads the model, the files."""

from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest

from experiments.validation import (
    FIGURES,
    Tolerance,
    ValidationError,
    data_rows,
    find_row,
    parse_real,
    parse_seeds,
    quarter,
)


def test_every_figure_is_a_row_of_the_data_file_with_a_source():
    rows = data_rows()
    for figure in FIGURES:
        row = find_row(rows, figure)
        assert row["source_url"].startswith("http"), figure.label


def test_real_values_are_read_as_the_data_file_writes_them():
    assert parse_real("41.1") == (41.1, 41.1, 41.1)
    assert parse_real("~125") == (125.0, 125.0, 125.0)
    assert parse_real("66-72") == (69.0, 66.0, 72.0)  # a range: its midpoint
    assert parse_real("~70-71") == (70.5, 70.0, 71.0)
    value, low, high = parse_real(">20")
    assert (value, low) == (20.0, 20.0) and math.isinf(high)  # at least 20


def test_quarters_cross_the_year_end():
    assert quarter("2025-03") == ["2025-01", "2025-02", "2025-03"]
    assert quarter("2025-07") == ["2025-05", "2025-06", "2025-07"]  # NVIDIA's fiscal Q2 2026
    assert quarter("2025-01") == ["2024-11", "2024-12", "2025-01"]


def test_tolerances():
    assert Tolerance(points=2.0).holds(30.9, 29.0) and not Tolerance(points=2.0).holds(31.1, 29.0)
    assert Tolerance(relative=0.3).holds(129.0, 100.0) and not Tolerance(relative=0.3).holds(69.0, 100.0)
    assert Tolerance(low=1.5, high=2.0).holds(1.5, 1.7) and not Tolerance(low=1.5, high=2.0).holds(2.01, 1.7)
    assert not Tolerance(relative=0.3).holds(float("nan"), 100.0)


def test_seeds():
    assert parse_seeds("1-5") == (1, 2, 3, 4, 5)
    assert parse_seeds("1-3,7") == (1, 2, 3, 7)
    for bad in ("", "a", "5-1", "-2", str(2**64)):
        with pytest.raises(ValidationError, match="--seeds"):
            parse_seeds(bad)


def test_the_command_writes_the_table_and_refuses_bad_seeds(tmp_path):
    out = tmp_path / "validation"
    done = subprocess.run([sys.executable, "-m", "experiments.cli", "validate", "--seeds", "1",
                           "--scenario", "aws-openai-2025", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "validation.csv")
    assert len(table) == len(FIGURES)
    assert set(table["role"]) <= {"prediction", "calibration target"}
    oracle = table[table["figure"] == "Oracle backlog, 2025-08 (USD bn)"].iloc[0]
    assert oracle["real"] == 455.0 and oracle["tolerance"] == "±30%"
    text = (out / "validation.md").read_text()
    assert "## aws-openai-2025" in text and "Source:" in text
    bad = subprocess.run([sys.executable, "-m", "experiments.cli", "validate", "--seeds", "x", "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--seeds" in bad.stderr
