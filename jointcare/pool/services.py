"""Writes to pooled budgets and the ledger. Each is one database transaction with one audit entry.

Posting: `post_transaction` (one), `post_transactions_bulk` (many, for imports and loads); both validate with the
same domain rules, refuse closed periods (locking the period row with SELECT ... FOR UPDATE), are idempotent by
key, and keep `MonthlyBalance` in step in the same database transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from jointcare.audit.services import record, snapshot
from jointcare.errors import Conflict, FieldError, NotFound, ServiceError
from jointcare.pool import domain
from jointcare.pool.domain import AccountKind, LedgerError, TransactionKind
from jointcare.pool.models import (
    Account,
    Commitment,
    Contribution,
    LedgerTransaction,
    MonthlyBalance,
    Period,
    Pool,
    Posting,
    Scheme,
    SchemeFunder,
    Settlement,
)

# ----------------------------------------------------------------------------------------- pool set-up


@dataclass
class ContributionSpec:
    partner: object  # Organisation
    amount_pence: int
    type: str = "pooled"
    form: str = "cash"
    schedule: str = "quarterly"
    custom: list[tuple[int, int]] = field(default_factory=list)
    description: str = ""


@dataclass
class SchemeSpec:
    code: str
    name: str
    service_area: str
    lead: object  # Organisation
    budget_pence: int
    funders: list[tuple[object, int]] = field(default_factory=list)  # (Organisation, basis points)


@dataclass
class PoolSpec:
    agreement: object
    financial_year: int
    name: str
    host: object
    manager: object | None = None
    risk_reserve_pence: int = 0
    method: str = "pro_rata"
    fixed_shares: dict = field(default_factory=dict)  # organisation id (str) -> "n/d"
    caps: dict = field(default_factory=dict)  # organisation id (str) -> "contribution" | pence
    excess_to: object | None = None
    underspend: str = "return_pro_rata"
    contributions: list[ContributionSpec] = field(default_factory=list)
    schemes: list[SchemeSpec] = field(default_factory=list)


def _ensure_account(pool: Pool, kind: str, partner=None, scheme=None) -> Account:
    account, created = Account.objects.get_or_create(pool=pool, kind=kind, partner=partner, scheme=scheme)
    if created:
        MonthlyBalance.objects.bulk_create(
            [MonthlyBalance(account=account, period=p) for p in pool.periods.all()]
        )
    return account


@transaction.atomic
def create_pool(actor, spec: PoolSpec) -> Pool:
    if Pool.objects.filter(agreement=spec.agreement, financial_year=spec.financial_year).exists():
        raise Conflict(
            f"{spec.agreement} already has a pool for {domain.financial_year_label(spec.financial_year)}",
            field="pool.financial_year",
        )
    pool = Pool.objects.create(
        agreement=spec.agreement,
        financial_year=spec.financial_year,
        name=spec.name,
        host=spec.host,
        manager=spec.manager,
        risk_reserve_pence=spec.risk_reserve_pence,
        method=spec.method,
        fixed_shares=spec.fixed_shares,
        caps=spec.caps,
        excess_to=spec.excess_to,
        underspend=spec.underspend,
    )
    Period.objects.bulk_create(
        [
            Period(pool=pool, number=i, starts_on=m)
            for i, m in enumerate(domain.period_months(spec.financial_year), 1)
        ]
    )
    for kind in (AccountKind.CASH, AccountKind.VARIANCE, AccountKind.CARRIED_FORWARD, AccountKind.UNCOVERED):
        _ensure_account(pool, kind)
    partners = {}
    for c in spec.contributions:
        try:
            plan = domain.instalments(c.amount_pence, c.schedule, c.custom)
        except ValueError as exc:
            raise FieldError(str(exc), field="contributions.instalments") from None
        Contribution.objects.create(
            pool=pool,
            partner=c.partner,
            amount_pence=c.amount_pence,
            type=c.type,
            form=c.form,
            schedule=c.schedule,
            instalments={str(k): v for k, v in plan.items()},
            description=c.description,
        )
        partners[c.partner.pk] = c.partner
    for p in partners.values():
        _ensure_account(pool, AccountKind.CONTRIBUTION, partner=p)
        _ensure_account(pool, AccountKind.PARTNER_BALANCE, partner=p)
    for s in spec.schemes:
        scheme = Scheme.objects.create(
            pool=pool,
            code=s.code,
            name=s.name,
            service_area=s.service_area,
            lead=s.lead,
            budget_pence=s.budget_pence,
        )
        for partner, bp in s.funders:
            SchemeFunder.objects.create(scheme=scheme, partner=partner, share_basis_points=bp)
        _ensure_account(pool, AccountKind.SPEND, scheme=scheme)
    record(actor, "pool.create", pool, after=snapshot(pool), summary=f"Created pool {pool}")
    return pool


def account_for(pool: Pool, kind: str, *, partner=None, scheme=None) -> Account:
    try:
        return Account.objects.get(pool=pool, kind=kind, partner=partner, scheme=scheme)
    except Account.DoesNotExist:
        raise NotFound(f"pool {pool} has no {kind} account for {partner or scheme or 'the pool'}") from None


# ----------------------------------------------------------------------------------------- posting

TX_CHUNK = 500


@dataclass
class Entry:
    """One transaction to post: postings are (account id, amount pence)."""

    key: str
    value_date: dt.date
    postings: Sequence[tuple[int, int]]
    reason: str
    kind: str = TransactionKind.ADJUSTMENT
    reference: str = ""
    reverses_id: int | None = None


def _periods_for(pool: Pool, numbers: Iterable[int], lock: bool) -> dict[int, Period]:
    qs = Period.objects.filter(pool=pool, number__in=set(numbers)).order_by("number")
    if lock:
        qs = qs.select_for_update()
    return {p.number: p for p in qs}


def _validate(pool: Pool, entry: Entry, accounts: set[int]) -> int:
    """Domain checks for one entry; returns its period number."""
    if not entry.key:
        raise FieldError("every transaction needs an idempotency key", field="key")
    if len(entry.key) > 120:
        raise FieldError("the idempotency key is longer than 120 characters", field="key")
    if not entry.reason:
        raise FieldError("every transaction needs a reason", field="reason")
    try:
        domain.check_transaction([a for _, a in entry.postings])
        number = domain.period_number(pool.financial_year, entry.value_date)
    except (LedgerError, ValueError) as exc:
        raise FieldError(
            str(exc), field="postings" if isinstance(exc, LedgerError) else "value_date"
        ) from None
    for account_id, _ in entry.postings:
        if account_id not in accounts:
            raise FieldError(f"account {account_id} is not in pool {pool}", field="postings.account")
    return number


def _write(actor, pool: Pool, entries: list[tuple[Entry, Period]], source: str) -> list[int]:
    """Insert transactions and postings with plain multi-row SQL (validated already by the caller) and add
    them to the monthly balances. Returns the new transaction ids in the order of `entries`."""
    ops = connection.ops
    posted_at = ops.adapt_datetimefield_value(timezone.now())
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    dates: dict[dt.date, object] = {}
    tx_table = LedgerTransaction._meta.db_table
    cols = (
        "pool_id, period_id, idempotency_key, kind, value_date, source, reason, reference, posted_by_id, "
        "posted_at, reverses_id"
    )
    ids: dict[str, int] = {}
    source = source[:80]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # ids from the sequence, then COPY: far cheaper than binding large multi-row INSERTs
            cur.execute(
                f"SELECT nextval(pg_get_serial_sequence('{tx_table}', 'id')) FROM generate_series(1, %s)",
                [len(entries)],
            )
            new_ids = [r[0] for r in cur.fetchall()]
            # COPY text built here: several times faster than per-value adaptation for these simple types
            fixed = f"\t{pool.pk}\t"
            who = f"\t{_copy_value(actor_id)}\t{posted_at.isoformat()}\t"
            src = f"\t{_copy_text(source)}\t"
            buf = []
            for tx_id, (e, period) in zip(new_ids, entries, strict=True):
                buf.append(
                    f"{tx_id}{fixed}{period.pk}\t{_copy_text(e.key)}\t{e.kind}\t{e.value_date.isoformat()}{src}"
                    f"{_copy_text(e.reason[:300])}\t{_copy_text(e.reference[:120])}{who}{_copy_value(e.reverses_id)}\n"
                )
                ids[e.key] = tx_id
            with cur.cursor.copy(f"COPY {tx_table} (id, {cols}) FROM STDIN") as copy:
                copy.write("".join(buf))
        else:
            for start in range(0, len(entries), TX_CHUNK):
                chunk = entries[start : start + TX_CHUNK]
                params: list = []
                for e, period in chunk:
                    day = dates.get(e.value_date)
                    if day is None:
                        day = dates[e.value_date] = ops.adapt_datefield_value(e.value_date)
                    params += [
                        pool.pk,
                        period.pk,
                        e.key,
                        str(e.kind),
                        day,
                        source,
                        e.reason[:300],
                        e.reference[:120],
                        actor_id,
                        posted_at,
                        e.reverses_id,
                    ]
                values = ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"] * len(chunk))
                cur.execute(
                    f"INSERT INTO {tx_table} ({cols}) VALUES {values} RETURNING id, idempotency_key", params
                )
                ids.update((key, pk) for pk, key in cur.fetchall())
        rows = []
        sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        for e, period in entries:
            tx_id = ids[e.key]
            for account_id, amount in e.postings:
                rows.append((tx_id, account_id, period.pk, amount))
                s = sums[(account_id, period.pk)]
                s[0] += amount
                s[1] += 1
        posting_cols = "(transaction_id, account_id, period_id, amount_pence)"
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {Posting._meta.db_table} {posting_cols} FROM STDIN") as copy:
                copy.write("".join(f"{t}\t{a}\t{p}\t{x}\n" for t, a, p, x in rows))
        else:
            cur.executemany(
                f"INSERT INTO {Posting._meta.db_table} {posting_cols} VALUES (%s, %s, %s, %s)", rows
            )
        mb = MonthlyBalance._meta.db_table
        changes = [(a, p, amount, n) for (a, p), (amount, n) in sorted(sums.items())]
        if connection.vendor == "postgresql":
            # one statement; no other writer can touch these rows, as their periods are locked
            values = ",".join(["(%s::bigint, %s::bigint, %s::bigint, %s::bigint)"] * len(changes))
            cur.execute(
                f"UPDATE {mb} AS mb SET amount_pence = mb.amount_pence + v.a, postings = mb.postings + v.n "
                f"FROM (VALUES {values}) AS v(account_id, period_id, a, n) "
                "WHERE mb.account_id = v.account_id AND mb.period_id = v.period_id",
                [x for row in changes for x in row],
            )
        else:
            cur.executemany(
                f"UPDATE {mb} SET amount_pence = amount_pence + %s, postings = postings + %s "
                "WHERE account_id = %s AND period_id = %s",
                [(amount, n, a, p) for a, p, amount, n in changes],
            )
    return [ids[e.key] for e, _ in entries]


def _existing_keys(pool: Pool, keys: list[str]) -> set[str]:
    """Which of `keys` the pool already holds: one array query on PostgreSQL, chunks of IN (...) elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT idempotency_key FROM {LedgerTransaction._meta.db_table} "
                "WHERE pool_id = %s AND idempotency_key = ANY(%s)",
                [pool.pk, keys],
            )
            return {r[0] for r in cur.fetchall()}
    existing: set[str] = set()
    for start in range(0, len(keys), 900):
        existing.update(
            LedgerTransaction.objects.filter(
                pool=pool, idempotency_key__in=keys[start : start + 900]
            ).values_list("idempotency_key", flat=True)
        )
    return existing


