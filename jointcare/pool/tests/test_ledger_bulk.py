"""Bulk posting at speed (decisions 0122 and 0123) keeps the ledger's guarantees: the actuals import's checked
entries, posted without the bulk service's look-ups, write exactly what the public bulk path writes (rows, audit
entry, monthly balances); a key already in the ledger, or given twice, is still skipped or refused as the public
path would; a closed month is refused in the same words. On PostgreSQL, a large statement, checked once for
each distinct key, refuses each kind of damage with the same words as a small one, row by row."""

import datetime as dt
import io

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError

from jointcare.audit.models import AuditEntry
from jointcare.errors import Conflict, FieldError
from jointcare.pool import domain, imports, services
from jointcare.pool.models import Account, LedgerTransaction, MonthlyBalance, Period, Pool, Posting
from jointcare.pool.services.ledger import Entry, post_checked_bulk
from jointcare.pool.tests.conftest import close_year
from jointcare.pool.tests.test_ledger_state import _accounts


def _entries(pool, prefix: str, n: int = 100) -> list[Entry]:
    """n entries (by default more than the 64 rows up to which PostgreSQL checks a statement row by row)."""
    spend, cash = _accounts(pool)
    equip = services.account_for(pool, domain.AccountKind.SPEND, scheme=pool.schemes.get(code="EQUIP")).pk
    return [
        Entry(
            f"{prefix}{i}", dt.date(2026, 4 + i % 9, 1 + i % 28),
            [(spend if i % 3 else equip, 100 + i), (cash, -100 - i)],
            f"reason {i % 4}\t", kind=domain.TransactionKind.ACTUAL, reference=f"ref\\{i}",
        )
        for i in range(n)
    ]


def _numbers(pool, entries) -> list[int]:
    return [domain.period_number(pool.financial_year, e.value_date) for e in entries]


def _ledger(pool) -> dict:
    """Everything a bulk posting writes, without the ids the database gave out."""
    keys = dict(LedgerTransaction.objects.filter(pool=pool).values_list("pk", "idempotency_key"))
    return {
        "transactions": sorted(
            LedgerTransaction.objects.filter(pool=pool).values_list(
                "idempotency_key", "digest", "kind", "value_date", "source", "reason", "reference", "posted_by_id",
                "period_id", "reverses_id",
            )
        ),
        "postings": sorted(
            (keys[t], a, p, x)
            for t, a, p, x in Posting.objects.filter(transaction__pool=pool).values_list(
                "transaction_id", "account_id", "period_id", "amount_pence"
            )
        ),
        "balances": sorted(
            MonthlyBalance.objects.filter(account__pool=pool).values_list("account_id", "period_id", "amount_pence", "postings")
        ),
        "audit": sorted(
            AuditEntry.objects.filter(action="pool.post_bulk").values_list(
                "actor_id", "actor_name", "action", "object_type", "object_id", "summary", "after"
            ),
            key=repr,
        ),
    }


class _Undone(Exception):
    pass


@pytest.mark.django_db
def test_checked_entries_write_exactly_what_the_public_bulk_path_writes(pool, finance):
    entries = _entries(pool, "k")
    try:
        with transaction.atomic():
            public = services.post_transactions_bulk(finance, pool, entries, "import:a.csv")
            by_public = _ledger(pool)
            raise _Undone
    except _Undone:
        pass
    assert not LedgerTransaction.objects.filter(pool=pool).exists()
    with transaction.atomic():
        checked = post_checked_bulk(finance, pool, entries, _numbers(pool, entries), "import:a.csv")
    assert _ledger(pool) == by_public
    assert (checked.posted, checked.skipped, checked.postings) == (public.posted, public.skipped, public.postings)
    ids = dict(LedgerTransaction.objects.filter(pool=pool).values_list("idempotency_key", "pk"))
    assert checked.transaction_ids == [ids[e.key] for e in entries]
    assert AuditEntry.objects.filter(action="pool.post_bulk").count() == 1


