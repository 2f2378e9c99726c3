"""Concurrent changes to one plan on PostgreSQL: each is a version of its own, and the commitments add up."""

import datetime as dt
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connections

from jointcare.packages import domain, services
from jointcare.pool.models import Commitment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_changes_to_one_plan_serialise(coordinator, person, spec):
    errors = []

    def work(n):
        try:
            services.add_service(coordinator, person, spec(name=f"Service {n}", units_per_week=Decimal(n + 1),
                                                           starts_on=dt.date(2026, 4, 1 + n)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    plan = services.plan_of(person)
    assert sorted(plan.versions.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert plan.version == 6
    expected = defaultdict(int)
    for s in plan.services.all():
        for mc in domain.costs(s.terms, dt.date(2027, 3, 31)):
            expected[mc.month] += mc.pooled
    actual = defaultdict(int)
    for c in Commitment.objects.filter(source=services.SOURCE).select_related("period"):
        actual[c.period.starts_on] += c.amount_pence
    assert actual == expected
