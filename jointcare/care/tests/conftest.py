"""A small world for integrated care: Trafford and Salford, two Trafford teams with routing rules, workers, people.

    Trafford Reablement Team        hospital discharge for Trafford residents; members: rita, ravi
    Trafford Neighbourhood Team     anything else for Trafford residents, and the default; member: nina
    outsider                        a social worker in no team and with no relationship to anyone
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from jointcare.people.domain import synthetic_nhs_number

from jointcare.care import services
from jointcare.care.domain.vocabulary import RouteOfAccess

TRAFFORD, SALFORD = "E08000009", "E08000006"
_numbers = itertools.count(1)


@pytest.fixture
def places(db):
    from jointcare.places.models import Area, Level

    Area.objects.create(code=TRAFFORD, name="Trafford", level=Level.COUNCIL)
    Area.objects.create(code=SALFORD, name="Salford", level=Level.COUNCIL)


@pytest.fixture
def person_factory(places):
    from jointcare.people import services as people

    def make(given="Alex", family="Smith", council=TRAFFORD, **extra):
        n = next(_numbers)
        return people.create_person(
            None, nhs_number=synthetic_nhs_number(2 * n), given_name=given, family_name=f"{family}{n}",
            date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=n), responsible_council=council, **extra,
        )

    return make


@pytest.fixture
def care(db, user_factory, places, settings):
    from jointcare.organisations.models import Organisation

    council = Organisation.objects.create(name="Trafford Council", sector="council", kind="upper_tier_council", gss_code=TRAFFORD)
    reablement = services.create_team(None, name="Trafford Reablement Team", organisation=council)
    neighbourhood = services.create_team(None, name="Trafford Neighbourhood Team", organisation=council)
    services.add_routing_rule(None, reablement, route=RouteOfAccess.HOSPITAL_DISCHARGE.value, council=TRAFFORD)
    services.add_routing_rule(None, neighbourhood, council=TRAFFORD)
    services.add_routing_rule(None, neighbourhood)  # the default team
    users = {}
    for name, team in (("rita", reablement), ("ravi", reablement), ("nina", neighbourhood), ("outsider", None)):
        users[name] = user_factory(name, roles=["social_worker"], organisation=council)
        if team is not None:
            services.add_member(None, team, users[name])
    users["admin"] = user_factory("admin", roles=["administrator"])
    users["analyst"] = user_factory("ana", roles=["analyst"], organisation=council)
    return type("Care", (), {"council": council, "reablement": reablement, "neighbourhood": neighbourhood, "users": users})


@pytest.fixture
def referral(care, person_factory):
    return services.refer(None, person_factory(), source=RouteOfAccess.HOSPITAL_DISCHARGE.value, reason="Discharged from ward 4")
