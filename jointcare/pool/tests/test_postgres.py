"""Concurrency and database-level guarantees on PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.utils import IntegrityError, InternalError

from jointcare.errors import Conflict
from jointcare.pool import services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import LedgerTransaction, MonthlyBalance, Posting

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
    services.close_period(finance, pool, 5)
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
                "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, kind, value_date, source, "
                "reason, reference, posted_at) VALUES (%s, %s, 'raw', 'actual', '2026-08-01', 'raw', 'r', '', now())",
                [pool.pk, period.pk],
            )
    assert not LedgerTransaction.objects.filter(idempotency_key="raw").exists()
