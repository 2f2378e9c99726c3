"""Pooled budget pages under /pools/: list, overview, monitoring with its chart, reports, the ledger and its
transactions, contributions due and received, import, close, settle and reopen, and setting a pool up.

Service errors raised here become the clear 4xx page of jointcare.middleware; views catch them only to show a
form again with its errors.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import yaml
from django.contrib import messages
from django.core.paginator import EmptyPage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jointcare import exports, limits, readers
from jointcare.accounts.access import can, can_somewhere, check, requires, scoped
from jointcare.errors import ServiceError
from jointcare.money import MoneyError, format_pence, parse_pounds
from jointcare.organisations.forms import error_list
from jointcare.pool import agreement_file, chart, domain, forms, imports, queries, reports, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.forms import LedgerQuery, MonitoringQuery, ReopenForm, ReportQuery, read_query
from jointcare.pool.models import Pool

LEDGER_PAGE_SIZE = 50


def _pool(pk: int) -> Pool:
    pool = Pool.objects.select_related("agreement", "host", "manager").filter(pk=pk).first()
    if pool is None:
        raise Http404("There is no such pool")
    return pool


def _ledger_url(pool: Pool, **query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return reverse("pool:ledger", args=[pool.pk]) + ("?" + urlencode(query) if query else "")


@requires("pool.view")
def pool_list(request):
    pools = scoped(request.user, "pool.view", Pool.objects.select_related("agreement", "host"))
    return render(
        request,
        "pool/list.jinja",
        {"title": "Pooled budgets", "pools": pools, "can_edit": can_somewhere(request.user, "pool.create")},
    )


@requires("pool.view", scope="pool")
def pool_detail(request, pk: int):
    pool = _pool(pk)
    contributions = list(pool.contributions.select_related("partner"))
    schemes = list(pool.schemes.select_related("lead").prefetch_related("funders__partner"))
    periods = list(pool.periods.select_related("closed_by"))
    return render(
        request,
        "pool/detail.jinja",
        {
            "title": str(pool),
            "pool": pool,
            "contributions": contributions,
            "contributions_total": sum(c.amount_pence for c in contributions),
            "schemes": schemes,
            "schemes_total": sum(s.budget_pence for s in schemes),
            "periods": periods,
            "month_labels": queries.month_labels(pool),
            "actions": services.available_actions(pool),
            "can_close": can(request.user, "pool.close", pool),
            "can_post": can(request.user, "pool.post", pool),
            "can_settle": can(request.user, "pool.settle", pool),
            "can_reopen": can(request.user, "pool.reopen", pool),
            "reports": queries.REPORT_TITLES,
        },
    )


@requires("pool.view", scope="pool")
def agreement_download(request, pk: int):
    pool = _pool(pk)
    resp = HttpResponse(agreement_file.export(pool), content_type="application/yaml; charset=utf-8")
    name = exports.filename(pool.name, pool.year_label, "agreement")
    resp["Content-Disposition"] = f'attachment; filename="{name}.yaml"'
    return resp


# ------------------------------------------------------------------------------------------------ monitoring


@requires("pool.view", scope="pool")
def monitoring(request, pk: int):
    pool = _pool(pk)
    codes = list(pool.schemes.values_list("code", flat=True))
    q = read_query(MonitoringQuery(request.GET, codes=codes))
    if q["format"]:
        sheet = queries.report_sheet(pool, "monitoring", through=q["through"])
        return exports.export_response(sheet, q["format"], queries.report_filename(pool, "monitoring"))
    data = reports.monitoring(pool, q["through"])
    selected = q["scheme"] or "total"
    chosen = next((s for s in data["schemes"] if s.key == selected), data["total"])
    through = data["through"]
    labels = queries.month_labels(pool)
    drill = {"scheme": chosen.key} if chosen is not data["total"] else {"account": AccountKind.SPEND.value}
    months = [
        {
            "label": labels[m],
            "budget": chosen.budget[m],
            "actuals": chosen.actuals[m] if m < through or chosen.actuals[m] else None,
            "forecast": chosen.forecast[m],
            "ledger": _ledger_url(pool, month=m + 1, **drill) if m < through or chosen.actuals[m] else "",
        }
        for m in range(12)
    ]
    ledger_links = {line.key: _ledger_url(pool, scheme=line.key) for line in data["schemes"]}
    ledger_links[data["total"].key] = _ledger_url(pool, account=AccountKind.SPEND.value)
    return render(
        request,
        "pool/monitoring.jinja",
        {
            "title": f"Budget monitoring: {pool}",
            "pool": pool,
            "data": data,
            "chosen": chosen,
            "chart": chart.cumulative_chart(
                chosen.budget, chosen.actuals, chosen.forecast, through, domain.period_months(pool.financial_year)
            ),
            "months": months,
            "ledger_links": ledger_links,
            "through_label": labels[through - 1] if through else "none",
            "through_options": [{"value": "", "text": "Latest"}]
            + [{"value": str(m), "text": labels[m - 1]} for m in range(1, 13)],
            "through_value": "" if q["through"] is None else str(q["through"]),
            "selected": selected,
            "note": queries.through_note(pool, through),
            "download_query": urlencode({"through": q["through"]} if q["through"] is not None else {}),
        },
    )


@requires("pool.view", scope="pool")
def report(request, pk: int, kind: str):
    if kind not in queries.REPORT_KINDS:
        raise Http404("There is no such report")
    pool = _pool(pk)
    q = read_query(ReportQuery(request.GET))
    sheet = queries.report_sheet(pool, kind)
    if q["format"]:
        return exports.export_response(sheet, q["format"], queries.report_filename(pool, kind))
    is_money = [h in sheet.money for h in sheet.headers]
    totals = None
    if sheet.totals:
        totals = [sum(r[i] for r in sheet.rows if isinstance(r[i], int)) if m else None for i, m in enumerate(is_money)]
    lines = reports.partner_statements(pool) if kind == "statement" else None
    return render(
        request,
        "pool/report.jinja",
        {
            "title": f"{queries.REPORT_TITLES[kind]}: {pool}",
            "heading": queries.REPORT_TITLES[kind],
            "pool": pool,
            "kind": kind,
            "sheet": sheet,
            "is_money": is_money,
            "totals": totals,
            "statement": lines,
        },
    )


# ------------------------------------------------------------------------------------------------ the ledger


def _ledger_filter(pool: Pool, request) -> tuple[queries.LedgerFilter, dict]:
    schemes = {s.code: s for s in pool.schemes.all()}
    partners = queries.partners(pool)
    q = read_query(LedgerQuery(request.GET, codes=list(schemes), partner_ids=list(partners)))
    f = queries.LedgerFilter(
        scheme=schemes.get(q["scheme"]) if q["scheme"] else None,
        partner=partners.get(int(q["partner"])) if q["partner"] else None,
        month=q["month"],
        kind=q["kind"],
        account=q["account"],
    )
    return f, {"q": q, "schemes": schemes, "partners": partners}


@requires("pool.view", scope="pool")
def ledger(request, pk: int):
    pool = _pool(pk)
    f, ctx = _ledger_filter(pool, request)
    q = ctx["q"]
    if q["format"]:
        parts = [pool.name, pool.year_label, "ledger"]
        if f.scheme is not None:
            parts.append(f.scheme.code)
        if f.month:
            parts.append(queries.month_labels(pool)[f.month - 1])
        return exports.export_response(queries.ledger_sheet(pool, f), q["format"], exports.filename(*parts))
    postings = queries.ledger_postings(pool, f)
    totals = queries.ledger_totals(postings)
    try:
        page, rows = queries.ledger_page(pool, postings, q["page"] or 1, LEDGER_PAGE_SIZE)
    except EmptyPage:
        raise Http404("There is no such page") from None
    labels = queries.month_labels(pool)
    query = urlencode(f.query())
    return render(
        request,
        "pool/ledger.jinja",
        {
            "title": f"Ledger: {pool}",
            "pool": pool,
            "filter": f,
            "described": f.describe(pool),
            "page": page,
            "rows": rows,
            "totals": totals,
            "query": query,
            "labels": labels,
            "kind_labels": queries.TRANSACTION_KIND_LABELS,
            "scheme_items": [{"value": "", "text": "All schemes"}]
            + [{"value": c, "text": f"{s.name} ({c})"} for c, s in ctx["schemes"].items()],
            "partner_items": [{"value": "", "text": "All partners"}]
            + [{"value": str(pid), "text": o.name} for pid, o in ctx["partners"].items()],
            "account_items": [{"value": "", "text": "All accounts"}]
            + [{"value": k.value, "text": t} for k, t in queries.ACCOUNT_KIND_LABELS.items()],
            "month_items": [{"value": "", "text": "All months"}]
            + [{"value": str(m), "text": labels[m - 1]} for m in range(1, 13)],
            "kind_items": [{"value": "", "text": "All kinds"}]
            + [{"value": k.value, "text": t} for k, t in queries.TRANSACTION_KIND_LABELS.items()],
            "values": {k: ("" if v is None else str(v)) for k, v in q.items()},
        },
    )


@requires("pool.view", scope="pool")
def transaction_detail(request, pk: int, tx_id: int):
    pool = _pool(pk)
    tx, postings, reversed_by = queries.transaction_postings(pool, tx_id)
    return render(
        request,
        "pool/transaction.jinja",
        {
            "title": f"Transaction {tx.idempotency_key}: {pool}",
            "pool": pool,
            "tx": tx,
            "postings": postings,
            "debits": sum(p.amount_pence for p, _ in postings if p.amount_pence > 0),
            "reversed_by": reversed_by,
            "kind_label": queries.TRANSACTION_KIND_LABELS.get(tx.kind, tx.kind),
            "month_label": queries.month_labels(pool)[tx.period.number - 1],
        },
    )


# ------------------------------------------------------------------------------------------------ contributions


@requires("pool.view", scope="pool")
def contributions(request, pk: int):
    pool = _pool(pk)
    q = read_query(ReportQuery(request.GET))
    today = timezone.localdate()
    if q["format"]:
        return exports.export_response(
            queries.contributions_sheet(pool, today),
            q["format"],
            exports.filename(pool.name, pool.year_label, "contributions"),
        )
    data = queries.contributions_by_partner(pool, today)
    ledger_links = {
        p["partner_id"]: _ledger_url(pool, partner=p["partner_id"], account=AccountKind.CONTRIBUTION.value)
        for p in data["partners"]
    }
    return render(
        request,
        "pool/contributions.jinja",
        {
            "title": f"Contributions due and received: {pool}",
            "pool": pool,
            "data": data,
            "ledger_links": ledger_links,
        },
    )


# ------------------------------------------------------------------------------------------------ writes


@requires("pool.post", scope="pool")
@require_http_methods(["GET", "POST"])
def import_actuals(request, pk: int):
    pool = _pool(pk)
    errors, result, status, retry_after = [], None, 200, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = bool(request.POST.get("dry_run"))
        if upload is None:
            errors, status = [{"field": "file", "message": "Choose a CSV or XLSX file"}], 400
        else:
            try:
                result = imports.import_actuals(
                    request.user, pool, upload.name, upload, dry_run=dry_run
                )
            except ServiceError as exc:
                errors, status = exc.errors, exc.status
                retry_after = getattr(exc, "retry_after", None)
    response = render(
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
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@requires("pool.close", scope="pool")
@require_POST
def close_period(request, pk: int, number: int):
    pool = _pool(pk)
    period = services.close_period(request.user, pool, number)
    messages.success(request, f"Closed {queries.month_labels(pool)[period.number - 1]}: nothing more can be posted into it")
    return redirect("pool:detail", pool.pk)


@requires("pool.settle", scope="pool")
@require_http_methods(["GET", "POST"])
def settle(request, pk: int):
    pool = _pool(pk)
    if pool.settled_at and request.method == "GET":
        messages.info(request, f"{pool} was settled on {timezone.localtime(pool.settled_at):%d %B %Y}.")
        return redirect("pool:report", pool.pk, "statement")
    if request.method == "POST":
        services.settle_pool(request.user, pool)
        messages.success(request, f"Settled the risk share of {pool}")
        return redirect("pool:report", pool.pk, "statement")
    outcome = services.preview_settlement(pool)
    statements = outcome["statements"]
    totals = {
        k: sum(s[k] for s in statements)
        for k in ("contribution_due_pence", "money_in_pence", "money_spent_pence", "share_of_variance_pence", "balance_due_pence")
    }
    return render(
        request,
        "pool/settle.jinja",
        {"title": f"Settle the risk share: {pool}", "pool": pool, "outcome": outcome, "totals": totals},
    )


@requires("pool.reopen", scope="pool")
@require_http_methods(["GET", "POST"])
def reopen(request, pk: int):
    """Reverse the year-end settlement, with a reason, so a late invoice can be posted; then settle again."""
    pool = _pool(pk)
    if pool.settled_at is None:
        messages.error(request, f"{pool} is not settled, so there is nothing to reopen.")
        return redirect("pool:detail", pool.pk)
    form = ReopenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.reopen_pool(request.user, pool, form.cleaned_data["reason"])
            messages.success(request, f"Reopened {pool}: the settlement is reversed. Post the late items, then settle again.")
            return redirect("pool:detail", pool.pk)
        status = 400
    return render(
        request,
        "pool/reopen.jinja",
        {"title": f"Reopen {pool}", "pool": pool, "form": form, "errors": form.errors},
        status=status,
    )


# ------------------------------------------------------------------------------------------------ setting a pool up
#
# Step by step, one question page at a time (decision 0063). The answers are kept in the session as they were
# entered, read as an agreement document at every step, and the pool is created from that document exactly as
# from an uploaded file: agreement_file.parse builds the services.PoolSpec and services.create_pool writes it.

SETUP_SESSION_KEY = "pool_setup"
SETUP_STEPS = {
    "agreement": "Agreement and year",
    "pool": "The pool",
    "contributions": "Contributions",
    "schemes": "Schemes",
    "risk-share": "Risk share",
}
SETUP_STEP_OF = {  # which step answers each part of the document
    "pool.agreement": "agreement",
    "pool.financial_year": "agreement",
    "pool.name": "pool",
    "pool.host": "pool",
    "pool.manager": "pool",
    "pool.risk_reserve": "risk-share",
    "partners": "contributions",
    "contributions": "contributions",
    "schemes": "schemes",
    "risk_share": "risk-share",
}
AGREEMENT_TEMPLATE = Path(__file__).parent / "data" / "agreement-template.yaml"


def _draft(request) -> dict:
    return dict(request.session.get(SETUP_SESSION_KEY) or {})


def _save_draft(request, draft: dict) -> None:
    request.session[SETUP_SESSION_KEY] = draft


def _parties(draft: dict) -> list:
    from jointcare.organisations.models import Organisation

    if not draft.get("agreement"):
        return []
    return list(Organisation.objects.filter(parties__agreement_id=draft["agreement"]).distinct().order_by("name"))


def _document(draft: dict, parties: list, **kwargs) -> dict:
    return forms.setup_document(draft, {o.pk: o for o in parties}, **kwargs)


def _keys(parties: list) -> dict[str, int]:
    """Partner key in the answers' document -> organisation id."""
    return {key: pk for pk, key in forms.partner_keys({o.pk: o for o in parties}).items()}


