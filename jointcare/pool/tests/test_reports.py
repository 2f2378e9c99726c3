import datetime as dt

import pytest
from jointcare.pool import reports, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import MonthlyBalance

pytestmark = pytest.mark.django_db


def post(pool, user, key, code, day, amount):
    scheme = pool.schemes.get(code=code)
    services.post_transaction(
        user,
        pool,
        key=key,
        value_date=day,
        reason="test",
        postings=[
            (services.account_for(pool, AccountKind.SPEND, scheme=scheme), amount),
            (services.account_for(pool, AccountKind.CASH), -amount),
        ],
    )


def test_monitoring_by_scheme_partner_and_month(pool, finance):
    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    post(pool, finance, "b", "REAB", dt.date(2026, 5, 10), 50000)
    services.create_commitment(
        finance, pool.schemes.get(code="REAB"), dt.date(2026, 6, 1), 70000, "care", "p1"
    )
    data = reports.monitoring(pool, through=2)
    reab = next(line for line in data["schemes"] if line.key == "REAB")
    assert reab.actuals[:2] == [40000, 50000]
    assert reab.forecast[2] == 70000  # committed
    assert reab.forecast[3] == 45000  # run rate
    t = reab.totals
    assert t["budget"] == 500000 and t["forecast"] == 40000 + 50000 + 70000 + 45000 * 9
    assert t["variance"] == t["forecast"] - 500000
    assert t["rag"] == "red"
    icb = next(line for line in data["partners"] if line.name == "Test ICB")
    council = next(line for line in data["partners"] if line.name == "Test Council")
    assert icb.actuals[0] + council.actuals[0] == 40000 and icb.actuals[0] == 24000
    assert sum(data["total"].budget) == 500000 + 450000


def test_report_tables(pool, finance):
    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    headers, rows = reports.monitoring_table(reports.monitoring(pool, through=1))
    assert ["scheme", "Reablement", "Apr 2026", 41667, 0, 40000, 40000, -1667, ""] in rows
    for fn in (reports.quarterly, reports.year_end_by_source):
        h, r = fn(pool)
        assert r and len(h) == len(r[0])
    assert reports.quarterly(pool)[1][0][1] == "Q1 (Apr 2026 to Jun 2026)"
    data = reports.partner_statements(pool)
    assert not data["settled"] and len(data["statements"]) == 2


def test_ledger_check_finds_tampering(pool, finance):
    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    assert reports.ledger_check() == []
    MonthlyBalance.objects.filter(amount_pence=40000).update(amount_pence=39999)
    problems = reports.ledger_check()
    assert len(problems) == 1 and "postings sum to £400.00" in problems[0]


def test_ledger_check_finds_unbalanced_and_empty_transactions(pool, finance):
    from django.db import connection

    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's trigger refuses these rows before the check could see them")
    tx = pool.transactions.get()
    acct = tx.postings.first().account_id
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, 0)",
            [tx.pk, acct, tx.period_id],
        )
        cur.execute(
            "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source,"
            " reason, reference, posted_at) VALUES (%s, %s, 'empty', '', 'actual', '2026-04-01', 's', 'r', '', '2026-04-01')",
            [pool.pk, tx.period_id],
        )
    text = "\n".join(reports.ledger_check(pool))
    assert "has no postings" in text and "1 postings have a zero amount" in text
    assert "sum to £400.00 (2 postings)" in text  # the stored count no longer agrees


def test_ledger_check_finds_dangling_ledger_keys(pool, finance):
    from django.db import connection

    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's trigger refuses these rows before the check could see them")
    tx = pool.transactions.get()
    acct = tx.postings.first().account_id
    with connection.cursor() as cur:
        for tx_id, account_id in [(10**9, acct), (10**9, acct), (tx.pk, 10**9), (tx.pk, 10**9)]:
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence)"
                " VALUES (%s, %s, %s, %s)",
                [tx_id, account_id, tx.period_id, 5],
            )
        cur.execute(
            "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source,"
            " reason, reference, posted_at, reverses_id) VALUES (%s, %s, 'dangling', '', 'actual', '2026-04-01', 's', 'r',"
            " '', '2026-04-01', %s)",
            [10**9, 10**9, 10**9],
        )
    text = "\n".join(reports.ledger_check())
    assert "2 postings refer to a transaction that does not exist" in text
    assert "2 postings refer to an account that does not exist" in text
    assert "1 transactions refer to a pool that does not exist" in text
    assert "1 transactions refer to a month that does not exist" in text
    assert "1 transactions reverse a transaction missing from their pool" in text


