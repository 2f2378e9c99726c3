"""Import actual spend (provider invoices and payments) from CSV or XLSX, all or nothing.

Layout (first row is the header; names are case-insensitive, order is free):

    reference    required  unique invoice or payment reference (the idempotency key)
    date         required  2026-05-31 or 31/05/2026 (or a date cell in XLSX), inside the pool's year, open month
    scheme       required  scheme code or name
    amount       required  pounds, more than zero: 1234.56, £1,234.56
    partner      optional  partner organisation code or name (must be a partner in the pool)
    supplier     optional  who was paid
    description  optional  what for

Each row posts one transaction: debit the scheme's spend account, credit the pool's cash. A row whose reference
was imported before with the same details is skipped, so importing a file twice posts nothing new.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction

from jointcare.errors import FieldError
from jointcare.money import MoneyError, check_amount, format_pence, parse_pounds
from jointcare.pool import domain, services
from jointcare.pool.domain import AccountKind, TransactionKind
from jointcare.pool.models import Pool

REQUIRED = ("reference", "date", "scheme", "amount")
OPTIONAL = ("partner", "supplier", "description")
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 2_000_000


@dataclass
class ImportResult:
    rows: int = 0
    posted: int = 0
    skipped: int = 0
    total_pence: int = 0
    dry_run: bool = False
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "posted": self.posted,
            "skipped": self.skipped,
            "total_pence": self.total_pence,
            "dry_run": self.dry_run,
            "errors": self.errors,
        }


def read_rows(filename: str, content: bytes) -> list[list]:
    """Rows (header first) from CSV (UTF-8, with or without BOM) or XLSX (first sheet)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds
            raise FieldError("the file is not a readable XLSX workbook", field="file") from None
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    if name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FieldError("the CSV file is not UTF-8 text", field="file") from None
        return list(csv.reader(io.StringIO(text)))
    raise FieldError("give a .csv or .xlsx file", field="file")


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use 2026-05-31 or 31/05/2026)")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _amount(value) -> int:
    if isinstance(value, float):
        value = repr(round(value, 2)) if round(value, 2) == value else repr(value)
    return parse_pounds(_text(value))


