"""The Adult Social Care Client Level Data (CLD) values this context records, with their defined spellings.

Stored values are short codes; `*_LABELS` give the CLD Release 2 text written in returns and shown on pages.
The route-of-access values are the SALT STS001 routes the CLD Request field carries (see decision 0090).
"""

from __future__ import annotations

from enum import StrEnum


class RouteOfAccess(StrEnum):
    """CLD `Request_Route_of_Access`: how the request reached adult social care."""

    HOSPITAL_DISCHARGE = "hospital_discharge"
    HOSPITAL_DIVERSION = "hospital_diversion"
    COMMUNITY = "community"
    SELF_FUNDER = "self_funder"
    PLANNED_ENTRY = "planned_entry"
    PRISON = "prison"

    @property
    def label(self) -> str:
        return ROUTE_LABELS[self]


ROUTE_LABELS = {
    RouteOfAccess.HOSPITAL_DISCHARGE: "Discharge from hospital",
    RouteOfAccess.HOSPITAL_DIVERSION: "Diversion from hospital services",
    RouteOfAccess.COMMUNITY: "Community / other route",
    RouteOfAccess.SELF_FUNDER: "Self-funder with depleted funds",
    RouteOfAccess.PLANNED_ENTRY: "Planned entry (transition)",
    RouteOfAccess.PRISON: "Prison",
}


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    IMMEDIATE = "immediate"

    @property
    def label(self) -> str:
        return URGENCY_LABELS[self]


URGENCY_LABELS = {Urgency.ROUTINE: "Routine", Urgency.URGENT: "Urgent", Urgency.IMMEDIATE: "Immediate"}
URGENCY_TAGS = {Urgency.ROUTINE: "nhsuk-tag--grey", Urgency.URGENT: "nhsuk-tag--orange", Urgency.IMMEDIATE: "nhsuk-tag--red"}


class EventOutcome(StrEnum):
    """CLD `Event_Outcome` (Release 2 spellings in EVENT_OUTCOME_LABELS)."""

    ADMITTED_TO_HOSPITAL = "admitted_to_hospital"
    CONTINUATION = "continuation"
    NFA_DECEASED = "nfa_deceased"
    NFA_INFORMATION = "nfa_information"
    NFA_NO_SERVICES_OTHER = "nfa_no_services_other"
    NFA_OTHER = "nfa_other"
    NFA_NHS = "nfa_nhs"
    NFA_OTHER_LA_SERVICE = "nfa_other_la_service"
    NFA_MOVED_LA = "nfa_moved_la"
    NFA_SELF_FUNDED = "nfa_self_funded"
    NFA_DECLINED = "nfa_declined"
    NFA_ENDED_AS_PLANNED = "nfa_ended_as_planned"
    NFA_ENDED_OTHER = "nfa_ended_other"
    PROGRESS_ASSESSMENT = "progress_assessment"
    PROGRESS_REABLEMENT = "progress_reablement"
    PROGRESS_SERVICES = "progress_services"

    @property
    def label(self) -> str:
        return EVENT_OUTCOME_LABELS[self]


EVENT_OUTCOME_LABELS = {
    EventOutcome.ADMITTED_TO_HOSPITAL: "Admitted to hospital",
    EventOutcome.CONTINUATION: "Continuation of support or services",
    EventOutcome.NFA_DECEASED: "NFA: Deceased",
    EventOutcome.NFA_INFORMATION: "NFA: Information and advice or signposting",
    EventOutcome.NFA_NO_SERVICES_OTHER: "NFA: No services offered for other reason",
    EventOutcome.NFA_OTHER: "NFA: Other",
    EventOutcome.NFA_NHS: "NFA: Referral to NHS services or NHS funded social care",
    EventOutcome.NFA_OTHER_LA_SERVICE: "NFA: Referral to other service within the local authority",
    EventOutcome.NFA_MOVED_LA: "NFA: Responsibility moved to another local authority",
    EventOutcome.NFA_SELF_FUNDED: "NFA: Self-funded client or under 12wk disregard",
    EventOutcome.NFA_DECLINED: "NFA: Support declined",
    EventOutcome.NFA_ENDED_AS_PLANNED: "NFA: Support ended as planned",
    EventOutcome.NFA_ENDED_OTHER: "NFA: Support ended for other reason",
    EventOutcome.PROGRESS_ASSESSMENT: "Progress to assessment, review or reassessment",
    EventOutcome.PROGRESS_REABLEMENT: "Progress to reablement/ST-Max",
    EventOutcome.PROGRESS_SERVICES: "Progress to support planning or services",
}

# A request ends in any outcome but "Continuation of support or services" (which ends a review or service).
REQUEST_OUTCOMES = tuple(o for o in EventOutcome if o is not EventOutcome.CONTINUATION)
# A declined request ends with no further action.
DECLINE_OUTCOMES = tuple(o for o in EventOutcome if o.value.startswith("nfa_"))
# A review may end in any of them.
REVIEW_OUTCOMES = tuple(EventOutcome)


class AssessmentType(StrEnum):
    """CLD `Assessment_Type` for the integrated assessment."""

    SHORT_TERM = "short_term"
    LONG_TERM = "long_term"

    @property
    def label(self) -> str:
        return {AssessmentType.SHORT_TERM: "Short term assessment", AssessmentType.LONG_TERM: "Long term assessment"}[self]


class ReviewReason(StrEnum):
    """CLD `Review_Reason`."""

    PLANNED = "planned"
    UNPLANNED = "unplanned"

    @property
    def label(self) -> str:
        return {ReviewReason.PLANNED: "Planned", ReviewReason.UNPLANNED: "Unplanned"}[self]


def choices(enum, labels=None) -> list[tuple[str, str]]:
    """(value, label) pairs for a form's select or radios."""
    return [(m.value, (labels[m] if labels else m.label)) for m in enum]
