"""The demo's care plans: two synthetic Trafford residents (999-range NHS numbers) on the demo care coordinator's
caseload. Ada's plan is a jointly funded home care package (pooled budget, council and her own contribution)
with NHS-funded equipment, after a reablement episode from hospital paid from the pool, its follow-ups scheduled;
Bernard's care home placement costs more a week than the approval threshold and awaits the commissioner.
Built through the services, so the demo pool's commitments from care plans match the plans to the penny."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from jointcare.packages import services
from jointcare.packages.domain import EventOutcome, Funding, ServiceType
from jointcare.pool.domain import financial_year_of

COUNCIL = "E08000009"  # Trafford
PEOPLE = [
    # nhs_number, given, family, date of birth, postcode
    ("9999001017", "Ada", "Whitworth", dt.date(1938, 3, 14), "M33 7ZZ"),
    ("9999001025", "Bernard", "Ashworth", dt.date(1931, 11, 2), "WA14 1ZZ"),
]


def _first_open_day(today: dt.date) -> dt.date:
    """The first day of last month (the demo pool leaves it open), within this financial year."""
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if financial_year_of(last_month) != financial_year_of(today):
        return today.replace(day=1)
    return last_month


def _provider(name_start: str):
    from jointcare.organisations.models import Organisation

    return Organisation.objects.filter(name__startswith=name_start).order_by("id").first()


def _person(actor, row, coordinator, practice):
    """The demo resident (made once, through the people services), with the demo care coordinator on their care team."""
    from jointcare.people import services as people
    from jointcare.people.models import Person

    nhs, given, family, born, postcode = row
    existing = Person.objects.filter(nhs_number=nhs, voided_at__isnull=True).first()
    if existing is not None:
        return existing
    person = people.create_person(actor, nhs_number=nhs, given_name=given, family_name=family, date_of_birth=born,
                                  responsible_council=COUNCIL, postcode=postcode, gp_practice=practice,
                                  consent_to_share=True)
    people.add_care_team_member(actor, person, user=coordinator, role="social_worker", is_coordinator=True,
                                started_on=dt.date(2024, 4, 1))
    return person


def build_demo_packages(agreement, users: dict, today: dt.date | None = None) -> list:
    """Build the demo plans (once). Returns the people whose plans were built."""
    from jointcare.pool.models import Pool

    today = today or timezone.localdate()
    coordinator = users.get("care_coordinator")
    pool = Pool.objects.filter(agreement=agreement, financial_year=financial_year_of(today)).first()
    if coordinator is None or pool is None:
        return []
    schemes = {s.code: s for s in pool.schemes.all()}
    home_care = _provider("Carrington Moss") or pool.host
    care_home = _provider("Stamford Brook") or pool.host
    neighbours = _provider("Partington") or pool.host
    trust = _provider("Trafford Vale") or pool.host
    from jointcare.people.demo import practices

    gps = practices()
    ada, bernard = (_person(coordinator, row, coordinator, gps[n % len(gps)] if gps else None)
                    for n, row in enumerate(PEOPLE))
    if services.plan_of(ada) is not None:
        return []
    start = _first_open_day(today)

    # Ada: home from hospital into reablement (free, from the pool), then a jointly funded package.
    discharged = start
    reablement = services.add_service(coordinator, ada, services.ServiceSpec(
        name="Reablement at home", provider=home_care, service_type=ServiceType.ST_MAX.value, component="Reablement",
        delivery_mechanism="CASSR Commissioned support", units_per_week=Decimal("10"), unit_cost_pence=2600,
        starts_on=start + dt.timedelta(days=1), ends_on=start + dt.timedelta(days=42),
        funding=Funding(pooled_bp=10_000), scheme=schemes.get("REAB"),
    ))
    episode = services.start_episode(coordinator, ada, starts_on=start + dt.timedelta(days=1), discharged_on=discharged,
                                     provider=home_care, service=reablement)
    ended = min(today, episode.last_day)
    if ended > episode.starts_on + dt.timedelta(days=13):
        services.end_episode(coordinator, episode, ended, EventOutcome.PROGRESS_SERVICES.value)
        package_start = ended + dt.timedelta(days=1)
    else:
        package_start = episode.last_day + dt.timedelta(days=1)
    services.set_goals(coordinator, ada, ["Get washed and dressed each morning", "Walk to the shops on Cross Street"])
    services.add_service(coordinator, ada, services.ServiceSpec(
        name="Home care, mornings and evenings", provider=home_care, service_type=ServiceType.COMMUNITY.value,
        component="Home care or domiciliary care", delivery_mechanism="CASSR Commissioned support",
        units_per_week=Decimal("10.5"), unit_cost_pence=2450, starts_on=package_start,
        funding=Funding(pooled_bp=6000, council_bp=4000, client_weekly_pence=3500), scheme=schemes.get("HOME"),
    ))
    services.add_service(coordinator, ada, services.ServiceSpec(
        name="Lunch club", provider=neighbours, service_type=ServiceType.ONGOING_LOW_LEVEL.value, component="Meals",
        delivery_mechanism="CASSR Commissioned support", units_per_week=Decimal("2"), unit_cost_pence=650,
        starts_on=package_start, funding=Funding(council_bp=10_000, client_weekly_pence=400),
    ))
    services.add_service(coordinator, ada, services.ServiceSpec(
        name="Community equipment: perching stool and rails", provider=trust, service_type=ServiceType.OTHER_SHORT_TERM.value,
        component="Equipment", delivery_mechanism="CASSR Commissioned support", units_per_week=Decimal("1"),
        unit_cost_pence=1200, starts_on=start + dt.timedelta(days=1), ends_on=start + dt.timedelta(days=56),
        funding=Funding(nhs_bp=10_000),
    ))

    # Bernard: a care home placement above the threshold, jointly funded with the NHS; it awaits approval.
    services.set_goals(coordinator, bernard, ["Stay safe at night", "Keep in touch with his daughter"])
    services.add_service(coordinator, bernard, services.ServiceSpec(
        name="Nursing care home placement", provider=care_home, service_type=ServiceType.NURSING.value,
        component="Long term nursing care", delivery_mechanism="CASSR Commissioned support", units_per_week=Decimal("1"),
        unit_cost_pence=118_000, starts_on=today.replace(day=1),
        funding=Funding(pooled_bp=5000, nhs_bp=5000), scheme=schemes.get("HOME"),
    ))
    return [ada, bernard]