def import_actuals(
    actor, pool: Pool, filename: str, content: bytes, *, dry_run: bool = False
) -> ImportResult:
    """Validate every row, then post all of them in one database transaction, or nothing.

    Raises FieldError whose `errors` list each problem as {"row", "field", "message"}.
    """
    rows = read_rows(filename, content)
    result = ImportResult(dry_run=dry_run)
    errors = result.errors
    if not rows or not any(_text(c) for c in rows[0]):
        raise FieldError(
            "the file is empty: the first row must be the header",
            errors=[
                {"row": 1, "field": None, "message": "the file is empty: the first row must be the header"}
            ],
        )
    header = [_text(c).lower() for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS]
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    for c in missing:
        errors.append({"row": 1, "field": c, "message": f"the required column '{c}' is missing"})
    for c in unknown:
        errors.append(
            {"row": 1, "field": c, "message": f"unknown column '{c}' (expected {', '.join(COLUMNS)})"}
        )
    for c in dupes:
        errors.append({"row": 1, "field": c, "message": f"column '{c}' appears more than once"})
    if errors:
        raise FieldError("the columns are not right", errors=errors)
    index = {c: header.index(c) for c in COLUMNS if c in header}
    if len(rows) - 1 > MAX_ROWS:
        raise FieldError(f"the file has more than {MAX_ROWS:,} rows: split it", field="file")

    schemes = {}
    for s in pool.schemes.all():
        schemes[s.code.lower()] = s
        schemes[s.name.lower()] = s
    partner_refs = {}
    for c in pool.contributions.select_related("partner"):
        for ref in (c.partner.name, c.partner.ods_code, c.partner.gss_code):
            if ref:
                partner_refs[ref.lower()] = c.partner
    periods = {p.number: p for p in pool.periods.all()}
    spend_accounts = {a.scheme_id: a.pk for a in pool.accounts.filter(kind=AccountKind.SPEND)}
    cash = services.account_for(pool, AccountKind.CASH).pk

    parsed = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(rows[1:], start=2):
        if not any(_text(c) for c in raw):
            continue
        result.rows += 1

        def cell(name, raw=raw):
            i = index.get(name)
            return raw[i] if i is not None and i < len(raw) else None

        row_errors = []
        ref = _text(cell("reference"))
        if not ref:
            row_errors.append(("reference", "the reference is empty"))
        elif len(ref) > 100:
            row_errors.append(("reference", "the reference is longer than 100 characters"))
        elif ref in seen:
            row_errors.append(("reference", f"reference '{ref}' is also on row {seen[ref]}"))
        else:
            seen[ref] = n
        day = None
        try:
            day = _date(cell("date"))
            number = domain.period_number(pool.financial_year, day)
            if periods[number].closed:
                row_errors.append(
                    ("date", f"{day.isoformat()} is in {periods[number].label}, which is closed")
                )
        except ValueError as exc:
            row_errors.append(("date", str(exc)))
        scheme = schemes.get(_text(cell("scheme")).lower())
        if scheme is None:
            row_errors.append(("scheme", f"'{_text(cell('scheme'))}' is not a scheme in {pool}"))
        amount = None
        try:
            amount = check_amount(_amount(cell("amount")))
            if amount <= 0:
                row_errors.append(("amount", "the amount must be more than zero (post credits as reversals)"))
        except MoneyError as exc:
            row_errors.append(("amount", str(exc)))
        partner_ref = _text(cell("partner"))
        partner = None
        if partner_ref:
            partner = partner_refs.get(partner_ref.lower())
            if partner is None:
                row_errors.append(("partner", f"'{partner_ref}' is not a partner in {pool}"))
        for f, m in row_errors:
            errors.append({"row": n, "field": f, "message": m})
        if row_errors:
            continue
        supplier, description = _text(cell("supplier")), _text(cell("description"))
        reason = " – ".join(x for x in (supplier, description) if x) or "Actual spend"
        if partner:
            reason += f" ({partner.name})"
        parsed.append((n, ref, day, scheme, amount, reason))

    # references imported before: the same details (the same payload digest) are skipped, different details
    # are an error; looked up in chunks, so any number of rows works on SQLite
    entries = []
    for n, ref, day, scheme, amount, reason in parsed:
        entries.append(
            (
                n,
                services.Entry(
                    key=f"actual:{ref}",
                    value_date=day,
                    postings=[(spend_accounts[scheme.pk], amount), (cash, -amount)],
                    reason=reason[:300],
                    kind=TransactionKind.ACTUAL,
                    reference=ref,
                ),
            )
        )
    previous = services.existing_digests(pool, [e.key for _, e in entries])
    todo = []
    for n, entry in entries:
        old = previous.get(entry.key)
        if old is None:
            result.total_pence += entry.postings[0][1]
            todo.append(entry)
        elif old[1] == entry.digest:
            result.skipped += 1
        else:
            errors.append(
                {
                    "row": n,
                    "field": "reference",
                    "message": f"reference '{entry.reference}' was imported before with different details",
                }
            )
    entries = todo
    if errors:
        errors.sort(key=lambda e: e["row"])
        first = errors[0]
        raise FieldError(
            f"{len(errors)} problem(s); nothing was imported. Row {first['row']}, {first['field']}: {first['message']}",
            errors=errors,
        )
    result.posted = len(entries)
    if dry_run or not entries:
        return result
    with transaction.atomic():
        bulk = services.post_transactions_bulk(actor, pool, entries, f"import:{filename}"[:80])
    result.posted = bulk.posted
    result.skipped += bulk.skipped
    return result


def describe(result: ImportResult) -> str:
    verb = "would post" if result.dry_run else "posted"
    return (
        f"{result.rows} rows: {verb} {result.posted} ({format_pence(result.total_pence)}), "
        f"skipped {result.skipped} already imported"
    )
