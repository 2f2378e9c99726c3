"""The demo's care plans: built through the services, their pooled costs are the pool's care-plan commitments."""

import datetime as dt
from collections import defaultdict

import pytest

from jointcare.packages import domain, services
from jointcare.packages.demo import build_demo_packages
from jointcare.pool.models import Commitment

pytestmark = pytest.mark.django_db


def test_demo_plans_match_the_pools_commitments(partners, pool, user_factory, settings):  # noqa: F811
    from jointcare.places.models import Area, Level

    partners["council"].gss_code = "E08000009"
    partners["council"].save()
    Area.objects.get_or_create(code="E08000009", level=Level.COUNCIL, defaults={"name": "Trafford"})
    users = {
        "care_coordinator": user_factory("chloe", roles=["care_coordinator"], organisation=partners["council"]),
        "commissioner": user_factory("jo", roles=["commissioner"], organisation=partners["council"]),
    }
    pool.schemes.create(code="HOME", name="Home care", service_area="home_care", lead=partners["council"], budget_pence=100)
    people = build_demo_packages(pool.agreement, users, today=dt.date(2026, 11, 20))
    assert len(people) == 2
    assert build_demo_packages(pool.agreement, users, today=dt.date(2026, 11, 20)) == []  # once only
    ada, bernard = people
    assert services.plan_of(bernard).status == "awaiting_approval"
    episode = ada.reablement_episodes.get()
    assert episode.outcome and episode.follow_ups.count() == 2
    expected = defaultdict(int)
    for person in people:
        for s in services.plan_of(person).services.filter(pooled_bp__gt=0):
            for mc in domain.costs(s.terms, dt.date(2027, 3, 31)):
                expected[(s.scheme.code, mc.month)] += mc.pooled
    actual = defaultdict(int)
    for c in Commitment.objects.filter(source=services.SOURCE).select_related("scheme", "period"):
        actual[(c.scheme.code, c.period.starts_on)] += c.amount_pence
    assert {k: v for k, v in actual.items() if v} == {k: v for k, v in expected.items() if v}
    assert actual[("HOME", dt.date(2026, 11, 1))] > 0
