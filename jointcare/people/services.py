"""Writes to person records: each in one transaction with one audit entry. People are voided, never deleted."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from jointcare.audit.services import record, snapshot
from jointcare.errors import Conflict, FieldError, NotFound
from jointcare.people import domain, vocabulary
from jointcare.people.models import CareTeamMember, Person

TEXT_FIELDS = {"given_name": 100, "family_name": 100, "council_person_id": 40, "responsible_council_reason": 300}
FIELDS = (
    "nhs_number", "council_person_id", "given_name", "family_name", "date_of_birth", "date_of_death", "sex",
    "gender", "ethnicity", "postcode", "lsoa_code", "gp_practice", "responsible_council",
    "responsible_council_reason", "accommodation", "long_term_conditions", "national_opt_out",
    "consent_to_share", "restricted",
)


class DuplicatePerson(Conflict):
    """A live record already holds the NHS number; `existing_id` names it."""

    def __init__(self, existing_id: int, nhs_number: str):
        super().__init__(
            f"A record with NHS number {domain.format_nhs_number(nhs_number)} already exists (id {existing_id})",
            field="nhs_number",
        )
        self.existing_id = existing_id

    def as_dict(self) -> dict:
        return {**super().as_dict(), "existing_id": self.existing_id}


def _date(value, field: str, errors: list) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append({"field": field, "message": "Enter a real date, as YYYY-MM-DD"})
        return None


def lsoa_council(lsoa_code: str) -> str | None:
    from jointcare.places.models import Lsoa21

    return Lsoa21.objects.filter(code=lsoa_code).values_list("council", flat=True).first()


def council_exists(code: str) -> bool:
    from jointcare.places.models import Area, Level, Lsoa21

    return Area.objects.filter(code=code, level=Level.COUNCIL).exists() or Lsoa21.objects.filter(council=code).exists()


def gp_practice_for(value):
    """The open GP practice an ODS code (or organisation, or id) names, or None when it is no shipped practice."""
    from jointcare.organisations.domain import Kind
    from jointcare.organisations.models import Organisation

    practices = Organisation.objects.filter(kind=Kind.GP_PRACTICE)
    if isinstance(value, Organisation):
        return value if value.kind == Kind.GP_PRACTICE else None
    if isinstance(value, int):
        return practices.filter(pk=value).first()
    code = str(value).strip().upper()
    return practices.filter(ods_code=code).order_by("-active").first()


def _memo(cache: dict | None, key: tuple, fetch):
    if cache is None:
        return fetch()
    if key not in cache:
        cache[key] = fetch()
    return cache[key]


def clean(data: dict, current: Person | None = None, *, cache: dict | None = None) -> dict:
    """The fields standardised and checked; FieldError naming every wrong field at once. `cache` keeps the
    look-ups (practices, LSOAs, councils) across the rows of an import."""
    errors: list[dict] = []
    out: dict = {}
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise FieldError(f"Unknown field {sorted(unknown)[0]}", field=sorted(unknown)[0])

    def given(name):
        return name in data

    if given("nhs_number"):
        raw = data["nhs_number"]
        if raw in (None, ""):
            out["nhs_number"] = None
        else:
            try:
                out["nhs_number"] = domain.standardise_nhs_number(str(raw))
            except domain.InvalidNhsNumber as exc:
                errors.append({"field": "nhs_number", "message": str(exc)})
    for name, size in TEXT_FIELDS.items():
        if given(name):
            value = " ".join(str(data[name] or "").split())
            if len(value) > size:
                errors.append({"field": name, "message": f"Use {size} characters or fewer"})
            out[name] = value
    for name in ("given_name", "family_name"):
        if (given(name) or current is None) and not out.get(name):
            errors.append({"field": name, "message": f"Enter the person's {name.replace('_', ' ')}"})
    today = timezone.localdate()
    if given("date_of_birth") or current is None:
        dob = _date(data.get("date_of_birth"), "date_of_birth", errors)
        if dob is None and not any(e["field"] == "date_of_birth" for e in errors):
            errors.append({"field": "date_of_birth", "message": "Enter the person's date of birth"})
        elif dob is not None and dob > today:
            errors.append({"field": "date_of_birth", "message": "Date of birth must be today or in the past"})
        elif dob is not None and dob.year < 1890:
            errors.append({"field": "date_of_birth", "message": "Date of birth must be after 1890"})
        out["date_of_birth"] = dob
    if given("date_of_death"):
        dod = _date(data["date_of_death"], "date_of_death", errors)
        dob = out.get("date_of_birth") or (current.date_of_birth if current else None)
        if dod is not None and dod > today:
            errors.append({"field": "date_of_death", "message": "Date of death must be today or in the past"})
        elif dod is not None and dob is not None and dod < dob:
            errors.append({"field": "date_of_death", "message": "Date of death must be on or after the date of birth"})
        out["date_of_death"] = dod
    for name, values in vocabulary.VOCABULARIES.items():
        if given(name):
            code = str(data[name] or "").strip()
            if code and code not in values:
                errors.append({"field": name, "message": f"Choose one of the listed values ({code!r} is not one)"})
            out[name] = code
    if given("postcode"):
        text = str(data["postcode"] or "").strip()
        try:
            out["postcode"] = domain.standardise_postcode(text) if text else ""
        except domain.InvalidPostcode as exc:
            errors.append({"field": "postcode", "message": str(exc)})
    if given("long_term_conditions"):
        codes = data["long_term_conditions"] or []
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.replace(";", ",").split(",")]
        codes = [str(c).strip() for c in codes if str(c).strip()]
        wrong = [c for c in codes if c not in vocabulary.CONDITIONS]
        if wrong:
            errors.append({"field": "long_term_conditions", "message": f"Not a listed condition: {wrong[0][:40]}"})
        out["long_term_conditions"] = sorted(set(codes))
    for name in ("national_opt_out", "consent_to_share", "restricted"):
        if given(name):
            out[name] = bool(data[name])
    if given("gp_practice"):
        value = data["gp_practice"]
        if value in (None, ""):
            out["gp_practice"] = None
        else:
            practice = _memo(cache, ("gp", str(value)), lambda: gp_practice_for(value))
            if practice is None:
                errors.append({"field": "gp_practice", "message": f"No GP practice has the ODS code {str(value)[:12]}"})
            out["gp_practice"] = practice
    # The responsible council: from the LSOA where one is given, otherwise chosen; a different choice needs a reason.
    derived = None
    if given("lsoa_code"):
        code = str(data["lsoa_code"] or "").strip().upper() or None
        if code:
            derived = _memo(cache, ("lsoa", code), lambda: lsoa_council(code))
            if derived is None:
                errors.append({"field": "lsoa_code", "message": f"{code[:12]} is not a 2021 LSOA in the shipped lookups"})
        out["lsoa_code"] = code
    elif current is not None and current.lsoa_code:
        derived = lsoa_council(current.lsoa_code)
    chosen = str(data.get("responsible_council") or "").strip().upper() if given("responsible_council") else None
    if chosen:
        if not domain.is_council_code(chosen) or not _memo(cache, ("council", chosen), lambda: council_exists(chosen)):
            errors.append({"field": "responsible_council",
                           "message": f"{chosen[:12]} is not the GSS code of an upper-tier council"})
        out["responsible_council"] = chosen
    elif derived:
        out["responsible_council"] = derived
    elif current is None or given("responsible_council"):
        errors.append({"field": "responsible_council",
                       "message": "Choose the responsible council, or give an LSOA to work it out"})
    council = out.get("responsible_council") or (current.responsible_council if current else "")
    reason = out.get("responsible_council_reason", current.responsible_council_reason if current else "")
    problem = domain.council_override_problem(derived, council, reason)
    if problem:
        errors.append({"field": "responsible_council_reason", "message": problem})
    if errors:
        raise FieldError(errors[0]["message"], errors=errors)
    return out


def _check_duplicate(nhs_number: str | None, exclude: int | None = None) -> None:
    if not nhs_number:
        return
    clash = Person.objects.filter(nhs_number=nhs_number, voided_at__isnull=True)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    existing = clash.values_list("pk", flat=True).first()
    if existing is not None:
        raise DuplicatePerson(existing, nhs_number)


def _save(person: Person, nhs_number: str | None) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        _check_duplicate(nhs_number, exclude=person.pk)
        raise


@transaction.atomic
def create_person(actor, *, join_care_team: bool = False, **fields) -> Person:
    """Add a person. With `join_care_team` the user adding them joins their care team (a worker taking on
    someone new), so they can open the record they made."""
    data = clean(fields)
    _check_duplicate(data.get("nhs_number"))
    person = Person(**data)
    _save(person, data.get("nhs_number"))
    record(actor, "person.create", person, after=snapshot(person), summary=f"Added {person.name}")
    if join_care_team and getattr(actor, "pk", None):
        add_care_team_member(actor, person, user=actor, role=team_role_for(actor))
    return person


def team_role_for(user) -> str:
    """The care-team role a user's roles suggest."""
    roles = getattr(user, "roles", frozenset())
    for role in ("social_worker", "community_matron"):
        if role in roles:
            return role
    return "other"


