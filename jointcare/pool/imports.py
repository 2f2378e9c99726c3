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

The file is read as a stream and checked and posted CHUNK_ROWS rows at a time, all inside one database
transaction: memory holds one chunk, never the whole file, and a problem on any row rolls back every chunk
posted before it (decision 0075). The references seen so far are kept in a private SQLite file beside the
import, so a repeated reference is found set-based, however large the file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.db import OperationalError, transaction

from jointcare import readers
from jointcare.audit.services import record
from jointcare.errors import FieldError, busy_error
from jointcare.grammar import plural
from jointcare.limits import shorten
from jointcare.money import MAX_AMOUNT_PENCE, MoneyError, check_amount, format_pence, parse_pounds
from jointcare.pool import domain, services
from jointcare.pool.domain import AccountKind, TransactionKind
from jointcare.pool.models import Pool

REQUIRED = ("reference", "date", "scheme", "amount")
OPTIONAL = ("partner", "supplier", "description")
COLUMNS = REQUIRED + OPTIONAL
CHUNK_ROWS = 20_000  # rows checked and posted at a time (one call of the bulk posting service)
MAX_REPORTED = 1_000  # problems listed one by one; any more are counted
_FIELD_ORDER = {name: i for i, name in enumerate(COLUMNS)}


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


def read_rows(filename: str, content: bytes | BinaryIO) -> Iterator[list]:
    """Rows (header first) from CSV (UTF-8, with or without BOM) or XLSX (first sheet), read as a stream within
    the limits of `jointcare.limits` (rows, columns, cell and file sizes); FieldError naming the row otherwise."""
    return readers.read_table(filename, content)


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    day = _date_from_text(text) if len(text) <= 10 else None
    if day is None:
        raise ValueError(f"'{shorten(text, 40)}' is not a date (use 2026-05-31 or 31/05/2026)")
    return day


