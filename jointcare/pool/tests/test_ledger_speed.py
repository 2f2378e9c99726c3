"""The fast posting paths (decision 0118) keep the ledger's guarantees: the digest written directly is the one
`json.dumps` gave, bulk validation refuses what one-at-a-time validation refuses with the same words, and a
transaction posted outside any database transaction (its own BEGIN and COMMIT on SQLite, one statement on
PostgreSQL) refuses a closed month, a settled pool and a balance beyond its bound though the cached state is
stale, and leaves nothing written when it refuses."""

import datetime as dt
import hashlib

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError
from hypothesis import given
from hypothesis import strategies as st

from jointcare.audit.models import AuditEntry
from jointcare.errors import Conflict, FieldError, ServiceError
from jointcare.money import MAX_AMOUNT_PENCE, MAX_BALANCE_PENCE
from jointcare.pool import services
from jointcare.pool.domain import AccountKind, TransactionKind
from jointcare.pool.domain.ledger import canonical_payload, payload_digest
from jointcare.pool.models import LedgerTransaction, MonthlyBalance, Posting
from jointcare.pool.services import ledger_state
from jointcare.pool.services.ledger import Entry, _validate
from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year
from jointcare.pool.tests.test_ledger_state import _accounts, _pay, _stale

_text = st.text(st.characters(codec="utf-8"), max_size=40)


@given(
    kind=st.sampled_from([k.value for k in TransactionKind]),
    day=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    postings=st.lists(st.tuples(st.integers(1, 10**12), st.integers(-(10**13), 10**13)), min_size=0, max_size=6),
    reason=_text,
    reference=_text,
    reverses=st.none() | st.integers(1, 2**62),
)
def test_the_digest_written_directly_is_the_digest_of_the_canonical_json(kind, day, postings, reason, reference, reverses):
    payload = dict(kind=kind, value_date=day, postings=postings, reason=reason, reference=reference, reverses=reverses)
    expected = hashlib.sha256(canonical_payload(**payload).encode("utf-8")).hexdigest()
    assert payload_digest(**payload) == expected




@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"key": ""},
        {"key": "k" * 121},
        {"reason": ""},
        {"reason": "r" * 301},
        {"reference": "x" * 121},
        {"postings": "one"},
        {"postings": "zero"},
        {"postings": "bool"},
        {"postings": "unbalanced"},
        {"postings": "too big"},
        {"postings": "nowhere"},
        {"value_date": dt.date(2027, 4, 1)},
        {"key": "first"},
    ],
)
def test_bulk_refuses_what_one_entry_alone_is_refused_for_in_the_same_words(pool, finance, change):
    spend, cash = _accounts(pool)
    postings = {
        "one": [(spend, 5)],
        "zero": [(spend, 0), (cash, 0)],
        "bool": [(spend, True), (cash, -1)],
        "unbalanced": [(spend, 5), (cash, -4)],
        "too big": [(spend, MAX_AMOUNT_PENCE + 1), (cash, -MAX_AMOUNT_PENCE - 1)],
        "nowhere": [(10**9, 5), (cash, -5)],
    }
    fields = {"key": "second", "value_date": dt.date(2026, 5, 1), "postings": [(spend, 5), (cash, -5)], "reason": "r"}
    fields.update({k: postings.get(v, v) if k == "postings" else v for k, v in change.items()})
    first = Entry("first", dt.date(2026, 5, 1), [(spend, 5), (cash, -5)], "r")
    bad = Entry(**fields)
    if bad.key == "first":
        expected = "entry 2: key first appears twice"
    else:
        with pytest.raises(ServiceError) as alone:
            _validate(pool, bad, ledger_state.load(pool.pk).accounts)
        expected = f"entry 2 ({bad.key}): {alone.value.message}"
    with pytest.raises(FieldError) as bulk:
        services.post_transactions_bulk(finance, pool, [first, bad], "t")
    assert bulk.value.message == expected
    assert not LedgerTransaction.objects.filter(pool=pool).exists()