@transaction.atomic
def update_person(actor, person: Person, **fields) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.voided_at is not None:
        raise FieldError("This record has been voided and cannot be changed", field="person")
    data = clean(fields, current=person)
    _check_duplicate(data.get("nhs_number"), exclude=person.pk)
    before = snapshot(person)
    for name, value in data.items():
        setattr(person, name, value)
    _save(person, person.nhs_number)
    after = snapshot(person)
    changed = {k: v for k, v in after.items() if before.get(k) != v and k not in ("updated_at",)}
    record(actor, "person.update", person, before={k: before[k] for k in changed}, after=changed,
           summary=f"Changed {', '.join(sorted(changed)) or 'nothing'}")
    return person


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise FieldError("Give the reason in a few words", field="reason")
    if len(reason) > 300:
        raise FieldError("Use 300 characters or fewer", field="reason")
    return reason


@transaction.atomic
def void_person(actor, person: Person, reason: str) -> Person:
    """Mark a record made in error as void: kept, with its history, but no longer live or listed."""
    reason = _reason(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.voided_at is not None:
        raise Conflict("This record is already void", field="person")
    person.voided_at = timezone.now()
    person.void_reason = reason
    person.save(update_fields=["voided_at", "void_reason", "updated_at"])
    record(actor, "person.void", person, after={"voided_at": person.voided_at, "void_reason": reason},
           summary=f"Voided: {reason}")
    return person


@transaction.atomic
def merge_people(actor, keep: Person, duplicate: Person, reason: str) -> Person:
    """Merge a duplicate record into the one kept: the duplicate is voided and points at the kept record; its
    care team moves across; both histories stay (the kept record's access history includes the duplicate's)."""
    reason = _reason(reason)
    if keep.pk == duplicate.pk:
        raise FieldError("Choose two different records to merge", field="duplicate")
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])}
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if keep.voided_at is not None or duplicate.voided_at is not None:
        raise Conflict("Both records must be live to merge them", field="duplicate")
    if keep.nhs_number and duplicate.nhs_number and keep.nhs_number != duplicate.nhs_number:
        raise FieldError("These records have different NHS numbers: they are not the same person", field="duplicate")
    nhs = keep.nhs_number or duplicate.nhs_number
    duplicate.voided_at = timezone.now()
    duplicate.void_reason = f"Merged into record {keep.pk}: {reason}"[:300]
    duplicate.merged_into = keep
    duplicate.save(update_fields=["voided_at", "void_reason", "merged_into", "updated_at"])
    if not keep.nhs_number and nhs:
        keep.nhs_number = nhs
        keep.save(update_fields=["nhs_number", "updated_at"])
    moved = CareTeamMember.objects.filter(person=duplicate).update(person=keep)
    record(actor, "person.merge", duplicate, after={"merged_into": keep.pk, "reason": reason},
           summary=f"Merged into record {keep.pk}: {reason}")
    record(actor, "person.merge", keep, after={"merged_from": duplicate.pk, "care_team_moved": moved},
           summary=f"Record {duplicate.pk} merged into this one: {reason}")
    return keep


