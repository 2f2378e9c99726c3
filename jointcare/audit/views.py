
from django.http import HttpResponse
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from jointcare.accounts.access import audit_filter, requires
from jointcare.exports import filename, write_csv
from jointcare.audit.domain import action_label, field_rows, object_label
from jointcare.audit import history
from jointcare.audit.forms import TrailFilter
from jointcare.audit.models import AuditEntry
from jointcare.audit.services import object_trail



def trail(request):
    """The entries the user may read, filtered by the page's who/what/object/when; and the filter form."""
    scope = audit_filter(request.user)  # administrators: everything; pool finance: their pools' trails
    qs = AuditEntry.objects.filter(scope) if scope is not None else AuditEntry.objects.none()
    actors = sorted(set(qs.values_list("actor_name", flat=True).distinct()))
    actions = sorted(set(qs.values_list("action", flat=True).distinct()))
    form = TrailFilter(request.GET or None, actors=actors, actions=actions)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["who"]:
            qs = qs.filter(actor_name=data["who"])
        if data["what"]:
            qs = qs.filter(action=data["what"])
        if data["object"]:
            qs = qs.filter(object_trail(*data["object"]))
        start, end = form.bounds()
        if start:
            qs = qs.filter(at__gte=start)
        if end:
            qs = qs.filter(at__lt=end)
    elif form.is_bound:
        qs = qs.none()
    return qs, form


def describe(entry: AuditEntry) -> dict:
    return {
        "entry": entry,
        "when": timezone.localtime(entry.at),
        "action": action_label(entry.action),
        "object": f"{object_label(entry.object_type)} {entry.object_id}".strip(),
        "fields": field_rows(entry.before, entry.after),
    }


@requires("audit.view")
def entry_list(request):
    qs, form = trail(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    errors = [{"text": e, "href": "#" + (form[name].anchor if name.startswith("date_") else f"id_{name}")}
              for name, errs in form.errors.items() if name != "__all__" for e in errs]
    context = {
        "title": "Audit trail", "page": page, "rows": [describe(e) for e in page.object_list], "form": form,
        "error_list": errors, "query": query.urlencode(),
    }
    # The history of one object (its "History" link): named in the heading, under that object in the breadcrumbs.
    chosen = form.cleaned_data.get("object") if form.is_bound and not form.errors else None
    subject = history.subject(*chosen) if chosen else None
    if subject is not None and history.may_read_trail(request.user, subject):
        context.update(subject=subject, breadcrumbs=history.subject_trail(subject), subject_name=history.subject_name(subject),
                       title=f"History: {history.subject_name(subject)}")
    return render(request, "audit/list.jinja", context)


EXPORT_LIMIT = 100_000


@requires("audit.view")
def export(request):
    """The filtered trail as CSV, one row per changed field (an entry with no fields: one row)."""
    qs, form = trail(request)
    response = HttpResponse("\ufeff", content_type="text/csv; charset=utf-8")  # the byte-order mark, as every CSV
    response["Content-Disposition"] = f'attachment; filename="{filename("audit-trail")}.csv"'

    def rows():
        for entry in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            row = describe(entry)
            head = [row["when"].strftime("%Y-%m-%d %H:%M:%S"), entry.actor_name, row["action"], row["object"], entry.summary]
            for field in row["fields"] or [("", "", "")]:
                yield [*head, *field]

    write_csv(response, ["When", "Who", "Action", "Object", "Summary", "Field", "Before", "After"], rows())
    return response