@pytest.mark.django_db
def test_checked_entries_whose_keys_are_in_the_ledger_are_skipped_or_refused_as_the_public_path_does(pool, finance):
    first = _entries(pool, "k", 5)
    services.post_transactions_bulk(finance, pool, first[:2], "earlier")
    # the same details: skipped, the rest posted (the write fails on the unique key; the public path answers)
    with transaction.atomic():
        result = post_checked_bulk(finance, pool, first, _numbers(pool, first), "again")
    assert (result.posted, result.skipped) == (3, 2)
    assert LedgerTransaction.objects.filter(pool=pool).count() == 5
    # other details under a key already used: refused, nothing written
    changed = _entries(pool, "n", 3) + [Entry("k1", dt.date(2026, 5, 1), first[1].postings, "something else")]
    with pytest.raises(Conflict, match="entry 4: key k1 was already used"):
        with transaction.atomic():
            post_checked_bulk(finance, pool, changed, _numbers(pool, changed), "changed")
    assert not LedgerTransaction.objects.filter(pool=pool, idempotency_key__startswith="n").exists()
    # a key given twice: refused in the public path's words
    twice = _entries(pool, "t", 2)
    twice.append(twice[0])
    with pytest.raises(FieldError, match="entry 3: key t0 appears twice"):
        with transaction.atomic():
            post_checked_bulk(finance, pool, twice, _numbers(pool, twice), "twice")
    assert LedgerTransaction.objects.filter(pool=pool).count() == 5
    assert AuditEntry.objects.filter(action="pool.post_bulk").count() == 2


@pytest.mark.django_db
def test_checked_entries_into_a_closed_month_are_refused_in_the_public_paths_words(pool, finance):
    close_year(finance, pool, through=1)
    entries = _entries(pool, "c", 12)
    with pytest.raises(Conflict) as public:
        services.post_transactions_bulk(finance, pool, entries, "x")
    with pytest.raises(Conflict) as checked:
        with transaction.atomic():
            post_checked_bulk(finance, pool, entries, _numbers(pool, entries), "x")
    assert checked.value.message == public.value.message and "is closed" in public.value.message
    assert not LedgerTransaction.objects.filter(pool=pool).exists()


@pytest.mark.django_db(transaction=True)
def test_checked_entries_need_the_callers_database_transaction(pool, finance):
    entries = _entries(pool, "o", 2)
    with pytest.raises(RuntimeError):
        post_checked_bulk(finance, pool, entries, _numbers(pool, entries), "x")
    assert not LedgerTransaction.objects.filter(pool=pool).exists()


def _csv(lines: list[str]) -> bytes:
    return ("reference,date,scheme,amount\n" + "\n".join(lines) + "\n").encode()