def test_monitoring_refuses_a_reporting_month_outside_the_year(pool):
    """`?through=13` on monitoring answered 500: the figures now refuse it as a field error."""
    from jointcare.errors import FieldError

    for through in (13, -1):
        with pytest.raises(FieldError) as refused:
            reports.monitoring(pool, through)
        assert refused.value.field == "through"


def test_ledger_check_counts_postings_in_another_month_from_their_transaction(pool, finance):
    from django.db import connection

    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's trigger refuses these rows before the check could see them")
    tx = pool.transactions.get()
    other_month = pool.periods.get(number=2).pk
    acct = tx.postings.first().account_id
    with connection.cursor() as cur:
        for amount in (7, -7):
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, %s)",
                [tx.pk, acct, other_month, amount],
            )
    text = "\n".join(reports.ledger_check(pool))
    assert "2 postings are in a different month from their transaction" in text
    assert "postings sum to £0.00 (2 postings)" in text  # May's stored balance has none of them
    assert "account of another pool" not in text and "does not exist" not in text


def test_ledger_check_with_postings_in_another_month_still_finds_an_empty_transaction(pool, finance):
    """The postings are grouped by transaction and month (decision 0126): a transaction with postings in two
    months is two groups, which must neither hide a transaction without postings nor be reported as unbalanced
    when its postings sum to zero."""
    from django.db import connection

    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's trigger refuses these rows before the check could see them")
    tx = pool.transactions.get()
    other_month = pool.periods.get(number=2).pk
    acct = tx.postings.first().account_id
    with connection.cursor() as cur:
        for amount in (7, -7):
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, %s)",
                [tx.pk, acct, other_month, amount],
            )
        cur.execute(
            "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source,"
            " reason, reference, posted_at) VALUES (%s, %s, 'empty', '', 'actual', '2026-04-01', 's', 'r', '', '2026-04-01')",
            [pool.pk, tx.period_id],
        )
    empty = pool.transactions.get(idempotency_key="empty").pk
    problems = reports.ledger_check(pool)
    assert f"transaction {empty}: has no postings" in problems
    assert "2 postings are in a different month from their transaction" in problems
    assert not any(p.startswith(f"transaction {tx.pk}:") for p in problems)


def test_ledger_check_finds_a_transaction_posted_after_its_month_closed(pool, finance):
    """On either database: the month's closing time is moved to before a transaction posted into it."""
    import datetime as _dt

    from jointcare.pool.models import Period

    post(pool, finance, "a", "REAB", dt.date(2026, 4, 10), 40000)
    post(pool, finance, "b", "REAB", dt.date(2026, 5, 10), 100)
    assert reports.ledger_check(pool) == []
    april = pool.transactions.get(idempotency_key="a")
    Period.objects.filter(pk=april.period_id).update(closed=True, closed_at=april.posted_at - _dt.timedelta(seconds=1))
    for scope in (pool, None):
        assert reports.ledger_check(scope) == ["1 transactions were posted into a month after it closed"]


def test_ledger_check_split_into_ranges_of_transactions_finds_problems_in_each(pool, finance, monkeypatch):
    """On PostgreSQL the postings are grouped by transaction in ranges of ids, one process each: a sound ledger
    passes, however it is split, and an unbalanced transaction is found in the first range and in the last."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the grouping is split on PostgreSQL only")
    for i in range(9):
        post(pool, finance, f"k{i}", "REAB", dt.date(2026, 4, 10), 100 + i)
    monkeypatch.setattr(reports, "_SPLIT_ABOVE", 0)
    assert reports.ledger_check() == []
    txs = list(pool.transactions.order_by("pk"))
    cash = services.account_for(pool, AccountKind.CASH).pk
    with connection.cursor() as cur:
        try:
            with transaction.atomic():
                cur.execute("SET LOCAL session_replication_role = replica")  # past the trigger, as a tamperer would
        except DatabaseError:
            pytest.skip("the test database's user cannot set session_replication_role")
    for tx in (txs[0], txs[-1]):  # each alone, so that each range must find its own
        with connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute("DELETE FROM pool_posting WHERE amount_pence = 3")
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, 3)",
                [tx.pk, cash, tx.period_id],
            )
            cur.execute("SET LOCAL session_replication_role = origin")
        problems = reports.ledger_check()
        assert problems[0] == f"transaction {tx.pk}: 3 postings summing to £0.03"
        assert len(problems) == 2 and "postings sum to" in problems[1]  # the cash balance no longer agrees either