def _copy_text(value: str) -> str:
    """A string as a field of PostgreSQL's COPY text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_value(value) -> str:
    return "\\N" if value is None else str(value)


def _account_ids(pool: Pool) -> set[int]:
    return set(Account.objects.filter(pool=pool).values_list("pk", flat=True))


@transaction.atomic
def post_transaction(
    actor,
    pool: Pool,
    *,
    key: str,
    value_date: dt.date,
    postings: Sequence[tuple[Account | int, int]],
    reason: str,
    source: str = "manual",
    kind: str = TransactionKind.ADJUSTMENT,
    reference: str = "",
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post one balanced transaction. The same key again returns the transaction already posted."""
    entry = Entry(
        key=key,
        value_date=value_date,
        postings=[(a.pk if isinstance(a, Account) else a, amount) for a, amount in postings],
        reason=reason,
        kind=kind,
        reference=reference,
        reverses_id=reverses.pk if reverses else None,
    )
    number = _validate(pool, entry, _account_ids(pool))
    period = _periods_for(pool, [number], lock=True)[number]
    existing = LedgerTransaction.objects.filter(pool=pool, idempotency_key=key).first()
    if existing is not None:
        return existing
    try:
        domain.check_period_open(period.closed, period.label)
    except LedgerError as exc:
        raise Conflict(str(exc), field="value_date") from None
    (tx_id,) = _write(actor, pool, [(entry, period)], source)
    tx = LedgerTransaction.objects.get(pk=tx_id)
    record(
        actor,
        "pool.post",
        tx,
        after={"key": key, "postings": entry.postings, "period": period.label},
        summary=f"Posted {kind} {key} in {pool}: {reason}",
    )
    return tx


