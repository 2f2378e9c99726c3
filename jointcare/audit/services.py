"""Record audit entries. Every service that writes calls `record` inside its own transaction."""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable

from django.apps import apps
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from jointcare.audit.domain import jsonable
from jointcare.audit.models import AuditEntry


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values as JSON-safe data (foreign keys by id)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.name] = jsonable(getattr(instance, field.attname))
    return data


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEntry.objects.create(
        **entry_fields(actor, action, object_type, object_id, before=before, after=after, summary=summary)
    )


def entry_fields(
    actor,
    action: str,
    object_type: str,
    object_id: str | int,
    *,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
) -> dict[str, Any]:
    """The fields of the entry `record` writes (without `at`), for a service that writes its entry in the same
    SQL statement as what it records (the ledger's posting, decision 0070)."""
    return {
        "actor": actor if getattr(actor, "pk", None) else None,
        "actor_name": getattr(actor, "username", "") or (str(actor) if actor else "system"),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "summary": summary[:300],
        "before": jsonable(before) if before is not None else None,
        "after": jsonable(after) if after is not None else None,
    }


def _keys(queryset):
    return queryset.annotate(key=Cast("pk", CharField())).values("key")


def pool_trail(pool_ids) -> Q:
    """Entries about these pools and everything in them (months, transactions, commitments, settlements...)."""
    Pool = apps.get_model("pool.Pool")
    ids = [str(i) for i in pool_ids]
    q = Q(object_type=Pool._meta.label_lower, object_id__in=ids)
    for model in apps.get_app_config("pool").get_models():
        if model is not Pool and any(f.name == "pool" for f in model._meta.get_fields()):
            q |= Q(object_type=model._meta.label_lower, object_id__in=_keys(model.objects.filter(pool_id__in=pool_ids)))
    return q


def agreement_trail(agreement_ids) -> Q:
    """Entries about these agreements, their parties, board, members, meetings and decisions."""
    get = apps.get_model
    Agreement, Party, Board = get("partnerships.Agreement"), get("partnerships.Party"), get("partnerships.Board")
    Member, Meeting, Decision = get("partnerships.BoardMember"), get("partnerships.Meeting"), get("partnerships.Decision")
    ids = list(agreement_ids)
    q = Q(object_type=Agreement._meta.label_lower, object_id__in=[str(i) for i in ids])
    for model, lookup in (
        (Party, "agreement_id__in"), (Board, "agreement_id__in"), (Member, "board__agreement_id__in"),
        (Meeting, "board__agreement_id__in"), (Decision, "meeting__board__agreement_id__in"),
    ):
        q |= Q(object_type=model._meta.label_lower, object_id__in=_keys(model.objects.filter(**{lookup: ids})))
    return q


def board_trail(board_id: int) -> Q:
    """Entries about a board, its members, its meetings and their decisions."""
    get = apps.get_model
    Member, Meeting, Decision = get("partnerships.BoardMember"), get("partnerships.Meeting"), get("partnerships.Decision")
    q = Q(object_type="partnerships.board", object_id=str(board_id))
    for model, lookup in ((Member, "board_id"), (Meeting, "board_id"), (Decision, "meeting__board_id")):
        q |= Q(object_type=model._meta.label_lower, object_id__in=_keys(model.objects.filter(**{lookup: board_id})))
    return q


def meeting_trail(meeting_id: int) -> Q:
    """Entries about a meeting (its attendance too) and the decisions taken at it."""
    Decision = apps.get_model("partnerships.Decision")
    return Q(object_type="partnerships.meeting", object_id=str(meeting_id)) | Q(
        object_type=Decision._meta.label_lower, object_id__in=_keys(Decision.objects.filter(meeting_id=meeting_id))
    )


def object_trail(object_type: str, object_id: str) -> Q:
    """An object's history: for a pool, an agreement, a board or a meeting, everything inside it too."""
    if object_type == "pool.pool" and object_id.isdigit():
        return pool_trail([int(object_id)])
    if object_type == "partnerships.agreement" and object_id.isdigit():
        return agreement_trail([int(object_id)])
    if object_type == "partnerships.board" and object_id.isdigit():
        return board_trail(int(object_id))
    if object_type == "partnerships.meeting" and object_id.isdigit():
        return meeting_trail(int(object_id))
    return Q(object_type=object_type, object_id=object_id)
