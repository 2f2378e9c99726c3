from django.core.paginator import Paginator
from django.shortcuts import render

from jointcare.accounts.access import audit_filter, requires
from jointcare.audit.domain import changed_fields
from jointcare.audit.models import AuditEntry


@requires("audit.view")
def entry_list(request):
    scope = audit_filter(request.user)  # administrators: everything; a pool's manager: that pool's entries
    qs = AuditEntry.objects.filter(scope) if scope is not None else AuditEntry.objects.none()
    filters = {k: request.GET.get(k, "").strip() for k in ("action", "object_type", "object_id", "actor")}
    if filters["action"]:
        qs = qs.filter(action__startswith=filters["action"])
    if filters["object_type"]:
        qs = qs.filter(object_type=filters["object_type"])
    if filters["object_id"]:
        qs = qs.filter(object_id=filters["object_id"])
    if filters["actor"]:
        qs = qs.filter(actor_name=filters["actor"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(e, changed_fields(e.before, e.after)) for e in page.object_list]
    return render(request, "audit/list.jinja", {"title": "Audit trail", "page": page, "rows": rows, "filters": filters})