@dataclass
class BulkResult:
    posted: int
    skipped: int
    postings: int
    transaction_ids: list[int]


@transaction.atomic
def post_transactions_bulk(actor, pool: Pool, entries: Sequence[Entry], source: str) -> BulkResult:
    """Post many transactions at once, all or nothing. Keys already posted are skipped (idempotent)."""
    accounts = _account_ids(pool)
    numbers = []
    seen: set[str] = set()
    for i, e in enumerate(entries, start=1):
        try:
            numbers.append(_validate(pool, e, accounts))
        except ServiceError as exc:
            raise FieldError(f"entry {i} ({e.key}): {exc.message}", field=exc.field) from None
        if e.key in seen:
            raise FieldError(f"entry {i}: key {e.key} appears twice", field="key")
        seen.add(e.key)
    periods = _periods_for(pool, numbers, lock=True)
    existing = _existing_keys(pool, list(seen))
    todo = []
    for e, number in zip(entries, numbers, strict=True):
        if e.key in existing:
            continue
        period = periods[number]
        if period.closed:
            raise Conflict(
                f"{e.key}: period {period.label} is closed: nothing can be posted into it", field="value_date"
            )
        todo.append((e, period))
    txs = _write(actor, pool, todo, source) if todo else []
    n_postings = sum(len(e.postings) for e, _ in todo)
    record(
        actor,
        "pool.post_bulk",
        pool,
        after={
            "source": source,
            "transactions": len(todo),
            "postings": n_postings,
            "skipped": len(entries) - len(todo),
        },
        summary=f"Posted {len(todo)} transactions ({n_postings} postings) from {source} in {pool}",
    )
    return BulkResult(len(todo), len(entries) - len(todo), n_postings, txs)


