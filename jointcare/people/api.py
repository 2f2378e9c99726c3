"""People API: add and search people, open a record (audited), break-glass, care team, void and merge, and a
record's access history for administrators."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from jointcare.accounts.access import api_user, check, check_somewhere
from jointcare.errors import FieldError, NotFound
from jointcare.people import domain, services, sharing, vocabulary
from jointcare.people.models import Person
from jointcare.schemas import READ_ERRORS, TEXT_PATTERN, WRITE_ERRORS, Date, Flag, Id, Input, PathId, text

router = Router(tags=["people"])


def _nhs_number(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return domain.standardise_nhs_number(value)
    except domain.InvalidNhsNumber as exc:
        raise PydanticCustomError("nhs_number", str(exc)) from None


NhsNumber = Annotated[
    str,
    Field(max_length=20, description="10 digits, spaces or dashes allowed; modulus-11 check digit",
          json_schema_extra={"pattern": TEXT_PATTERN}),
    AfterValidator(_nhs_number),
]


def _codes(values: dict) -> type:
    return Literal[("", *values)]  # type: ignore[valid-type]


Sex = _codes(vocabulary.SEX)
Gender = _codes(vocabulary.GENDER)
Ethnicity = _codes(vocabulary.ETHNICITY)
Accommodation = _codes(vocabulary.ACCOMMODATION)
Condition = Literal[tuple(vocabulary.CONDITIONS)]  # type: ignore[valid-type]


class PersonFields(Input):
    council_person_id: str | None = text(None, max_length=40)
    date_of_death: Date | None = None
    sex: Sex | None = None
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    postcode: str | None = text(None, max_length=10)
    lsoa_code: str | None = text(None, max_length=9, description="2021 LSOA code; gives the responsible council")
    gp_practice: str | None = text(None, max_length=10, description="ODS code of the person's GP practice")
    responsible_council_reason: str | None = text(None, max_length=300,
                                                   description="Why the council differs from the LSOA's")
    accommodation: Accommodation | None = None
    long_term_conditions: list[Condition] | None = Field(None, max_length=len(vocabulary.CONDITIONS))
    national_opt_out: Flag | None = None
    consent_to_share: Flag | None = None
    restricted: Flag | None = None


class PersonIn(PersonFields):
    nhs_number: NhsNumber | None = None
    given_name: str = text(..., min_length=1, max_length=100)
    family_name: str = text(..., min_length=1, max_length=100)
    date_of_birth: Date
    responsible_council: str | None = text(None, max_length=9, description="GSS code of the upper-tier council")
    join_care_team: Flag = Field(False, description="Add the user who adds the person to their care team")


class PersonPatch(PersonFields):
    nhs_number: NhsNumber | None = None
    given_name: str | None = text(None, min_length=1, max_length=100)
    family_name: str | None = text(None, min_length=1, max_length=100)
    date_of_birth: Date | None = None
    responsible_council: str | None = text(None, max_length=9)


class PracticeOut(Schema):
    id: int
    name: str
    ods_code: str | None


class TeamMemberOut(Schema):
    id: int
    name: str
    role: str
    role_label: str
    username: str | None
    organisation: str | None
    is_coordinator: bool
    started_on: dt.date
    ended_on: dt.date | None


class PersonOut(Schema):
    id: int
    nhs_number: str | None
    nhs_number_display: str
    council_person_id: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    date_of_death: dt.date | None
    sex: str
    gender: str
    ethnicity: str
    postcode: str
    lsoa_code: str | None
    gp_practice: PracticeOut | None
    responsible_council: str
    responsible_council_reason: str
    accommodation: str
    long_term_conditions: list[str]
    national_opt_out: bool
    consent_to_share: bool
    restricted: bool
    voided_at: dt.datetime | None
    void_reason: str
    merged_into: int | None
    care_team: list[TeamMemberOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonListed(Schema):
    """What a search may show of anyone: enough to tell people apart, nothing of their care."""

    id: int
    nhs_number: str | None
    nhs_number_display: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    postcode: str


class PersonPage(Schema):
    count: int
    items: list[PersonListed]


class SearchFilters(Schema):
    nhs_number: str = text("", max_length=20, description="NHS number in any spacing")
    name: str = text("", max_length=200, description="Given and family name, or part of them; with date_of_birth")
    date_of_birth: dt.date | None = None
    postcode: str = text("", max_length=10)
    limit: int = Field(services.SEARCH_LIMIT, ge=1, le=services.SEARCH_LIMIT)


class ReasonIn(Input):
    reason: str = text(..., min_length=domain.BREAK_GLASS_MIN_REASON, max_length=500)


class BreakGlassOut(Schema):
    person_id: int
    username: str
    reason: str
    started_at: dt.datetime
    expires_at: dt.datetime


class VoidIn(Input):
    reason: str = text(..., min_length=5, max_length=300)


class MergeIn(Input):
    duplicate: Id = Field(..., description="Id of the duplicate record, merged into this one")
    reason: str = text(..., min_length=5, max_length=300)


class TeamMemberIn(Input):
    role: Literal[tuple(domain.CARE_TEAM_ROLES)]  # type: ignore[valid-type]
    name: str = text("", max_length=150)
    username: str | None = text(None, max_length=150, description="The user, for a professional who signs in")
    organisation: str | None = text(None, max_length=10, description="ODS or GSS code of their organisation")
    is_coordinator: Flag = False
    carer_record: Id | None = Field(None, description="For an unpaid carer with a record of their own: its id")


class AccessOut(Schema):
    username: str
    action: str
    at: dt.datetime
    summary: str
    record_id: int


class AccessLog(Schema):
    person_id: int
    items: list[AccessOut]


def person_out(person: Person) -> dict:
    practice = person.gp_practice
    team = [
        {
            "id": m.pk, "name": m.name, "role": m.role, "role_label": m.role_label,
            "username": m.user.username if m.user_id else None,
            "organisation": m.organisation.name if m.organisation_id else None,
            "is_coordinator": m.is_coordinator, "started_on": m.started_on, "ended_on": m.ended_on,
        }
        for m in person.care_team.select_related("user", "organisation")
    ]
    return {
        **{f: getattr(person, f) for f in (
            "nhs_number", "nhs_number_display", "council_person_id", "given_name", "family_name", "date_of_birth",
            "date_of_death", "sex", "gender", "ethnicity", "postcode", "lsoa_code", "responsible_council",
            "responsible_council_reason", "accommodation", "long_term_conditions", "national_opt_out",
            "consent_to_share", "restricted", "voided_at", "void_reason", "created_at", "updated_at")},
        "id": person.pk,
        "gp_practice": {"id": practice.pk, "name": practice.name, "ods_code": practice.ods_code} if practice else None,
        "merged_into": person.merged_into_id,
        "care_team": team,
    }


def listed(person: Person) -> dict:
    return {
        "id": person.pk, "nhs_number": person.nhs_number, "nhs_number_display": person.nhs_number_display,
        "given_name": person.given_name, "family_name": person.family_name,
        "date_of_birth": person.date_of_birth, "postcode": person.postcode,
    }


CLEARABLE = {"nhs_number", "date_of_death", "gp_practice", "lsoa_code"}


def _fields(payload: Input) -> dict:
    """The fields sent: null clears a field that may be empty, and leaves any other as it is."""
    data = payload.dict(exclude_unset=True)
    data.pop("join_care_team", None)
    return {k: v for k, v in data.items() if v is not None or k in CLEARABLE}


@router.get("", response={200: PersonPage, **READ_ERRORS}, summary="Find people by NHS number, or name and date of birth")
def search_people(request, filters: Query[SearchFilters]):
    check_somewhere(api_user(request), "person.search")
    qs = services.search(nhs_number=filters.nhs_number, name=filters.name, date_of_birth=filters.date_of_birth,
                         postcode=filters.postcode)
    items = list(qs[: filters.limit])
    count = len(items) if len(items) < filters.limit else qs.count()
    return {"count": count, "items": [listed(p) for p in items]}


@router.post("", response={201: PersonOut, **WRITE_ERRORS}, summary="Add a person")
def create_person(request, payload: PersonIn):
    user = api_user(request)
    check_somewhere(user, "person.create")
    person = services.create_person(user, join_care_team=payload.join_care_team, **_fields(payload))
    return Status(201, person_out(services.get_person(person.pk)))


@router.get("/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="Open a person's record (audited)")
def open_person(request, person_id: PathId):
    person = services.get_person(person_id)
    sharing.open_record(api_user(request), person, request)
    return person_out(person)


@router.patch("/{person_id}", response={200: PersonOut, **WRITE_ERRORS}, summary="Change a person's record")
def update_person(request, person_id: PathId, payload: PersonPatch):
    user = api_user(request)
    person = services.get_person(person_id)
    check(user, "person.edit", person)
    person = services.update_person(user, person, **_fields(payload))
    return person_out(services.get_person(person.pk))


@router.post("/{person_id}/break-glass", response={200: BreakGlassOut, **WRITE_ERRORS},
             summary="Open a record in an emergency, with a reason (audited, time-limited)")
def break_glass(request, person_id: PathId, payload: ReasonIn):
    user = api_user(request)
    check_somewhere(user, "person.break_glass")
    person = services.get_person(person_id)
    grant = sharing.break_glass(user, person, payload.reason)
    return {"person_id": person.pk, "username": user.username, "reason": grant.reason,
            "started_at": grant.started_at, "expires_at": grant.expires_at}


@router.get("/{person_id}/access-log", response={200: AccessLog, **READ_ERRORS},
            summary="Who opened, was refused, or broke glass on a record (administrators)")
def access_log(request, person_id: PathId):
    check_somewhere(api_user(request), "person.access_log")
    person = services.get_person(person_id)
    items = [
        {"username": e.actor_name, "action": sharing.access_word(e.action), "at": e.at, "summary": e.summary,
         "record_id": int(e.object_id)}
        for e in sharing.access_log(person)
    ]
    return {"person_id": person.pk, "items": items}


@router.post("/{person_id}/care-team", response={201: TeamMemberOut, **WRITE_ERRORS},
             summary="Add someone to a person's care team")
def add_team_member(request, person_id: PathId, payload: TeamMemberIn):
    from jointcare.accounts.models import User
    from jointcare.organisations.models import Organisation

    user = api_user(request)
    person = services.get_person(person_id)
    check(user, "person.edit", person)
    member_user = None
    if payload.username:
        member_user = User.objects.filter(username=payload.username, is_active=True).first()
        if member_user is None:
            raise FieldError(f"No user is called {payload.username}", field="username")
    organisation = None
    if payload.organisation:
        code = payload.organisation.strip().upper()
        organisation = (Organisation.objects.filter(ods_code=code, active=True).first()
                        or Organisation.objects.filter(gss_code=code, active=True).first())
        if organisation is None:
            raise FieldError(f"No open organisation has the code {code}", field="organisation")
    carer = None
    if payload.carer_record:
        carer = Person.objects.filter(pk=payload.carer_record, voided_at__isnull=True).first()
        if carer is None:
            raise NotFound(f"There is no live person with id {payload.carer_record}", field="carer_record")
    m = services.add_care_team_member(user, person, name=payload.name, role=payload.role, user=member_user,
                                      organisation=organisation, is_coordinator=payload.is_coordinator,
                                      carer_record=carer)
    return Status(201, {
        "id": m.pk, "name": m.name, "role": m.role, "role_label": m.role_label,
        "username": member_user.username if member_user else None,
        "organisation": organisation.name if organisation else None,
        "is_coordinator": m.is_coordinator, "started_on": m.started_on, "ended_on": m.ended_on,
    })


@router.post("/{person_id}/void", response={200: PersonListed, **WRITE_ERRORS}, summary="Void a record made in error")
def void(request, person_id: PathId, payload: VoidIn):
    user = api_user(request)
    check_somewhere(user, "person.void")
    person = services.void_person(user, services.get_person(person_id), payload.reason)
    return listed(person)


@router.post("/{person_id}/merge", response={200: PersonListed, **WRITE_ERRORS},
             summary="Merge a duplicate record into this one (both histories kept)")
def merge(request, person_id: PathId, payload: MergeIn):
    user = api_user(request)
    check_somewhere(user, "person.merge")
    keep = services.get_person(person_id)
    duplicate = services.get_person(payload.duplicate)
    return listed(services.merge_people(user, keep, duplicate, payload.reason))
