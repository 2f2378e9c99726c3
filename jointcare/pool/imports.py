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
posted before it (decision 0075). Each chunk costs one look-up of its references in the ledger and one call of
the bulk posting service, which does not look them up or check them again (decision 0122); the references seen
so far in the file are kept as a set of their hashes (a possible repeat is confirmed against the references
themselves, kept in a private SQLite file), so a repeated reference is found set-based, however large the file
(decision 0120).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import itertools
import json
import queue
import re
import sqlite3
import tempfile
import threading
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
from jointcare.pool.services import ledger

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


_KIND = _json_text(str(TransactionKind.ACTUAL))


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


def _actual_digest(day: str, spend: int, cash: int, amount: int, reason: str, reference: str) -> str:
    """`_digest` of the actual debiting `spend` and crediting `cash` with `amount` on `day` (ISO text)."""
    postings = f"[[{spend},{amount}],[{cash},{-amount}]]" if spend < cash else f"[[{cash},{-amount}],[{spend},{amount}]]"
    canonical = f"[{_KIND},\"{day}\",{postings},{_json_text(reason)},{_json_text(reference)},null]"
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class _Actual(services.Entry):
    """An imported actual, its digest (the ledger's `Entry.digest`) computed once, by `_actual_digest`."""

    digest: str = ""


class _SeenReferences:
    """The references of the file read so far. A set of their hashes (a few dozen bytes a reference, at most
    limits.MAX_TABLE_ROWS of them) tells in one set operation a chunk none of whose references was seen before;
    the references themselves, with their rows, go to a private SQLite database in a temporary file, where any
    possible repeat (a hash seen before) is confirmed and the row it was first on found."""

    hash = staticmethod(hash)  # Python's own for text: 64 bits, and two references alike in it are rare

    def __init__(self):
        self._hashes: set[int] = set()
        self._dir = tempfile.TemporaryDirectory(prefix="jointcare-import-")
        self._db = sqlite3.connect(
            Path(self._dir.name) / "references.sqlite3", isolation_level=None, check_same_thread=False
        )  # used by the thread reading ahead, then closed by the import
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (row INTEGER PRIMARY KEY, h INTEGER NOT NULL, ref TEXT NOT NULL)")
        self._indexed = False

    def repeats(self, refs: list[tuple[str, int]]) -> dict[int, int]:
        """row -> the earlier row with the same reference, for each of `refs` (reference, row) seen before, in
        an earlier chunk or earlier in this one; then remembers them all."""
        hashes = [self.hash(ref) for ref, _ in refs]
        chunk = set(hashes)
        known = self._hashes
        maybe = not (len(chunk) == len(hashes) and known.isdisjoint(chunk))
        if maybe:  # a hash seen before, or twice in this chunk: which rows, and are they really repeats?
            before, again = chunk & known, set()
            candidates = []
            for (ref, row), h in zip(refs, hashes, strict=True):
                if h in before or h in again:
                    candidates.append((row, h, ref))
                again.add(h)
        known |= chunk
        db = self._db
        db.execute("BEGIN")
        db.executemany("INSERT INTO seen (ref, row, h) VALUES (?, ?, ?)", ((r, n, h) for (r, n), h in zip(refs, hashes, strict=True)))
        found = {}
        if maybe:
            if not self._indexed:
                db.execute("CREATE INDEX seen_h ON seen (h)")
                self._indexed = True
            db.execute("CREATE TEMP TABLE IF NOT EXISTS candidate (row INTEGER, h INTEGER, ref TEXT)")
            db.execute("DELETE FROM candidate")
            db.executemany("INSERT INTO candidate (row, h, ref) VALUES (?, ?, ?)", candidates)
            found = dict(
                db.execute(
                    "SELECT row, first FROM (SELECT c.row, (SELECT MIN(s.row) FROM seen s WHERE s.h = c.h AND"
                    " s.ref = c.ref AND s.row < c.row) AS first FROM candidate c) WHERE first IS NOT NULL"
                )
            )
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
        with contextlib.closing(_read_ahead(_checked_chunks(rows, checker, seen))) as chunks:
            for n_rows, actuals, found in chunks:
                result.rows += n_rows
                todo, numbers = _new_entries(pool, checker.cash, actuals, result, found) if actuals else ([], [])
                problems.add(found)
                if todo and not dry_run and not problems.count:
                    # what this chunk was checked for, and its keys found new, in this database transaction: the
                    # bulk service does not look them up again (decision 0122)
                    bulk = ledger.post_checked_bulk(actor, pool, todo, numbers, source)
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


