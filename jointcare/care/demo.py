"""The demo's integrated care: Trafford's teams and routing rules, the demo's care staff in them, and a few
referrals in each state, with an assessment, tasks and reviews. Everything goes through the real services.

Referrals are made for the demo's people (the first Trafford residents, oldest record first); when the demo
has no people yet a handful of synthetic ones (999-range NHS numbers) are added for the purpose.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jointcare.care import services
from jointcare.care.domain.vocabulary import EventOutcome, RouteOfAccess
from jointcare.care.models import Team

COUNCIL_CODE = "E08000009"  # Trafford
REABLEMENT = "Trafford Reablement Team"
NEIGHBOURHOOD = "Trafford Integrated Neighbourhood Team"
# (team, route of access or None for any, council or None for any)
RULES = [
    (REABLEMENT, RouteOfAccess.HOSPITAL_DISCHARGE, COUNCIL_CODE),
    (REABLEMENT, RouteOfAccess.HOSPITAL_DIVERSION, COUNCIL_CODE),
    (NEIGHBOURHOOD, None, COUNCIL_CODE),
    (NEIGHBOURHOOD, None, None),  # the default team
]
# demo username -> teams
MEMBERS = {
    "social_worker": [REABLEMENT, NEIGHBOURHOOD],
    "community_matron": [REABLEMENT, NEIGHBOURHOOD],
    "care_coordinator": [NEIGHBOURHOOD],
}
FALLBACK_PEOPLE = [("Edna", "Whitworth", dt.date(1938, 5, 14)), ("Harold", "Brierley", dt.date(1941, 11, 2)),
                   ("Maureen", "Ashworth", dt.date(1945, 2, 27)), ("Stanley", "Openshaw", dt.date(1936, 8, 9)),
                   ("Joan", "Hulme", dt.date(1949, 12, 19)), ("Derek", "Kenyon", dt.date(1943, 3, 30)),
                   ("Irene", "Pickup", dt.date(1951, 7, 4)), ("Albert", "Cropper", dt.date(1939, 10, 11))]


def _people(count: int) -> list:
    from jointcare.people.models import Person

    people = list(Person.objects.filter(responsible_council=COUNCIL_CODE, voided_at__isnull=True, restricted=False)
                  .order_by("id")[:count])
    if people:
        return people
    from jointcare.people import services as people_services
    from jointcare.people.domain import synthetic_nhs_number

    if not people_services.council_exists(COUNCIL_CODE):
        return []  # no geography loaded: teams and rules only
    return [
        people_services.create_person(None, nhs_number=synthetic_nhs_number(880_000 + 2 * i), given_name=given,
                                      family_name=family, date_of_birth=born, responsible_council=COUNCIL_CODE)
        for i, (given, family, born) in enumerate(FALLBACK_PEOPLE[:count])
    ]


@transaction.atomic
def build_care_demo(users: dict, organisation) -> dict[str, Team]:
    """Teams of `organisation` (Trafford Council), their rules and members, and a few referrals. Idempotent: does
    nothing when the teams exist."""
    existing = {t.name: t for t in Team.objects.filter(name__in=[REABLEMENT, NEIGHBOURHOOD])}
    if existing:
        return existing
    admin = users.get("administrator")
    teams = {
        REABLEMENT: services.create_team(admin, name=REABLEMENT, organisation=organisation,
                                         description="Short-term support to regain independence after hospital (ST-Max)"),
        NEIGHBOURHOOD: services.create_team(admin, name=NEIGHBOURHOOD, organisation=organisation,
                                            description="Social workers, community matrons and district nurses around GP practices"),
    }
    for team, route, council in RULES:
        services.add_routing_rule(admin, teams[team], route=route.value if route else None, council=council)
    for username, names in MEMBERS.items():
        if username in users:
            for name in names:
                services.add_member(admin, teams[name], users[username])

    worker = users.get("social_worker")
    matron = users.get("community_matron")
    people = _people(8)
    now = timezone.now()
    routes = [RouteOfAccess.HOSPITAL_DISCHARGE] * 5 + [RouteOfAccess.COMMUNITY] * 3
    referrals = []
    for i, (person, route) in enumerate(zip(people, routes, strict=False)):
        referrals.append(services.refer(
            worker, person, source=route.value, urgency="urgent" if i % 3 == 0 else "routine",
            referrer="Ward 4, Trafford General Hospital (synthetic)" if route is RouteOfAccess.HOSPITAL_DISCHARGE else "GP practice",
            reason="Medically fit for discharge; needs support with personal care at home"
            if route is RouteOfAccess.HOSPITAL_DISCHARGE else "Falls at home; family worried",
            received_at=now - dt.timedelta(days=8 - i, hours=i),
        ))
    if worker is not None and len(referrals) >= 3:
        first = services.claim_referral(worker, referrals[0].pk)
        services.act_on_referral(worker, first.pk, "contact")
        services.start_assessment(worker, first.person, referral=first)
        services.create_task(worker, first.person, title="Arrange a key safe before the first visit", assignee=worker,
                             due_on=timezone.localdate() + dt.timedelta(days=2), referral=first)
        services.schedule_review(worker, first.person, due_on=timezone.localdate() + dt.timedelta(days=42),
                                 team=teams[REABLEMENT], reviewer=worker)
        services.claim_referral(worker, referrals[1].pk)
        _close(worker, referrals[2], EventOutcome.PROGRESS_REABLEMENT)
    if matron is not None and len(referrals) >= 6:
        services.claim_referral(matron, referrals[5].pk)
        services.schedule_review(matron, referrals[5].person, due_on=timezone.localdate() - dt.timedelta(days=3),
                                 team=teams[NEIGHBOURHOOD], reviewer=matron)
    if matron is not None and len(referrals) >= 7:
        _close(matron, referrals[6], EventOutcome.NFA_INFORMATION)
    return teams


def _close(worker, referral, outcome: EventOutcome) -> None:
    """A referral taken to its end: claimed, the person contacted, closed with its CLD outcome."""
    services.claim_referral(worker, referral.pk)
    services.act_on_referral(worker, referral.pk, "contact")
    services.act_on_referral(worker, referral.pk, "close", outcome=outcome.value)