@pytest.mark.django_db
def test_bulk_writes_what_the_entries_say(pool, finance):
    spend, cash = _accounts(pool)
    entries = [
        Entry(f"b{i}", dt.date(2026, 4 + i % 9, 2), [(spend, 100 + i), (cash, -100 - i)], "r\tx\\y", reference="é\n")
        for i in range(150)
    ]
    result = services.post_transactions_bulk(finance, pool, entries, "file\t1")
    assert result.posted == 150 and result.postings == 300
    stored = {t.idempotency_key: t for t in LedgerTransaction.objects.filter(pool=pool)}
    assert [stored[e.key].pk for e in entries] == result.transaction_ids
    for e in entries[:20]:
        t = stored[e.key]
        assert (t.digest, t.reason, t.reference, t.source, t.value_date) == (e.digest, e.reason, e.reference, "file\t1", e.value_date)
        assert sorted(Posting.objects.filter(transaction=t).values_list("account_id", "amount_pence")) == sorted(e.postings)
    assert MonthlyBalance.objects.get(account_id=spend, period__number=1).amount_pence == sum(
        100 + i for i in range(150) if i % 9 == 0
    )
    # again: all skipped, nothing written
    assert services.post_transactions_bulk(finance, pool, entries, "again").skipped == 150
    assert Posting.objects.filter(transaction__pool=pool).count() == 300


# ------------------------------------------------------------ outside any database transaction (autocommit)

standalone = pytest.mark.django_db(transaction=True)






def _nothing_written(pool, key):
    assert not LedgerTransaction.objects.filter(pool=pool, idempotency_key=key).exists()
    assert not AuditEntry.objects.filter(action="pool.post", summary__contains=f" {key} ").exists()


