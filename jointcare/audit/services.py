"""Record audit entries. Every service that writes calls `record` inside its own transaction."""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable

from django.db import models

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
    real_actor = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        actor=real_actor,
        actor_name=getattr(actor, "username", "") or (str(actor) if actor else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