@transaction.atomic
def reverse_transaction(
    actor, tx: LedgerTransaction, reason: str, value_date: dt.date | None = None
) -> LedgerTransaction:
    """Post the mirror image of `tx` (a correction). Into `tx`'s own date unless another date is given."""
    if not reason:
        raise FieldError("give a reason for the reversal", field="reason")
    if tx.kind == TransactionKind.REVERSAL:
        raise Conflict("a reversal cannot itself be reversed: post a new transaction instead")
    if LedgerTransaction.objects.filter(reverses=tx).exists():
        raise Conflict(f"transaction {tx.idempotency_key} has already been reversed")
    postings = [(p.account_id, -p.amount_pence) for p in tx.postings.all()]
    return post_transaction(
        actor,
        tx.pool,
        key=f"reversal:{tx.idempotency_key}"[:120],
        value_date=value_date or tx.value_date,
        postings=postings,
        reason=reason,
        source="reversal",
        kind=TransactionKind.REVERSAL,
        reverses=tx,
    )


@transaction.atomic
def close_period(actor, pool: Pool, number: int) -> Period:
    try:
        period = Period.objects.select_for_update().get(pool=pool, number=number)
    except Period.DoesNotExist:
        raise NotFound(f"pool {pool} has no period {number}", field="period") from None
    if period.closed:
        raise Conflict(f"period {period.label} is already closed", field="period")
    before = snapshot(period)
    Period.objects.filter(pk=period.pk).update(closed=True, closed_by=actor, closed_at=timezone.now())
    period.refresh_from_db()
    record(
        actor,
        "pool.close_period",
        period,
        before=before,
        after=snapshot(period),
        summary=f"Closed {period.label} of {pool}",
    )
    return period


