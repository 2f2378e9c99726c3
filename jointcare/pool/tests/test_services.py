import datetime as dt

import pytest

from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year

from jointcare.audit.models import AuditEntry
from jointcare.errors import Conflict, FieldError
from jointcare.pool import services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import AppendOnlyError, LedgerTransaction, MonthlyBalance, Posting

pytestmark = pytest.mark.django_db



def post(pool, actor, key, value_date, postings):
    """Post one transaction through the service with a placeholder reason."""
    return services.post_transaction(actor, pool, key=key, value_date=value_date, reason="r", postings=postings)

def spend(pool, code):
    return services.account_for(pool, AccountKind.SPEND, scheme=pool.schemes.get(code=code))


def cash(pool):
    return services.account_for(pool, AccountKind.CASH)


def test_pool_created_with_periods_accounts_and_instalments(pool):
    assert pool.periods.count() == 12
    assert pool.periods.first().starts_on == dt.date(2026, 4, 1)
    icb = pool.contributions.get(partner__ods_code="QZZ")
    assert icb.instalments == {"1": 150000, "4": 150000, "7": 150000, "10": 150000}
    assert pool.accounts.filter(kind=AccountKind.SPEND).count() == 2
    assert AuditEntry.objects.filter(action="pool.create").count() == 1


def test_post_is_balanced_idempotent_and_summarised(pool, finance):
    before = AuditEntry.objects.count()
    kwargs = dict(
        key="inv-1",
        value_date=dt.date(2026, 5, 3),
        reason="Invoice 1",
        postings=[(spend(pool, "REAB"), 12345), (cash(pool), -12345)],
    )
    tx = services.post_transaction(finance, pool, **kwargs)
    again = services.post_transaction(finance, pool, **kwargs)
    assert again.pk == tx.pk
    assert Posting.objects.count() == 2
    assert AuditEntry.objects.count() == before + 1
    mb = MonthlyBalance.objects.get(account=spend(pool, "REAB"), period__number=2)
    assert (mb.amount_pence, mb.postings) == (12345, 1)
    assert tx.posted_by == finance and tx.reason == "Invoice 1"


def test_unbalanced_and_out_of_year_are_refused(pool, finance):
    with pytest.raises(FieldError, match="do not balance"):
        post(pool, finance, "k", dt.date(2026, 5, 3), [(spend(pool, "REAB"), 100), (cash(pool), -99)])
    with pytest.raises(FieldError, match="outside"):
        post(pool, finance, "k", dt.date(2027, 5, 3), [(spend(pool, "REAB"), 100), (cash(pool), -100)])
    assert Posting.objects.count() == 0


def test_closed_period_refuses_postings(pool, finance):
    close_year(finance, pool, through=2)
    with pytest.raises(Conflict, match="closed"):
        post(pool, finance, "k", dt.date(2026, 5, 3), [(spend(pool, "REAB"), 100), (cash(pool), -100)])
    with pytest.raises(Conflict, match="already closed"):
        services.close_period(finance, pool, 2, today=AFTER_YEAR_END)


def test_postings_are_append_only(pool, finance):
    tx = post(pool, finance, "k", dt.date(2026, 5, 3), [(spend(pool, "REAB"), 100), (cash(pool), -100)])
    p = tx.postings.first()
    p.amount_pence = 5
    with pytest.raises(AppendOnlyError):
        p.save()
    with pytest.raises(AppendOnlyError):
        p.delete()
    with pytest.raises(AppendOnlyError):
        Posting.objects.filter(pk=p.pk).update(amount_pence=1)
    with pytest.raises(AppendOnlyError):
        LedgerTransaction.objects.all().delete()


def test_reversal_mirrors_and_only_once(pool, finance):
    tx = post(pool, finance, "k", dt.date(2026, 5, 3), [(spend(pool, "REAB"), 100), (cash(pool), -100)])
    rev = services.reverse_transaction(finance, tx, "keyed twice")
    assert sorted(p.amount_pence for p in rev.postings.all()) == [-100, 100]
    assert rev.reverses == tx
    assert MonthlyBalance.objects.get(account=spend(pool, "REAB"), period__number=2).amount_pence == 0
    with pytest.raises(Conflict):
        services.reverse_transaction(finance, tx, "again")


