"""Concurrency and database-level guarantees on PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.utils import IntegrityError, InternalError

from jointcare.errors import Conflict
from jointcare.pool import reports, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import LedgerTransaction, MonthlyBalance, Pool, Posting
from jointcare.pool.tests.conftest import close_year

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _accounts(pool):
    scheme = pool.schemes.get(code="REAB")
    return (
        services.account_for(pool, AccountKind.SPEND, scheme=scheme),
        services.account_for(pool, AccountKind.CASH),
    )


def test_eight_threads_posting_to_one_scheme_lose_nothing(pool, finance):
    spend, cash = _accounts(pool)
    per_thread = 15
    errors = []

    def work(n):
        try:
            for i in range(per_thread):
                services.post_transaction(
                    finance,
                    pool,
                    key=f"t{n}-{i}",
                    value_date=dt.date(2026, 8, 1),
                    reason="concurrent",
                    postings=[(spend, 100), (cash, -100)],
                )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert LedgerTransaction.objects.filter(pool=pool).count() == 8 * per_thread
    mb = MonthlyBalance.objects.get(account=spend, period__number=5)
    assert (mb.amount_pence, mb.postings) == (8 * per_thread * 100, 8 * per_thread * 1)


def test_closing_and_posting_serialise(pool, finance):
    spend, cash = _accounts(pool)
    close_year(finance, pool, through=5)
    with pytest.raises(Conflict, match="closed"):
        services.post_transaction(
            finance,
            pool,
            key="late",
            value_date=dt.date(2026, 8, 31),
            reason="late",
            postings=[(spend, 100), (cash, -100)],
        )
    assert not Posting.objects.exists()


def test_deferred_trigger_rejects_unbalanced_raw_insert(pool, finance):
    spend, cash = _accounts(pool)
    tx = services.post_transaction(
        finance,
        pool,
        key="ok",
        value_date=dt.date(2026, 8, 1),
        reason="r",
        postings=[(spend, 100), (cash, -100)],
    )
    with pytest.raises((IntegrityError, InternalError), match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, 5)",
                [tx.pk, spend.pk, tx.period_id],
            )
    assert Posting.objects.filter(transaction=tx).count() == 2


def test_raw_update_of_posting_is_refused(pool, finance):
    spend, cash = _accounts(pool)
    services.post_transaction(
        finance,
        pool,
        key="ok",
        value_date=dt.date(2026, 8, 1),
        reason="r",
        postings=[(spend, 100), (cash, -100)],
    )
    with pytest.raises((IntegrityError, InternalError), match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE pool_posting SET amount_pence = 7")


def test_deferred_trigger_rejects_transaction_without_postings(pool, finance):
    period = pool.periods.get(number=5)
    with pytest.raises((IntegrityError, InternalError), match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, "
                "source, reason, reference, posted_at) VALUES (%s, %s, 'raw', '', 'actual', '2026-08-01', 'raw', 'r', '',"
                " now())",
                [pool.pk, period.pk],
            )
    assert not LedgerTransaction.objects.filter(idempotency_key="raw").exists()


def _raw_posting(tx_id, account_id, period_id, amount):
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, %s)",
            [tx_id, account_id, period_id, amount],
        )


def _posted(pool, finance, key="ok"):
    spend, cash = _accounts(pool)
    tx = services.post_transaction(
        finance,
        pool,
        key=key,
        value_date=dt.date(2026, 8, 1),
        reason="r",
        postings=[(spend, 100), (cash, -100)],
    )
    return tx, spend, cash


@pytest.mark.parametrize("missing", ["transaction", "account"])
def test_raw_posting_with_unknown_key_is_refused(pool, finance, missing):
    tx, spend, cash = _posted(pool, finance)
    unknown = 10**12
    tx_id, account_id = (unknown, spend.pk) if missing == "transaction" else (tx.pk, unknown)
    with pytest.raises(IntegrityError, match=f"{missing} {unknown}, which does not exist"):
        with transaction.atomic():
            # balanced, so only the key check can refuse it
            _raw_posting(tx_id, account_id, tx.period_id, 100)
            _raw_posting(tx_id, cash.pk if missing == "transaction" else account_id, tx.period_id, -100)
    assert Posting.objects.count() == 2


def test_raw_posting_on_another_pools_account_is_refused(pool, finance):
    from jointcare.pool.models import Account

    tx, spend, cash = _posted(pool, finance)
    other = Pool.objects.create(
        agreement=pool.agreement, financial_year=2027, name="Next year", host=pool.host
    )
    foreign = Account.objects.create(pool=other, kind=AccountKind.CASH)
    with pytest.raises(IntegrityError, match="another pool"):
        with transaction.atomic():
            _raw_posting(tx.pk, foreign.pk, tx.period_id, 100)
            _raw_posting(tx.pk, cash.pk, tx.period_id, -100)
    assert not Posting.objects.filter(account=foreign).exists()


def test_account_with_postings_cannot_be_deleted_or_moved(pool, finance):
    tx, spend, cash = _posted(pool, finance)
    with pytest.raises(IntegrityError, match="in use by the ledger"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM pool_account WHERE id = %s", [spend.pk])
    other = Pool.objects.create(
        agreement=pool.agreement, financial_year=2027, name="Next year", host=pool.host
    )
    with pytest.raises(IntegrityError, match="in use by the ledger"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE pool_account SET pool_id = %s WHERE id = %s", [other.pk, cash.pk])
    # an account without postings can still go
    unused = services.account_for(pool, AccountKind.SPEND, scheme=pool.schemes.get(code="EQUIP"))
    with connection.cursor() as cur:
        cur.execute("DELETE FROM pool_monthlybalance WHERE account_id = %s", [unused.pk])
        cur.execute("DELETE FROM pool_account WHERE id = %s", [unused.pk])
        assert cur.rowcount == 1
    assert reports.ledger_check() == []


def test_ledger_transaction_cannot_be_deleted_or_changed(pool, finance):
    tx, spend, cash = _posted(pool, finance)
    for sql in ("DELETE FROM pool_ledgertransaction WHERE id = %s",
                "UPDATE pool_ledgertransaction SET reason = 'x' WHERE id = %s"):
        with pytest.raises((IntegrityError, InternalError), match="append-only"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [tx.pk])
    assert LedgerTransaction.objects.filter(pk=tx.pk, reason="r").exists()


def _raw_transaction(pool_id, period_id, key, reverses_id=None):
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source, "
            "reason, reference, posted_at, reverses_id) VALUES (%s, %s, %s, '', 'actual', '2026-08-01', 'raw', 'r', '', "
            "now(), %s) RETURNING id",
            [pool_id, period_id, key, reverses_id],
        )
        return cur.fetchone()[0]


def test_raw_transaction_with_bad_keys_is_refused(pool, finance):
    tx, spend, cash = _posted(pool, finance)
    other = Pool.objects.create(
        agreement=pool.agreement, financial_year=2027, name="Next year", host=pool.host
    )
    from jointcare.pool.models import Period

    foreign_period = Period.objects.create(pool=other, number=1, starts_on=dt.date(2027, 4, 1))
    other_tx = None
    cases = [
        (10**12, tx.period_id, None, "pool 1000000000000, which does not exist"),
        (pool.pk, 10**12, None, "period 1000000000000, which does not exist"),
        (pool.pk, foreign_period.pk, None, "of another pool"),
        (pool.pk, tx.period_id, 10**12, "not in its pool"),
        (other.pk, foreign_period.pk, tx.pk, "not in its pool"),
    ]
    for pool_id, period_id, reverses_id, message in cases:
        with pytest.raises(IntegrityError, match=message):
            with transaction.atomic():
                other_tx = _raw_transaction(pool_id, period_id, "raw", reverses_id)
    assert other_tx is None
    assert LedgerTransaction.objects.count() == 1


def test_raw_posting_in_another_month_from_its_transaction_is_refused(pool, finance):
    tx, spend, cash = _posted(pool, finance)
    other_month = pool.periods.get(number=6)
    with pytest.raises(IntegrityError, match="another month"):
        with transaction.atomic():
            _raw_posting(tx.pk, spend.pk, other_month.pk, 100)
            _raw_posting(tx.pk, cash.pk, other_month.pk, -100)


def test_period_and_pool_with_transactions_cannot_be_deleted(pool, finance):
    tx, spend, cash = _posted(pool, finance)
    for sql, pk in [
        ("DELETE FROM pool_period WHERE id = %s", tx.period_id),
        ("UPDATE pool_period SET id = -id WHERE id = %s", tx.period_id),
        ("DELETE FROM pool_pool WHERE id = %s", pool.pk),
    ]:
        with pytest.raises(IntegrityError, match="in use by the ledger"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [pk])
    # closing a month (an update that keeps its id and pool) is still allowed
    close_year(finance, pool, through=5)
    assert reports.ledger_check() == []


def _race(first, second):
    """Run `first` in a database transaction that stays open until `second` (in another thread) has started
    and is waiting on it; return what each returned or raised."""
    import time

    started, results = threading.Event(), {}

    def one():
        try:
            with transaction.atomic():
                results["first"] = first()
                started.set()
                time.sleep(0.5)  # the second request now waits on this one's row
        except Exception as exc:  # noqa: BLE001
            results["first"] = exc
        finally:
            started.set()
            connections.close_all()

    def two():
        started.wait()
        try:
            results["second"] = second()
        except Exception as exc:  # noqa: BLE001
            results["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results["first"], results["second"]


def test_finding_7_a_concurrent_duplicate_returns_the_winner(pool, finance):
    """The same key posted concurrently raised a unique violation (a 500)."""
    spend, cash = _accounts(pool)

    def post(day, key="dup"):
        return lambda: services.post_transaction(
            finance, pool, key=key, value_date=day, reason="r", postings=[(spend, 100), (cash, -100)]
        )

    first, second = _race(post(dt.date(2026, 8, 1)), post(dt.date(2026, 8, 1)))
    assert isinstance(first, LedgerTransaction) and isinstance(second, LedgerTransaction)
    assert first.pk == second.pk
    # the same key for another month: the requests lock different months, so the loser meets the winner's row
    # at the unique key, rolls back to its savepoint and answers 409, not IntegrityError
    first, second = _race(post(dt.date(2026, 8, 1), "dup2"), post(dt.date(2026, 10, 1), "dup2"))
    assert isinstance(first, LedgerTransaction)
    assert isinstance(second, Conflict) and "already used for transaction" in second.message
    assert LedgerTransaction.objects.filter(idempotency_key__startswith="dup").count() == 2
    assert reports.ledger_check(pool) == []


def test_finding_7_a_concurrent_bulk_with_a_key_taken_meanwhile_skips_it(pool, finance):
    spend, cash = _accounts(pool)

    def entries(keys, day):
        return [services.Entry(k, day, [(spend.pk, 100), (cash.pk, -100)], "r") for k in keys]

    first, second = _race(
        lambda: services.post_transactions_bulk(finance, pool, entries(["k1"], dt.date(2026, 7, 1)), "a"),
        lambda: services.post_transactions_bulk(
            finance, pool, entries(["k2"], dt.date(2026, 9, 1)) + entries(["k1"], dt.date(2026, 7, 1)), "b"
        ),
    )
    assert (first.posted, second.posted, second.skipped) == (1, 1, 1)
    assert LedgerTransaction.objects.filter(pool=pool).count() == 2
