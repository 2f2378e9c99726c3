"""The coterminosity downloads: CSV and XLSX. Text a spreadsheet would take for a formula stays text."""

from __future__ import annotations

import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """A CSV cell: text beginning like a formula is prefixed with an apostrophe so spreadsheets show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(headers: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    w.writerows([as_text(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(headers: list[str], rows: list[list], title: str) -> bytes:
    """One sheet; every text cell is stored as a string (never a formula), numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])

    def cell(value):
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"
        return c

    ws.append([cell(h) for h in headers])
    for row in rows:
        ws.append([cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
