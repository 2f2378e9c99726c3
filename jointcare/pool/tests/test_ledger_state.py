"""Posting's cached pool state (decision 0070): each cached fact is refreshed when it must be, even when the
change was made by another process, whose cache this process never hears about; and restating commitments."""

import datetime as dt

import pytest
from django.db import connection

from jointcare.audit.models import AuditEntry
from jointcare.errors import Conflict, FieldError
from jointcare.pool import services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import Account, Commitment, LedgerTransaction, MonthlyBalance, Posting
from jointcare.pool.services import ledger_state
from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year

pytestmark = pytest.mark.django_db


def _accounts(pool):
    return (
        services.account_for(pool, AccountKind.SPEND, scheme=pool.schemes.get(code="REAB")).pk,
        services.account_for(pool, AccountKind.CASH).pk,
    )


def _pay(pool, actor, key, day, amount=100, account=None):
    spend, cash = _accounts(pool)
    return services.post_transaction(
        actor, pool, key=key, value_date=day, reason="r", postings=[(account or spend, amount), (cash, -amount)]
    )


def _stale(pool, change):
    """Run `change`, then put back the cached state from before it: what another process still holds."""
    before = ledger_state.load(pool.pk)
    change()
    ledger_state._states[ledger_state._key(pool.pk)] = before
    return before


def test_the_happy_path_is_one_short_run_of_statements_and_keeps_every_guarantee(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))  # loads the cache
    spend, cash = _accounts(pool)
    statements = []
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.set_trace_callback(statements.append)
    try:
        tx = services.post_transaction(
            finance, pool, key="one", value_date=dt.date(2026, 5, 2), reason="r", postings=[(spend, 250), (cash, -250)]
        )
    finally:
        if connection.vendor == "sqlite":
            connection.connection.set_trace_callback(None)
    if connection.vendor == "sqlite":
        # transaction, posting rows, balances, audit entry, commit: nothing reads the pool, months or accounts
        assert not any("pool_account" in s or s.lstrip().upper().startswith("SELECT") for s in statements)
        assert len(statements) <= 8, statements
    stored = LedgerTransaction.objects.get(pk=tx.pk)
    assert (stored.idempotency_key, stored.digest, stored.period_id) == ("one", tx.digest, tx.period_id)
    assert sorted(Posting.objects.filter(transaction=tx).values_list("account_id", "amount_pence")) == sorted(
        [(spend, 250), (cash, -250)]
    )
    assert MonthlyBalance.objects.get(account_id=spend, period=tx.period).amount_pence == 350
    entry = AuditEntry.objects.get(action="pool.post", object_id=str(tx.pk))
    assert entry.actor == finance and entry.after["key"] == "one" and entry.after["period"] == "2026-05"
    # the same request again answers with the transaction posted; another payload is a conflict
    assert _pay(pool, finance, "one", dt.date(2026, 5, 2), 250).pk == tx.pk
    with pytest.raises(Conflict, match="already used"):
        _pay(pool, finance, "one", dt.date(2026, 5, 2), 251)
    assert Posting.objects.count() == 4


def test_a_new_account_is_seen_though_another_process_added_it(pool, finance):
    from jointcare.pool.services.setup import _ensure_account

    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    new = []
    stale = _stale(pool, lambda: new.append(_ensure_account(pool, AccountKind.SPEND, scheme=_new_scheme(pool))))
    assert new[0].pk not in stale.accounts
    tx = _pay(pool, finance, "to-new", dt.date(2026, 5, 1), 70, account=new[0].pk)
    assert Posting.objects.filter(transaction=tx, account=new[0]).exists()
    assert new[0].pk in ledger_state.state_of(pool.pk).accounts
    # bulk posting too, behind a cache from before another account was added
    spend, cash = _accounts(pool)
    stale = _stale(pool, lambda: new.append(_ensure_account(pool, AccountKind.CONTRIBUTION, partner=_outsider())))
    assert new[1].pk not in stale.accounts
    entry = services.Entry("bulk-to-new", dt.date(2026, 5, 1), [(new[1].pk, 5), (cash, -5)], "r")
    assert services.post_transactions_bulk(finance, pool, [entry], "t").posted == 1
    # an account that is not the pool's is still refused, after looking again
    with pytest.raises(FieldError, match="is not in pool"):
        _pay(pool, finance, "nowhere", dt.date(2026, 5, 1), account=10**9)


def _outsider():
    from jointcare.organisations.models import Organisation

    return Organisation.objects.create(name="Another council", sector="council", kind="upper_tier_council")


def _new_scheme(pool):
    return pool.schemes.create(
        code="NEW", name="New scheme", service_area="carers", lead=pool.host, budget_pence=0
    )


def test_adding_an_account_changes_the_version(pool, finance):
    version = ledger_state.load(pool.pk).version
    Account.objects.create(pool=pool, kind=AccountKind.SPEND, scheme=_new_scheme(pool))
    assert ledger_state.load(pool.pk).version != version


