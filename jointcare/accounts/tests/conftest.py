"""A small partnership world for the access tests: one user of every role in every relationship.

Agreement "Test Section 75" (from the pool tests' fixtures): the council hosts, the ICB is a member; its board
seats one user of each role from a co-opted voluntary organisation; its pool 2026-27 is hosted by the council.
Users are named ROLE-TIE: TIE is how they stand to the partnership:

    host      of the council (host party)          party   of the ICB (member party)
    seat      of the charity, holding a board seat  named   of Salford, named pool manager when a test says so
    outsider  of Salford, no tie at all
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from jointcare.accounts import services as accounts
from jointcare.accounts.domain import Relationship, Role
from jointcare.pool.tests.conftest import AGREEMENT_YAML, clock, partners  # noqa: F401 (fixtures)

TIES = ("host", "party", "seat", "named", "outsider")
PASSWORD = "correct-horse-battery"


def agreement_yaml(year: int) -> str:
    """The pool tests' agreement document (for the same agreement) for another financial year."""
    return re.sub(r"financial_year: \S+", f"financial_year: {year}-{(year + 1) % 100:02d}", AGREEMENT_YAML)


@dataclass
class World:
    agreement: object
    board: object
    pool: object
    orgs: dict
    users: dict  # (role, tie) -> User
    person: object = None  # registered with the ICB (as if its GP practice); the named users are on its care team
    targets: dict = field(default_factory=dict)  # integrated care: kind -> the record (see care_targets)

    def user(self, role: Role, tie: str):
        return self.users[(Role(role), tie)]

    def target(self, kind: str):
        """The target of each kind of EXPECTED_TIES."""
        if kind in PLAN_KINDS:
            return self.care()[PLAN_KINDS[kind]]
        return (
            {"agreement": self.agreement, "pool": self.pool, "person": self.person}.get(kind)
            or self.targets.get(kind) or self.orgs[kind]
        )

    def care(self) -> dict:
        """A person of the pool's council (the `named` users on their care team) with a care plan paid from the
        pool, a reablement episode and its follow-ups; made on first use (care_world)."""
        if "_care" not in self.__dict__:
            self.__dict__["_care"] = care_world(self)
        return self.__dict__["_care"]


# What each tie is to each kind of target, written out by hand (the resolver must agree, see test_access).
P, H, S, N, U = (
    Relationship.PARTY,
    Relationship.HOST,
    Relationship.BOARD_SEAT,
    Relationship.NAMED,
    Relationship.UNCLAIMED,
)
TM, CR = Relationship.TEAM_MEMBER, Relationship.CARE_RELATIONSHIP
EXPECTED_TIES = {
    "agreement": {"host": {P, H}, "party": {P}, "seat": {S}, "named": set(), "outsider": set()},
    "pool": {"host": {P, H}, "party": {P}, "seat": {S}, "named": {N}, "outsider": set()},
    # a local organisation that is a party to the agreement
    "org:local": {"host": {P}, "party": {P}, "seat": set(), "named": set(), "outsider": set()},
    # a local organisation in no partnership
    "org:unclaimed": {tie: {U} for tie in TIES},
    # a reference (ODS/GSS) organisation
    "org:reference": {tie: set() for tie in TIES},
    # a person registered with the ICB (standing in for a GP practice), the named users on their care team
    "person": {"host": set(), "party": {Relationship.CARE_RELATIONSHIP}, "seat": set(),
               "named": {Relationship.CARE_RELATIONSHIP}, "outsider": set()},
    # a person of the pool's council with no GP practice recorded, the named users on their care team
    "plan_person": {"host": set(), "party": set(), "seat": set(), "named": {Relationship.CARE_RELATIONSHIP},
                    "outsider": set()},
    # their care plan, paid from the pool: also reached by the person's council (the host) and the pool's partners
    "plan": {"host": {P}, "party": {P}, "seat": set(), "named": {Relationship.CARE_RELATIONSHIP}, "outsider": set()},
    # integrated care: another person ("referred"), whose referral the host council's team (every host user a
    # member) holds, with the assessment, task and review of it
    "team": {tie: {TM} if tie == "host" else set() for tie in TIES},
    "referred": {tie: {CR} if tie == "host" else set() for tie in TIES},
    "referral": {tie: {TM, CR} if tie == "host" else set() for tie in TIES},
    "assessment": {tie: {TM, CR} if tie == "host" else set() for tie in TIES},
    "task": {tie: {TM, CR} if tie == "host" else set() for tie in TIES},
    "review": {tie: {TM, CR} if tie == "host" else set() for tie in TIES},
}
# The care world's kinds of target, and the record of care_world each is.
PLAN_KINDS = {"plan_person": "person", "plan": "plan"}


