"""Pooled budget pages under /pools/: list, overview, monitoring with chart, reports, import, close, settle."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jointcare.accounts.access import can, can_somewhere, check, requires, scoped
from jointcare.errors import ServiceError
from jointcare.pool import agreement_file, imports, reports, services
from jointcare.pool.api import REPORT_KINDS, export_response, report_table
from jointcare.pool.models import Pool

REPORT_TITLES = {
    "monitoring": "Budget monitoring",
    "statement": "Partner statements",
    "quarterly": "Quarterly report to partners",
    "year-end": "Year-end summary by funding source",
}


def _pool(pk: int) -> Pool:
    pool = Pool.objects.select_related("agreement", "host", "manager").filter(pk=pk).first()
    if pool is None:
        raise Http404("There is no such pool")
    return pool


@requires("pool.view")
def pool_list(request):
    pools = scoped(request.user, "pool.view", Pool.objects.select_related("agreement", "host"))
    return render(
        request,
        "pool/list.jinja",
        {"title": "Pooled budgets", "pools": pools, "can_edit": can_somewhere(request.user, "pool.create")},
    )


@requires("pool.create")
@require_http_methods(["GET", "POST"])
def pool_create(request):
    errors, text, status = [], request.POST.get("document", ""), 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None:
            text = upload.read().decode("utf-8", errors="replace")
        try:
            spec = agreement_file.parse(agreement_file.load(text))
            check(request.user, "pool.create", spec.agreement)  # a party to the agreement it names
            pool = services.create_pool(request.user, spec)
        except ServiceError as exc:
            errors, status = exc.errors, exc.status
        else:
            messages.success(request, f"Created {pool}")
            return redirect("pool:detail", pool.pk)
    return render(
        request,
        "pool/create.jinja",
        {"title": "Create a pooled budget", "errors": errors, "document": text},
        status=status,
    )


@requires("pool.view", scope="pool")
def pool_detail(request, pk: int):
    pool = _pool(pk)
    return render(
        request,
        "pool/detail.jinja",
        {
            "title": str(pool),
            "pool": pool,
            "contributions": pool.contributions.select_related("partner"),
            "schemes": pool.schemes.select_related("lead").prefetch_related("funders__partner"),
            "periods": pool.periods.select_related("closed_by"),
            "can_close": can(request.user, "pool.close", pool),
            "can_post": can(request.user, "pool.post", pool),
            "can_settle": can(request.user, "pool.settle", pool),
            "reports": REPORT_TITLES,
        },
    )


@requires("pool.view", scope="pool")
def agreement_download(request, pk: int):
    pool = _pool(pk)
    resp = HttpResponse(agreement_file.export(pool), content_type="application/yaml; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="pool-{pool.pk}.yaml"'
    return resp


@requires("pool.view", scope="pool")
def monitoring(request, pk: int):
    pool = _pool(pk)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        headers, rows = report_table(pool, "monitoring")
        return export_response(headers, rows, fmt, f"monitoring-{pool.pk}")
    data = reports.monitoring(pool)
    selected = request.GET.get("scheme", "total")
    chosen = next((s for s in data["schemes"] if s.key == selected), data["total"])
    cumulative = []
    b = f = 0
    for m in range(12):
        b += chosen.budget[m]
        f += chosen.forecast[m]
        cumulative.append((reports.MONTH_NAMES[m], chosen.budget[m], chosen.forecast[m], b, f))
    return render(
        request,
        "pool/monitoring.jinja",
        {
            "title": f"Budget monitoring: {pool}",
            "pool": pool,
            "data": data,
            "chosen": chosen,
            "chart": reports.chart_svg(chosen),
            "cumulative": cumulative,
            "selected": selected,
        },
    )


@requires("pool.view", scope="pool")
def report(request, pk: int, kind: str):
    if kind not in REPORT_KINDS:
        raise Http404("There is no such report")
    pool = _pool(pk)
    fmt = request.GET.get("format")
    headers, rows = report_table(pool, kind)
    if fmt in ("csv", "xlsx"):
        return export_response(headers, rows, fmt, f"{kind}-{pool.pk}")
    money = [h in reports.MONEY_HEADERS for h in headers]
    lines = reports.partner_statements(pool) if kind == "statement" else None
    return render(
        request,
        "pool/report.jinja",
        {
            "title": f"{REPORT_TITLES[kind]}: {pool}",
            "heading": REPORT_TITLES[kind],
            "pool": pool,
            "kind": kind,
            "headers": headers,
            "rows": rows,
            "money": money,
            "statement": lines,
        },
    )


@requires("pool.post", scope="pool")
@require_http_methods(["GET", "POST"])
def import_actuals(request, pk: int):
    pool = _pool(pk)
    errors, result, status = [], None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = bool(request.POST.get("dry_run"))
        if upload is None:
            errors, status = [{"field": "file", "message": "Choose a CSV or XLSX file"}], 400
        else:
            try:
                result = imports.import_actuals(
                    request.user, pool, upload.name, upload.read(), dry_run=dry_run
                )
            except ServiceError as exc:
                errors, status = exc.errors, 400
    return render(
        request,
        "pool/import.jinja",
        {
            "title": f"Import actuals: {pool}",
            "pool": pool,
            "errors": errors,
            "result": result,
            "summary": imports.describe(result) if result else "",
            "columns": imports.COLUMNS,
            "required": imports.REQUIRED,
        },
        status=status,
    )


@requires("pool.close", scope="pool")
@require_POST
def close_period(request, pk: int, number: int):
    pool = _pool(pk)
    try:
        period = services.close_period(request.user, pool, number)
        messages.success(request, f"Closed {period.label}: nothing more can be posted into it")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("pool:detail", pool.pk)


@requires("pool.settle", scope="pool")
@require_http_methods(["GET", "POST"])
def settle(request, pk: int):
    pool = _pool(pk)
    error, status = None, 200
    if request.method == "POST":
        try:
            services.settle_pool(request.user, pool)
            messages.success(request, f"Settled the risk share of {pool}")
            return redirect("pool:report", pool.pk, "statement")
        except ServiceError as exc:
            error, status = exc.message, exc.status
    try:
        outcome = services.settle_pool(request.user, pool, dry_run=True)
    except ServiceError as exc:
        outcome, error, status = None, exc.message, exc.status if status == 200 else status
    return render(
        request,
        "pool/settle.jinja",
        {"title": f"Settle the risk share: {pool}", "pool": pool, "outcome": outcome, "error": error},
        status=status,
    )
