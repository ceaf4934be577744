"""CSV files HR opens in Excel: UTF-8 with a byte-order mark (so Excel reads the Vietnamese letters) and no cell
that Excel would run as a formula (text from documents or users can start with = + - @: CSV injection)."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would take for a formula gets a leading apostrophe; anything else is left as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def excel_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")
