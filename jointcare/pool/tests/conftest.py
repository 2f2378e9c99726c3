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


AFTER_YEAR_END = dt.date(2027, 4, 15)  # for the 2026-27 pool of AGREEMENT_YAML


@pytest.fixture
def clock(monkeypatch):
    """Set the date the pool's services and reports take as today (everything else keeps the real clock):
    `clock(dt.date(2027, 4, 15))`."""
    from django.utils import timezone

    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_today


def close_year(actor, pool, through: int = 11, today: dt.date | None = None) -> None:
    """Close April .. `through` (by default to February, the months a year-end settlement needs closed), as
    at `today` (by default after the pool's year, when every month has ended)."""
    from jointcare.pool import services
    from jointcare.pool.models import Period

    today = today or dt.date(pool.financial_year + 1, 4, 15)
    for number in Period.objects.filter(pool=pool, closed=False, number__lte=min(through, 11)).values_list("number", flat=True):
        services.close_period(actor, pool, number, today=today)
