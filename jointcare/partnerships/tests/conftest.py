import pytest

from jointcare.organisations.tests import factories
from jointcare.partnerships import services


@pytest.fixture
def orgs(db):
    icb = factories.icb()
    sub = factories.sub_icb(icb)
    return {
        "icb": icb,
        "sub": sub,
        "council": factories.council(),
        "salford": factories.council(name="Salford", gss="E08000006"),
        "charity": factories.provider(name="Riverside Carers Network", sector="voluntary"),
    }


@pytest.fixture
def pooled(orgs):
    """A draft Section 75 pooled fund, open-ended from April 2025: the council hosts, the sub-ICB is a member."""
    return services.create_agreement(
        None,
        name="Trafford Better Care Fund pooled budget",
        kind="section_75_pooled_fund",
        starts_on="2025-04-01",
        scope="Reablement, community equipment, carers' support",
        parties=[(orgs["council"], "host"), (orgs["sub"], "member")],
    )
