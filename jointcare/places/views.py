"""The coterminosity page (search, filters, order, pages, downloads) and the council boundaries it maps."""

from __future__ import annotations

import gzip
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jointcare.accounts.access import requires
from jointcare.errors import ServiceError
from jointcare.organisations.services import pks_by_code
from jointcare.places import domain, export
from jointcare.places import report as reports

PAGE_SIZE = 25
COLUMNS = [("name", "Name", "text"), ("councils", "Councils", "number"), ("largest", "Largest share", "number"),
           ("coterminous", "Coterminous", "text")]


def _params(request) -> dict:
    get = request.GET
    level = get.get("level") or "icb"
    spans = get.get("spans", "")
    coterminous = get.get("coterminous", "")
    sort = get.get("sort", "code")
    return {
        "level": level,
        "threshold": get.get("threshold", "").strip()[:20] or str(domain.DEFAULT_THRESHOLD),
        "q": get.get("q", "").replace("\x00", "").strip()[:200],
        "spans": spans if spans in reports.SPANS else "",
        "coterminous": coterminous if coterminous in reports.COTERMINOUS else "",
        "sort": sort if sort.lstrip("-") in reports.SORTS else "code",
    }


def _query(params: dict, **changes) -> str:
    values = {**params, **changes}
    return urlencode([(k, v) for k, v in values.items() if v and not (k == "sort" and v == "code")])


@require_GET
@requires("reference.view")
def coterminosity(request):
    params = _params(request)
    errors, result, bodies = [], None, []
    try:
        result = reports.coterminosity_report(params["level"], params["threshold"])
    except ServiceError as exc:
        errors = exc.errors
    context = {
        "title": "Coterminosity of NHS bodies and councils",
        "params": params,
        "levels": [{"value": v, "text": label} for v, label in reports.level_labels().items()],
        "errors": errors,
        "error_for": {e.get("field"): e["message"] for e in errors},
        "error_list": [{"text": e["message"], "href": f"#{e.get('field') or 'level'}"} for e in errors],
        "report": result,
    }
    if result:
        level = params["level"]
        bodies = reports.filter_bodies(result, params["q"], params["spans"], params["coterminous"], params["sort"])
        page = Paginator(bodies, PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        body_links = pks_by_code(reports.KIND[level], [b["code"] for b in shown] + [
            o["code"] for c in result["councils"] for o in c["bodies"]])
        council_links = pks_by_code("upper_tier_council", [c["code"] for c in result["councils"]])
        query = _query(params)
        base = _query(params, sort="")
        context.update({
            "level_label": result["label"],
            "short": reports.SHORT[level],
            "short_plural": reports.SHORT_PLURAL[level],
            "page": page,
            "bodies": shown,
            "matching": len(bodies),
            "filtered": bool(params["q"] or params["spans"] or params["coterminous"]),
            "body_links": body_links,
            "council_links": council_links,
            "map_data": reports.level_map_data(result),
            "query": query,
            "columns": [
                {"key": key, "label": label, "type": kind,
                 "sort": "ascending" if params["sort"] == key else "descending" if params["sort"] == f"-{key}" else "none",
                 "href": "?" + "&".join(p for p in (base, urlencode({"sort": f"-{key}" if params["sort"] == key else key})) if p)}
                for key, label, kind in COLUMNS
            ],
            "spans_items": [{"value": "", "text": "Any number of councils"}, {"value": "one", "text": "One council only"},
                            {"value": "several", "text": "More than one council"}],
            "coterminous_items": [{"value": "", "text": "Coterminous or not"}, {"value": "yes", "text": "Coterminous"},
                                  {"value": "no", "text": "Not coterminous"}],
        })
    return render(request, "places/coterminosity.jinja", context, status=400 if errors else 200)


@require_GET
@requires("reference.view")
def coterminosity_export(request, fmt: str):
    """The bodies the page shows (all pages), one row per body and council, as CSV or XLSX."""
    params = _params(request)
    try:
        result = reports.coterminosity_report(params["level"], params["threshold"])
    except ServiceError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    bodies = reports.filter_bodies(result, params["q"], params["spans"], params["coterminous"], params["sort"])
    headers, rows = reports.export_rows(bodies)
    name = f"coterminosity-{params['level']}"
    if fmt == "xlsx":
        response = HttpResponse(
            export.to_xlsx(headers, rows, f"Coterminosity {params['level']}"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(export.to_csv(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
@requires("reference.view")
def council_boundaries(request):
    """Today's upper-tier council outlines (GeoJSON), served gzip'd as shipped."""
    body = reports.council_boundaries_gzip()
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(body, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(body), content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=86400"
    response["Vary"] = "Accept-Encoding"
    return response
