"""Reading the calibration CSV files with checks that name the file, the row, the field and the value."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .params import ANY_NON_NEGATIVE, MAX_CONTRACT_MONTHS, SHARE, in_range

DATA_DIR = Path(__file__).parent / "data"


class DataFileError(ValueError):
    """A calibration file is malformed; the message names the file, row, field and value."""


_MONTHS = (0.0, float(MAX_CONTRACT_MONTHS), False)

# The valid range of every numeric field of the calibration files, as params.VALID_RANGES gives a parameter's
# (lowest, highest, lowest excluded); every value must also be finite, and a field in WHOLE_FIELDS a whole number.
# One declaration, read by every file that has the field and by the scenarios' start overrides.
FIELD_RANGES: dict[str, tuple[float, float, bool]] = {
    **dict.fromkeys(("capacity_h100e", "under_construction_h100e", "demand_h100e", "production_h100e_per_month",
                     "quantity_h100e", "cloud_revenue_usd_bn_per_month", "revenue_usd_bn_per_month", "cash_usd_bn",
                     "value_usd_bn", "value_threshold_usd_bn", "capex_usd_per_h100e", "price_usd_per_h100e",
                     "opex_usd_per_h100e_hour", "contract_price_usd_per_h100e_hour", "price_usd_per_h100e_hour",
                     "wtp_usd_per_h100e_hour", "markup", "diversification_aversion"), ANY_NON_NEGATIVE),
    **dict.fromkeys(("cost_of_capital", "reliability", "share", "share_threshold", "weight", "strictness"), SHARE),
    **dict.fromkeys(("demand_growth_per_month", "revenue_growth_per_month", "production_growth_per_month",
                     "non_ai_growth_per_month"), (-1.0, 1.0, False)),  # a month: -100 % to +100 %
    **dict.fromkeys(("lead_time_months", "site_lead_time_months", "review_lag_months", "ramp_months"), _MONTHS),
    **dict.fromkeys(("contract_months", "duration_months"), (1.0, float(MAX_CONTRACT_MONTHS), False)),
    "useful_life_years": (1.0, 50.0, False),
    **dict.fromkeys(("hhi_threshold", "delta_hhi_threshold"), (0.0, 10_000.0, False)),  # HHI points
}
WHOLE_FIELDS = frozenset({"lead_time_months", "site_lead_time_months", "review_lag_months", "ramp_months",
                          "contract_months", "duration_months"})


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
    """`value` as a float, refused (naming file, line, field and value) unless it is a finite number within the
    field's range in FIELD_RANGES, and whole where the field is a count of months."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataFileError(f"{path}:{line}: field {column!r} has value {value!r}, not a number") from None
    if not math.isfinite(number):
        raise DataFileError(f"{path}:{line}: field {column!r} has value {value!r}, not a finite number")
    if column in FIELD_RANGES and not in_range(number, FIELD_RANGES[column]):
        low, high, _ = FIELD_RANGES[column]
        raise DataFileError(f"{path}:{line}: field {column!r} has value {value!r}, outside its valid range "
                            f"{low:g} to {high:g}")
    if column in WHOLE_FIELDS and not number.is_integer():
        raise DataFileError(f"{path}:{line}: field {column!r} has value {value!r}, not a whole number of months")
    return number


def parse_bool(path, line, column, value) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0", ""):
        return False
    raise DataFileError(f"{path}:{line}: field {column!r} has value {value!r}, not true/false")