# ----------------------------------------------------------------------------------------- contributions


@transaction.atomic
def receive_contribution(
    actor, contribution: Contribution, value_date: dt.date, amount_pence: int, key: str = ""
):
    """A partner's cash instalment arrives: debit the pool's cash, credit the partner's contribution."""
    pool = contribution.pool
    if amount_pence <= 0:
        raise FieldError("the amount received must be more than zero", field="amount")
    cash = account_for(pool, AccountKind.CASH)
    credit = account_for(pool, AccountKind.CONTRIBUTION, partner=contribution.partner)
    return post_transaction(
        actor,
        pool,
        key=key or f"contribution:{contribution.pk}:{value_date.isoformat()}",
        value_date=value_date,
        postings=[(cash, amount_pence), (credit, -amount_pence)],
        reason=f"Contribution from {contribution.partner}",
        source="contribution",
        kind=TransactionKind.CONTRIBUTION,
    )


def contribution_entries(pool: Pool, through: int = 12) -> list[Entry]:
    """Entries for every scheduled instalment of every pooled cash contribution in periods 1..through."""
    cash = account_for(pool, AccountKind.CASH).pk
    months = domain.period_months(pool.financial_year)
    entries = []
    for c in pool.contributions.select_related("partner"):
        if c.type != "pooled" or c.form != "cash":
            continue
        credit = account_for(pool, AccountKind.CONTRIBUTION, partner=c.partner).pk
        for number, amount in sorted((int(k), v) for k, v in c.instalments.items()):
            if number <= through and amount:
                entries.append(
                    Entry(
                        key=f"contribution:{c.pk}:{number}",
                        value_date=months[number - 1],
                        postings=[(cash, amount), (credit, -amount)],
                        reason=f"Contribution instalment from {c.partner}",
                        kind=TransactionKind.CONTRIBUTION,
                    )
                )
    return entries


# ----------------------------------------------------------------------------------------- commitments


