"""Outcome pages: the measures for a period and area, each measure's page, targets, the board dashboard and the
board pack (HTML and PDF), and the downloads. Read-only but for targets."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from jointcare.accounts.access import can, requires
from jointcare.audit.services import record
from jointcare.errors import FieldError, NotFound, ServiceError
from jointcare.exports import Sheet, export_response
from jointcare.outcomes import chart, compute, domain, services, source


class BadChoice(FieldError):
    status = 400


class NoPdf(ServiceError):
    status = 503


def current_period() -> str:
    return domain.current_period(dt.date.today())


def _choices(request) -> tuple[domain.Period, str]:
    try:
        period = domain.parse_period(request.GET.get("period") or current_period())
    except ValueError as exc:
        raise BadChoice(str(exc), field="period") from None
    try:
        area = domain.check_area(request.GET.get("area") or domain.ALL)
    except ValueError as exc:
        raise BadChoice(str(exc), field="area") from None
    return period, area


def _rows(pack: compute.Pack, area: str) -> list[domain.Row]:
    try:
        rows = pack.rows(area)
    except compute.NoData as exc:
        raise NotFound(str(exc), field="area") from None
    targets = services.targets_for(pack.period.label)
    for r in rows:
        t = targets.get((r.measure.code, area))
        if t is not None:
            r.target = t.value
            r.status = domain.rag(r.figure.value, t.value, r.measure.polarity, t.tolerance)
    return rows


def _periods(period: domain.Period, count: int = 4) -> list[domain.Period]:
    out = [period]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out


@require_GET
@requires("outcomes.view")
def measures(request):
    period, area = _choices(request)
    pack = compute.compute(period)
    rows = _rows(pack, area)
    return render(request, "outcomes/measures.jinja", {
        "title": f"Outcome measures, {period.label}",
        "period": period, "area": area, "rows": rows, "councils": pack.councils, "hospital": pack.hospital,
        "can_target": can(request.user, "outcomes.target"),
    })


@require_GET
@requires("outcomes.view")
def measure(request, code: str):
    m = domain.BY_CODE.get(code)
    if m is None:
        raise NotFound(f"There is no measure {code}", field="code")
    period, area = _choices(request)
    # those who may see the people behind a figure need the views open: the pack is computed from the same
    # connection when it is not kept yet
    con = source.connect(period) if can(request.user, "outcomes.detail") else None
    people = None
    try:
        pack = compute.compute(period, con=con)
        row = next(r for r in _rows(pack, area) if r.measure.code == m.code)
        if con is not None:
            people = compute.behind(con, m, period, area)
    finally:
        if con is not None:
            con.close()
    if people is not None:
        record(request.user, "outcomes.detail.view", object_type="outcomes.measure", object_id=f"{m.code}:{area}:{period.label}",
               summary=f"Viewed the {len(people)} people or episodes behind {m.code} for {area}, {period.label}")
    by_council = [(la, pack.figure(m, la), pack.population(m, la)) for la in pack.councils]
    baseline = None
    if row.target is not None:
        previous = compute.compute(period.previous())
        if area == domain.ALL or area in previous.councils:
            baseline = previous.figure(m, area).value
    from jointcare.cld.models import Population

    demo_population = Population.objects.filter(demo=True, age_band=m.group).filter(
        **({} if area == domain.ALL else {"area_code": area})).exists()
    return render(request, "outcomes/measure.jinja", {
        "title": f"{m.code}: {m.name}", "m": m, "row": row, "demo_population": demo_population, "period": period, "area": area,
        "by_council": by_council, "people": people, "follow_up": row.follow_up,
        "trajectory": domain.trajectory(baseline, row.target) if row.target is not None else [],
        "baseline": baseline,
    })


@require_POST
@requires("outcomes.target")
def set_target(request):
    post = request.POST
    target = services.set_target(
        request.user, measure=post.get("measure", "")[:16], area=post.get("area", "")[:9], period=post.get("period", "")[:7],
        value=post.get("value", "")[:20], tolerance=post.get("tolerance", "")[:20],
    )
    return redirect(f"/outcomes/measures/{target.measure}?period={target.period}&area={target.area}")


def _dashboard_context(period: domain.Period) -> dict:
    packs = [compute.compute(p) for p in _periods(period)]
    pack = packs[-1]
    targets = services.targets_for(period.label)
    sections = []
    for m in domain.MEASURES:
        target = targets.get((m.code, domain.ALL))
        over_time = []
        for p in packs:
            f = p.figure(m, domain.ALL)
            status = domain.rag(f.value, target.value, m.polarity, target.tolerance) if target and p is pack else domain.Rag.NONE
            over_time.append((p.period.label, f.value, status.value))
        by_council = []
        for la in pack.councils:
            f = pack.figure(m, la)
            t = targets.get((m.code, la))
            status = domain.rag(f.value, t.value, m.polarity, t.tolerance) if t else domain.Rag.NONE
            by_council.append((la, f.value, status.value))
        row = next(r for r in _rows(pack, domain.ALL) if r.measure.code == m.code)
        sections.append({
            "row": row,
            "over_time": chart.bar_chart(over_time, target.value if target else None),
            "by_council": chart.bar_chart(by_council) if by_council else None,
        })
    return {"period": period, "sections": sections, "councils": pack.councils}


@require_GET
@requires("outcomes.view")
def dashboard(request):
    period, _ = _choices(request)
    return render(request, "outcomes/dashboard.jinja", {"title": f"Outcomes dashboard, {period.label}", **_dashboard_context(period)})


@require_GET
@requires("outcomes.view")
def board_pack(request):
    period, _ = _choices(request)
    return render(request, "outcomes/board_pack.jinja", {"title": f"Board pack: outcomes, {period.label}",
                                                         **_dashboard_context(period)})


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@lru_cache(maxsize=8)
def html_to_pdf(html: str) -> bytes:
    """Print HTML to PDF with headless Chromium (decision 0108). The same pack asked for again is not printed again."""
    browser = chromium()
    if browser is None:
        raise NoPdf("The PDF board pack needs Chromium on the server (apt-get install chromium); the HTML board pack "
                    "prints the same", field="format")
    with tempfile.TemporaryDirectory(prefix="jointcare-pack-") as tmp:
        page, out = Path(tmp) / "pack.html", Path(tmp) / "pack.pdf"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()],
            check=False, capture_output=True, timeout=120,
        )
        if not out.exists():
            raise NoPdf("The PDF could not be printed; the HTML board pack prints the same", field="format")
        return out.read_bytes()


@require_GET
@requires("outcomes.view")
def board_pack_pdf(request):
    period, _ = _choices(request)
    css = [Path(p).as_uri() for p in (finders.find("nhsuk-frontend.css"), finders.find("jointcare/jointcare.css")) if p]
    html = render_to_string("outcomes/board_pack_pdf.jinja", {"title": f"Board pack: outcomes, {period.label}",
                                                         "stylesheets": css, **_dashboard_context(period)}, request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slugify(f"board-pack-outcomes-{period.label}")}.pdf"'
    return response


EXPORT_HEADERS = ("Period", "Code", "Measure", "Area", "Numerator", "Denominator", "Value", "Unit", "Population",
                  "Target", "Status")


@require_GET
@requires("outcomes.view")
def export(request, fmt: str):
    period, area = _choices(request)
    pack = compute.compute(period)
    areas = [area] if area != domain.ALL else [domain.ALL, *pack.councils]
    rows = []
    for a in areas:
        for r in _rows(pack, a):
            f = r.figure
            rows.append([period.label, r.measure.code, r.name, f.area, f.numerator, f.denominator,
                         None if f.value is None else f.value, r.measure.unit, r.population,
                         r.target, r.status.label])
    sheet = Sheet(title=f"Outcome measures {period.label}", headers=EXPORT_HEADERS, rows=rows, money=(),
                  notes=("Values to one decimal place, half away from zero. 'all' is every loaded council together.",))
    return export_response(sheet, fmt, f"outcome-measures-{period.label}-{area}")
