"""A person of the test pool's council with a care coordinator on their care team, the pool's schemes, a
provider and a commissioner of the council (who approves)."""

import datetime as dt
from decimal import Decimal

import pytest

from jointcare.packages.domain import Funding, ServiceType
from jointcare.packages.services import ServiceSpec
from jointcare.pool.tests.conftest import AGREEMENT_YAML, finance, partners, pool  # noqa: F401 (fixtures)


@pytest.fixture
def provider(db):
    from jointcare.organisations.models import Organisation

    return Organisation.objects.create(name="Altrincham Home Care", sector="independent", kind="provider")


@pytest.fixture
def coordinator(user_factory, partners):  # noqa: F811
    return user_factory("carla", roles=["care_coordinator"], organisation=partners["council"])


@pytest.fixture
def commissioner(user_factory, partners):  # noqa: F811
    return user_factory("cath", roles=["commissioner"], organisation=partners["council"])


@pytest.fixture
def person(db, coordinator, partners):  # noqa: F811
    from jointcare.people import services as people
    from jointcare.places.models import Area, Level

    Area.objects.get_or_create(code="E06000099", level=Level.COUNCIL, defaults={"name": "Test Council"})
    p = people.create_person(
        coordinator, nhs_number="9990000018", given_name="Ada", family_name="Lovelace",
        date_of_birth=dt.date(1940, 1, 2), responsible_council="E06000099",
    )
    people.add_care_team_member(coordinator, p, role="social_worker", user=coordinator, is_coordinator=True,
                                started_on=dt.date(2020, 1, 1))
    return p


@pytest.fixture
def schemes(pool):  # noqa: F811
    return {s.code: s for s in pool.schemes.all()}


@pytest.fixture
def spec(provider, schemes):
    def make(**changes):
        base = dict(
            name="Home care", provider=provider, service_type=ServiceType.COMMUNITY.value,
            component="Home care or domiciliary care", delivery_mechanism="CASSR Commissioned support",
            units_per_week=Decimal("7"), unit_cost_pence=1000, starts_on=dt.date(2026, 4, 1), ends_on=None,
            funding=Funding(pooled_bp=6000, nhs_bp=4000), scheme=schemes["REAB"],
        )
        base.update(changes)
        return ServiceSpec(**base)

    return make
