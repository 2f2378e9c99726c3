from datetime import datetime

from ninja import Router, Schema

from jointcare.accounts.access import api_user, audit_filter, check_somewhere
from jointcare.audit.models import AuditEntry

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    summary: str
    before: dict | list | None
    after: dict | list | None


@router.get("/", response=list[AuditOut], summary="Audit entries, newest first")
def list_entries(request, object_type: str = "", object_id: str = "", action: str = "", limit: int = 100):
    user = api_user(request)
    check_somewhere(user, "audit.view")
    scope = audit_filter(user)  # administrators: everything; a pool's manager: that pool's entries
    qs = AuditEntry.objects.filter(scope) if scope is not None else AuditEntry.objects.none()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    return [
        AuditOut(
            id=e.id, at=e.at, actor=e.actor_name, action=e.action, object_type=e.object_type,
            object_id=e.object_id, summary=e.summary, before=e.before, after=e.after,
        )
        for e in qs[: max(1, min(limit, 1000))]
    ]
