"""A small world for the people tests: Trafford and Manchester, one 2021 LSOA in Trafford, two GP practices,
and users: a social worker, a community matron at a practice, an outsider and an administrator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from jointcare.people.domain import synthetic_nhs_number

TRAFFORD, MANCHESTER = "E08000009", "E08000003"
TRAFFORD_LSOA = "E01006100"


@dataclass
class PeopleWorld:
    practice: object
    other_practice: object
    council: object
    social_worker: object
    matron: object
    outsider: object
    admin: object

    def person_fields(self, serial: int = 1, **extra) -> dict:
        return {
            "nhs_number": synthetic_nhs_number(serial), "given_name": "Siân", "family_name": "O'Brien",
            "date_of_birth": dt.date(1941, 3, 9), "responsible_council": TRAFFORD, **extra,
        }


@pytest.fixture
def people_world(db, user_factory, settings) -> PeopleWorld:
    from jointcare.organisations.models import Organisation
    from jointcare.places.models import Area, Lsoa21

    Area.objects.create(code=TRAFFORD, name="Trafford", level="council")
    Area.objects.create(code=MANCHESTER, name="Manchester", level="council")
    Lsoa21.objects.create(code=TRAFFORD_LSOA, sub_icb="E38000187", district=TRAFFORD, council=TRAFFORD)
    council = Organisation.objects.create(name="Trafford Council", sector="council", kind="upper_tier_council",
                                          gss_code=TRAFFORD, source="reference")
    practice = Organisation.objects.create(name="Sale Health Centre", sector="nhs", kind="gp_practice",
                                           ods_code="P91004", source="reference")
    other = Organisation.objects.create(name="Altrincham Medical Practice", sector="nhs", kind="gp_practice",
                                        ods_code="P91006", source="reference")
    return PeopleWorld(
        practice=practice, other_practice=other, council=council,
        social_worker=user_factory("sw", roles=["social_worker"], organisation=council),
        matron=user_factory("matron", roles=["community_matron"], organisation=practice),
        outsider=user_factory("outsider", roles=["social_worker"], organisation=council),
        admin=user_factory("admin", roles=["administrator"]),
    )


@pytest.fixture
def person(people_world):
    from jointcare.people import services

    p = services.create_person(None, gp_practice="P91004", **people_world.person_fields())
    services.add_care_team_member(None, p, user=people_world.social_worker, role="social_worker", is_coordinator=True)
    return p
