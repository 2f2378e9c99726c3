"""Every write about organisations: validated, one transaction, one audit entry with before and after.

Read helpers (search, look-up by code) live here too so the views and the API share them.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet

from jointcare.audit.services import record, snapshot
from jointcare.errors import FieldError, NotFound
from jointcare.organisations.domain import (
    FORMER_NAME_SHARE,
    KIND_SECTORS,
    Kind,
    Sector,
    gss_error,
    normalise_code,
    ods_error,
    parent_error,
    search_text,
    search_words,
    sector_error,
)
from jointcare.organisations.models import Organisation, Succession

EDITABLE = (
    "name",
    "kind",
    "sector",
    "ods_code",
    "gss_code",
    "parent_id",
    "postcode",
    "active",
    "opened_on",
    "closed_on",
    "source",
)
MAX_PARENT_DEPTH = 10


# --- reads -----------------------------------------------------------------------------------------


def search(q: str = "", kind: str = "", sector: str = "") -> QuerySet[Organisation]:
    """Organisations with a word starting with each word of `q`, in any order, ignoring case and accents, in their
    name, codes, postcode or former names (`domain.search_text`); filtered by kind and sector. Open ones first."""
    qs = Organisation.objects.select_related("parent")
    for word in search_words((q or "").replace("\x00", "")):
        qs = qs.filter(search_text__contains=f" {word}")
    if kind:
        qs = qs.filter(kind=kind)
    if sector:
        qs = qs.filter(sector=sector)
    return qs.order_by("-active", "name", "id")


def by_code(code: str, *, field: str = "code") -> Organisation:
    """The organisation with this ODS or GSS code, or NotFound naming `field`.

    Codes are reused (a Sub-ICB location kept its CCG's codes), so the open organisation wins, then the one
    closed most recently.
    """
    norm = normalise_code(code).replace("\x00", "")
    org = None
    if norm:
        org = (
            Organisation.objects.select_related("parent")
            .filter(Q(ods_code=norm) | Q(gss_code=norm))
            .order_by("-active", F("closed_on").desc(nulls_last=True), "-pk")
            .first()
        )
    if org is None:
        raise NotFound(f"No organisation with code {code}", field=field)
    return org


def pks_by_code(kind: str, codes) -> dict[str, int]:
    """GSS code -> id of the organisation of `kind` holding it (the open one, else the last closed), for links."""
    out: dict[str, int] = {}
    rows = (Organisation.objects.filter(kind=kind, gss_code__in=set(codes))
            .order_by("gss_code", "-active", F("closed_on").desc(nulls_last=True), "-pk").values_list("gss_code", "pk"))
    for code, pk in rows:
        out.setdefault(code, pk)
    return out


def history(org: Organisation) -> dict:
    """The organisations this one came from and went to, with the share of the predecessor's area."""
    links = Succession.objects.select_related("predecessor", "successor")
    return {
        "predecessors": list(links.filter(successor=org).order_by("-share", "predecessor__name")),
        "successors": list(links.filter(predecessor=org).order_by("-share", "successor__name")),
    }


def index_text(org: Organisation) -> str:
    """The organisation's search text, with the names of the organisations it succeeded."""
    former = ()
    if org.pk:
        former = tuple(
            Organisation.objects.filter(successor_links__successor=org, successor_links__share__gte=FORMER_NAME_SHARE)
            .values_list("name", flat=True).order_by("name")
        )
    return search_text(org.name, (org.ods_code, org.gss_code, org.postcode), former)


def by_id(pk, *, field: str = "id") -> Organisation:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise FieldError(f"'{pk}' is not an organisation id: expected a whole number", field=field) from None
    org = Organisation.objects.select_related("parent").filter(pk=pk).first()
    if org is None:
        raise NotFound(f"No organisation with id {pk}", field=field)
    return org


def resolve(*, pk=None, code: str | None = None, field: str = "organisation", required: bool = True):
    """An organisation chosen by code (preferred when given) or by id; None when neither and not required."""
    if code and code.strip():
        return by_code(code, field=field)
    if pk not in (None, ""):
        return by_id(pk, field=field)
    if required:
        raise FieldError("Choose an organisation, or enter its ODS or GSS code", field=field)
    return None


def parent_chain(org: Organisation) -> list[Organisation]:
    """The organisation's parents, nearest first (bounded, so a bad cycle cannot loop)."""
    chain = []
    current = org.parent
    while current is not None and len(chain) < MAX_PARENT_DEPTH:
        chain.append(current)
        current = current.parent if current.parent_id else None
    return chain


# --- validation ------------------------------------------------------------------------------------


def _clean(data: dict, instance: Organisation | None) -> dict:
    """Check and normalise the fields of a new or changed organisation; raise FieldError naming the field."""
    errors: list[dict] = []

    def fail(field, message):
        errors.append({"field": field, "message": message})

    for field in ("name", "ods_code", "gss_code", "postcode", "source", "parent_code"):
        if "\x00" in str(data.get(field) or ""):
            fail(field, "Remove the invisible NUL character from this field")
            data[field] = str(data[field]).replace("\x00", "")
    name = (data.get("name") or "").strip()
    if not name:
        fail("name", "Enter the organisation's name")
    elif len(name) > 200:
        fail("name", "The name must be 200 characters or fewer")
    data["name"] = name

    kind = data.get("kind")
    try:
        kind = Kind(kind)
    except ValueError:
        fail("kind", f"'{kind}' is not a kind of organisation. Kinds are: {', '.join(k.value for k in Kind)}")
        kind = None
    data["kind"] = kind.value if kind else kind

    sector = data.get("sector")
    if not sector and kind is not None and len(KIND_SECTORS[kind]) == 1:
        sector = next(iter(KIND_SECTORS[kind])).value
    try:
        sector = Sector(sector)
    except ValueError:
        if not sector:
            fail("sector", "Choose the sector: nhs, council, voluntary or independent")
        else:
            fail("sector", f"'{sector}' is not a sector. Sectors are: {', '.join(s.value for s in Sector)}")
        sector = None
    if kind is not None and sector is not None:
        problem = sector_error(kind, sector)
        if problem:
            fail("sector", problem)
    data["sector"] = sector.value if sector else sector

    for field, check in (("ods_code", ods_error), ("gss_code", gss_error)):
        code = normalise_code(data.get(field)) or None
        data[field] = code
        if code and kind is not None:
            problem = check(kind, code)
            if problem:
                fail(field, problem)
        # Codes are unique among open organisations; a closed one may share its code with its successor.
        if code and data.get("active", True) and not any(e["field"] == field for e in errors):
            clash = Organisation.objects.filter(**{field: code}, active=True)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            other = clash.first()
            if other is not None:
                label = "ODS" if field == "ods_code" else "GSS"
                fail(field, f"{label} code {code} is already used by {other.name} (id {other.pk})")

    parent_code = normalise_code(data.pop("parent_code", None))
    if parent_code:
        by = Organisation.objects.filter(Q(ods_code=parent_code) | Q(gss_code=parent_code)).first()
        if by is None:
            fail("parent_code", f"No organisation with code {parent_code} to be the parent")
            data["parent_id"] = None
        else:
            data["parent_id"] = by.pk
    parent_id = data.get("parent_id")
    if any(e["field"] == "parent_code" for e in errors):
        pass
    elif parent_id in ("", None):
        data["parent_id"] = None
    else:
        try:
            parent = Organisation.objects.filter(pk=int(parent_id)).first()
        except (TypeError, ValueError):
            parent = None
        if parent is None:
            fail("parent_id", f"No organisation with id {parent_id} to be the parent")
        elif instance is not None and _would_cycle(instance, parent):
            fail("parent_id", f"{parent.name} cannot be the parent: it is {instance.name} or one of its children")
        elif kind is not None and parent_error(kind, parent.kind):
            fail("parent_id", parent_error(kind, parent.kind))
        else:
            data["parent_id"] = parent.pk

    data["postcode"] = (data.get("postcode") or "").strip().upper()
    if len(data["postcode"]) > 10:
        fail("postcode", "The postcode must be 10 characters or fewer")
    data["source"] = (data.get("source") or "").strip()[:40]
    opened, closed = data.get("opened_on"), data.get("closed_on")
    for field in ("opened_on", "closed_on"):
        if data.get(field) is not None and not isinstance(data[field], dt.date):
            fail(field, "Enter a date as YYYY-MM-DD")
    if isinstance(opened, dt.date) and isinstance(closed, dt.date) and closed < opened:
        fail("closed_on", "The closing date must be on or after the opening date")
    data["active"] = bool(data.get("active", True))

    if errors:
        first = errors[0]
        raise FieldError(first["message"], field=first["field"], errors=errors)
    return data


def problems(instance: Organisation | None = None, **fields) -> list[dict]:
    """What creating (or, with `instance`, changing) an organisation with these fields would refuse, without
    writing anything: for a form that shows every error at once."""
    try:
        _clean(dict(fields), instance)
    except FieldError as exc:
        return list(exc.errors)
    return []


def _would_cycle(instance: Organisation, parent: Organisation) -> bool:
    current, depth = parent, 0
    while current is not None and depth <= MAX_PARENT_DEPTH:
        if current.pk == instance.pk:
            return True
        current = current.parent
        depth += 1
    return False


def _snapshot(org: Organisation) -> dict:
    """The audited fields: everything but the derived search text."""
    return {k: v for k, v in snapshot(org).items() if k != "search_text"}


def _save(org: Organisation) -> None:
    org.search_text = index_text(org)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:  # a concurrent writer took the code between our check and the insert
        field = "gss_code" if "gss" in str(exc).lower() else "ods_code"
        raise FieldError(f"That {field.split('_')[0].upper()} code is already in use", field=field) from None


# --- writes ----------------------------------------------------------------------------------------


@transaction.atomic
def create_organisation(
    actor,
    *,
    name: str,
    kind: str,
    sector: str | None = None,
    ods_code: str | None = None,
    gss_code: str | None = None,
    parent_id: int | None = None,
    postcode: str = "",
    active: bool = True,
    opened_on: dt.date | None = None,
    closed_on: dt.date | None = None,
    source: str = "",
    parent_code: str | None = None,
) -> Organisation:
    """Add an organisation. The parent may be given by id or by its ODS/GSS code (`parent_code`)."""
    data = _clean(
        dict(
            name=name,
            kind=kind,
            sector=sector,
            ods_code=ods_code,
            gss_code=gss_code,
            parent_id=parent_id,
            postcode=postcode,
            active=active,
            opened_on=opened_on,
            closed_on=closed_on,
            source=source,
            parent_code=parent_code,
        ),
        None,
    )
    org = Organisation(**data)
    _save(org)
    record(actor, "organisation.create", org, after=_snapshot(org), summary=f"Created {org.name}")
    return org


@transaction.atomic
def update_organisation(actor, organisation: Organisation | int, **changes) -> Organisation:
    """Change some fields of an organisation (`parent_code` may stand for `parent_id`). Unknown names are refused."""
    pk = organisation.pk if isinstance(organisation, Organisation) else organisation
    org = Organisation.objects.select_for_update().filter(pk=pk).first()
    if org is None:
        raise NotFound(f"No organisation with id {pk}", field="id")
    unknown = sorted(set(changes) - set(EDITABLE) - {"parent_code"})
    if unknown:
        raise FieldError(f"'{unknown[0]}' cannot be changed", field=unknown[0])
    before = _snapshot(org)
    data = {f: getattr(org, f) for f in EDITABLE}
    data.update(changes)
    data = _clean(data, org)
    data.pop("parent_code", None)
    for field, value in data.items():
        setattr(org, field, value)
    _save(org)
    after = _snapshot(org)
    changed = sorted(k for k in after if after[k] != before[k])
    record(
        actor,
        "organisation.update",
        org,
        before=before,
        after=after,
        summary=f"Changed {', '.join(changed) or 'nothing'} of {org.name}",
    )
    return org
