"""Every CSV and XLSX download in the project, written the same way (decision 0060).

A `Sheet` is a title, headers and rows; the columns named in `money` hold integer pence. Both writers are safe to
open in a spreadsheet: a text cell is never read as a formula.

- CSV (data for other systems): one header row, then one row per record; money as plain decimals (1234.56),
  dates as 2026-04-01; UTF-8 with a byte-order mark so spreadsheet programs read £ and accents. A text cell that
  begins with `=`, `+`, `-`, `@`, tab or carriage return (or their full-width forms) gets a leading single quote,
  as OWASP advises for CSV injection.
- XLSX (to hand to a board): a title row, an "As at" row and any notes, then the header row, frozen, with a filter;
  money in £ number format, dates as dates, column widths to fit, and an optional bold totals row. Every text
  cell is written as a string cell (never a formula), whatever it begins with; characters XML cannot hold are
  replaced.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from jointcare.errors import FieldError
from jointcare.money import format_pence

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell beginning with one of these is read as a formula (or DDE command) by some spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Column headers whose values are integer pence, across the project's reports.
MONEY_HEADERS = frozenset(
    {
        "Budget",
        "Commitments",
        "Actuals",
        "Forecast",
        "Variance",
        "Contribution due",
        "Money in",
        "Money spent",
        "Share of variance",
        "Balance due",
        "Contribution",
        "Received",
        "Share of budgets",
        "Share of actual spend",
        "Pooled cash",
        "Pooled in kind",
        "Aligned",
        "Due",
        "Due to date",
        "Arrears",
        "Debit",
        "Credit",
        "Amount",
    }
)

POUNDS_FORMAT = '"£"#,##0.00;-"£"#,##0.00'
DATE_FORMAT = "dd mmm yyyy"
WIDTH_SAMPLE = 1000  # rows looked at to size the XLSX columns
MAX_WIDTH = 60


@dataclass
class Sheet:
    """A table to download. `rows` may be any iterable (it is read once)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    money: Collection[str] = MONEY_HEADERS
    notes: Sequence[str] = ()
    totals: bool = False  # add a totals row (XLSX) summing the money columns
    as_at: dt.datetime = field(default_factory=timezone.now)


def safe_text(value: str) -> str:
    """A text cell for CSV: a leading single quote where the cell would otherwise be read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def as_at_label(moment: dt.datetime) -> str:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"As at {local.day} {local:%B %Y %H:%M}"


def filename(*parts: str, day: dt.date | None = None) -> str:
    """A file name stem from readable parts and the date: `trafford-bcf-2026-27-monitoring-2026-11-29`."""
    day = day or timezone.localdate()
    words = [slugify(p) for p in parts]
    return "-".join([w for w in words if w] + [day.isoformat()])


def _money_columns(sheet: Sheet) -> list[bool]:
    return [h in sheet.money for h in sheet.headers]


def to_csv(sheet: Sheet) -> bytes:
    buf = io.StringIO()
    write_csv(buf, sheet.headers, sheet.rows, money=sheet.money, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_csv(stream, headers: Sequence[str], rows: Iterable[Sequence], *, money: Collection[str] = (), lineterminator="\n") -> None:
    """CSV to a text stream (a file, or a command's output), every cell made safe as `to_csv` does."""
    w = csv.writer(stream, lineterminator=lineterminator)
    w.writerow([safe_text(str(h)) for h in headers])
    flags = [h in money for h in headers]
    for row in rows:
        w.writerow([_csv_cell(v, m) for v, m in zip(row, flags, strict=True)])


def _csv_cell(value, money: bool):
    if value is None:
        return ""
    if money and isinstance(value, int) and not isinstance(value, bool):
        return format_pence(value, symbol=False).replace(",", "")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    return safe_text(str(value))


def to_xlsx(sheet: Sheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet.title))
    money = _money_columns(sheet)
    rows = iter(sheet.rows)
    head = list(islice(rows, WIDTH_SAMPLE))
    for i, header in enumerate(sheet.headers):
        ws.column_dimensions[get_column_letter(i + 1)].width = _width(header, [r[i] for r in head], money[i])
    lead = 2 + len(sheet.notes)
    header_row = lead + 2
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"

    def text_cell(value: str, **style):
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"  # a string, never a formula, whatever it begins with
        for k, v in style.items():
            setattr(cell, k, v)
        return cell

    def cell(value, is_money: bool, bold: bool = False):
        if value is None:
            return None
        if is_money and isinstance(value, int) and not isinstance(value, bool):
            c = WriteOnlyCell(ws, value=Decimal(value) / 100)
            c.number_format = POUNDS_FORMAT
        elif isinstance(value, dt.datetime):
            c = text_cell(_csv_cell(value, False))
        elif isinstance(value, dt.date):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = DATE_FORMAT
        elif isinstance(value, bool):
            c = text_cell("yes" if value else "no")
        elif isinstance(value, int | float | Decimal):
            c = WriteOnlyCell(ws, value=value)
        else:
            c = text_cell(str(value))
        if bold:
            c.font = Font(bold=True)
        return c

    ws.append([text_cell(sheet.title, font=Font(bold=True, size=14))])
    ws.append([text_cell(as_at_label(sheet.as_at))])
    for note in sheet.notes:
        ws.append([text_cell(note)])
    ws.append([])
    fill = PatternFill("solid", fgColor="E8EDEE")
    ws.append(
        [
            text_cell(
                str(h),
                font=Font(bold=True),
                fill=fill,
                alignment=Alignment(horizontal="right" if m else "left", wrap_text=True),
            )
            for h, m in zip(sheet.headers, money, strict=True)
        ]
    )
    sums = [0] * len(money)
    n = 0
    for row in _chain(head, rows):
        n += 1
        ws.append([cell(v, m) for v, m in zip(row, money, strict=True)])
        for i, (v, m) in enumerate(zip(row, money, strict=True)):
            if m and isinstance(v, int) and not isinstance(v, bool):
                sums[i] += v
    if sheet.totals and n:
        ws.append([text_cell("Total", font=Font(bold=True))] + [cell(s, True, bold=True) if m else None for s, m in zip(sums[1:], money[1:], strict=True)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _chain(first: list, rest):
    yield from first
    yield from rest


def _sheet_title(title: str) -> str:
    # a worksheet's name: at most 31 characters, none of : \ / ? * [ ]
    cleaned = "".join(" " if c in ':\\/?*[]' else c for c in title.split(":")[0]).strip()
    return (cleaned or "Report")[:31]


def _width(header: str, values: list, is_money: bool) -> float:
    longest = len(str(header))
    for v in values:
        if v is None:
            continue
        if is_money and isinstance(v, int):
            size = len(format_pence(v)) + 1
        elif isinstance(v, dt.date):
            size = 12
        else:
            size = len(str(v))
        longest = max(longest, size)
    return min(MAX_WIDTH, max(10, longest + 2))


def export_response(sheet: Sheet, fmt: str, stem: str) -> HttpResponse:
    """The sheet as a download named `<stem>.<fmt>`. An unknown format is a 400 naming the field."""
    if fmt == "csv":
        body = to_csv(sheet)
    elif fmt == "xlsx":
        body = to_xlsx(sheet)
    else:
        raise FieldError(f"format must be one of {', '.join(FORMATS)}", field="format")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{slugify(stem) or "export"}.{fmt}"'
    return response