@functools.lru_cache(maxsize=4096)
def _date_from_text(text: str) -> dt.date | None:
    """A date written 2026-05-31 or 31/05/2026, or None; a file's rows repeat few dates, so each is parsed once."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


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


_PLAIN_POUNDS = re.compile(r"(\d{1,11})(?:\.(\d\d?))?").fullmatch


def _pence(value) -> int:
    """The amount of a cell in pence: the common plain form (1234.56) read directly, anything else through
    `parse_pounds`, which gives the same answer for plain amounts and the message for bad ones."""
    if type(value) is str:
        match = _PLAIN_POUNDS(value)
        if match:
            whole, frac = match.groups()
            pence = int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if frac else 0)
            if 0 < pence <= MAX_AMOUNT_PENCE:
                return pence
    return check_amount(_amount(value))


_json_text = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


def _digest(entry: services.Entry) -> str:
    """`entry.digest` (domain.payload_digest) for an imported actual (two postings), written directly: its
    canonical JSON is a short list of known types, so it is built as text rather than through the general encoder (the same bytes,
    as a test checks)."""
    (a, x), (b, y) = sorted(entry.postings)
    canonical = (
        f"[{_json_text(str(entry.kind))},\"{entry.value_date.isoformat()}\",[[{a},{x}],[{b},{y}]],{_json_text(entry.reason)},"
        f"{_json_text(entry.reference)},null]"
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _SeenReferences:
    """The references of the file read so far, with the row each was first on, in a private SQLite database in a
    temporary file: a repeat is found with one join per chunk, and memory does not grow with the file."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="jointcare-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "references.sqlite3", isolation_level=None)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (ref TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")
        self._db.execute("CREATE TABLE chunk (ref TEXT NOT NULL, row INTEGER NOT NULL)")

    def repeats(self, refs: list[tuple[str, int]]) -> dict[int, int]:
        """row -> the earlier row with the same reference, for each of `refs` (reference, row) seen before, in
        an earlier chunk or earlier in this one; then remembers them all."""
        db = self._db
        db.execute("BEGIN")
        db.execute("DELETE FROM chunk")
        db.executemany("INSERT INTO chunk (ref, row) VALUES (?, ?)", refs)
        found = dict(
            db.execute(
                "SELECT c.row, COALESCE(s.row, m.first) FROM chunk c"
                " JOIN (SELECT ref, MIN(row) AS first FROM chunk GROUP BY ref) m ON m.ref = c.ref"
                " LEFT JOIN seen s ON s.ref = c.ref"
                " WHERE s.ref IS NOT NULL OR c.row <> m.first"
            )
        )
        db.execute("INSERT OR IGNORE INTO seen (ref, row) SELECT ref, MIN(row) FROM chunk GROUP BY ref")
        db.execute("COMMIT")
        return found

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


class _Problems:
    """The problems found so far: the first MAX_REPORTED listed (in row order), the rest counted."""

    def __init__(self):
        self.listed: list[dict] = []
        self.count = 0

    def add(self, found: list[dict]) -> None:
        found.sort(key=lambda e: (e["row"], _FIELD_ORDER.get(e["field"], 99)))
        self.count += len(found)
        self.listed += found[: max(0, MAX_REPORTED - len(self.listed))]


def import_actuals(
    actor, pool: Pool, filename: str, content: bytes | BinaryIO, *, dry_run: bool = False
) -> ImportResult:
    """Check every row and post them all in one database transaction, chunk by chunk, or nothing.

    Raises FieldError whose `errors` list each problem as {"row", "field", "message"} (the first MAX_REPORTED;
    the message counts them all), Busy if the database stays locked by another writer (SQLite)."""
    try:
        if dry_run:
            return _import(actor, pool, filename, content, dry_run=True)
        with transaction.atomic():
            result = _import(actor, pool, filename, content, dry_run=False)
            if result.posted:
                record(
                    actor,
                    "pool.import_actuals",
                    pool,
                    after={"file": filename[:200], "rows": result.rows, "posted": result.posted,
                           "skipped": result.skipped, "total_pence": result.total_pence},
                    summary=f"Imported {plural(result.posted, 'actual')} ({format_pence(result.total_pence)}) "
                    f"from {shorten(filename, 80)} into {pool}",
                )
            return result
    except OperationalError as exc:
        busy = busy_error(exc)
        if busy is None:
            raise
        raise busy from None


def _header(first) -> dict[str, int]:
    if first is None or not any(_text(c) for c in first):
        message = "the file is empty: the first row must be the header"
        raise FieldError(message, errors=[{"row": 1, "field": None, "message": message}])
    header = [_text(c).lower() for c in first]
    errors = []
    for c in REQUIRED:
        if c not in header:
            errors.append({"row": 1, "field": c, "message": f"the required column '{c}' is missing"})
    for c in header:
        if c and c not in COLUMNS:
            errors.append(
                {"row": 1, "field": c, "message": f"unknown column '{c}' (expected {', '.join(COLUMNS)})"}
            )
    for c in sorted({c for c in header if c and header.count(c) > 1}):
        errors.append({"row": 1, "field": c, "message": f"column '{c}' appears more than once"})
    if errors:
        raise FieldError("the columns are not right", errors=errors)
    return {c: header.index(c) for c in COLUMNS if c in header}


def _import(actor, pool: Pool, filename: str, content, *, dry_run: bool) -> ImportResult:
    rows = read_rows(filename, content)
    index = _header(next(rows, None))
    result = ImportResult(dry_run=dry_run)
    problems = _Problems()
    checker = _RowChecker(pool, index, text_only=not filename.lower().endswith(".xlsx"))
    seen = _SeenReferences()
    source = f"import:{filename}"[:80]
    try:
        numbered = enumerate(rows, start=2)
        while chunk := list(itertools.islice(numbered, CHUNK_ROWS)):
            entries, found = checker.check(chunk, seen, result)
            if entries:
                todo, found_before = _new_entries(pool, entries, result)
                found += found_before
            else:
                todo = []
            problems.add(found)
            if todo and not dry_run and not problems.count:
                bulk = services.post_transactions_bulk(actor, pool, todo, source)
                result.posted += bulk.posted
                result.skipped += bulk.skipped
            elif todo:
                result.posted += len(todo)  # would post (a dry run), or nothing posts (problems: rolled back)
    finally:
        seen.close()
    if problems.count:
        first = problems.listed[0]
        more = f" (the first {MAX_REPORTED:,} are listed)" if problems.count > MAX_REPORTED else ""
        raise FieldError(
            f"{problems.count} problem(s){more}; nothing was imported. "
            f"Row {first['row']}, {first['field']}: {first['message']}",
            errors=problems.listed,
        )
    return result


def _new_entries(pool: Pool, entries: list[tuple[int, services.Entry]], result: ImportResult):
    """The entries whose references are new, and a problem for each reference imported before with other
    details (one look-up for the chunk); those imported before with the same details are skipped."""
    previous = services.existing_digests(pool, [e.key for _, e in entries])
    todo, found = [], []
    for n, entry in entries:
        old = previous.get(entry.key)
        if old is None:
            result.total_pence += entry.postings[0][1]
            todo.append(entry)
        elif old[1] == _digest(entry):
            result.skipped += 1
        else:
            found.append(
                {
                    "row": n,
                    "field": "reference",
                    "message": f"reference '{entry.reference}' was imported before with different details",
                }
            )
    return todo, found


class _RowChecker:
    """Checks rows against the pool (schemes, partners, open months), with what it looks up read once."""

    def __init__(self, pool: Pool, index: dict[str, int], text_only: bool):
        self.pool = pool
        self.index = index
        self.text_only = text_only
        self.width = max(index.values()) + 1
        self.schemes = {}
        for s in pool.schemes.all():
            self.schemes[s.code.lower()] = s
            self.schemes[s.name.lower()] = s
        self.partners = {}
        for c in pool.contributions.select_related("partner"):
            for ref in (c.partner.name, c.partner.ods_code, c.partner.gss_code):
                if ref:
                    self.partners[ref.lower()] = c.partner
        self.periods = {p.number: p for p in pool.periods.all()}
        self.spend = {a.scheme_id: a.pk for a in pool.accounts.filter(kind=AccountKind.SPEND)}
        self.cash = services.account_for(pool, AccountKind.CASH).pk
        self.dates: dict = {}  # cell value -> date, or the message refusing it

    def _day(self, value):
        found = self.dates.get(value)
        if found is None:
            try:
                day = _date(value)
                number = domain.period_number(self.pool.financial_year, day)
                period = self.periods[number]
                found = f"{day.isoformat()} is in {period.label}, which is closed" if period.closed else day
            except ValueError as exc:
                found = str(exc)
            if len(self.dates) < 10_000:
                self.dates[value] = found
        return found

    def check(self, chunk: list[tuple[int, list]], seen: _SeenReferences, result: ImportResult):
        """(row, Entry) for each good row of the chunk, and the problems found in the others."""
        ix = self.index
        i_ref, i_date, i_scheme, i_amount = ix["reference"], ix["date"], ix["scheme"], ix["amount"]
        i_partner, i_supplier, i_description = ix.get("partner"), ix.get("supplier"), ix.get("description")
        width = self.width
        found: list[dict] = []
        good: list[tuple[int, str, services.Entry]] = []
        refs: list[tuple[str, int]] = []
        for n, raw in chunk:
            if len(raw) < width:
                raw = raw + [None] * (width - len(raw))
            if self.text_only:  # CSV: every cell is text
                cells = [c.strip() for c in raw]
                if not any(cells):
                    continue
            else:
                cells = [_text(c) for c in raw]
                if not any(cells):
                    continue
                cells[i_date] = raw[i_date] if raw[i_date] is not None else ""
                cells[i_amount] = raw[i_amount] if isinstance(raw[i_amount], float | int) else cells[i_amount]
            result.rows += 1
            row_errors = []
            ref = cells[i_ref]
            if not ref:
                row_errors.append(("reference", "the reference is empty"))
            elif len(ref) > 100:
                row_errors.append(("reference", "the reference is longer than 100 characters"))
            else:
                refs.append((ref, n))
            day = self._day(cells[i_date])
            if type(day) is str:
                row_errors.append(("date", day))
            scheme_cell = cells[i_scheme]
            scheme = self.schemes.get(scheme_cell.lower())
            if scheme is None:
                row_errors.append(("scheme", f"'{scheme_cell}' is not a scheme in {self.pool}"))
            amount = None
            try:
                amount = _pence(cells[i_amount])
                if amount <= 0:
                    row_errors.append(("amount", "the amount must be more than zero (post credits as reversals)"))
            except MoneyError as exc:
                row_errors.append(("amount", str(exc)))
            partner = None
            if i_partner is not None and cells[i_partner]:
                partner = self.partners.get(cells[i_partner].lower())
                if partner is None:
                    row_errors.append(("partner", f"'{cells[i_partner]}' is not a partner in {self.pool}"))
            if row_errors:
                found += [{"row": n, "field": f, "message": m} for f, m in row_errors]
                continue
            supplier = cells[i_supplier] if i_supplier is not None else ""
            description = cells[i_description] if i_description is not None else ""
            if supplier and description:
                reason = f"{supplier} – {description}"
            else:
                reason = supplier or description or "Actual spend"
            if partner:
                reason += f" ({partner.name})"
            entry = services.Entry(
                key=f"actual:{ref}",
                value_date=day,
                postings=[(self.spend[scheme.pk], amount), (self.cash, -amount)],
                reason=reason[:300],
                kind=TransactionKind.ACTUAL,
                reference=ref,
            )
            good.append((n, ref, entry))
        repeats = seen.repeats(refs) if refs else {}
        ref_of = {row: r for r, row in refs} if repeats else {}
        for n, earlier in sorted(repeats.items()):
            ref = ref_of[n]
            found.append({"row": n, "field": "reference", "message": f"reference '{ref}' is also on row {earlier}"})
        return [(n, e) for n, _, e in good if n not in repeats], found


def describe(result: ImportResult) -> str:
    verb = "would post" if result.dry_run else "posted"
    return (
        f"{plural(result.rows, 'row')}: {verb} {result.posted} ({format_pence(result.total_pence)}), "
        f"skipped {result.skipped} already imported"
    )
