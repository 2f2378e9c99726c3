"""A council's CLD events built from jointcare's own records: people, referrals, assessments, reviews, plan
services and reablement episodes (decision 0113).

`VALUES` is the one table from jointcare's stored codes to the CLD Release 2 defined values; it is assembled from
the vocabularies the apps already keep (`jointcare.people.vocabulary`, `jointcare.care.domain.vocabulary`), so a
new code added there is exported without a line here. Service types, delivery mechanisms and reablement outcomes
are stored in their CLD spelling already.

Who is in a council's submission: people whose responsible council is that council. A voided record is left out
with everything recorded on it, unless it was merged: then its events are reported under the record kept (and its
council is the kept record's). Requests, assessments and reviews are reported once completed; services (plan
services not withdrawn, and reablement episodes) while active. `events(council)` yields every such event;
`jointcare.cld.export.write_submission` keeps those in the reporting period.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from jointcare.care.domain.vocabulary import EVENT_OUTCOME_LABELS, ROUTE_LABELS, AssessmentType, ReviewReason
from jointcare.care.models import Assessment, Referral, Review
from jointcare.packages.domain import REABLEMENT
from jointcare.packages.models import PlanService, ReablementEpisode
from jointcare.people import vocabulary
from jointcare.people.models import CareTeamMember, Person

YES_NO = {True: "Yes", False: "No"}

# CLD field -> {jointcare's stored code -> the CLD Release 2 value}. The one mapping table of the export.
VALUES: dict[str, dict] = {
    "Gender": dict(vocabulary.SEX),
    "Ethnicity": dict(vocabulary.ETHNICITY),
    "Accommodation_Status": dict(vocabulary.ACCOMMODATION),
    "Event_Outcome": {code.value: label for code, label in EVENT_OUTCOME_LABELS.items()},
    "Request_Route_of_Access": {code.value: label for code, label in ROUTE_LABELS.items()},
    "Assessment_Type": {code.value: code.label for code in AssessmentType},
    "Review_Reason": {code.value: code.label for code in ReviewReason},
    "Eligible_Needs_Identified": YES_NO,
    "Review_Outcomes_Achieved": YES_NO,
    "Has_Unpaid_Carer": YES_NO,
    # recorded as long-term conditions on the person: "Yes" when present, "No" otherwise
    "Autism_Spectrum_Disorder_ASD": YES_NO,
    "Visual_Impairment": YES_NO,
    "Hearing_Impairment": YES_NO,
    "Dementia": YES_NO,
}
# The person's CLD impairment fields and the long-term condition code that answers each.
CONDITION_FIELDS = {
    "Autism_Spectrum_Disorder_ASD": "autism",
    "Visual_Impairment": "visual_impairment",
    "Hearing_Impairment": "hearing_impairment",
    "Dementia": "dementia",
}
SERVICE_USER, CARER = "Service user", "Carer"


def value(field: str, code) -> str | None:
    """The CLD value of a stored code (None for none recorded); an unknown code is written as stored, so the
    export's data-quality report names it rather than the export hiding it."""
    if code is None or code == "":
        return None
    return VALUES[field].get(code, code)


def person_identifier(person: Person) -> str:
    """LA_Person_Unique_Identifier: the council's own ID where recorded, else jointcare's."""
    return person.council_person_id or f"JC{person.pk}"


def surviving(person: Person, people: dict[int, Person]) -> Person | None:
    """The record a person's events are reported under: itself if live, the record kept if merged (following
    merges of merges), None if voided without a merge."""
    seen = set()
    while person is not None and person.voided_at is not None:
        if person.merged_into_id is None or person.pk in seen:
            return None
        seen.add(person.pk)
        person = people.get(person.merged_into_id) or Person.objects.filter(pk=person.merged_into_id).first()
    return person


def _day(moment) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return timezone.localdate(moment)
    return moment


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def person_fields(person: Person, *, has_carer: bool, cares_for: list[Person]) -> dict:
    conditions = set(person.long_term_conditions or [])
    fields = {
        "LA_Person_Unique_Identifier": person_identifier(person),
        "NHS_Number": person.nhs_number or None,
        "GP_Practice_Code": (person.gp_practice.ods_code or None) if person.gp_practice_id else None,
        "Gender": value("Gender", person.sex),
        "Ethnicity": value("Ethnicity", person.ethnicity),
        "Date_of_Birth": person.date_of_birth,
        "Date_of_Death": person.date_of_death,
        "Postcode": person.postcode or None,
        "Client_Type": CARER if cares_for else SERVICE_USER,
        "Accommodation_Status": value("Accommodation_Status", person.accommodation),
        "Has_Unpaid_Carer": value("Has_Unpaid_Carer", has_carer),
    }
    for field, condition in CONDITION_FIELDS.items():
        fields[field] = value(field, condition in conditions)
    if cares_for:
        fields["No_of_adults_being_cared_for"] = str(len(cares_for))
        for i, cared_for in enumerate(cares_for[:3], start=1):
            fields[f"Adult_{i}_Linked_Person_ID"] = person_identifier(cared_for)
    return fields