@pytest.mark.django_db
def test_an_import_whose_look_up_missed_a_reference_still_skips_or_refuses_it(pool, finance, monkeypatch):
    """Were a reference posted between the import's look-up and its posting (another request), the unique key
    refuses the write and the public path answers: the same details are skipped, other details refused."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    rows = [f"R{i},2026-0{4 + i % 5}-02,REAB,{10 + i}.00" for i in range(7)]
    first = imports.import_actuals(finance, pool, "a.csv", io.BytesIO(_csv(rows)))
    assert first.posted == 7
    monkeypatch.setattr(imports, "_known_digests", lambda pool, keys: {})  # the look-up sees nothing
    again = imports.import_actuals(finance, pool, "a.csv", io.BytesIO(_csv(rows)))
    assert (again.posted, again.skipped) == (0, 7)
    changed = rows[:6] + ["R6,2026-05-02,REAB,99.00", "R7,2026-05-02,REAB,1.00"]
    with pytest.raises(Conflict, match="key actual:R6 was already used"):
        imports.import_actuals(finance, pool, "a.csv", io.BytesIO(_csv(changed)))
    assert LedgerTransaction.objects.filter(pool=pool).count() == 7
    assert not LedgerTransaction.objects.filter(idempotency_key="actual:R7").exists()


@pytest.mark.django_db
def test_an_import_posts_through_the_checked_path_and_writes_what_the_public_path_would(pool, finance, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 4)
    rows = [f"R{i},2026-{4 + i % 9:02d}-{1 + i % 28:02d},{'REAB' if i % 2 else 'EQUIP'},{1 + i % 97}.{i % 100:02d}" for i in range(10)]
    calls = []
    real = services.ledger.post_checked_bulk

    def spy(actor, pool, entries, numbers, source):
        calls.append([e.key for e in entries])
        return real(actor, pool, entries, numbers, source)

    monkeypatch.setattr(services.ledger, "post_checked_bulk", spy)
    try:
        with transaction.atomic():
            imports.import_actuals(finance, pool, "a.csv", io.BytesIO(_csv(rows)))
            by_import = _ledger(pool)
            raise _Undone
    except _Undone:
        pass
    assert [len(c) for c in calls] == [4, 4, 2]
    # the same rows through the public bulk service, chunk by chunk, as the import posted them before
    monkeypatch.setattr(services.ledger, "post_checked_bulk", lambda actor, pool, entries, numbers, source: (
        services.post_transactions_bulk(actor, pool, [Entry(**{f: getattr(e, f) for f in (
            "key", "value_date", "postings", "reason", "kind", "reference", "reverses_id")}) for e in entries], source)
    ))
    with transaction.atomic():
        imports.import_actuals(finance, pool, "a.csv", io.BytesIO(_csv(rows)))
    assert _ledger(pool) == by_import


# ------------------------------------------------------------------ PostgreSQL: large statements in the database


def _insert_postings(rows: list[tuple]) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])",
            [list(c) for c in zip(*rows, strict=True)],
        )


def _other_pool(pool):
    other = Pool.objects.create(agreement=pool.agreement, financial_year=2027, name="Next year", host=pool.host)
    period = Period.objects.create(pool=other, number=1, starts_on=dt.date(2027, 4, 1))
    return other, period, Account.objects.create(pool=other, kind=domain.AccountKind.CASH)


def _balanced(tx, spend, cash, n):
    """n postings of tx, balanced: n // 2 pairs of +5 and -5."""
    return [(tx.pk, spend if i % 2 == 0 else cash, tx.period_id, 5 if i % 2 == 0 else -5) for i in range(n)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("damage", ["transaction", "account", "another pool", "all in another pool", "another month"])
def test_postgres_refuses_a_bad_posting_in_a_large_statement_as_in_a_small_one(pool, finance, damage):
    spend, cash = _accounts(pool)
    tx = services.post_transaction(
        finance, pool, key="ok", value_date=dt.date(2026, 8, 1), reason="r", postings=[(spend, 1), (cash, -1)]
    )
    _, _, foreign = _other_pool(pool)
    june = pool.periods.get(number=3).pk
    messages = []
    for n in (4, 200):  # below and above the 64 rows of the statements checked by queries planned once
        rows = _balanced(tx, spend, cash, n)
        t, a, p, x = rows[n // 2]
        rows[n // 2] = {
            "transaction": (10**12, a, p, x),
            "account": (t, 10**12, p, x),
            "another pool": (t, foreign.pk, p, x),
            "another month": (t, a, june, x),
            "all in another pool": (t, foreign.pk, p, x),
        }[damage]
        if damage == "all in another pool":  # the accounts all in one pool, the transaction in another
            rows = [(t, foreign.pk, p, x) for t, _, p, x in rows]
        with pytest.raises(IntegrityError) as exc:
            with transaction.atomic():
                _insert_postings(rows)
        messages.append(str(exc.value).splitlines()[0])
    assert messages[0] == messages[1]
    assert Posting.objects.filter(transaction=tx).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_checks_a_large_statement_over_two_pools_row_by_row(pool, finance):
    spend, cash = _accounts(pool)
    tx = services.post_transaction(
        finance, pool, key="ok", value_date=dt.date(2026, 8, 1), reason="r", postings=[(spend, 1), (cash, -1)]
    )
    other, period, foreign = _other_pool(pool)
    foreign_spend = Account.objects.create(pool=other, kind=domain.AccountKind.VARIANCE)
    with transaction.atomic(), connection.cursor() as cur:  # a transaction and its postings, balanced at commit
        cur.execute(
            "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, "
            "source, reason, reference, posted_at) VALUES (%s, %s, 'raw', '', 'actual', '2027-04-01', 'raw', 'r', "
            "'', now()) RETURNING id",
            [other.pk, period.pk],
        )
        other_tx = LedgerTransaction.objects.get(pk=cur.fetchone()[0])
        _insert_postings(_balanced(other_tx, foreign_spend.pk, foreign.pk, 2))
    # postings of both pools in one statement, each with its own pool's accounts: accepted, and balanced at commit
    with transaction.atomic():
        _insert_postings(_balanced(tx, spend, cash, 100) + _balanced(other_tx, foreign_spend.pk, foreign.pk, 100))
    assert Posting.objects.count() == 2 + 2 + 200
    # one of them on the other pool's account: refused, named
    rows = _balanced(tx, spend, cash, 100) + _balanced(other_tx, foreign_spend.pk, foreign.pk, 100)
    rows[10] = (tx.pk, foreign.pk, tx.period_id, 5)
    with pytest.raises(IntegrityError, match=f"posting on account {foreign.pk} is in another pool"):
        with transaction.atomic():
            _insert_postings(rows)
    # unbalanced: refused at commit
    rows = _balanced(tx, spend, cash, 100) + _balanced(other_tx, foreign_spend.pk, foreign.pk, 100)
    rows[-1] = (other_tx.pk, foreign.pk, other_tx.period_id, -6)
    with pytest.raises(Exception, match="unbalanced"):
        with transaction.atomic():
            _insert_postings(rows)
    assert Posting.objects.count() == 204


def _insert_transactions(rows: list[tuple]) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source, "
            "reason, reference, posted_at, reverses_id) SELECT p, m, k, '', 'actual', '2026-08-01', 'raw', 'r', '', "
            "now(), r FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::bigint[]) AS u(p, m, k, r)",
            [list(c) for c in zip(*rows, strict=True)],
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("damage", ["pool", "period", "another pool's period", "reverses nothing", "reverses elsewhere"])
def test_postgres_refuses_a_bad_transaction_in_a_large_statement_as_in_a_small_one(pool, finance, damage):
    spend, cash = _accounts(pool)
    tx = services.post_transaction(
        finance, pool, key="ok", value_date=dt.date(2026, 8, 1), reason="r", postings=[(spend, 1), (cash, -1)]
    )
    other, foreign_period, _ = _other_pool(pool)
    messages = []
    for n in (3, 100):
        rows = [(pool.pk, tx.period_id, f"raw{n}:{i}", None) for i in range(n)]
        _, m, k, _ = rows[n // 2]
        rows[n // 2] = {
            "pool": (10**12, m, k, None),
            "period": (pool.pk, 10**12, k, None),
            "another pool's period": (pool.pk, foreign_period.pk, k, None),
            "reverses nothing": (pool.pk, m, k, 10**12),
            "reverses elsewhere": (other.pk, foreign_period.pk, k, tx.pk),
        }[damage]
        with pytest.raises(IntegrityError) as exc:
            with transaction.atomic():
                _insert_transactions(rows)
        messages.append(str(exc.value).splitlines()[0].replace(f"raw{n}", "raw"))
    # the transaction named is the bad one, whose id differs between the two statements: compare the words
    assert [m.split(" ", 3)[3] if m.startswith("ledger transaction") else m for m in messages][0] == (
        [m.split(" ", 3)[3] if m.startswith("ledger transaction") else m for m in messages][1]
    )
    assert LedgerTransaction.objects.count() == 1