def _document_errors(draft: dict, parties: list) -> list[dict]:
    try:
        agreement_file.parse(_document(draft, parties))
    except ServiceError as exc:
        return exc.errors
    return []


def _step_of(path: str) -> str:
    for prefix, step in SETUP_STEP_OF.items():
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return step
    return "agreement"


def _setup_next(request, step: str):
    names = list(SETUP_STEPS)
    if request.GET.get("return") == "check" or step == names[-1]:
        return redirect("pool:setup-check")
    return redirect("pool:setup", names[names.index(step) + 1])


def _setup_page(request, template: str, step: str, context: dict, form=None, problem: str = ""):
    names = list(SETUP_STEPS)
    errors = error_list(form) if form is not None else []
    if problem:
        errors.append({"text": problem, "href": "#add"})
    status = 400 if request.method == "POST" and errors else 200
    return render(
        request,
        f"pool/{template}",
        {
            "title": f"{SETUP_STEPS[step]}: set up a pooled budget",
            "step": step,
            "step_number": names.index(step) + 1,
            "steps": len(names),
            "back": reverse("pool:setup", args=[names[names.index(step) - 1]]) if step != names[0] else reverse("pool:create"),
            "return_to_check": request.GET.get("return") == "check",
            "form": form,
            "error_list": errors,
            **context,
        },
        status=status,
    )