@transaction.atomic
def add_care_team_member(actor, person: Person, *, name: str = "", role: str, user=None, organisation=None,
                         is_coordinator: bool = False, carer_record: Person | None = None,
                         started_on: dt.date | None = None) -> CareTeamMember:
    """Add someone to the person's care team. A new coordinator replaces the current one."""
    if role not in domain.CARE_TEAM_ROLES:
        raise FieldError(f"Choose a role: {', '.join(domain.CARE_TEAM_ROLES)}", field="role")
    name = " ".join((name or "").split()) or (user.get_full_name() or user.username if user is not None else "")
    if not name:
        raise FieldError("Enter the team member's name", field="name")
    if len(name) > 150:
        raise FieldError("Use 150 characters or fewer", field="name")
    if person.voided_at is not None:
        raise FieldError("This record has been voided", field="person")
    if carer_record is not None and (role != "unpaid_carer" or carer_record.pk == person.pk):
        raise FieldError("Only an unpaid carer links to a record of their own, and not the person's", field="carer_record")
    if organisation is None and user is not None:
        organisation = user.organisation
    if is_coordinator:
        CareTeamMember.objects.filter(person=person, is_coordinator=True).update(is_coordinator=False)
    member = CareTeamMember.objects.create(
        person=person, user=user, name=name, role=role, organisation=organisation, is_coordinator=is_coordinator,
        carer_record=carer_record, started_on=started_on or timezone.localdate(),
    )
    record(actor, "person.care_team", person, after=snapshot(member),
           summary=f"Added {name} ({member.role_label}) to the care team")
    return member


