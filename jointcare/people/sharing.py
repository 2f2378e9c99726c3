"""Safe sharing: who may open a person's record, break-glass access, and the record's access history.

A user opens a record only through a legitimate relationship to the person: a current place on the person's
care team, working for the person's registered GP practice, or any relationship another app registers (the
care app: a member of the team holding one of the person's referrals), or through a live break-glass. A
restricted record opens only for users named on its care team. Every view and every refusal is audited.
See docs/decisions/0085-person-records-and-safe-sharing.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jointcare.audit.models import AuditEntry
from jointcare.audit.services import record
from jointcare.errors import FieldError, Forbidden
from jointcare.people import domain
from jointcare.people.models import BreakGlass, CareTeamMember, Person

_RELATIONSHIPS: list[Callable] = []

# Audit actions about a person record, and the short words the access history uses for them.
ACCESS_ACTIONS = {
    "person.view": "view",
    "person.refused": "refused",
    "person.break_glass": "break_glass",
    "person.create": "create",
    "person.update": "update",
    "person.void": "void",
    "person.merge": "merge",
    "person.care_team": "care_team",
    "person.import": "import",
}


def register_relationship(fn: Callable) -> Callable:
    """Add a relationship test `fn(user, person) -> bool` (usable as a decorator). Registered tests count like
    a place on the care team, except for restricted records."""
    if fn not in _RELATIONSHIPS:
        _RELATIONSHIPS.append(fn)
    return fn


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _today() -> dt.date:
    return timezone.localdate()


def current_team(queryset=None):
    today = _today()
    qs = queryset if queryset is not None else CareTeamMember.objects.all()
    return qs.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today), started_on__lte=today)


def on_care_team(user, person) -> bool:
    return current_team().filter(person=person, user_id=user.pk).exists()


def gp_practice_staff(user, person) -> bool:
    return bool(user.organisation_id and person.gp_practice_id and user.organisation_id == person.gp_practice_id)


def live_break_glass(user, person) -> BreakGlass | None:
    return (
        BreakGlass.objects.filter(user_id=user.pk, person=person, expires_at__gt=timezone.now())
        .order_by("-expires_at").first()
    )


def has_relationship(user, person) -> bool:
    """A legitimate relationship (not break-glass). For a restricted record only a place on the care team.
    Remembered on the user for the request."""
    if not _active(user):
        return False
    cache = user.__dict__.setdefault("_person_relationship", {})
    if person.pk not in cache:
        cache[person.pk] = _has_relationship(user, person)
    return cache[person.pk]


def _has_relationship(user, person) -> bool:
    if on_care_team(user, person):
        return True
    if person.restricted:
        return False
    if gp_practice_staff(user, person):
        return True
    return any(fn(user, person) for fn in _RELATIONSHIPS)


def ties(user, person) -> bool:
    """Whether the user holds the care relationship to the person for the access policy: a relationship, or a
    live break-glass on a record that is not restricted. Cached on the user for the request."""
    cache = user.__dict__.setdefault("_person_ties", {})
    if person.pk not in cache:
        cache[person.pk] = has_relationship(user, person) or (
            not person.restricted and live_break_glass(user, person) is not None
        )
    return cache[person.pk]


def forget(user, person) -> None:
    """Drop what the request remembers of the user's relationships to the person (after a break-glass)."""
    user.__dict__.get("_person_ties", {}).pop(person.pk, None)
    user.__dict__.get("_person_relationship", {}).pop(person.pk, None)
    user.__dict__.get("_relationships", {}).pop((person._meta.label, person.pk), None)


def can_open(user, person) -> bool:
    from jointcare.accounts.access import can

    return _active(user) and can(user, "person.view", person)


def refusal_message(user, person) -> str:
    if person.restricted:
        return "This record is restricted: only people named on the person's care team can open it."
    return ("You have no care relationship with this person. If you need to see the record in an emergency, "
            "use break-glass access and give your reason.")


def open_record(user, person, request=None) -> Person:
    """The person, for a user allowed to open the record; the view or the refusal goes in the audit trail."""
    where = f" at {request.path}" if request is not None else ""
    if can_open(user, person):
        via = "break-glass" if not has_relationship(user, person) else "relationship"
        record(user, "person.view", person, summary=f"Opened the record ({via}){where}")
        return person
    record(user, "person.refused", person, summary=f"Refused: no relationship{where}")
    raise Forbidden(refusal_message(user, person))


def break_glass(user, person, reason: str, *, hours: int = domain.BREAK_GLASS_HOURS) -> BreakGlass:
    """Open a record in an emergency: a written reason, audited, lasting `hours`. Not for restricted records
    (the refused attempt is audited)."""
    from jointcare.accounts.access import can_somewhere

    reason = " ".join((reason or "").split())
    if len(reason) < domain.BREAK_GLASS_MIN_REASON:
        raise FieldError(
            f"Give your reason for opening this record in at least {domain.BREAK_GLASS_MIN_REASON} characters",
            field="reason",
        )
    if not _active(user) or not can_somewhere(user, "person.break_glass"):
        raise Forbidden("Only care staff can use break-glass access")
    if person.restricted:
        record(user, "person.refused", person, summary="Refused break-glass: the record is restricted")
        raise Forbidden("This record is restricted: break-glass access cannot open it")
    if person.voided_at is not None:
        raise FieldError("This record has been voided; open the record it was merged into, if any", field="person")
    return _grant(user, person, reason, hours)


@transaction.atomic
def _grant(user, person, reason: str, hours: int) -> BreakGlass:
    now = timezone.now()
    grant = BreakGlass.objects.create(user=user, person=person, reason=reason, started_at=now,
                                      expires_at=now + dt.timedelta(hours=hours))
    record(user, "person.break_glass", person, after={"reason": reason, "expires_at": grant.expires_at},
           summary=f"Break-glass until {timezone.localtime(grant.expires_at):%H:%M}: {reason}")
    forget(user, person)
    return grant


def history_ids(person) -> list[str]:
    """The record's id and those of the records merged into it (their histories are the person's too)."""
    ids = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    return [str(i) for i in ids]


def access_log(person, limit: int = 500):
    """Audit entries about the person's record (and the records merged into it), newest first."""
    return (
        AuditEntry.objects.filter(object_type="people.person", object_id__in=history_ids(person))
        .order_by("-at", "-id")[:limit]
    )


def access_word(action: str) -> str:
    return ACCESS_ACTIONS.get(action, action)