def _checked_chunks(rows: Iterator[list], checker: _RowChecker, seen: _SeenReferences) -> Iterator[tuple]:
    """(rows read, the good rows as `_actuals` makes them, problems) for each CHUNK_ROWS rows of the file: no
    database but the private one."""
    numbered = enumerate(rows, start=2)
    while chunk := list(itertools.islice(numbered, CHUNK_ROWS)):
        n_rows, good, found = checker.check(chunk, seen)
        del chunk  # not held while the caller posts
        yield n_rows, _actuals(checker, good), found


def _actuals(checker: _RowChecker, good: list[tuple]) -> list[tuple]:
    """(row, reference, date, spend account, pence, reason, key, digest, month number) for each good row (row,
    reference, date, spend account, pence, reason): its key, digest (`_actual_digest`) and month computed in the
    thread reading ahead, so that the import's own thread, which posts, does only the look-up, the comparison and
    the posting. Plain tuples: an entry is made only for a row that will be posted (`_new_entries`)."""
    cash, year = checker.cash, checker.pool.financial_year
    days: dict[dt.date, tuple[str, int]] = {}  # a date's ISO text and month number, once a chunk
    made = []
    for n, ref, day, spend, amount, reason in good:
        iso = days.get(day)
        if iso is None:
            iso = days[day] = (day.isoformat(), domain.period_number(year, day))
        made.append(
            (n, ref, day, spend, amount, reason, f"actual:{ref}", _actual_digest(iso[0], spend, cash, amount, reason, ref), iso[1])
        )
    return made