@transaction.atomic
def end_care_team_member(actor, member: CareTeamMember, ended_on: dt.date | None = None) -> CareTeamMember:
    ended_on = ended_on or timezone.localdate()
    if ended_on < member.started_on:
        raise FieldError("The end date must be on or after the start", field="ended_on")
    member.ended_on = ended_on
    member.save(update_fields=["ended_on"])
    record(actor, "person.care_team", member.person, after={"member": member.pk, "ended_on": ended_on},
           summary=f"{member.name} left the care team")
    return member


def get_person(pk: int) -> Person:
    person = Person.objects.filter(pk=pk).select_related("gp_practice", "merged_into").first()
    if person is None:
        raise NotFound(f"There is no person with id {pk}")
    return person


# --- search ------------------------------------------------------------------------------------------

SEARCH_LIMIT = 50


def name_tokens(name: str) -> list[str]:
    """The folded words of a name typed into a search box ("O'Brien, Siân" -> ["obrien", "sian"])."""
    words = (name or "").replace(",", " ").split()
    return [k for k in (domain.name_key(w) for w in words) if k][:4]


def search(*, nhs_number: str = "", name: str = "", date_of_birth: dt.date | None = None, postcode: str = "",
           include_void: bool = False):
    """Live people matching an NHS number (any spacing), or a name with a date of birth (and postcode).

    Every filter is an indexed equality or a prefix of a folded name within one date of birth, so a search
    costs the same with a million people as with a thousand. Returns a queryset; the caller slices it.
    """
    qs = Person.objects.all() if include_void else Person.objects.filter(voided_at__isnull=True)
    qs = qs.select_related("gp_practice")
    if nhs_number.strip():
        digits = domain.nhs_number_query(nhs_number)
        if digits is None:
            raise FieldError("Enter the NHS number's 10 digits (spaces and dashes are fine)", field="nhs_number")
        return qs.filter(nhs_number=digits).order_by("pk")
    tokens = name_tokens(name)
    if not tokens or date_of_birth is None:
        raise FieldError("Search by NHS number, or by name and date of birth",
                         field="name" if not tokens else "date_of_birth")
    qs = qs.filter(date_of_birth=date_of_birth)
    for token in tokens:
        qs = qs.filter(models.Q(family_key__startswith=token) | models.Q(given_key__startswith=token))
    if postcode.strip():
        try:
            qs = qs.filter(postcode=domain.standardise_postcode(postcode))
        except domain.InvalidPostcode as exc:
            raise FieldError(str(exc), field="postcode") from None
    return qs.order_by("family_key", "given_key", "pk")