@requires("pool.create")
@require_http_methods(["GET", "POST"])
def pool_create(request):
    """Set a pool up step by step (the question pages), or create it from an agreement file pasted or uploaded
    here."""
    errors, text, status = [], request.POST.get("document", ""), 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                # read bounded (one byte more than the largest agreement file is enough to refuse it as too large),
                # and refuse bytes that are not UTF-8 naming the line, rather than replacing them
                data = upload.read(limits.MAX_YAML_BYTES + 1)
                text = data if len(data) > limits.MAX_YAML_BYTES else readers.decode_utf8(data, field="file")
            spec = agreement_file.parse(agreement_file.load(text))
            check(request.user, "pool.create", spec.agreement)  # a party to the agreement it names
            pool = services.create_pool(request.user, spec)
        except ServiceError as exc:
            errors, status = exc.errors, exc.status
            text = text if isinstance(text, str) else ""
        else:
            messages.success(request, f"Created {pool}")
            return redirect("pool:detail", pool.pk)
    return render(
        request,
        "pool/create.jinja",
        {"title": "Set up a pooled budget", "draft": _draft(request), "steps": SETUP_STEPS, "errors": errors, "document": text},
        status=status,
    )


@requires("pool.create")
@require_POST
def setup_start(request):
    """Start the question pages afresh."""
    request.session.pop(SETUP_SESSION_KEY, None)
    return redirect("pool:setup", "agreement")


