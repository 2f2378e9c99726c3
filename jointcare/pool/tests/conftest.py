import datetime as dt
import textwrap

import pytest

from jointcare.organisations.models import Organisation
from jointcare.partnerships.models import Agreement

AGREEMENT_YAML = textwrap.dedent(
    """
    pool:
      name: Better Care Fund
      agreement: Test Section 75
      financial_year: 2026-27
      host: council
      risk_reserve: 500.00
    partners:
      icb: QZZ
      council: E06000099
    contributions:
      - {partner: icb, amount: 6000.00, type: pooled, form: cash, schedule: quarterly}
      - {partner: council, amount: 4000.00, type: pooled, form: cash, schedule: monthly}
    schemes:
      - {code: REAB, name: Reablement, service_area: reablement, lead: council, budget: 5000.00,
         funders: {icb: 60, council: 40}}
      - {code: EQUIP, name: Community equipment, service_area: community_equipment, lead: icb, budget: 4500.00}
    risk_share:
      method: pro_rata
      caps: {icb: contribution, council: contribution}
      excess_to: icb
      underspend: return_pro_rata
    """
)


@pytest.fixture
def partners(db):
    icb = Organisation.objects.create(name="Test ICB", sector="nhs", kind="icb", ods_code="QZZ")
    council = Organisation.objects.create(
        name="Test Council", sector="council", kind="upper_tier_council", gss_code="E06000099"
    )
    agreement = Agreement.objects.create(
        name="Test Section 75", kind="section_75_pooled_fund", starts_on=dt.date(2026, 4, 1)
    )
    agreement.parties.create(organisation=council, role="host")
    agreement.parties.create(organisation=icb, role="member")
    return {"icb": icb, "council": council}


@pytest.fixture
def finance(user_factory, partners):
    """The host council's finance officer: access follows the partnership (decision 0040)."""
    return user_factory("fiona", roles=["finance_officer"], organisation=partners["council"])


@pytest.fixture
def pool(partners, finance):
    from jointcare.pool import agreement_file

    return agreement_file.create_from_text(finance, AGREEMENT_YAML)


def close_year(actor, pool, through: int = 11) -> None:
    """Close April .. February (the months a year-end settlement needs closed)."""
    from jointcare.pool import services
    from jointcare.pool.models import Period

    for number in Period.objects.filter(pool=pool, closed=False, number__lte=through).values_list("number", flat=True):
        services.close_period(actor, pool, number)