@transaction.atomic
def create_commitment(
    actor, scheme: Scheme, month: dt.date, amount_pence: int, source: str, reference: str
) -> Commitment:
    """Record planned spend on `scheme` in the month containing `month`.

    Keyed by (scheme, month, source, reference): calling again with the same key replaces the amount, so a
    caller (e.g. a care package) can restate its plan. Amounts are pence and must not be negative.
    """
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise FieldError("amount must be whole pence", field="amount_pence")
    if amount_pence < 0:
        raise FieldError("a commitment cannot be negative", field="amount_pence")
    if not source or not reference:
        raise FieldError("give the source and reference of the commitment", field="reference")
    pool = scheme.pool
    try:
        number = domain.period_number(pool.financial_year, month)
    except ValueError as exc:
        raise FieldError(str(exc), field="month") from None
    period = Period.objects.get(pool=pool, number=number)
    commitment, created = Commitment.objects.get_or_create(
        scheme=scheme,
        period=period,
        source=source[:80],
        reference=reference[:120],
        defaults={
            "pool": pool,
            "amount_pence": amount_pence,
            "created_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    before = None if created else snapshot(commitment)
    if not created:
        commitment.amount_pence = amount_pence
        commitment.updated_at = timezone.now()
        commitment.save(update_fields=["amount_pence", "updated_at"])
    record(
        actor,
        "pool.commit",
        commitment,
        before=before,
        after=snapshot(commitment),
        summary=f"Commitment {source}/{reference} on {scheme.name} {period.label}: {amount_pence}p",
    )
    return commitment


@transaction.atomic
def create_commitments_bulk(actor, pool: Pool, rows: Sequence[tuple[Scheme, int, int, str, str]]) -> int:
    """(scheme, period number, amount, source, reference) rows, new only; for loads and the demo."""
    periods = {p.number: p for p in pool.periods.all()}
    objs = [
        Commitment(pool=pool, scheme=s, period=periods[n], amount_pence=a, source=src, reference=ref)
        for s, n, a, src, ref in rows
    ]
    Commitment.objects.bulk_create(objs, batch_size=2000)
    record(
        actor, "pool.commit_bulk", pool, after={"commitments": len(objs)}, summary=f"{len(objs)} commitments"
    )
    return len(objs)


# ----------------------------------------------------------------------------------------- settlement


def partner_names(pool: Pool) -> dict[int, str]:
    return {c.partner_id: c.partner.name for c in pool.contributions.select_related("partner")}


def rule_for(pool: Pool) -> domain.RiskRule:
    names = partner_names(pool)
    from jointcare.organisations.models import Organisation

    for key in list(pool.fixed_shares) + list(pool.caps):
        if int(key) not in names:
            names[int(key)] = Organisation.objects.get(pk=int(key)).name
    return domain.RiskRule(
        method=domain.Method(pool.method),
        shares={names[int(k)]: Fraction(v) for k, v in pool.fixed_shares.items()},
        caps={names[int(k)]: (v if v == "contribution" else int(v)) for k, v in pool.caps.items()},
        excess_to=names.get(pool.excess_to_id) if pool.excess_to_id else None,
        underspend=domain.Underspend(pool.underspend),
        risk_reserve=pool.risk_reserve_pence,
    )


def outturn(pool: Pool) -> dict[int, int]:
    """Actual spend per scheme id for the year, from the monthly balances (sum of spend postings)."""
    rows = (
        MonthlyBalance.objects.filter(account__pool=pool, account__kind=AccountKind.SPEND)
        .values("account__scheme_id")
        .annotate(total=Sum("amount_pence"))
    )
    return {r["account__scheme_id"]: r["total"] or 0 for r in rows}


def compute_risk_share(pool: Pool) -> domain.RiskShareResult:
    names = partner_names(pool)
    spent = outturn(pool)
    contributions: dict[str, int] = {n: 0 for n in names.values()}
    for c in pool.contributions.all():
        if c.type == "pooled":
            contributions[names[c.partner_id]] += c.amount_pence
    schemes = [
        domain.SchemeResult(
            s.code, s.name, names.get(s.lead_id, str(s.lead)), s.budget_pence, spent.get(s.pk, 0)
        )
        for s in pool.schemes.all()
    ]
    try:
        return domain.risk_share(schemes, contributions, rule_for(pool))
    except domain.RuleError as exc:
        raise FieldError(str(exc), field="risk_share") from None


def partner_statements(pool: Pool, result: domain.RiskShareResult) -> list[dict]:
    """Per partner: contribution due, money in (received), money spent (its funding share of actual spend),
    share of variance, and balance due (+ the partner owes the pool, - the pool owes the partner)."""
    from jointcare.money import split_largest_remainder

    names = partner_names(pool)
    received = dict(
        MonthlyBalance.objects.filter(account__pool=pool, account__kind=AccountKind.CONTRIBUTION)
        .values_list("account__partner_id")
        .annotate(total=Sum("amount_pence"))
        .values_list("account__partner_id", "total")
    )
    due: dict[int, int] = defaultdict(int)
    in_kind: dict[int, int] = defaultdict(int)
    for c in pool.contributions.all():
        if c.type == "pooled":
            due[c.partner_id] += c.amount_pence
            if c.form == "in_kind":
                in_kind[c.partner_id] += c.amount_pence
    spent = outturn(pool)
    spend_share: dict[int, int] = defaultdict(int)
    for s in pool.schemes.prefetch_related("funders"):
        funders = list(s.funders.all()) or [None]
        if funders == [None]:
            spend_share[s.lead_id] += spent.get(s.pk, 0)
            continue
        parts = split_largest_remainder(spent.get(s.pk, 0), [f.share_basis_points for f in funders])
        for f, part in zip(funders, parts, strict=True):
            spend_share[f.partner_id] += part
    out = []
    for pid, name in names.items():
        money_in = -(received.get(pid) or 0) + in_kind[pid]
        share = result.shares.get(name, 0)
        out.append(
            {
                "partner_id": pid,
                "partner": name,
                "contribution_due_pence": due[pid],
                "money_in_pence": money_in,
                "money_spent_pence": spend_share[pid],
                "share_of_variance_pence": share,
                "balance_due_pence": (due[pid] - money_in) + share,
            }
        )
    return out


def settle_pool(actor, pool: Pool, *, dry_run: bool = False) -> dict:
    """Year-end: compute the risk share, post it as one ledger transaction and keep the partner statements."""
    with transaction.atomic():
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        if Settlement.objects.filter(pool=pool).exists():
            raise Conflict(f"pool {pool} is already settled")
        open_months = domain.months_blocking_settlement(
            Period.objects.filter(pool=pool, closed=True).values_list("number", flat=True)
        )
        labels = {p.number: p.label for p in Period.objects.filter(pool=pool, number__in=open_months)}
        open_labels = [labels.get(n, str(n)) for n in open_months]
        if open_months and not dry_run:
            raise Conflict(
                f"close every month from April to February before settling; still open: {', '.join(open_labels)}",
                field="period",
            )
        result = compute_risk_share(pool)
        statements = partner_statements(pool, result)
        outcome = {
            "pool": str(pool),
            "dry_run": dry_run,
            "provisional": bool(open_months),
            "open_months": open_labels,
            **result.as_dict(),
            "statements": statements,
        }
        if dry_run:
            return outcome
        by_name = {v: k for k, v in partner_names(pool).items()}
        postings = []
        for kind, partner, amount in domain.settlement_postings(result):
            acct = account_for(pool, kind, partner=None if partner is None else _org(by_name[partner]))
            postings.append((acct.pk, amount))
        tx = None
        if postings:
            _, last = domain.financial_year_bounds(pool.financial_year)
            number = 12
            period = _periods_for(pool, [number], lock=True)[number]
            if period.closed:
                raise Conflict(
                    f"period {period.label} is closed: reopen is not possible, settle before closing March"
                )
            entry = Entry(
                key=f"settlement:{pool.pk}",
                value_date=last,
                postings=postings,
                reason="Year-end risk share",
                kind=TransactionKind.SETTLEMENT,
            )
            _validate(pool, entry, _account_ids(pool))
            (tx_id,) = _write(actor, pool, [(entry, period)], "settlement")
            tx = LedgerTransaction.objects.get(pk=tx_id)
        Settlement.objects.create(
            pool=pool,
            transaction=tx,
            result=result.as_dict(),
            statements=statements,
            settled_by=actor if getattr(actor, "pk", None) else None,
        )
        Pool.objects.filter(pk=pool.pk).update(settled_at=timezone.now())
        record(
            actor, "pool.settle", pool, after=result.as_dict(), summary=f"Settled the risk share of {pool}"
        )
        outcome["transaction_id"] = tx.pk if tx else None
        return outcome


def _org(pk: int):
    from jointcare.organisations.models import Organisation

    return Organisation.objects.get(pk=pk)
