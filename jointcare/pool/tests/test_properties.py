"""Property: any sequence of valid service operations keeps the ledger's invariants (checked by ledger check)."""


import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcare.errors import ServiceError
from jointcare.pool import reports, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import MonthlyBalance, Posting

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.just("post"), st.integers(1, 12), st.lists(st.integers(1, 10**7), min_size=1, max_size=3)),
    st.tuples(st.just("bulk"), st.integers(1, 12), st.lists(st.integers(1, 10**6), min_size=1, max_size=6)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just([])),
    st.tuples(st.just("close"), st.integers(1, 12), st.just([])),
)


class Rollback(Exception):
    pass


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, max_size=12))
def test_any_sequence_of_operations_keeps_the_ledger_consistent(pool, finance, ops):
    accounts = [a.pk for a in pool.accounts.filter(kind__in=[AccountKind.SPEND, AccountKind.CASH])]
    months = [p.starts_on for p in pool.periods.order_by("number")]
    try:
        with transaction.atomic():
            n = 0
            for kind, month, amounts in ops:
                n += 1
                try:
                    if kind == "post":
                        postings = [(accounts[i % len(accounts)], a) for i, a in enumerate(amounts)]
                        postings.append((accounts[-1], -sum(amounts)))
                        services.post_transaction(
                            finance,
                            pool,
                            key=f"p{n}",
                            value_date=months[month - 1],
                            postings=postings,
                            reason="property",
                        )
                    elif kind == "bulk":
                        entries = [
                            services.Entry(
                                f"b{n}-{i}",
                                months[month - 1],
                                [(accounts[i % len(accounts)], a), (accounts[-1], -a)],
                                "property",
                            )
                            for i, a in enumerate(amounts)
                        ]
                        services.post_transactions_bulk(finance, pool, entries, "property")
                    elif kind == "reverse":
                        txs = list(pool.transactions.filter(kind="adjustment").order_by("pk"))
                        if txs:
                            services.reverse_transaction(finance, txs[month % len(txs)], "property")
                    else:
                        services.close_period(finance, pool, month)
                except ServiceError:
                    pass  # refused operations (closed month, already reversed) must leave no trace
            assert reports.ledger_check(pool) == []
            total = sum(Posting.objects.filter(account__pool=pool).values_list("amount_pence", flat=True))
            assert total == 0
            for mb in MonthlyBalance.objects.filter(account__pool=pool):
                assert mb.amount_pence == sum(
                    Posting.objects.filter(account_id=mb.account_id, period_id=mb.period_id).values_list(
                        "amount_pence", flat=True
                    )
                )
            raise Rollback
    except Rollback:
        pass
