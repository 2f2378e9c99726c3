"""Read-only queries behind the pool's pages and downloads: report sheets, the ledger and its filters, and
contributions due and received laid out for the page. Figures come from `services` (their one source); this
module arranges them and lists postings. Nothing here writes; every list is a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q, Sum

from jointcare import exports
from jointcare.errors import NotFound
from jointcare.pool import reports, services
from jointcare.pool.domain import AccountKind, TransactionKind
from jointcare.pool.models import Account, LedgerTransaction, Period, Pool, Posting

# ------------------------------------------------------------------------------------------------ reports

REPORT_TITLES = {
    "monitoring": "Budget monitoring",
    "statement": "Partner statements",
    "quarterly": "Quarterly report to partners",
    "year-end": "Year-end summary by funding source",
}
REPORT_KINDS = tuple(REPORT_TITLES)


def month_labels(pool: Pool) -> list[str]:
    return reports.month_labels(pool.financial_year)


def report_sheet(pool: Pool, kind: str, through: int | None = None) -> exports.Sheet:
    """One of the pool's reports as a sheet for its page, the API and the downloads."""
    notes: list[str] = []
    totals = False
    if kind == "monitoring":
        data = reports.monitoring(pool, through)
        headers, rows = reports.monitoring_table(data)
        notes.append(through_note(pool, data["through"]))
    elif kind == "statement":
        data = reports.partner_statements(pool)
        headers, rows = reports.statement_table(data)
        notes.append("As settled at year end." if data["settled"] else "Projected: the pool is not yet settled.")
        notes.append("Balance due: positive, the partner owes the pool; negative, the pool owes the partner.")
        totals = True
    elif kind == "quarterly":
        headers, rows = reports.quarterly(pool)
    elif kind == "year-end":
        headers, rows = reports.year_end_by_source(pool)
        totals = True
    else:
        raise NotFound(f"there is no report '{kind}' (choose from {', '.join(REPORT_KINDS)})", field="kind")
    return exports.Sheet(
        title=f"{REPORT_TITLES[kind]}: {pool}", headers=headers, rows=list(rows), notes=notes, totals=totals
    )


def report_filename(pool: Pool, kind: str) -> str:
    return exports.filename(pool.name, pool.year_label, kind)


def through_note(pool: Pool, through: int) -> str:
    if not through:
        return "No month has ended yet, so there are no actuals: the forecast is the commitments."
    return (
        f"Actuals to the end of {month_labels(pool)[through - 1]}; later months forecast from commitments, "
        "otherwise the run rate."
    )


# ------------------------------------------------------------------------------------------------ accounts


def account_label(account: Account) -> str:
    """How a finance officer names an account: 'Spend: Reablement (REAB)', 'Contribution: Trafford Council'."""
    kind = AccountKind(account.kind)
    if account.scheme_id:
        return f"Spend: {account.scheme.name} ({account.scheme.code})"
    if account.partner_id:
        what = "Contribution" if kind == AccountKind.CONTRIBUTION else "Balance due"
        return f"{what}: {account.partner.name}"
    return {
        AccountKind.CASH: "Cash (held by the host)",
        AccountKind.VARIANCE: "Year-end variance",
        AccountKind.CARRIED_FORWARD: "Carried forward",
        AccountKind.UNCOVERED: "Uncovered overspend",
    }.get(kind, kind.value)


ACCOUNT_KIND_LABELS = {
    AccountKind.SPEND: "Spend (all schemes)",
    AccountKind.CONTRIBUTION: "Contributions (all partners)",
    AccountKind.CASH: "Cash",
    AccountKind.PARTNER_BALANCE: "Partner balances",
    AccountKind.VARIANCE: "Year-end variance",
    AccountKind.CARRIED_FORWARD: "Carried forward",
    AccountKind.UNCOVERED: "Uncovered overspend",
}
TRANSACTION_KIND_LABELS = {
    TransactionKind.ACTUAL: "Actual spend",
    TransactionKind.CONTRIBUTION: "Contribution",
    TransactionKind.SETTLEMENT: "Settlement",
    TransactionKind.REVERSAL: "Reversal",
    TransactionKind.ADJUSTMENT: "Adjustment",
}


def partners(pool: Pool) -> dict[int, object]:
    """The pool's partners (organisations with a contribution), by id, in name order."""
    found = {}
    for c in pool.contributions.select_related("partner").order_by("partner__name", "id"):
        found.setdefault(c.partner_id, c.partner)
    return found


# ------------------------------------------------------------------------------------------------ ledger


