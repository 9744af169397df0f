"""Units and calendar: one step is one month of 730 hours; money is in USD billions."""

from __future__ import annotations

from .kernels import HOURS_PER_MONTH, USD_PER_BN, usd_bn  # noqa: F401 (the unit conversions live with the formulas)


def month_to_index(start: str, date: str) -> int:
    """Months from `start` to `date`, both "YYYY-MM" (or "YYYY-MM-DD", the day is ignored)."""
    y0, m0 = _parse(start)
    y1, m1 = _parse(date)
    return (y1 - y0) * 12 + (m1 - m0)


def index_to_month(start: str, index: int) -> str:
    """The "YYYY-MM" label of month `index` counted from `start` (index 0 is `start`)."""
    y0, m0 = _parse(start)
    total = y0 * 12 + (m0 - 1) + int(index)
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _parse(date: str) -> tuple[int, int]:
    parts = str(date).strip().split("-")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        raise ValueError(f"date {date!r} is not of the form YYYY-MM")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"date {date!r} has month {month}, not 1-12")
    return year, month