def care_targets(council, members) -> dict:
    """A person referred to the council's team (its members: `members`), with an assessment, a task and a review."""
    import datetime as dt

    from jointcare.care import services as care
    from jointcare.people import services as people
    from jointcare.people.domain import synthetic_nhs_number
    from jointcare.places.models import Area, Level

    Area.objects.get_or_create(code=council.gss_code, level=Level.COUNCIL, defaults={"name": council.name})
    person = people.create_person(None, nhs_number=synthetic_nhs_number(4242), given_name="Pat", family_name="Doe",
                                  date_of_birth=dt.date(1941, 3, 2), responsible_council=council.gss_code)
    team = care.create_team(None, name="Test Reablement Team", organisation=council)
    care.add_routing_rule(None, team)
    for user in members:
        care.add_member(None, team, user)
    referral = care.refer(None, person, source="hospital_discharge")
    return {
        "team": team, "referred": person, "referral": referral,
        "assessment": care.start_assessment(None, person, referral=referral),
        "task": care.create_task(None, person, title="Telephone the family", team=team),
        "review": care.schedule_review(None, person, due_on=dt.date(2026, 9, 1), team=team),
    }


@pytest.fixture
def world(partners, settings):  # noqa: F811
    from jointcare.organisations.models import Organisation
    from jointcare.partnerships import services as partnerships
    from jointcare.pool import agreement_file

    council, icb = partners["council"], partners["icb"]
    salford = Organisation.objects.create(
        name="Salford", sector="council", kind="upper_tier_council", gss_code="E08000006", source="reference"
    )
    charity = Organisation.objects.create(name="Riverside Carers", sector="voluntary", kind="provider")
    local = Organisation.objects.create(name="Dunham Homes", sector="voluntary", kind="housing")
    unclaimed = Organisation.objects.create(name="Newco Care", sector="independent", kind="provider")
    agreement = council.parties.get().agreement
    partnerships.add_party(None, agreement, local, "member")
    board = partnerships.create_board(None, agreement, name="Joint board")
    homes = {"host": council, "party": icb, "seat": charity, "named": salford, "outsider": salford}
    users = {}
    for role in Role:
        for tie in TIES:
            users[(role, tie)] = accounts.create_user(
                None, username=f"{role.value}-{tie}", password=PASSWORD, roles=[role.value], organisation=homes[tie]
            )
        partnerships.add_board_member(
            None, board, person_name=f"{role.label} seat", organisation=charity, basis="co_opted",
            voting=False, user=users[(role, "seat")],
        )
    pool = agreement_file.create_from_text(None, AGREEMENT_YAML)
    person = _person(icb, [users[(role, "named")] for role in Role])
    orgs = {
        "council": council, "icb": icb, "salford": salford, "charity": charity,
        "org:local": local, "org:unclaimed": unclaimed, "org:reference": salford,
    }
    targets = care_targets(council, [u for (role, tie), u in users.items() if tie == "host"])
    return World(agreement=agreement, board=board, pool=pool, orgs=orgs, users=users, person=person, targets=targets)


def _person(practice, team):
    import datetime as dt

    from jointcare.people.models import CareTeamMember, Person

    person = Person.objects.create(nhs_number="9990000018", given_name="Test", family_name="Person",
                                   date_of_birth=dt.date(1940, 1, 1), responsible_council="E08000009",
                                   gp_practice=practice)
    for user in team:
        CareTeamMember.objects.create(person=person, user=user, name=user.username, role="other")
    return person


def care_world(world) -> dict:
    import datetime as dt
    from decimal import Decimal

    from jointcare.packages import services as packages
    from jointcare.packages.domain import Funding
    from jointcare.people import services as people
    from jointcare.places.models import Area, Level

    council = world.orgs["council"]
    Area.objects.get_or_create(code=council.gss_code, level=Level.COUNCIL, defaults={"name": council.name})
    person = people.create_person(
        None, nhs_number="9990000026", given_name="Ada", family_name="Matrix", date_of_birth=dt.date(1940, 1, 2),
        responsible_council=council.gss_code,
    )
    for role in Role:
        people.add_care_team_member(None, person, role="social_worker", user=world.user(role, "named"),
                                    started_on=dt.date(2020, 1, 1))
    service = packages.add_service(None, person, packages.ServiceSpec(
        name="Home care", provider=world.orgs["charity"], service_type="Short term support: ST-Max",
        component="Reablement", delivery_mechanism="CASSR Commissioned support", units_per_week=Decimal("5"),
        unit_cost_pence=2000, starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 6, 11),
        funding=Funding(pooled_bp=10_000), scheme=world.pool.schemes.get(code="REAB"),
    ))
    episode = packages.start_episode(None, person, starts_on=dt.date(2026, 5, 1), discharged_on=dt.date(2026, 4, 30),
                                     service=service)
    return {"person": person, "plan": service.plan, "service": service, "episode": episode,
            "follow_up": episode.follow_ups.first()}