@dataclass
class LedgerFilter:
    """What the ledger page shows: postings on the accounts chosen (all by default) in the month chosen."""

    scheme: object | None = None  # Scheme
    partner: object | None = None  # Organisation
    month: int | None = None  # 1 = April
    kind: str = ""  # transaction kind
    account: str = ""  # account kind

    def describe(self, pool: Pool) -> list[str]:
        parts = []
        if self.scheme is not None:
            parts.append(f"Scheme: {self.scheme.name} ({self.scheme.code})")
        if self.partner is not None:
            parts.append(f"Partner: {self.partner.name}")
        if self.account:
            parts.append(f"Accounts: {ACCOUNT_KIND_LABELS[AccountKind(self.account)]}")
        if self.month:
            parts.append(f"Month: {month_labels(pool)[self.month - 1]}")
        if self.kind:
            parts.append(f"Transactions: {TRANSACTION_KIND_LABELS[TransactionKind(self.kind)]}")
        return parts

    def query(self) -> dict[str, str]:
        """The filter as query-string values (for links and the download)."""
        q = {}
        if self.scheme is not None:
            q["scheme"] = self.scheme.code
        if self.partner is not None:
            q["partner"] = str(self.partner.pk)
        if self.account:
            q["account"] = self.account
        if self.month:
            q["month"] = str(self.month)
        if self.kind:
            q["kind"] = self.kind
        return q


def ledger_postings(pool: Pool, f: LedgerFilter):
    """Postings matching the filter, in the order they were posted (filter by month for one month's).

    Ordered by id alone, so a page is read straight from the primary key, never by sorting every posting."""
    accounts = Account.objects.filter(pool=pool)
    if f.scheme is not None:
        accounts = accounts.filter(scheme=f.scheme)
    if f.partner is not None:
        accounts = accounts.filter(partner=f.partner)
    if f.account:
        accounts = accounts.filter(kind=f.account)
    ids = list(accounts.values_list("pk", flat=True))
    if f.scheme is not None or f.partner is not None or f.account or f.month:
        qs = Posting.objects.filter(account_id__in=ids)
    else:
        # Every account of the pool: nearly every posting matches, so reading the table in order beats looking
        # each posting up through the (account, month) index, which SQLite would otherwise choose (seconds,
        # rather than a fraction of one, at a million postings). `+ 0` keeps the index out of it.
        qs = Posting.objects.annotate(account_of_pool=F("account_id") + 0).filter(account_of_pool__in=ids)
    if f.month:
        qs = qs.filter(period_id__in=Period.objects.filter(pool=pool, number=f.month).values("pk"))
    if f.kind:
        qs = qs.filter(transaction__kind=f.kind)
    return qs.order_by("id")


def ledger_totals(postings) -> dict:
    """Debits, credits and the net of the postings (all pages), and how many there are."""
    agg = postings.order_by().aggregate(
        debit=Sum("amount_pence", filter=Q(amount_pence__gt=0)),
        credit=Sum("amount_pence", filter=Q(amount_pence__lt=0)),
    )
    debit, credit = agg["debit"] or 0, -(agg["credit"] or 0)
    return {"debit": debit, "credit": credit, "net": debit - credit}


@dataclass(frozen=True)
class LedgerTx:
    pk: int
    idempotency_key: str
    kind: str
    value_date: dt.date
    reason: str
    reference: str


@dataclass
class LedgerRow:
    posting_id: int
    tx: LedgerTx
    month: int  # 1 = April
    account: str
    amount: int
    against: list[str] = field(default_factory=list)

    @property
    def debit(self) -> int | None:
        return self.amount if self.amount > 0 else None

    @property
    def credit(self) -> int | None:
        return -self.amount if self.amount < 0 else None


def ledger_rows(pool: Pool, postings) -> list[LedgerRow]:
    """The postings (a page, or a chunk of a download) with their transactions, account names and the accounts
    on the other side of each transaction. Five small queries whatever the number of postings; plain values
    rather than model instances, so a download of many thousands of postings stays quick."""
    found = list(postings.values_list("id", "transaction_id", "account_id", "period_id", "amount_pence"))
    tx_ids = {t for _, t, *_ in found}
    labels = {
        a.pk: account_label(a) for a in Account.objects.filter(pool=pool).select_related("scheme", "partner")
    }
    months = dict(pool.periods.values_list("pk", "number"))
    txs = {
        pk: LedgerTx(pk, key, kind, day, reason, reference)
        for pk, key, kind, day, reason, reference in LedgerTransaction.objects.filter(pk__in=tx_ids).values_list(
            "pk", "idempotency_key", "kind", "value_date", "reason", "reference"
        )
    }
    sides: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for tx_id, account_id, amount in (
        Posting.objects.filter(transaction_id__in=tx_ids).order_by("id").values_list("transaction_id", "account_id", "amount_pence")
    ):
        sides[tx_id].append((account_id, amount))
    rows = []
    for posting_id, tx_id, account_id, period_id, amount in found:
        against = [labels.get(a, str(a)) for a, x in sides[tx_id] if (x > 0) != (amount > 0)]
        rows.append(LedgerRow(posting_id, txs[tx_id], months.get(period_id, 0), labels.get(account_id, str(account_id)), amount, against))
    return rows


