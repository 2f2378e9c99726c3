"""The coterminosity page and the council boundaries it maps."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jointcare.accounts.access import requires
from jointcare.errors import ServiceError
from jointcare.places import domain, report as reports

LEVEL_LABELS = {
    "pct": "Primary care trusts (2013)",
    "ccg": "CCGs / sub-ICB locations (2020)",
    "icb": "ICBs / STPs (2020)",
}
SHORT = {"pct": "PCT", "ccg": "CCG", "icb": "ICB"}


@require_GET
@requires("reference.view")
def coterminosity(request):
    level = request.GET.get("level") or "ccg"
    threshold_text = request.GET.get("threshold", "").strip() or str(domain.DEFAULT_THRESHOLD)
    errors, report = [], None
    try:
        report = reports.coterminosity_report(level, threshold_text)
    except ServiceError as exc:
        errors = exc.errors
    council_counts = {}
    if report:
        council_counts = {c["code"]: {"name": c["name"], "count": len(c["bodies"])} for c in report["councils"]}
    context = {
        "title": "Coterminosity of NHS bodies and councils",
        "level": level if level in domain.LEVELS else "ccg",
        "threshold_text": threshold_text,
        "levels": [{"value": v, "text": LEVEL_LABELS[v]} for v in domain.LEVELS],
        "level_label": LEVEL_LABELS.get(level, ""),
        "short": SHORT.get(level, "body"),
        "errors": errors,
        "error_for": {e.get("field"): e["message"] for e in errors},
        "error_list": [{"text": e["message"], "href": f"#{e.get('field') or 'level'}"} for e in errors],
        "report": report,
        "council_counts": council_counts,
    }
    return render(request, "places/coterminosity.jinja", context, status=400 if errors else 200)


@require_GET
@requires("reference.view")
def council_boundaries(request):
    """Upper-tier council outlines (GeoJSON), served gzip'd as shipped."""
    body = reports.council_boundaries_gzip()
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(body, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        import gzip

        response = HttpResponse(gzip.decompress(body), content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=86400"
    response["Vary"] = "Accept-Encoding"
    return response