def test_bulk_is_all_or_nothing_and_idempotent(pool, finance):
    s, c = spend(pool, "EQUIP").pk, cash(pool).pk
    entries = [
        services.Entry(f"b{i}", dt.date(2026, 6, 1), [(s, 100 + i), (c, -100 - i)], "bulk") for i in range(50)
    ]
    result = services.post_transactions_bulk(finance, pool, entries, "test")
    assert (result.posted, result.postings) == (50, 100)
    again = services.post_transactions_bulk(finance, pool, entries, "test")
    assert (again.posted, again.skipped) == (0, 50)
    bad = [*entries[:3], services.Entry("bad", dt.date(2026, 6, 1), [(s, 1), (c, -2)], "bulk")]
    with pytest.raises(FieldError, match="entry 5 \\(bad\\)"):
        services.post_transactions_bulk(
            finance, pool, [services.Entry("new", dt.date(2026, 6, 1), [(s, 1), (c, -1)], "x"), *bad], "t"
        )
    assert LedgerTransaction.objects.filter(idempotency_key="new").count() == 0
    assert MonthlyBalance.objects.get(account_id=s, period__number=3).amount_pence == sum(
        100 + i for i in range(50)
    )


def test_commitment_service_upserts(pool, finance):
    scheme = pool.schemes.get(code="REAB")
    c = services.create_commitment(finance, scheme, dt.date(2026, 9, 14), 50000, "care", "pkg-1")
    c2 = services.create_commitment(finance, scheme, dt.date(2026, 9, 1), 60000, "care", "pkg-1")
    assert c.pk == c2.pk and c2.amount_pence == 60000 and c2.period.number == 6
    with pytest.raises(FieldError):
        services.create_commitment(finance, scheme, dt.date(2026, 9, 1), -1, "care", "pkg-2")


def test_settlement_posts_risk_share_and_statements(pool, finance):
    services.post_transactions_bulk(finance, pool, services.contribution_entries(pool), "contributions")
    # Reablement budget 5000, spend 6000 (+1000); equipment budget 4500, spend 4300 (-200): net +800
    post(pool, finance, "a", dt.date(2026, 7, 1), [(spend(pool, "REAB"), 600000), (cash(pool), -600000)])
    post(pool, finance, "b", dt.date(2026, 7, 1), [(spend(pool, "EQUIP"), 430000), (cash(pool), -430000)])
    dry = services.settle_pool(finance, pool, dry_run=True, today=AFTER_YEAR_END)
    assert dry["reserve_drawn_pence"] == 50000
    # 300 left, 60:40
    assert shares(dry) == {"Test ICB": 18000, "Test Council": 12000}
    assert LedgerTransaction.objects.filter(kind="settlement").count() == 0
    with pytest.raises(Conflict) as refused:
        services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    assert "still open" in refused.value.message and "April 2026" in refused.value.message
    assert dry["provisional"] is True and dry["basis"] == "actuals"
    close_year(finance, pool)
    done = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    assert done["provisional"] is False
    statements = {s["partner"]: s for s in done["statements"]}
    assert statements["Test ICB"]["money_in_pence"] == 600000
    assert statements["Test ICB"]["balance_due_pence"] == 18000
    # ICB funds 60% of reablement (6000) and all of equipment (4300)
    assert statements["Test ICB"]["money_spent_pence"] == 360000 + 430000
    tx = LedgerTransaction.objects.get(kind="settlement")
    assert sum(p.amount_pence for p in tx.postings.all()) == 0
    with pytest.raises(Conflict):
        services.settle_pool(finance, pool, today=AFTER_YEAR_END)


def shares(outcome) -> dict:
    return {s["partner"]: s["amount_pence"] for s in outcome["shares"]}


def test_bulk_keeps_awkward_text_exactly(pool, finance):
    s, c = spend(pool, "EQUIP").pk, cash(pool).pk
    reason = "Tab\there, new\nline, back\\slash, 100% – £"
    services.post_transactions_bulk(
        finance,
        pool,
        [services.Entry("k\\1", dt.date(2026, 6, 1), [(s, 7), (c, -7)], reason, reference="r\t1")],
        "file\\%.csv",
    )
    tx = LedgerTransaction.objects.get(idempotency_key="k\\1")
    assert (tx.reason, tx.reference, tx.source, tx.posted_by) == (reason, "r\t1", "file\\%.csv", finance)
    assert tx.value_date == dt.date(2026, 6, 1) and tx.reverses is None


def test_account_is_unique_per_pool_kind_and_owner(pool):
    from django.db import IntegrityError, transaction

    from jointcare.pool.models import Account

    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(pool=pool, kind=AccountKind.CASH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(pool=pool, kind=AccountKind.SPEND, scheme=pool.schemes.get(code="REAB"))