def test_a_closed_month_is_refused_though_the_cache_says_open(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    stale = _stale(pool, lambda: close_year(finance, pool, through=2, today=dt.date(2026, 6, 15)))
    assert stale.periods[2][1] is False  # May was open in the stale cache
    with pytest.raises(Conflict, match="closed"):
        _pay(pool, finance, "late", dt.date(2026, 5, 20))
    assert ledger_state.state_of(pool.pk).periods[2][1] is True
    assert not LedgerTransaction.objects.filter(idempotency_key="late").exists()
    # June, still open, takes postings
    assert _pay(pool, finance, "june", dt.date(2026, 6, 20)).period.number == 3


def test_a_settled_pool_is_refused_though_the_cache_says_open(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    close_year(finance, pool)

    def settle():
        services.settle_pool(finance, pool, today=AFTER_YEAR_END)

    stale = _stale(pool, settle)
    assert stale.status != "settled" and stale.periods[12][1] is False
    with pytest.raises(Conflict, match="closed|settled"):
        _pay(pool, finance, "after", dt.date(2027, 3, 31))
    assert ledger_state.state_of(pool.pk).status == "settled"
    # reopened (again behind a stale cache): March takes late invoices
    stale = _stale(pool, lambda: services.reopen_pool(finance, pool, "late invoice", today=AFTER_YEAR_END))
    assert stale.status == "settled"
    assert _pay(pool, finance, "late", dt.date(2027, 3, 31)).period.number == 12


def test_a_stale_version_writes_nothing_and_takes_the_full_path(pool, finance):
    _pay(pool, finance, "warm", dt.date(2026, 5, 1))
    stale = _stale(pool, lambda: ledger_state.bump(pool.pk))
    tx = _pay(pool, finance, "after-bump", dt.date(2026, 5, 1))
    assert LedgerTransaction.objects.filter(idempotency_key="after-bump").count() == 1
    assert Posting.objects.filter(transaction=tx).count() == 2
    assert ledger_state.state_of(pool.pk).version != stale.version


# ------------------------------------------------------------------------------------------- commitments


def _plan(pool, source="care", reference="plan-1"):
    return {
        (m.month, m.year): a
        for m, a in Commitment.objects.filter(pool=pool, source=source, reference=reference).values_list(
            "period__starts_on", "amount_pence"
        )
    }


def test_restating_a_plan_stores_the_plan_given(pool, finance):
    scheme = pool.schemes.get(code="REAB")
    months = [dt.date(2026, 4, 1) + dt.timedelta(days=31 * i) for i in range(12)]
    result = services.restate_commitments(finance, scheme, "care", "plan-1", {m: 1000 + i for i, m in enumerate(months)})
    assert len(result) == 12 and sum(result.values()) == sum(1000 + i for i in range(12))
    assert len(_plan(pool)) == 12
    # a change: six months at a new amount, the rest dropped
    result = services.restate_commitments(finance, scheme, "care", "plan-1", {m: 500 for m in months[:6]})
    plan = _plan(pool)
    assert sorted(plan.values()) == [0] * 6 + [500] * 6
    assert result[dt.date(2026, 4, 1)] == 500 and result[dt.date(2027, 3, 1)] == 0
    entries = AuditEntry.objects.filter(action="pool.restate_commitments").order_by("id")
    assert entries.count() == 2
    assert entries.last().before["2026-04"] == 1000 and entries.last().after["2027-03"] == 0
    # the same plan again writes nothing
    services.restate_commitments(finance, scheme, "care", "plan-1", {m: 500 for m in months[:6]})
    assert AuditEntry.objects.filter(action="pool.restate_commitments").count() == 2
    # another reference's plan and create_commitment's rows are their own
    services.create_commitment(finance, scheme, dt.date(2026, 7, 1), 42, "care", "plan-2")
    assert _plan(pool, reference="plan-2") == {(7, 2026): 42}
    services.restate_commitments(finance, scheme, "care", "plan-2", {dt.date(2026, 7, 9): 43})
    assert _plan(pool, reference="plan-2") == {(7, 2026): 43}
    assert sorted(_plan(pool).values()) == [0] * 6 + [500] * 6


@pytest.mark.parametrize(
    "plan, message",
    [
        ({dt.date(2027, 4, 1): 10}, "outside financial year"),
        ({dt.date(2026, 5, 1): -1}, "cannot be negative"),
        ({dt.date(2026, 5, 1): 1, dt.date(2026, 5, 2): 2}, "given twice"),
        ({"2026-05": 1}, "as a date"),
    ],
)
def test_a_bad_plan_is_refused_whole(pool, finance, plan, message):
    with pytest.raises(FieldError, match=message):
        services.restate_commitments(finance, pool.schemes.get(code="REAB"), "care", "p", plan)
    assert not Commitment.objects.exists()


def test_a_settled_pool_takes_no_restated_plan(pool, finance):
    close_year(finance, pool)
    services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    with pytest.raises(Conflict, match="settled"):
        services.restate_commitments(finance, pool.schemes.get(code="REAB"), "care", "p", {dt.date(2026, 5, 1): 1})
    assert not Commitment.objects.exists()
