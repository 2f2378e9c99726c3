"""Client Level Data pages: the submissions received, per council; one submission's validation report (and its
CSV); the upload page, with a dry run. Read-only apart from the upload, which calls the import service."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from jointcare import exports
from jointcare.accounts.access import requires
from jointcare.cld import domain, services
from jointcare.cld.models import HospitalImport, Population, Submission
from jointcare.errors import ServiceError

PAGE_SIZE = 100
REPORT_HEADERS = ("Row", "Field", "Reason")


def _councils() -> dict[str, str]:
    """GSS code -> council name, for the codes that have submissions."""
    from jointcare.organisations.models import Organisation

    codes = set(Submission.objects.values_list("la_code", flat=True).distinct())
    return dict(Organisation.objects.filter(gss_code__in=codes).values_list("gss_code", "name"))


@requires("cld.view")
@require_GET
def submissions(request):
    council = (request.GET.get("council") or "").strip().upper()[:9]
    qs = Submission.objects.select_related("received_by")
    if council:
        qs = qs.filter(la_code=council)
    names = _councils()
    by_council: dict[str, list] = {}
    for s in qs[:2000]:
        by_council.setdefault(s.la_code, []).append(s)
    return render(request, "cld/submissions.jinja", {
        "title": "Client Level Data submissions",
        "by_council": sorted(by_council.items()),
        "names": names,
        "council": council,
        "hospital": HospitalImport.objects.all()[:50],
        "populations": Population.objects.count(),
    })


def _submission(pk: int) -> Submission:
    found = Submission.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(f"There is no submission {pk}")
    return found


@requires("cld.view")
@require_GET
def submission(request, pk: int):
    sub = _submission(pk)
    page = Paginator(sub.validation_report, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cld/submission.jinja", {
        "title": f"Submission {sub.la_code}, {sub.reporting_period_start:%-d %B %Y} to {sub.reporting_period_end:%-d %B %Y}",
        "sub": sub,
        "council_name": _councils().get(sub.la_code, ""),
        "page": page,
    })


@requires("cld.view")
@require_GET
def report(request, pk: int):
    """The validation report of a submission as CSV or XLSX (row, field, reason)."""
    sub = _submission(pk)
    rows = [(r.get("row"), r.get("field", ""), r.get("reason", "")) for r in sub.validation_report]
    sheet = exports.Sheet(
        title=f"CLD validation report: {sub.la_code} {sub.reporting_period_start} to {sub.reporting_period_end}",
        headers=REPORT_HEADERS, rows=rows, money=(),
        notes=[f"File {sub.file_name}, received {sub.received_at:%Y-%m-%d %H:%M}; status {sub.status}; "
               f"{sub.error_count} problems in all (the first {len(rows)} listed)"],
    )
    fmt = request.GET.get("format", "csv")
    return exports.export_response(sheet, fmt, exports.filename("cld", sub.la_code, str(sub.reporting_period_end), "report"))


@requires("cld.import")
@require_http_methods(["GET", "POST"])
def upload(request):
    errors, outcome, status = [], None, 200
    kind = request.POST.get("kind", "cld") if request.method == "POST" else request.GET.get("kind", "cld")
    kind = kind if kind in services.IMPORTERS else "cld"
    dry_run = bool(request.POST.get("dry_run"))
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            errors, status = [{"field": "file", "message": "Choose a CSV or XLSX file"}], 400
        else:
            try:
                outcome = services.import_upload(request.user, upload_file, kind, dry_run=dry_run)
            except ServiceError as exc:
                errors, status = exc.errors, exc.status
            else:
                status = 200 if outcome.ok else 400
    return render(request, "cld/upload.jinja", {
        "title": "Import Client Level Data or hospital activity",
        "errors": errors,
        "outcome": outcome,
        "report": outcome.report(200) if outcome else [],
        "dry_run": dry_run,
        "kind": kind,
        "fields": domain.FIELD_NAMES,
        "hospital_fields": [f.name for f in domain.HOSPITAL_FIELDS],
        "hospital_required": domain.HOSPITAL_MANDATORY,
    }, status=status)
