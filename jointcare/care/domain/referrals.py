"""A referral (the CLD Request): its statuses and the one table of transitions every change goes through.

    unclaimed --claim--> claimed --contact--> contacted --close (CLD outcome)--> closed
    unclaimed/claimed/contacted --reassign (reason, another team)--> unclaimed, at the other team
    unclaimed/claimed --decline (reason, NFA outcome)--> declined

Closed and declined are final. Pure: the service applies `next_status` and records the times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from jointcare.care.domain.vocabulary import DECLINE_OUTCOMES, REQUEST_OUTCOMES, EventOutcome


class ReferralStatus(StrEnum):
    UNCLAIMED = "unclaimed"
    CLAIMED = "claimed"
    CONTACTED = "contacted"
    CLOSED = "closed"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def tag(self) -> str:
        return STATUS_TAGS[self]


STATUS_LABELS = {
    ReferralStatus.UNCLAIMED: "Unclaimed",
    ReferralStatus.CLAIMED: "Claimed",
    ReferralStatus.CONTACTED: "Contacted",
    ReferralStatus.CLOSED: "Closed",
    ReferralStatus.DECLINED: "Declined",
}
STATUS_TAGS = {
    ReferralStatus.UNCLAIMED: "nhsuk-tag--orange",
    ReferralStatus.CLAIMED: "nhsuk-tag--blue",
    ReferralStatus.CONTACTED: "nhsuk-tag--aqua-green",
    ReferralStatus.CLOSED: "nhsuk-tag--grey",
    ReferralStatus.DECLINED: "nhsuk-tag--red",
}
OPEN = frozenset({ReferralStatus.UNCLAIMED, ReferralStatus.CLAIMED, ReferralStatus.CONTACTED})
FINAL = frozenset({ReferralStatus.CLOSED, ReferralStatus.DECLINED})


class ReferralAction(StrEnum):
    CLAIM = "claim"
    CONTACT = "contact"
    CLOSE = "close"
    REASSIGN = "reassign"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    ReferralAction.CLAIM: "Claim",
    ReferralAction.CONTACT: "Record first contact",
    ReferralAction.CLOSE: "Close with an outcome",
    ReferralAction.REASSIGN: "Reassign to another team",
    ReferralAction.DECLINE: "Decline",
}
# Actions that cannot be undone: the pages ask for confirmation first.
IRREVERSIBLE = frozenset({ReferralAction.CLOSE, ReferralAction.DECLINE})

U, C, T = ReferralStatus.UNCLAIMED, ReferralStatus.CLAIMED, ReferralStatus.CONTACTED
TRANSITIONS: dict[tuple[ReferralStatus, ReferralAction], ReferralStatus] = {
    (U, ReferralAction.CLAIM): C,
    (U, ReferralAction.REASSIGN): U,
    (U, ReferralAction.DECLINE): ReferralStatus.DECLINED,
    (C, ReferralAction.CONTACT): T,
    (C, ReferralAction.REASSIGN): U,
    (C, ReferralAction.DECLINE): ReferralStatus.DECLINED,
    (T, ReferralAction.CLOSE): ReferralStatus.CLOSED,
    (T, ReferralAction.REASSIGN): U,
}

MIN_REASON = 10  # characters: a reason is a sentence, not "x"


class TransitionError(ValueError):
    """An action the referral's status does not allow, or one missing what it needs. `field` names the input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def actions_open(status: ReferralStatus) -> list[ReferralAction]:
    """The actions the status allows, in the table's order."""
    return [action for (s, action) in TRANSITIONS if s == status]


def next_status(
    status: ReferralStatus, action: ReferralAction, *, outcome: str | None = None, reason: str = ""
) -> ReferralStatus:
    """The status after the action, or TransitionError saying why not."""
    status, action = ReferralStatus(status), ReferralAction(action)
    if (status, action) not in TRANSITIONS:
        allowed = ", ".join(a.label.lower() for a in actions_open(status)) or "nothing: it is final"
        raise TransitionError(
            f"A referral that is {status.label.lower()} cannot be {_done(action)}; it allows: {allowed}", field="status"
        )
    if action in (ReferralAction.REASSIGN, ReferralAction.DECLINE) and len((reason or "").strip()) < MIN_REASON:
        raise TransitionError(f"Give the reason, in at least {MIN_REASON} characters", field="reason")
    if action is ReferralAction.CLOSE:
        _outcome(outcome, REQUEST_OUTCOMES, "Choose the outcome of the referral")
    if action is ReferralAction.DECLINE:
        _outcome(outcome, DECLINE_OUTCOMES, "Choose the no-further-action outcome of the declined referral")
    return TRANSITIONS[(status, action)]


def _outcome(value: str | None, allowed: tuple[EventOutcome, ...], missing: str) -> EventOutcome:
    if not value:
        raise TransitionError(missing, field="outcome")
    try:
        outcome = EventOutcome(value)
    except ValueError:
        raise TransitionError(f"'{value}' is not a CLD event outcome", field="outcome") from None
    if outcome not in allowed:
        raise TransitionError(f"'{outcome.label}' cannot end this referral", field="outcome")
    return outcome


def _done(action: ReferralAction) -> str:
    return {
        ReferralAction.CLAIM: "claimed",
        ReferralAction.CONTACT: "marked as contacted",
        ReferralAction.CLOSE: "closed",
        ReferralAction.REASSIGN: "reassigned",
        ReferralAction.DECLINE: "declined",
    }[action]


# --- times ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waits:
    to_first_contact: dt.timedelta | None
    to_first_service: dt.timedelta | None


def waits(received_at: dt.datetime, first_contact_at: dt.datetime | None, first_service_at: dt.datetime | None) -> Waits:
    """Time from receiving the referral to first contact and to first service (None until they happen)."""
    return Waits(
        to_first_contact=(first_contact_at - received_at) if first_contact_at else None,
        to_first_service=(first_service_at - received_at) if first_service_at else None,
    )


def duration_words(delta: dt.timedelta | None) -> str:
    """'2 days 3 hours', '45 minutes', 'Not yet'."""
    if delta is None:
        return "Not yet"
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and (mins or not parts):
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)