@standalone
def test_outside_a_transaction_a_posting_is_its_own_short_transaction(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    assert connection.get_autocommit() and not connection.in_atomic_block
    spend, cash = _accounts(pool)
    statements = []
    if connection.vendor == "sqlite":
        connection.connection.set_trace_callback(statements.append)
    try:
        tx = services.post_transaction(
            finance, pool, key="one", value_date=dt.date(2026, 5, 2), reason="r", postings=[(spend, 250), (cash, -250)]
        )
    finally:
        if connection.vendor == "sqlite":
            connection.connection.set_trace_callback(None)
    if connection.vendor == "sqlite":
        assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT", statements
        assert not any(s.lstrip().upper().startswith("SELECT") for s in statements)
        assert len(statements) <= 8, statements
    assert connection.get_autocommit() and not connection.in_atomic_block
    stored = LedgerTransaction.objects.get(pk=tx.pk)
    assert (stored.idempotency_key, stored.digest, stored.posted_by_id) == ("one", tx.digest, finance.pk)
    assert AuditEntry.objects.get(action="pool.post", object_id=str(tx.pk)).after["postings"] == [
        list(p) for p in Posting.objects.filter(transaction=tx).order_by("id").values_list("account_id", "amount_pence")
    ]
    assert _pay(pool, finance, "one", dt.date(2026, 5, 2), 250).pk == tx.pk
    with pytest.raises(Conflict, match="already used"):
        _pay(pool, finance, "one", dt.date(2026, 5, 2), 251)


@standalone
def test_outside_a_transaction_a_month_closed_behind_the_cache_is_refused_and_nothing_is_written(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    stale = _stale(pool, lambda: close_year(finance, pool, through=2, today=dt.date(2026, 6, 15)))
    assert stale.periods[2][1] is False
    with pytest.raises(Conflict, match="closed"):
        _pay(pool, finance, "late", dt.date(2026, 5, 20))
    _nothing_written(pool, "late")
    assert ledger_state.state_of(pool.pk).periods[2][1] is True
    assert _pay(pool, finance, "june", dt.date(2026, 6, 20)).period.number == 3


@standalone
def test_outside_a_transaction_a_pool_settled_behind_the_cache_is_refused(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    close_year(finance, pool)
    stale = _stale(pool, lambda: services.settle_pool(finance, pool, today=AFTER_YEAR_END))
    assert stale.status != "settled"
    with pytest.raises(Conflict, match="closed|settled"):
        _pay(pool, finance, "after", dt.date(2027, 3, 31))
    _nothing_written(pool, "after")
    assert ledger_state.state_of(pool.pk).status == "settled"


@standalone
def test_outside_a_transaction_an_account_added_behind_the_cache_is_taken(pool, finance):
    from jointcare.pool.services.setup import _ensure_account

    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    scheme = pool.schemes.create(code="NEW", name="New", service_area="carers", lead=pool.host, budget_pence=0)
    new = []
    stale = _stale(pool, lambda: new.append(_ensure_account(pool, AccountKind.SPEND, scheme=scheme)))
    assert new[0].pk not in stale.accounts
    tx = _pay(pool, finance, "to-new", dt.date(2026, 5, 1), 70, account=new[0].pk)
    assert Posting.objects.filter(transaction=tx, account=new[0]).exists()


@standalone
def test_outside_a_transaction_a_balance_beyond_its_bound_is_refused_and_nothing_is_written(pool, finance):
    spend, cash = _accounts(pool)
    _pay(pool, finance, "warm", dt.date(2026, 5, 1), 1)
    n = MAX_BALANCE_PENCE // MAX_AMOUNT_PENCE
    services.post_transaction(
        finance, pool, key="full", value_date=dt.date(2026, 6, 1), reason="r",
        postings=[(spend, MAX_AMOUNT_PENCE)] * n + [(cash, -MAX_AMOUNT_PENCE)] * n,
    )
    balance = MonthlyBalance.objects.get(account_id=spend, period__number=3)
    assert balance.amount_pence == MAX_BALANCE_PENCE
    with pytest.raises(FieldError, match="beyond the largest allowed"):
        _pay(pool, finance, "over", dt.date(2026, 6, 2), 1)
    _nothing_written(pool, "over")
    assert MonthlyBalance.objects.get(pk=balance.pk).amount_pence == MAX_BALANCE_PENCE
    assert Posting.objects.filter(transaction__pool=pool).count() == 2 + 2 * n
    # one transaction that alone would pass the bound is refused before anything is written
    with pytest.raises(FieldError, match="more than the largest balance allowed|beyond the largest allowed"):
        services.post_transaction(
            finance, pool, key="huge", value_date=dt.date(2026, 7, 1), reason="r",
            postings=[(spend, MAX_AMOUNT_PENCE)] * (n + 1) + [(cash, -MAX_AMOUNT_PENCE)] * (n + 1),
        )
    _nothing_written(pool, "huge")


# ------------------------------------------------------------------ PostgreSQL: the checks in the database


def _queue_is_empty():
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pool_balance_check")
        return cur.fetchone()[0] == 0


@pytest.mark.postgres
@standalone
@pytest.mark.parametrize("rows", [3, 200])  # checked by the queries planned once, and by the dynamic ones
def test_postgres_checks_small_and_large_statements_alike(pool, finance, rows):
    tx = _pay(pool, finance, "ok", dt.date(2026, 8, 1))
    spend, cash = _accounts(pool)
    # postings added in two statements balance together: the check at commit takes both queued rows
    with transaction.atomic(), connection.cursor() as cur:
        for amount in (7, -7):
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) "
                "SELECT %s, %s, %s, x FROM unnest(%s::bigint[]) AS x",
                [tx.pk, spend if amount > 0 else cash, tx.period_id, [amount] * rows],
            )
    assert Posting.objects.filter(transaction=tx).count() == 2 + 2 * rows
    assert _queue_is_empty()
    # one bad account among them is refused, named
    with pytest.raises(IntegrityError, match=f"account {10**12}, which does not exist"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) "
                "SELECT %s, CASE WHEN i = %s THEN %s ELSE %s END, %s, CASE WHEN i %% 2 = 0 THEN 5 ELSE -5 END "
                "FROM generate_series(1, %s) AS i",
                [tx.pk, rows, 10**12, spend, tx.period_id, 2 * rows],
            )
    # unbalanced across the statements of one database transaction: refused at commit
    with pytest.raises((IntegrityError, InternalError), match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cur:
            for amount in (3, -2):
                cur.execute(
                    "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) "
                    "SELECT %s, %s, %s, x FROM unnest(%s::bigint[]) AS x",
                    [tx.pk, spend if amount > 0 else cash, tx.period_id, [amount] * rows],
                )
    assert Posting.objects.filter(transaction=tx).count() == 2 + 2 * rows
    assert _queue_is_empty()


# ------------------------------------------------------------------ PostgreSQL: what small statements queue


def _queued():
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pool_balance_check")
        return cur.fetchone()[0]


def _raw_transaction(cur, pool, key, postings=()):
    """A transaction inserted by hand, with `postings` [(account, amount)] in the same statement (a chain of
    data-modifying CTEs, as `post_transaction` writes) when there are any; its id."""
    period = pool.periods.get(number=5)
    insert = (
        "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source, "
        "reason, reference, posted_at) VALUES (%s, %s, %s, '', 'actual', '2026-08-01', 'raw', 'r', '', now()) "
        "RETURNING id"
    )
    if not postings:
        cur.execute(insert, [pool.pk, period.pk, key])
    else:
        cur.execute(
            f"WITH tx AS ({insert}), p AS (INSERT INTO pool_posting (transaction_id, account_id, period_id, "
            "amount_pence) SELECT tx.id, a, %s, x FROM tx, unnest(%s::bigint[], %s::bigint[]) AS v(a, x)) "
            "SELECT id FROM tx",
            [pool.pk, period.pk, key, period.pk, [a for a, _ in postings], [x for _, x in postings]],
        )
    return cur.fetchone()[0], period.pk


@pytest.mark.postgres
@standalone
def test_postgres_a_balanced_transaction_in_one_statement_queues_nothing(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    with transaction.atomic():
        _pay(pool, finance, "inside", dt.date(2026, 5, 2))  # the one statement, inside a transaction
        assert _queued() == 0
    spend, cash = _accounts(pool)
    with transaction.atomic(), connection.cursor() as cur:
        _raw_transaction(cur, pool, "raw-3", [(spend, 5), (spend, 6), (cash, -11)])
        assert _queued() == 0
    assert Posting.objects.filter(transaction__idempotency_key="raw-3").count() == 3
    # what can still fail is queued: a transaction without its postings, postings that do not sum to zero
    with transaction.atomic(), connection.cursor() as cur:
        tx_id, period_id = _raw_transaction(cur, pool, "later")
        assert _queued() == 1
        cur.execute(
            "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) "
            "VALUES (%s, %s, %s, 4), (%s, %s, %s, -4)",
            [tx_id, spend, period_id, tx_id, cash, period_id],
        )
        assert _queued() == 1  # the postings sum to zero: the transaction's count is read from the table at commit
    assert Posting.objects.filter(transaction_id=tx_id).count() == 2
    # one posting with the transaction, its second later: neither statement queues a sum, and it is accepted
    with transaction.atomic(), connection.cursor() as cur:
        tx_id, period_id = _raw_transaction(cur, pool, "split", [(spend, 0)])
        cur.execute(
            "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, 0)",
            [tx_id, cash, period_id],
        )
    assert Posting.objects.filter(transaction_id=tx_id).count() == 2
    assert _queue_is_empty()


@pytest.mark.postgres
@standalone
@pytest.mark.parametrize(
    "case",
    [
        "one zero posting",  # sums to zero, but one posting: nothing of it is queued, the count is read at commit
        "one posting",
        "unbalanced in one statement",
        "balanced, then unbalanced",
    ],
)
def test_postgres_what_a_small_statement_leaves_unqueued_is_still_refused(pool, finance, case):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    spend, cash = _accounts(pool)
    with pytest.raises((IntegrityError, InternalError), match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cur:
            if case == "one zero posting":
                _raw_transaction(cur, pool, "bad", [(spend, 0)])
            elif case == "one posting":
                _raw_transaction(cur, pool, "bad", [(spend, 5)])
            elif case == "unbalanced in one statement":
                _raw_transaction(cur, pool, "bad", [(spend, 5), (cash, -4)])
            else:
                tx_id, period_id = _raw_transaction(cur, pool, "bad", [(spend, 5), (cash, -5)])
                cur.execute(
                    "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, 1)",
                    [tx_id, cash, period_id],
                )
    assert not LedgerTransaction.objects.filter(idempotency_key="bad").exists()
    assert _queue_is_empty()
