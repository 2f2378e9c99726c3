"""Pooled budgets API under /api/v1/pools: the same service functions as the CLI and the pages."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from django.db.models import Sum
from django.http import HttpResponse, JsonResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jointcare import exports, limits
from jointcare.accounts.access import api_user, check, check_somewhere, scoped
from jointcare.errors import FieldError, NotFound
from jointcare.pool import agreement_file, imports, queries, reports, services
from jointcare.pool.models import Account, LedgerTransaction, MonthlyBalance, Pool
from jointcare.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Date,
    Flag,
    Id,
    Input,
    MonthNumber,
    NonNegativePence,
    PathId,
    Pence,
    text,
)

router = Router(tags=["pool"])


class PoolOut(Schema):
    id: int
    name: str
    agreement: str
    financial_year: str
    host: str
    manager: str | None
    risk_reserve_pence: int
    method: str
    underspend: str
    settled: bool
    schemes: list[dict]
    contributions: list[dict]
    periods: list[dict]


def _pool(pool_id: int) -> Pool:
    pool = Pool.objects.select_related("agreement", "host", "manager").filter(pk=pool_id).first()
    if pool is None:
        raise NotFound(f"there is no pool {pool_id}")
    return pool


def _out(pool: Pool) -> dict:
    return {
        "id": pool.pk,
        "name": pool.name,
        "agreement": pool.agreement.name,
        "financial_year": pool.year_label,
        "host": pool.host.name,
        "manager": pool.manager.username if pool.manager_id else None,
        "risk_reserve_pence": pool.risk_reserve_pence,
        "method": pool.method,
        "underspend": pool.underspend,
        "settled": pool.settled_at is not None,
        "schemes": [
            {
                "code": s.code,
                "name": s.name,
                "service_area": s.service_area,
                "lead": s.lead.name,
                "budget_pence": s.budget_pence,
            }
            for s in pool.schemes.select_related("lead")
        ],
        "contributions": [
            {
                "partner": c.partner.name,
                "amount_pence": c.amount_pence,
                "type": c.type,
                "form": c.form,
                "schedule": c.schedule,
                "instalments": c.instalments,
            }
            for c in pool.contributions.select_related("partner")
        ],
        "periods": [{"number": p.number, "month": p.label, "closed": p.closed} for p in pool.periods.all()],
    }


@router.get("", response={200: list[PoolOut], **READ_ERRORS}, summary="Pooled budgets")
def list_pools(request):
    user = api_user(request)
    check_somewhere(user, "pool.view")
    return [_out(p) for p in scoped(user, "pool.view", Pool.objects.select_related("agreement", "host", "manager"))]


# an agreement file of this many characters is within the YAML size limit even if every one takes 4 bytes
MAX_DOCUMENT_CHARS = limits.MAX_YAML_BYTES // 4


class DocumentIn(Input):
    document: str = text(..., max_length=MAX_DOCUMENT_CHARS, description="The agreement document (YAML)")


@router.post("", response={201: PoolOut, **WRITE_ERRORS}, summary="Create a pool from an agreement document (YAML)")
def create_pool(request, payload: DocumentIn):
    user = api_user(request)
    check_somewhere(user, "pool.create")
    spec = agreement_file.parse(agreement_file.load(payload.document))
    check(user, "pool.create", spec.agreement)  # a party to the agreement it names
    return Status(201, _out(services.create_pool(user, spec)))


@router.get("/{pool_id}", response={200: PoolOut, **READ_ERRORS}, summary="One pool")
def pool_detail(request, pool_id: PathId):
    pool = _pool(pool_id)
    check(api_user(request), "pool.view", pool)
    return _out(pool)


@router.get(
    "/{pool_id}/agreement", response={200: None, **READ_ERRORS}, summary="The pool as an agreement document"
)
def export_agreement(request, pool_id: PathId):
    pool = _pool(pool_id)
    check(api_user(request), "pool.view", pool)
    return HttpResponse(agreement_file.export(pool), content_type="application/yaml; charset=utf-8")


@router.get(
    "/{pool_id}/accounts", response={200: list[dict], **READ_ERRORS}, summary="Accounts and their balances"
)
def accounts(request, pool_id: PathId):
    pool = _pool(pool_id)
    check(api_user(request), "pool.view", pool)
    totals = dict(
        MonthlyBalance.objects.filter(account__pool=pool)
        .values("account_id")
        .annotate(t=Sum("amount_pence"))
        .values_list("account_id", "t")
    )
    return [
        {
            "id": a.pk,
            "kind": a.kind,
            "partner": a.partner.name if a.partner_id else None,
            "scheme": a.scheme.code if a.scheme_id else None,
            "balance_pence": totals.get(a.pk) or 0,
        }
        for a in Account.objects.filter(pool=pool).select_related("partner", "scheme")
    ]


@router.get(
    "/{pool_id}/monitoring",
    response={200: dict, **READ_ERRORS},
    summary="Budget monitoring by scheme, partner, month",
)
def monitoring(request, pool_id: PathId, through: MonthNumber | None = None):
    pool = _pool(pool_id)
    check(api_user(request), "pool.view", pool)
    data = reports.monitoring(pool, through)
    return {
        "through": data["through"],
        "method": "actuals to the reporting month; then commitments, else the run rate",
        "schemes": [line.as_dict() for line in data["schemes"]],
        "partners": [line.as_dict() for line in data["partners"]],
        "total": data["total"].as_dict(),
    }


class PostingIn(Input):
    account_id: Id
    amount_pence: Pence


class PostingOut(Schema):
    account_id: int
    amount_pence: int


class TransactionIn(Input):
    key: str = text(..., min_length=1, max_length=120)
    value_date: Date
    reason: str = text(..., min_length=1, max_length=300)
    reference: str = text("", max_length=120)
    postings: list[PostingIn] = Field(..., max_length=1000)


class TransactionOut(Schema):
    id: int
    key: str
    kind: str
    period: str
    value_date: dt.date
    reason: str
    source: str
    reverses: int | None
    postings: list[PostingOut]


def _tx(tx: LedgerTransaction) -> dict:
    return {
        "id": tx.pk,
        "key": tx.idempotency_key,
        "kind": tx.kind,
        "period": tx.period.label,
        "value_date": tx.value_date,
        "reason": tx.reason,
        "source": tx.source,
        "reverses": tx.reverses_id,
        "postings": [{"account_id": p.account_id, "amount_pence": p.amount_pence} for p in tx.postings.all()],
    }


@router.post(
    "/{pool_id}/transactions",
    response={201: TransactionOut, **WRITE_ERRORS},
    summary="Post a balanced transaction (idempotent by key)",
)
def post_transaction(request, pool_id: PathId, payload: TransactionIn):
    user = api_user(request)
    pool = _pool(pool_id)
    check(user, "pool.post", pool)
    tx = services.post_transaction(
        user,
        pool,
        key=payload.key,
        value_date=payload.value_date,
        reason=payload.reason,
        reference=payload.reference,
        source="api",
        postings=[(p.account_id, p.amount_pence) for p in payload.postings],
    )
    return Status(201, _tx(tx))


class ReasonIn(Input):
    reason: str = text(..., min_length=1, max_length=300)
    value_date: Date | None = None


@router.post(
    "/{pool_id}/transactions/{tx_id}/reverse",
    response={201: TransactionOut, **WRITE_ERRORS},
    summary="Reverse a transaction",
)
def reverse(request, pool_id: PathId, tx_id: PathId, payload: ReasonIn):
    user = api_user(request)
    check(user, "pool.post", _pool(pool_id))
    tx = LedgerTransaction.objects.filter(pool_id=pool_id, pk=tx_id).first()
    if tx is None:
        raise NotFound(f"pool {pool_id} has no transaction {tx_id}")
    return Status(201, _tx(services.reverse_transaction(user, tx, payload.reason, payload.value_date)))


@router.post("/{pool_id}/periods/{number}/close", response={200: dict, **WRITE_ERRORS}, summary="Close a month")
def close_period(request, pool_id: PathId, number: MonthNumber):
    user = api_user(request)
    pool = _pool(pool_id)
    check(user, "pool.close", pool)
    period = services.close_period(user, pool, number)
    return {"number": period.number, "month": period.label, "closed": period.closed}


class CommitmentIn(Input):
    scheme: str = text(..., min_length=1, max_length=40)
    month: Date
    amount_pence: NonNegativePence
    source: str = text(..., min_length=1, max_length=80)
    reference: str = text(..., min_length=1, max_length=120)


@router.post(
    "/{pool_id}/commitments",
    response={200: dict, **WRITE_ERRORS},
    summary="Record planned spend for a scheme and month (same source+reference restates it)",
)
def commit(request, pool_id: PathId, payload: CommitmentIn):
    user = api_user(request)
    pool = _pool(pool_id)
    check(user, "pool.commit", pool)
    scheme = pool.schemes.filter(code=payload.scheme).first()
    if scheme is None:
        raise FieldError(f"'{payload.scheme}' is not a scheme code in pool {pool_id}", field="scheme")
    c = services.create_commitment(
        user, scheme, payload.month, payload.amount_pence, payload.source, payload.reference
    )
    return {"id": c.pk, "scheme": scheme.code, "month": c.period.label, "amount_pence": c.amount_pence}


@router.post(
    "/{pool_id}/actuals",
    response={200: dict, **WRITE_ERRORS},
    summary="Import actual spend from CSV or XLSX (all or nothing; dry_run to check only)",
)
def import_actuals(request, pool_id: PathId, file: File[UploadedFile], dry_run: Form[bool] = False):
    user = api_user(request)
    pool = _pool(pool_id)
    check(user, "pool.post", pool)
    result = imports.import_actuals(
        user, pool, file.name or "upload.csv", file, dry_run=dry_run
    )
    return result.as_dict()


class SettleIn(Input):
    dry_run: Flag = False


@router.post("/{pool_id}/settle", response={200: dict, **WRITE_ERRORS}, summary="Settle the year-end risk share")
def settle(request, pool_id: PathId, payload: SettleIn):
    user = api_user(request)
    pool = _pool(pool_id)
    check(user, "pool.settle", pool)
    return services.settle_pool(user, pool, dry_run=payload.dry_run)


ReportKind = Literal["monitoring", "statement", "quarterly", "year-end"]
REPORT_KINDS = get_args(ReportKind)
ReportFormat = Literal["json", "csv", "xlsx"]


@router.get(
    "/{pool_id}/reports/{kind}",
    response={200: None, **READ_ERRORS},
    summary="A report (monitoring, statement, quarterly, year-end) as JSON, CSV or XLSX",
)
def report(request, pool_id: PathId, kind: ReportKind, format: ReportFormat = "json"):
    pool = _pool(pool_id)
    check(api_user(request), "pool.view", pool)
    sheet = queries.report_sheet(pool, kind)
    if format == "json":
        return JsonResponse([dict(zip(sheet.headers, r, strict=True)) for r in sheet.rows], safe=False)
    return exports.export_response(sheet, format, queries.report_filename(pool, kind))


@router.get(
    "/{pool_id}/ledger-check", response={200: dict, **READ_ERRORS}, summary="Check the pool's ledger invariants"
)
def ledger_check(request, pool_id: PathId):
    pool = _pool(pool_id)
    check(api_user(request), "pool.view", pool)
    problems = reports.ledger_check(pool)
    return {"ok": not problems, "problems": problems}


class ReopenIn(Input):
    reason: str = text(..., min_length=1, max_length=300)


@router.post(
    "/{pool_id}/reopen",
    response={200: PoolOut, **WRITE_ERRORS},
    summary="Reopen a settled pool for late invoices (reverses the settlement, with the reason)",
)
def reopen(request, pool_id: PathId, payload: ReopenIn):
    user = api_user(request)
    pool = _pool(pool_id)
    check(user, "pool.reopen", pool)
    return _out(services.reopen_pool(user, pool, payload.reason))