@requires("pool.create")
def agreement_template(request):
    resp = HttpResponse(AGREEMENT_TEMPLATE.read_bytes(), content_type="application/yaml; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="pool-agreement-template.yaml"'
    return resp


@requires("pool.create")
@require_http_methods(["GET", "POST"])
def setup_step(request, step: str):
    if step not in SETUP_STEPS:
        raise Http404("There is no such step")
    draft = _draft(request)
    if step != "agreement" and not draft.get("agreement"):
        return redirect("pool:setup", "agreement")
    return {
        "agreement": _setup_agreement,
        "pool": _setup_pool,
        "contributions": _setup_contributions,
        "schemes": _setup_schemes,
        "risk-share": _setup_risk_share,
    }[step](request, draft)


def _setup_agreement(request, draft: dict):
    from jointcare.partnerships.models import Agreement

    agreements = list(scoped(request.user, "pool.create", Agreement.objects.order_by("name")))
    form = forms.AgreementStep(request.POST or None, agreements=agreements, initial=draft)
    if request.method == "POST" and form.is_valid():
        candidate = {**draft, **form.cleaned_data}
        if draft.get("agreement") and draft["agreement"] != candidate["agreement"]:
            for key in ("host", "contributions", "schemes", "risk"):
                candidate.pop(key, None)
        parties = _parties(candidate)
        errors = _document_errors(candidate, parties)
        if not forms.add_document_errors(form, errors, {"pool.agreement": "pool", "pool.financial_year": "pool"}, _keys(parties)):
            _save_draft(request, candidate)
            return _setup_next(request, "agreement")
    return _setup_page(request, "setup_agreement.jinja", "agreement", {"agreements": agreements}, form)


def _setup_pool(request, draft: dict):
    from jointcare.accounts.models import User

    parties = _parties(draft)
    managers = User.objects.filter(is_active=True, groups__name="finance_officer").order_by("username")
    form = forms.PoolStep(request.POST or None, parties=parties, managers=managers, initial=draft)
    if request.method == "POST" and form.is_valid():
        candidate = {**draft, **form.cleaned_data}
        errors = _document_errors(candidate, parties)
        prefixes = {p: "pool" for p in ("pool.name", "pool.host", "pool.manager")}
        if not forms.add_document_errors(form, errors, prefixes, _keys(parties)):
            _save_draft(request, candidate)
            return _setup_next(request, "pool")
    return _setup_page(request, "setup_pool.jinja", "pool", {"parties": parties}, form)


def _setup_items(request, draft: dict, step: str, key: str, form_class, template: str, form_kwargs: dict, describe, extra=None):
    """An add-another step (contributions, schemes): the list so far, a form to add (or change) one, remove."""
    parties = _parties(draft)
    items = list(draft.get(key, []))
    action = request.POST.get("action", "")
    try:
        editing = int(request.GET["item"]) if "item" in request.GET else None
    except ValueError:
        editing = None
    if editing is not None and not 0 <= editing < len(items):
        raise Http404("There is no such item")
    if request.method == "POST" and action == "remove":
        index = request.POST.get("index", "")
        if index.isdigit() and int(index) < len(items):
            removed = items.pop(int(index))
            _save_draft(request, {**draft, key: items})
            messages.success(request, f"Removed {describe(removed)}")
        return redirect("pool:setup", step)
    if request.method == "POST" and action == "continue":
        if items:
            return _setup_next(request, step)
        return _setup_page(
            request, template, step, {"items": items, "editing": None, "describe": describe, **(extra or {})},
            form_class(None, **form_kwargs), problem=f"Add at least one {step.removesuffix('s')} before you continue",
        )
    initial = form_class.initial_from(items[editing]) if editing is not None else {}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        index = editing if editing is not None else len(items)
        candidate_items = list(items)
        if editing is not None:
            candidate_items[index] = form.answer()
        else:
            candidate_items.append(form.answer())
        candidate = {**draft, key: candidate_items}
        errors = _document_errors(candidate, parties)
        prefix = f"{key}[{index}]"
        if not forms.add_document_errors(form, errors, {prefix: prefix}, _keys(parties)):
            _save_draft(request, candidate)
            messages.success(request, f"{'Changed' if editing is not None else 'Added'} {describe(form.answer())}")
            return redirect(reverse("pool:setup", args=[step]) + ("?return=check" if request.GET.get("return") == "check" else ""))
    return _setup_page(request, template, step, {"items": items, "editing": editing, "describe": describe, **(extra or {})}, form)


def _setup_contributions(request, draft: dict):
    parties = _parties(draft)
    names = {str(o.pk): o.name for o in parties}

    def describe(item: dict) -> str:
        return f"{names.get(item['partner'], 'an unknown partner')}: {_pounds(item['amount'])} ({item['type']}, {item['schedule']})"

    return _setup_items(
        request, draft, "contributions", "contributions", forms.ContributionStep, "setup_contributions.jinja",
        {"parties": parties}, describe, {"month_labels": _setup_months(draft)},
    )


def _setup_schemes(request, draft: dict):
    parties = _parties(draft)
    areas = [(a.value, domain.SERVICE_AREA_LABELS[a]) for a in domain.ServiceArea]

    def describe(item: dict) -> str:
        return f"{item['name']} ({item['code']}): {_pounds(item['budget'])}"

    return _setup_items(
        request, draft, "schemes", "schemes", forms.SchemeStep, "setup_schemes.jinja",
        {"parties": parties, "areas": areas}, describe,
    )


def _setup_months(draft: dict) -> list[str]:
    try:
        return reports.month_labels(domain.parse_financial_year(draft.get("financial_year", "")))
    except ValueError:
        return list(reports.MONTH_NAMES)


def _contributors(draft: dict, parties: list) -> list:
    ids = []
    for c in draft.get("contributions", []):
        if c["partner"] not in ids:
            ids.append(c["partner"])
    by_id = {str(o.pk): o for o in parties}
    return [by_id[i] for i in ids if i in by_id]


def _setup_risk_share(request, draft: dict):
    parties = _parties(draft)
    partners = _contributors(draft, parties)
    if not partners:
        messages.error(request, "Add the partners' contributions first: the risk share is between them.")
        return redirect("pool:setup", "contributions")
    initial = forms.RiskShareStep.initial_from(draft.get("risk") or {"method": "pro_rata", "underspend": "return_pro_rata"})
    form = forms.RiskShareStep(request.POST or None, partners=partners, initial=initial)
    if request.method == "POST" and form.is_valid():
        candidate = {**draft, "risk": form.answer()}
        errors = _document_errors(candidate, parties)
        if not forms.add_document_errors(form, errors, {"risk_share": "risk_share", "pool.risk_reserve": "pool"}, _keys(parties)):
            _save_draft(request, candidate)
            return _setup_next(request, "risk-share")
    return _setup_page(request, "setup_risk.jinja", "risk-share", {"partners": partners}, form)


@requires("pool.create")
@require_http_methods(["GET", "POST"])
def setup_check(request):
    """Check your answers, then create the pool."""
    from jointcare.partnerships.models import Agreement

    draft = _draft(request)
    if not draft.get("agreement"):
        return redirect("pool:setup", "agreement")
    parties = _parties(draft)
    names = {str(o.pk): o.name for o in parties}
    errors = _document_errors(draft, parties)
    status = 200
    if request.method == "POST" and not errors:
        try:
            spec = agreement_file.parse(_document(draft, parties))
            check(request.user, "pool.create", spec.agreement)  # a party to the agreement it names
            pool = services.create_pool(request.user, spec)
        except ServiceError as exc:
            errors, status = exc.errors, exc.status
        else:
            request.session.pop(SETUP_SESSION_KEY, None)
            messages.success(request, f"Created {pool}")
            return redirect("pool:detail", pool.pk)
    elif request.method == "POST":
        status = 400
    problems = [
        {
            "text": e["message"],
            "step": SETUP_STEPS[_step_of(e.get("field") or "")],
            "href": reverse("pool:setup", args=[_step_of(e.get("field") or "")]) + "?return=check",
        }
        for e in errors
    ]
    pooled = sum(_pence(c["amount"]) for c in draft.get("contributions", []) if c["type"] == "pooled")
    budgets = sum(_pence(s["budget"]) for s in draft.get("schemes", []))
    reserve = _pence((draft.get("risk") or {}).get("risk_reserve") or "0")
    return render(
        request,
        "pool/setup_check.jinja",
        {
            "title": "Check your answers: set up a pooled budget",
            "draft": draft,
            "agreement": Agreement.objects.filter(pk=draft["agreement"]).first(),
            "names": names,
            "problems": problems,
            "sums": {"pooled": pooled, "budgets": budgets, "reserve": reserve},
            "areas": domain.SERVICE_AREA_LABELS,
            "methods": dict(forms.METHODS),
            "underspends": dict(forms.UNDERSPENDS),
            "pounds": _pounds,
        },
        status=status,
    )


def _pence(text: str) -> int:
    try:
        return parse_pounds(str(text))
    except MoneyError:
        return 0


def _pounds(text: str) -> str:
    """An amount as entered, shown as money where it reads as money (£1,000,000.00), else as it was typed."""
    try:
        return format_pence(parse_pounds(str(text)))
    except MoneyError:
        return str(text)


@requires("pool.create")
def setup_download(request):
    """The answers so far as an agreement file, to keep or to upload later."""
    from jointcare.partnerships.models import Agreement

    draft = _draft(request)
    agreement = Agreement.objects.filter(pk=draft.get("agreement") or 0).first()
    doc = _document(draft, _parties(draft), agreement_name=agreement.name if agreement else None)
    resp = HttpResponse(
        yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), content_type="application/yaml; charset=utf-8"
    )
    stem = exports.filename(draft.get("name", "") or "pool", draft.get("financial_year", ""), "agreement")
    resp["Content-Disposition"] = f'attachment; filename="{stem}.yaml"'
    return resp