def events(council: str) -> Iterator[dict]:
    """Every reportable event of the people for whom `council` (GSS) is responsible, as dicts of Release 2
    fields, ordered by person then event."""
    people = {p.pk: p for p in Person.objects.select_related("gp_practice")}
    owner: dict[int, Person] = {}  # person pk (live or merged) -> the record reported
    for person in people.values():
        kept = surviving(person, people)
        if kept is not None and kept.responsible_council == council:
            owner[person.pk] = kept
    if not owner:
        return
    has_carer: set[int] = set()
    cares_for: dict[int, list[Person]] = {}
    for member in CareTeamMember.objects.filter(role="unpaid_carer").order_by("id"):
        if member.person_id in owner:
            has_carer.add(owner[member.person_id].pk)
        cared_for = surviving(people[member.person_id], people) if member.person_id in people else None
        if member.carer_record_id in owner and cared_for is not None:
            cares_for.setdefault(owner[member.carer_record_id].pk, []).append(cared_for)
    details = {
        kept.pk: person_fields(kept, has_carer=kept.pk in has_carer, cares_for=cares_for.get(kept.pk, []))
        for kept in set(owner.values())
    }
    found: list[tuple] = []

    def add(person_id: int, kind: str, pk: int, fields: dict) -> None:
        kept = owner[person_id]
        found.append((kept.pk, fields["Event_Start_Date"], kind, pk, details[kept.pk] | fields))

    ids = list(owner)
    for r in Referral.objects.filter(person_id__in=ids, closed_at__isnull=False).exclude(outcome=""):
        add(r.person_id, "Request", r.pk, {
            "Event_Type": "Request", "Event_Reference": f"referral-{r.pk}",
            "Event_Start_Date": _day(r.received_at), "Event_End_Date": _day(r.closed_at),
            "Event_Outcome": value("Event_Outcome", r.outcome),
            "Request_Route_of_Access": value("Request_Route_of_Access", r.route),
        })
    for a in Assessment.objects.filter(person_id__in=ids, status=Assessment.COMPLETED):
        add(a.person_id, "Assessment", a.pk, {
            "Event_Type": "Assessment", "Event_Reference": f"assessment-{a.pk}",
            "Event_Start_Date": _day(a.started_at), "Event_End_Date": _day(a.completed_at),
            "Event_Outcome": value("Event_Outcome", a.outcome),
            "Assessment_Type": value("Assessment_Type", a.kind),
            "Eligible_Needs_Identified": value("Eligible_Needs_Identified", a.eligible),
        })
    for v in Review.objects.filter(person_id__in=ids, completed_on__isnull=False):
        add(v.person_id, "Review", v.pk, {
            "Event_Type": "Review", "Event_Reference": f"review-{v.pk}",
            "Event_Start_Date": v.completed_on, "Event_End_Date": v.completed_on,
            "Event_Outcome": value("Event_Outcome", v.outcome),
            "Review_Reason": value("Review_Reason", v.reason),
            "Review_Outcomes_Achieved": value("Review_Outcomes_Achieved", v.outcomes_achieved),
        })
    episodes = {e.service_id: e for e in ReablementEpisode.objects.filter(person_id__in=ids, service__isnull=False)}
    for s in PlanService.objects.filter(plan__person_id__in=ids, withdrawn_at__isnull=True).select_related("plan"):
        episode = episodes.get(s.pk)
        add(s.plan.person_id, "Service", s.pk, {
            "Event_Type": "Service", "Event_Reference": f"service-{s.pk}", "Event_Description": s.name,
            "Event_Start_Date": s.starts_on, "Event_End_Date": s.ends_on,
            "Event_Outcome": (episode.outcome or None) if episode else None,
            "Service_Type": s.service_type, "Service_Component": s.component or None,
            "Delivery_Mechanism": s.delivery_mechanism or None,
            "Unit_Cost": _pounds(s.unit_cost_pence), "Planned_units_per_week": s.units_per_week,
        })
    # an episode recorded without a plan service is a service event of its own
    for e in ReablementEpisode.objects.filter(person_id__in=ids, service__isnull=True):
        add(e.person_id, "Service", e.pk, {
            "Event_Type": "Service", "Event_Reference": f"reablement-{e.pk}", "Event_Description": "Reablement",
            "Event_Start_Date": e.starts_on, "Event_End_Date": e.ends_on,
            "Event_Outcome": e.outcome or None, "Service_Type": REABLEMENT.value, "Service_Component": "Reablement",
            "Delivery_Mechanism": "CASSR Commissioned support",
        })
    found.sort(key=lambda item: (item[0], item[1], item[2], item[3]))
    for *_, fields in found:
        yield fields
