import datetime as dt

import pytest
from django.utils import timezone

from jointcare.partnerships.models import Agreement
from jointcare.pool import reports
from jointcare.pool.demo import build_demo_pools
from jointcare.pool.domain import financial_year_of
from jointcare.pool.models import Posting, Settlement

pytestmark = pytest.mark.django_db


def test_demo_pools(partners, finance, user_factory):
    agreement = Agreement.objects.get(name="Test Section 75")
    # the demo builds last year's pool and this year's: the agreement must cover both
    Agreement.objects.filter(pk=agreement.pk).update(starts_on=dt.date(financial_year_of(timezone.localdate()) - 1, 4, 1))
    agreement.refresh_from_db()
    users = {"finance_officer": finance, "commissioner": user_factory("joanna", roles=["commissioner"])}
    last, this = build_demo_pools(agreement, users)
    assert last.financial_year + 1 == this.financial_year
    assert Settlement.objects.filter(pool=last).exists()
    assert not last.periods.filter(closed=False).exists()
    assert Posting.objects.count() > 20_000
    assert reports.ledger_check() == []
    data = reports.monitoring(this)
    assert data["total"].totals["forecast"] > 0
    assert build_demo_pools(agreement, users) == [last, this]  # idempotent
