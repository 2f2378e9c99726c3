"""Import services into people's care plans from CSV or XLSX, all or nothing, with a dry run.

Layout (first row is the header; names are case-insensitive, order is free):

    nhs_number           required  the person's NHS number (any spacing); the person must be on your caseload
    name                 required  what the service is, e.g. "Home care, mornings"
    provider             required  the provider's ODS code, or its name
    service_type         required  CLD service type, e.g. "Long term support: Community"
    component            required  CLD service component, e.g. "Home care or domiciliary care"
    delivery_mechanism   required  "CASSR Commissioned support", "CASSR Managed Personal Budget" or "Direct payment"
    units_per_week       required  e.g. 10.5
    unit_cost            required  pounds a unit, e.g. 21.50
    starts_on            required  2026-05-31 or 31/05/2026
    ends_on              optional
    pooled_percent       optional  share paid from the pooled budget (0 to 100, two decimals at most)
    nhs_percent          optional
    council_percent      optional  (the three shares add to 100)
    client_weekly        optional  the person's contribution, pounds a week
    scheme               optional  code of the pooled budget scheme (needed with a pooled share): in the pool
                                   covering the person's council for the year the service starts

Every row is checked first; any problem and nothing is added, each problem named by row and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.db import transaction
from django.db.models import Q

from jointcare import readers
from jointcare.accounts.access import can
from jointcare.audit.services import record
from jointcare.errors import FieldError, ServiceError
from jointcare.grammar import plural
from jointcare.limits import shorten
from jointcare.money import MoneyError, parse_pounds
from jointcare.packages import services
from jointcare.packages.domain import Funding

REQUIRED = (
    "nhs_number", "name", "provider", "service_type", "component", "delivery_mechanism", "units_per_week",
    "unit_cost", "starts_on",
)
OPTIONAL = ("ends_on", "pooled_percent", "nhs_percent", "council_percent", "client_weekly", "scheme")
COLUMNS = REQUIRED + OPTIONAL
TEMPLATE = ",".join(COLUMNS) + "\n"


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    dry_run: bool = False
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "added": self.added, "dry_run": self.dry_run, "errors": self.errors}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value, required: bool) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        if required:
            raise ValueError("the date is empty")
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date() if len(text) <= 10 else None
        except ValueError:
            continue
    raise ValueError(f"'{shorten(text, 40)}' is not a date (use 2026-05-31 or 31/05/2026)")


def _pence(value) -> int:
    if isinstance(value, float):
        value = repr(round(value, 2)) if round(value, 2) == value else repr(value)
    text = _text(value)
    return parse_pounds(text) if text else 0


def _basis_points(value) -> int:
    text = _text(value).rstrip("%").strip()
    if not text:
        return 0
    try:
        number = Decimal(text) if len(text) <= 12 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number > 100 or number != number.quantize(Decimal("0.01")):
        raise ValueError(f"'{shorten(text, 20)}' is not a percentage from 0 to 100 (two decimals at most)")
    return int(number * 100)


def _units(value) -> Decimal:
    text = _text(value)
    try:
        number = Decimal(text) if 0 < len(text) <= 12 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"'{shorten(text, 20)}' is not a number of units a week")
    return number


def _scheme(code: str, person, day: dt.date):
    from jointcare.pool.domain import financial_year_of
    from jointcare.pool.models import Scheme

    council = person.responsible_council
    qs = Scheme.objects.filter(code__iexact=code, pool__financial_year=financial_year_of(day)).filter(
        Q(pool__host__gss_code=council) | Q(pool__agreement__parties__organisation__gss_code=council)
    ).select_related("pool__host", "pool__agreement").distinct()
    found = list(qs[:2])
    if not found:
        raise ValueError(f"no pool covering {council} in that year has a scheme '{shorten(code, 40)}'")
    if len(found) > 1:
        raise ValueError(f"more than one pool covering {council} has a scheme '{shorten(code, 40)}'")
    return found[0]


def _people(numbers: set[str]) -> dict:
    from jointcare.people.models import Person

    return {p.nhs_number: p for p in Person.objects.filter(nhs_number__in=numbers, voided_at__isnull=True)}


def _nhs(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit()) if len(text) <= 20 else ""


def import_services(actor, filename: str, content: bytes | BinaryIO, *, dry_run: bool = False) -> ImportResult:
    """Check every row, then add every service in one transaction, or nothing. FieldError lists each problem as
    {"row", "field", "message"}."""
    from jointcare.organisations.models import Organisation

    rows = readers.read_table(filename, content)
    first = next(rows, None)
    result = ImportResult(dry_run=dry_run)
    errors = result.errors
    if first is None or not any(_text(c) for c in first):
        raise FieldError("the file is empty: the first row must be the header",
                         errors=[{"row": 1, "field": None, "message": "the file is empty: the first row must be the header"}])
    header = [_text(c).lower() for c in first]
    for c in REQUIRED:
        if c not in header:
            errors.append({"row": 1, "field": c, "message": f"the required column '{c}' is missing"})
    for c in header:
        if c and c not in COLUMNS:
            errors.append({"row": 1, "field": shorten(c, 40), "message": f"unknown column '{shorten(c, 40)}' (expected {', '.join(COLUMNS)})"})
    for c in sorted({c for c in header if c and header.count(c) > 1}):
        errors.append({"row": 1, "field": c, "message": f"column '{c}' appears more than once"})
    if errors:
        raise FieldError("the columns are not right", errors=errors)
    index = {c: header.index(c) for c in COLUMNS if c in header}
    raw_rows = []
    for n, raw in enumerate(rows, start=2):
        if any(_text(c) for c in raw):
            raw_rows.append((n, raw))
    result.rows = len(raw_rows)

    def cell(raw, name):
        i = index.get(name)
        return raw[i] if i is not None and i < len(raw) else None

    people = _people({_nhs(_text(cell(raw, "nhs_number"))) for _, raw in raw_rows})
    providers: dict[str, object] = {}
    specs = []
    for n, raw in raw_rows:
        row_errors: list[tuple[str, str]] = []
        person = people.get(_nhs(_text(cell(raw, "nhs_number"))))
        if person is None:
            row_errors.append(("nhs_number", f"no live record has NHS number '{shorten(_text(cell(raw, 'nhs_number')), 20)}'"))
        elif not can(actor, "packages.edit", person):
            row_errors.append(("nhs_number", "you have no care relationship with this person"))
        ref = _text(cell(raw, "provider"))
        if ref.lower() not in providers:
            providers[ref.lower()] = (
                Organisation.objects.filter(Q(ods_code__iexact=ref) | Q(name__iexact=ref)).order_by("id").first() if ref and len(ref) <= 200 else None
            )
        provider = providers[ref.lower()]
        if provider is None:
            row_errors.append(("provider", f"'{shorten(ref, 40)}' is not an organisation (give its ODS code or name)"))
        values = {}
        for name, parse in (("units_per_week", _units), ("unit_cost", _pence), ("client_weekly", _pence),
                            ("pooled_percent", _basis_points), ("nhs_percent", _basis_points),
                            ("council_percent", _basis_points)):
            try:
                values[name] = parse(cell(raw, name))
            except (ValueError, MoneyError) as exc:
                row_errors.append((name, str(exc)))
        for name in ("starts_on", "ends_on"):
            try:
                values[name] = _date(cell(raw, name), required=name == "starts_on")
            except ValueError as exc:
                row_errors.append((name, str(exc)))
        scheme = None
        code = _text(cell(raw, "scheme"))
        if code and person is not None and values.get("starts_on"):
            try:
                scheme = _scheme(code, person, values["starts_on"])
            except ValueError as exc:
                row_errors.append(("scheme", str(exc)))
        if not row_errors:
            spec = services.ServiceSpec(
                name=_text(cell(raw, "name")), provider=provider, service_type=_text(cell(raw, "service_type")),
                component=_text(cell(raw, "component")), delivery_mechanism=_text(cell(raw, "delivery_mechanism")),
                units_per_week=values["units_per_week"], unit_cost_pence=values["unit_cost"],
                starts_on=values["starts_on"], ends_on=values["ends_on"],
                funding=Funding(values["pooled_percent"], values["nhs_percent"], values["council_percent"], values["client_weekly"]),
                scheme=scheme,
            )
            try:
                services.check_spec(spec, person)
            except ServiceError as exc:
                field_name = {"unit_cost_pence": "unit_cost", "client_weekly_pence": "client_weekly"}.get(exc.field, exc.field)
                row_errors.append((field_name, exc.message))
            else:
                specs.append((n, person, spec))
        for f, m in row_errors:
            errors.append({"row": n, "field": f, "message": m})
    if errors:
        first_error = errors[0]
        raise FieldError(
            f"{plural(len(errors), 'problem')}; nothing was imported. Row {first_error['row']}, "
            f"{first_error['field']}: {first_error['message']}",
            errors=errors,
        )
    result.added = len(specs)
    if dry_run or not specs:
        return result
    with transaction.atomic():
        for n, person, spec in specs:
            try:
                services.add_service(actor, person, spec)
            except ServiceError as exc:  # a closed month, a pool year without the scheme: still all or nothing
                raise FieldError(
                    f"Row {n}: {exc.message}; nothing was imported",
                    errors=[{"row": n, "field": exc.field, "message": exc.message}],
                ) from None
        record(actor, "packages.import", None, object_type="packages.planservice", object_id="import",
               after={"file": shorten(filename, 100), "services": len(specs)},
               summary=f"Imported {plural(len(specs), 'service')} from {shorten(filename, 80)}")
    return result
