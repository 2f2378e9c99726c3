"""An object's "History" link: the audit trail filtered to that object, offered only to those who may read it.

The rule follows `accounts.access.audit_filter`: administrators read every trail; a pool's manager and its host's
finance officers read that pool's. Anyone else sees no link (the page would show them nothing).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from jointcare.accounts.access import can

# model label -> the short kind used in `?object=kind:id` (audit.domain.OBJECT_KEYS)
KINDS = {
    "pool.Pool": "pool",
    "partnerships.Agreement": "agreement",
    "partnerships.Board": "board",
    "partnerships.Meeting": "meeting",
    "partnerships.Decision": "decision",
    "organisations.Organisation": "organisation",
}


def may_read_trail(user, obj) -> bool:
    if can(user, "audit.view"):
        return True  # every trail
    return obj._meta.label == "pool.Pool" and can(user, "audit.view", obj)


def history_url(user, obj) -> str | None:
    """The address of `obj`'s audit trail if the user may read it, else None."""
    kind = KINDS.get(obj._meta.label)
    if kind is None or obj.pk is None or not may_read_trail(user, obj):
        return None
    return reverse("audit:list") + "?" + urlencode({"object": f"{kind}:{obj.pk}"}, safe=":")


def subject(object_type: str, object_id: str):
    """The object an audit filter names ("pool.pool", "5"), if it exists: for the page's heading and breadcrumbs."""
    from django.apps import apps

    label = next((lab for lab, kind in KINDS.items() if lab.lower() == object_type), None)
    if label is None or not object_id.isdigit():
        return None
    return apps.get_model(label).objects.filter(pk=int(object_id)).first()


def subject_trail(obj) -> list[dict]:
    """Breadcrumbs for the history of `obj`: the trail down to the object, or to the agreement it belongs to."""
    from jointcare.breadcrumbs import object_trail

    label = obj._meta.label
    if label == "pool.Pool":
        return object_trail("pool", obj)
    if label == "organisations.Organisation":
        return object_trail("organisations", obj)
    agreement = {
        "partnerships.Agreement": lambda o: o,
        "partnerships.Board": lambda o: o.agreement,
        "partnerships.Meeting": lambda o: o.board.agreement,
        "partnerships.Decision": lambda o: o.meeting.board.agreement,
    }[label](obj)
    return object_trail("partnerships", agreement)


def subject_name(obj) -> str:
    """How the history page names its object: "Better Care Fund 2026-27", "Meeting on 3 June 2026 of ..." """
    from jointcare.dates import long_date

    label = obj._meta.label
    if label == "partnerships.Meeting":
        return f"Meeting on {long_date(obj.held_on)} of {obj.board.name}"
    if label == "partnerships.Decision":
        return f"Decision {obj.reference}: {obj.summary}" if obj.reference else f"Decision: {obj.summary}"
    return str(obj)