def _read_ahead(items: Iterator):
    """`items`, made by another thread one item ahead of the caller: the next chunk is read and checked while
    this one is looked up and posted (the database works while Python reads), and no further one until the
    caller takes it (so memory holds two chunks at most). An exception raised making an item is raised here, in
    its place; closing this generator stops the thread and waits for it."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop, taken = threading.Event(), threading.Event()

    def give(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not give((True, item)):
                    return
                while not taken.wait(0.05):  # the caller has this one: make the next
                    if stop.is_set():
                        return
                taken.clear()
            give((False, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            give((False, exc))

    worker = threading.Thread(target=run, name="import-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            more, item = handoff.get()
            taken.set()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _known_digests(pool: Pool, keys: list[str]) -> dict[str, str]:
    """key -> payload digest for those of `keys` the pool already holds, in one query for any number of keys
    (`services.existing_digests`)."""
    return {key: digest for key, (_, digest) in services.existing_digests(pool, keys).items()}


def _new_entries(
    pool: Pool, cash: int, actuals: list[tuple], result: ImportResult, found: list[dict]
) -> tuple[list, list[int]]:
    """The entries whose references are new, with their months, and a problem (added to `found`) for each
    reference imported before with other details (one look-up for the chunk); those imported before with the
    same details are skipped. `actuals` are as `_actuals` makes them."""
    previous = _known_digests(pool, [a[6] for a in actuals])
    todo, numbers = [], []
    actual = TransactionKind.ACTUAL
    for n, ref, day, spend, amount, reason, key, digest, number in actuals:
        old = previous.get(key) if previous else None
        if old is None:
            result.total_pence += amount
            todo.append(
                _Actual(
                    key=key, value_date=day, postings=[(spend, amount), (cash, -amount)], reason=reason,
                    kind=actual, reference=ref, digest=digest,
                )
            )
            numbers.append(number)
        elif old == digest:
            result.skipped += 1
        else:
            found.append(
                {"row": n, "field": "reference", "message": f"reference '{ref}' was imported before with different details"}
            )
    return todo, numbers


def _plain_pence(text: str) -> int | None:
    """Pence of a plain amount (1234.56, 12.5, 7), as `_pence` reads it; None for anything else."""
    whole, dot, frac = text.partition(".")
    if len(whole) <= 11 and whole.isdecimal():
        if not dot:
            return int(whole) * 100
        if 0 < len(frac) <= 2 and frac.isdecimal():
            return int(whole + frac) * (10 if len(frac) == 1 else 1)
    return None


class _RowChecker:
    """Checks rows against the pool (schemes, partners, open months), with what it looks up read once, and
    each distinct cell value of the columns that repeat (dates, schemes, partners) judged once."""

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
        self.scheme_cells: dict[str, int | str] = {}  # cell value -> the scheme's spend account, or the message
        self.partner_cells: dict[str, tuple] = {}  # cell value -> (the reason's suffix, the message or None)

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

    def _scheme(self, cell: str) -> int | str:
        scheme = self.schemes.get(cell.lower())
        found = self.spend[scheme.pk] if scheme is not None else f"'{cell}' is not a scheme in {self.pool}"
        if len(self.scheme_cells) < 10_000:
            self.scheme_cells[cell] = found
        return found

    def _partner(self, cell: str) -> tuple:
        partner = self.partners.get(cell.lower())
        found = (f" ({partner.name})", None) if partner else ("", f"'{cell}' is not a partner in {self.pool}")
        if len(self.partner_cells) < 10_000:
            self.partner_cells[cell] = found
        return found

    def check(self, chunk: list[tuple[int, list]], seen: _SeenReferences) -> tuple[int, list[tuple], list[dict]]:
        """The number of rows (not counting blank ones); (row, reference, date, spend account, pence, reason) for
        each good row of the chunk; and the problems found in the others."""
        ix = self.index
        i_ref, i_date, i_scheme, i_amount = ix["reference"], ix["date"], ix["scheme"], ix["amount"]
        i_partner, i_supplier, i_description = ix.get("partner"), ix.get("supplier"), ix.get("description")
        width, text_only = self.width, self.text_only
        dates, scheme_cells, partner_cells = self.dates, self.scheme_cells, self.partner_cells
        found: list[dict] = []
        good: list[tuple] = []
        refs: list[tuple[str, int]] = []
        rows = 0
        for n, raw in chunk:
            if len(raw) < width:
                raw = raw + [None if not text_only else ""] * (width - len(raw))
            if text_only:  # CSV: every cell is text
                cells = [c.strip() for c in raw]
                if not any(cells):
                    continue
            else:
                cells = [_text(c) for c in raw]
                if not any(cells):
                    continue
                cells[i_date] = raw[i_date] if raw[i_date] is not None else ""
                cells[i_amount] = raw[i_amount] if isinstance(raw[i_amount], float | int) else cells[i_amount]
            rows += 1
            ref = cells[i_ref]
            ok = 0 < len(ref) <= 100
            if ok:
                refs.append((ref, n))
            day = dates.get(cells[i_date]) or self._day(cells[i_date])
            spend = scheme_cells.get(cells[i_scheme]) or self._scheme(cells[i_scheme])
            amount = _plain_pence(cells[i_amount]) if type(cells[i_amount]) is str else None
            if amount is None or not 0 < amount <= MAX_AMOUNT_PENCE:
                try:
                    amount = _pence(cells[i_amount])
                    if amount <= 0:
                        amount = "the amount must be more than zero (post credits as reversals)"
                except MoneyError as exc:
                    amount = str(exc)
            suffix, partner_problem = "", None
            if i_partner is not None and cells[i_partner]:
                suffix, partner_problem = partner_cells.get(cells[i_partner]) or self._partner(cells[i_partner])
            if not ok or type(day) is str or type(spend) is str or type(amount) is str or partner_problem:
                found += self._problems(n, ref, day, spend, amount, partner_problem)
                continue
            supplier = cells[i_supplier] if i_supplier is not None else ""
            description = cells[i_description] if i_description is not None else ""
            if supplier and description:
                reason = f"{supplier} – {description}{suffix}"
            else:
                reason = f"{supplier or description or 'Actual spend'}{suffix}"
            good.append((n, ref, day, spend, amount, reason[:300]))
        repeats = seen.repeats(refs) if refs else {}
        if repeats:
            ref_of = dict((row, r) for r, row in refs)
            for n, earlier in sorted(repeats.items()):
                found.append(
                    {"row": n, "field": "reference", "message": f"reference '{ref_of[n]}' is also on row {earlier}"}
                )
            good = [g for g in good if g[0] not in repeats]
        return rows, good, found

    @staticmethod
    def _problems(n: int, ref: str, day, spend, amount, partner_problem) -> list[dict]:
        """The problems of row `n`, in the order of the columns."""
        errors = []
        if not ref:
            errors.append(("reference", "the reference is empty"))
        elif len(ref) > 100:
            errors.append(("reference", "the reference is longer than 100 characters"))
        if type(day) is str:
            errors.append(("date", day))
        if type(spend) is str:
            errors.append(("scheme", spend))
        if type(amount) is str:
            errors.append(("amount", amount))
        if partner_problem:
            errors.append(("partner", partner_problem))
        return [{"row": n, "field": f, "message": m} for f, m in errors]


def describe(result: ImportResult) -> str:
    verb = "would post" if result.dry_run else "posted"
    return (
        f"{plural(result.rows, 'row')}: {verb} {result.posted} ({format_pence(result.total_pence)}), "
        f"skipped {result.skipped} already imported"
    )
