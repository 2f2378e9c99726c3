"""Caseload import: people from a CSV or XLSX file, all or nothing, with a dry run and a report of every rejected
row (row, field, reason). The first row names the columns (any order; see COLUMNS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction

from jointcare import readers
from jointcare.audit.models import AuditEntry
from jointcare.audit.services import record
from jointcare.errors import FieldError
from jointcare.people import domain, services
from jointcare.people.models import Person

COLUMNS = (
    "nhs_number", "council_person_id", "given_name", "family_name", "date_of_birth", "date_of_death", "sex",
    "gender", "ethnicity", "postcode", "lsoa_code", "gp_practice", "responsible_council",
    "responsible_council_reason", "accommodation", "long_term_conditions", "national_opt_out",
    "consent_to_share", "restricted",
)
REQUIRED = ("given_name", "family_name", "date_of_birth")
FLAGS = ("national_opt_out", "consent_to_share", "restricted")
DATES = ("date_of_birth", "date_of_death")
MAX_ROWS = 50_000  # people in one file: a council's whole adult caseload
MAX_ERRORS = 1_000  # rejected rows reported (the import stops collecting after these)
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    dry_run: bool = False
    errors: list[dict] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value):
    """A date from a cell: an XLSX date, YYYY-MM-DD or DD/MM/YYYY; the text itself when it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if "/" in text:
        try:
            return dt.datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            return text
    return text


def _refused(errors: list[dict]) -> FieldError:
    rows = len({e["row"] for e in errors})
    return FieldError(f"{rows} row{'s' if rows != 1 else ''} cannot be imported: nothing was imported", errors=errors)


def import_people(actor, filename: str, content: bytes | BinaryIO, *, dry_run: bool = False) -> ImportResult:
    """Check every row, then add every person in one transaction, or none. Raises FieldError listing each
    problem as {"row", "field", "message"}."""
    rows = readers.read_table(filename, content)
    header_row = next(rows, None)
    if header_row is None or not any(_text(c) for c in header_row):
        raise FieldError("The file is empty: the first row must name the columns",
                         errors=[{"row": 1, "field": None, "message": "The first row must name the columns"}])
    header = [_text(c).lower() for c in header_row]
    errors = []
    for c in REQUIRED:
        if c not in header:
            errors.append({"row": 1, "field": c, "message": f"The column '{c}' is missing"})
    for c in header:
        if c and c not in COLUMNS:
            errors.append({"row": 1, "field": c[:40], "message": f"Unknown column '{c[:40]}' (expected {', '.join(COLUMNS)})"})
        elif c and header.count(c) > 1:
            errors.append({"row": 1, "field": c, "message": f"The column '{c}' appears more than once"})
    if errors:
        raise _refused(errors)
    index = {c: header.index(c) for c in COLUMNS if c in header}
    result = ImportResult(dry_run=dry_run)
    cache: dict = {}
    people: list[dict] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(rows, start=2):
        if not any(_text(c) for c in raw):
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise FieldError(f"A file may hold at most {MAX_ROWS:,} people; split it",
                             errors=[{"row": n, "field": None, "message": f"more than {MAX_ROWS:,} people"}])
        data: dict = {}
        row_errors: list[dict] = []
        for name, i in index.items():
            value = raw[i] if i < len(raw) else None
            if name in DATES:
                data[name] = _date(value)
            elif name in FLAGS:
                word = _text(value).lower()
                if word not in YES | NO:
                    row_errors.append({"row": n, "field": name, "message": "Write yes or no"})
                data[name] = word in YES
            else:
                data[name] = _text(value)
        try:
            cleaned = services.clean(data, cache=cache)
        except FieldError as exc:
            row_errors += [{"row": n, "field": e.get("field"), "message": e["message"]} for e in exc.errors]
            cleaned = None
        number = cleaned.get("nhs_number") if cleaned else None
        if number:
            if number in seen:
                row_errors.append({"row": n, "field": "nhs_number",
                                   "message": f"The same NHS number as row {seen[number]}"})
            seen.setdefault(number, n)
        if row_errors:
            if len(errors) < MAX_ERRORS:
                errors += row_errors[: MAX_ERRORS - len(errors)]
            continue
        people.append(cleaned)
    if result.rows == 0:
        raise FieldError("The file has no people below its header row",
                         errors=[{"row": 2, "field": None, "message": "No rows below the header"}])
    existing = {}
    numbers = list(seen)
    for start in range(0, len(numbers), 1000):
        existing.update(Person.objects.filter(nhs_number__in=numbers[start:start + 1000], voided_at__isnull=True)
                        .values_list("nhs_number", "pk"))
    for number, pk in existing.items():
        if len(errors) < MAX_ERRORS:
            errors.append({"row": seen[number], "field": "nhs_number",
                           "message": f"{domain.format_nhs_number(number)} already has a record (id {pk})"})
    if errors:
        errors.sort(key=lambda e: (e["row"], e.get("field") or ""))
        result.errors = errors
        raise _refused(errors)
    if dry_run:
        return result
    result.created = _create(actor, people, filename)
    return result


@transaction.atomic
def _create(actor, people: list[dict], filename: str) -> int:
    objects = []
    for data in people:
        person = Person(**data)
        person.family_key = domain.name_key(person.family_name)
        person.given_key = domain.name_key(person.given_name)
        objects.append(person)
    created = Person.objects.bulk_create(objects, batch_size=1000)
    if created and created[0].pk is None:  # a database that does not return ids from a bulk insert
        created = list(Person.objects.order_by("-pk")[: len(objects)])[::-1]
    name = getattr(actor, "username", "") or "system"
    AuditEntry.objects.bulk_create(
        [AuditEntry(actor=actor if getattr(actor, "pk", None) else None, actor_name=name, action="person.import",
                    object_type="people.person", object_id=str(p.pk), summary=f"Imported from {filename[:200]}")
         for p in created],
        batch_size=1000,
    )
    record(actor, "person.import", summary=f"Imported {len(created)} people from {filename[:200]}",
           after={"count": len(created), "file": filename[:200]})
    return len(created)
