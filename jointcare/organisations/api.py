"""Organisations API: list and search, detail, look-up by ODS/GSS code, create and change."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from jointcare.accounts.access import api_user, check
from jointcare.organisations import services
from jointcare.organisations.domain import Kind, Sector
from jointcare.organisations.models import Organisation

router = Router(tags=["organisations"])


class ApiErrorItem(Schema):
    field: str | None = None
    message: str


class ApiError(Schema):
    detail: str
    errors: list[ApiErrorItem]


ERRORS = {400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError}


class ParentOut(Schema):
    id: int
    name: str
    kind: str
    code: str


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    sector: str
    ods_code: str | None
    gss_code: str | None
    parent: ParentOut | None
    postcode: str
    active: bool
    opened_on: dt.date | None
    closed_on: dt.date | None
    source: str


class OrganisationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrganisationOut]


class OrganisationIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: Kind
    sector: Sector | None = Field(None, description="May be left out when the kind belongs to one sector only")
    ods_code: str | None = Field(None, max_length=20)
    gss_code: str | None = Field(None, max_length=20)
    parent_id: int | None = None
    parent_code: str | None = Field(None, max_length=20, description="The parent's ODS or GSS code, instead of parent_id")
    postcode: str = Field("", max_length=10)
    active: bool = True
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None


class OrganisationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Kind | None = None
    sector: Sector | None = None
    ods_code: str | None = Field(None, max_length=20)
    gss_code: str | None = Field(None, max_length=20)
    parent_id: int | None = None
    parent_code: str | None = Field(None, max_length=20)
    postcode: str | None = Field(None, max_length=10)
    active: bool | None = None
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None


class OrganisationFilters(Schema):
    q: str = Field("", max_length=200, description="Part of the name, or the start of an ODS or GSS code")
    kind: Kind | None = None
    sector: Sector | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)


def out(org: Organisation) -> dict:
    parent = org.parent
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "kind_label": org.kind_label,
        "sector": org.sector,
        "ods_code": org.ods_code,
        "gss_code": org.gss_code,
        "parent": {"id": parent.pk, "name": parent.name, "kind": parent.kind, "code": parent.code} if parent else None,
        "postcode": org.postcode,
        "active": org.active,
        "opened_on": org.opened_on,
        "closed_on": org.closed_on,
        "source": org.source,
    }


@router.get("", response={200: OrganisationPage, **ERRORS}, summary="Search organisations by name or code")
def list_organisations(request, filters: Query[OrganisationFilters]):
    check(api_user(request), "organisations.view")
    qs = services.search(filters.q, filters.kind.value if filters.kind else "", filters.sector.value if filters.sector else "")
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": [out(o) for o in items]}


@router.get("/by-code/{code}", response={200: OrganisationOut, **ERRORS}, summary="The organisation with an ODS or GSS code")
def by_code(request, code: str):
    check(api_user(request), "organisations.view")
    return out(services.by_code(code))


@router.get("/{org_id}", response={200: OrganisationOut, **ERRORS}, summary="One organisation")
def detail(request, org_id: int):
    check(api_user(request), "organisations.view")
    return out(services.by_id(org_id))


@router.post("", response={201: OrganisationOut, **ERRORS}, summary="Add an organisation")
def create(request, payload: OrganisationIn):
    user = api_user(request)
    check(user, "organisations.create")
    data = payload.dict()
    data["kind"] = data["kind"].value
    data["sector"] = data["sector"].value if data["sector"] else None
    org = services.create_organisation(user, **data)
    return Status(201, out(services.by_id(org.pk)))


@router.patch("/{org_id}", response={200: OrganisationOut, **ERRORS}, summary="Change an organisation")
def update(request, org_id: int, payload: OrganisationPatch):
    user = api_user(request)
    org = services.by_id(org_id)
    check(user, "organisations.edit", org)
    changes = payload.dict(exclude_unset=True)
    for key in ("kind", "sector"):
        if changes.get(key) is not None:
            changes[key] = changes[key].value
    for key in ("name", "kind", "sector", "active"):
        if key in changes and changes[key] is None:
            changes.pop(key)
    org = services.update_organisation(user, org, **changes)
    return out(services.by_id(org.pk))