LEDGER_HEADERS = ["Date", "Month", "Transaction", "Kind", "Reference", "Description", "Account", "Against", "Debit", "Credit"]


def ledger_page(pool: Pool, postings, number: int, size: int):
    """One page of the postings (Django's Paginator over their ids) and its rows."""
    from django.core.paginator import Paginator

    page = Paginator(postings.values_list("id", flat=True), size).page(number)
    return page, ledger_rows(pool, Posting.objects.filter(pk__in=list(page.object_list)).order_by("id"))


def ledger_sheet(pool: Pool, f: LedgerFilter, chunk: int = 2000) -> exports.Sheet:
    """Every posting matching the filter (not only one page), for download, read in chunks by id."""
    postings = ledger_postings(pool, f)
    labels = month_labels(pool)

    def rows():
        last = 0
        while True:
            batch = ledger_rows(pool, postings.filter(id__gt=last)[:chunk])
            if not batch:
                return
            last = batch[-1].posting_id
            for r in batch:
                yield [
                    r.tx.value_date,
                    labels[r.month - 1],
                    r.tx.idempotency_key,
                    TRANSACTION_KIND_LABELS.get(r.tx.kind, r.tx.kind),
                    r.tx.reference,
                    r.tx.reason,
                    r.account,
                    "; ".join(r.against),
                    r.debit,
                    r.credit,
                ]

    return exports.Sheet(
        title=f"Ledger: {pool}",
        headers=LEDGER_HEADERS,
        rows=rows(),
        notes=f.describe(pool) or ["Every posting in the pool"],
        totals=True,
    )


def transaction_postings(pool: Pool, tx_id: int):
    """One transaction with its postings (and what reverses it, or what it reverses)."""
    tx = (
        LedgerTransaction.objects.filter(pool=pool, pk=tx_id)
        .select_related("period", "posted_by", "reverses")
        .first()
    )
    if tx is None:
        raise NotFound(f"{pool} has no transaction {tx_id}")
    postings = list(tx.postings.select_related("account__scheme", "account__partner").order_by("id"))
    reversed_by = LedgerTransaction.objects.filter(reverses=tx).first()
    return tx, [(p, account_label(p.account)) for p in postings], reversed_by


# ------------------------------------------------------------------------------------------------ contributions


def instalment_status(instalment: dict, today: dt.date) -> str:
    """paid, part paid, overdue (its month has begun and nothing is received) or not yet due."""
    due, got = instalment["due_pence"], instalment["received_pence"]
    if got >= due:
        return "paid"
    if got:
        return "part paid"
    return "overdue" if instalment["due_date"] <= today else "not yet due"


def contributions_by_partner(pool: Pool, today: dt.date | None = None) -> dict:
    """`services.contributions_schedule` (the one source of what is due, received and in arrears), with each
    partner's instalments beside it and each instalment's status, for the page and its download."""
    schedule = services.contributions_schedule(pool, today)
    by_partner: dict[int, list[dict]] = defaultdict(list)
    for i in schedule["instalments"]:
        by_partner[i["partner_id"]].append({**i, "status": instalment_status(i, schedule["as_at"])})
    return {
        **schedule,
        "partners": [{**p, "instalments": by_partner[p["partner_id"]]} for p in schedule["partners"]],
    }


def contributions_sheet(pool: Pool, today: dt.date | None = None) -> exports.Sheet:
    data = contributions_by_partner(pool, today)
    rows = [
        [i["partner"], i["month"], i["due_date"], i["due_pence"], i["received_pence"], i["received_on"], i["arrears_pence"], i["status"]]
        for p in data["partners"]
        for i in p["instalments"]
    ]
    day = data["as_at"]
    return exports.Sheet(
        title=f"Contributions due and received: {pool}",
        headers=["Partner", "Month", "Due on", "Due", "Received", "Received on", "Arrears", "Status"],
        rows=rows,
        notes=[f"As at {day.day} {day:%B %Y}. An instalment is due on the first day of its month."],
        totals=True,
    )
