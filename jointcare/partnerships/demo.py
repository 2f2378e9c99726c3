"""The demo partnership: synthetic partners, people and decisions on real geography.

Greater Manchester ICB (QOP, E54000007) and Trafford: Trafford Council (E08000009) hosts a Section 75 Better
Care Fund pooled budget with NHS Greater Manchester and its Trafford sub-ICB location (02A, E38000187); the
GP practices are the real Trafford practices from the reference data. The NHS trust, the voluntary,
independent and housing providers and every person are invented (organisations created here have
source="demo"). Everything is written through the services, so the audit trail shows how it was built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from jointcare.accounts import services as accounts
from jointcare.accounts.domain import Role
from jointcare.accounts.models import User
from jointcare.errors import ServiceError
from jointcare.organisations import services as organisations
from jointcare.organisations.domain import Kind
from jointcare.organisations.models import Organisation
from jointcare.partnerships import services
from jointcare.partnerships.domain import MembershipBasis
from jointcare.partnerships.models import Agreement

DEMO_PASSWORD = "jointcare-demo"
SIGN_IN_URL = "http://127.0.0.1:8000/sign-in"
SOURCE = "demo"

ICB_CODE = "E54000007"  # NHS Greater Manchester (STP20 E54000007, ODS QOP)
SUB_ICB_CODE = "E38000187"  # NHS Trafford CCG / sub-ICB location 02A
COUNCIL_CODE = "E08000009"  # Trafford metropolitan borough council

AGREEMENT_NAME = "Trafford Better Care Fund pooled budget"
ICB_AGREEMENT_NAME = "Greater Manchester health and care partnership"
NEIGHBOURHOOD_AGREEMENT_NAME = "Trafford integrated neighbourhood teams"

# Synthetic organisations: invented names; the trust's code has the ODS shape of an NHS trust.
TRUST = {"name": "Trafford Vale Community Health NHS Trust (synthetic)", "kind": "nhs_trust", "ods_code": "R9Z"}
PROVIDERS = {
    "voluntary": {"name": "Sale Water Carers' Circle (synthetic)", "kind": "provider", "sector": "voluntary"},
    "voluntary2": {"name": "Partington Good Neighbours (synthetic)", "kind": "provider", "sector": "voluntary"},
    "independent": {"name": "Carrington Moss Home Care Ltd (synthetic)", "kind": "provider", "sector": "independent"},
    "independent2": {"name": "Stamford Brook Care Homes Ltd (synthetic)", "kind": "provider", "sector": "independent"},
    "housing": {"name": "Dunham Reach Homes (synthetic)", "kind": "housing", "sector": "voluntary"},
}

# One user for every role: username = the role's value. (first name, last name, job title, organisation key)
USERS = {
    Role.CARE_COORDINATOR: ("Chloe", "Barker", "Care coordinator, social worker in general practice", "practice"),
    Role.SOCIAL_WORKER: ("Samir", "Patel", "Social worker, adult social care", "council"),
    Role.COMMUNITY_MATRON: ("Helen", "Morris", "Community matron", "trust"),
    Role.COMMISSIONER: ("Joanna", "Reid", "Joint commissioner, Better Care Fund", "council"),
    Role.FINANCE_OFFICER: ("Daniel", "Osei", "Pooled budget finance officer", "council"),
    Role.BOARD_MEMBER: ("Amira", "Holt", "Councillor, executive member for adult social care", "council"),
    Role.ANALYST: ("Lucy", "Chen", "Health and care intelligence analyst", "icb"),
    Role.ADMINISTRATOR: ("Mark", "Evans", "System administrator", "council"),
}


class DemoError(Exception):
    """The demo cannot be built (for example, the reference data lacks the demo's ICB)."""


@dataclass
class Demo:
    agreement: Agreement
    users: dict[str, User]
    created: bool


def exists() -> bool:
    return Agreement.objects.filter(name=AGREEMENT_NAME).exists()


def _reference(code: str, what: str) -> Organisation:
    try:
        return organisations.by_code(code)
    except ServiceError:
        raise DemoError(
            f"The reference data has no {what} ({code}). Run `jointcare load-reference` first."
        ) from None


def _councils_in(icb: Organisation, council: Organisation) -> list[Organisation]:
    """The upper-tier councils mostly inside the ICB: over half their LSOAs lie in its sub-ICB locations.

    (Greater Manchester's Tameside and Glossop sub-ICB also covers Glossop, in Derbyshire; Derbyshire is a
    neighbour to cooperate with, not one of the ICB's own councils.)
    """
    sub_codes = list(icb.children.filter(kind=Kind.SUB_ICB).exclude(gss_code=None).values_list("gss_code", flat=True))
    codes = {council.gss_code}
    try:
        from django.db.models import Count

        from jointcare.places.models import Lsoa
    except ImportError:  # the geography app is optional for the demo
        Lsoa = None
    if Lsoa is not None:
        inside = dict(
            Lsoa.objects.filter(ccg20__in=sub_codes).values("utla19").annotate(n=Count("id")).values_list("utla19", "n")
        )
        totals = dict(
            Lsoa.objects.filter(utla19__in=inside).values("utla19").annotate(n=Count("id")).values_list("utla19", "n")
        )
        codes |= {code for code, n in inside.items() if n * 2 > totals.get(code, 0)}
    return list(Organisation.objects.filter(kind=Kind.UPPER_TIER_COUNCIL, gss_code__in=codes).order_by("name"))


def _organisation(actor, spec: dict) -> Organisation:
    existing = Organisation.objects.filter(name=spec["name"], source=SOURCE).first()
    return existing or organisations.create_organisation(actor, source=SOURCE, **spec)


def _user(role: Role, organisation: Organisation) -> User:
    existing = User.objects.filter(username=role.value).first()
    if existing is not None:
        return existing
    first, last, job, _ = USERS[role]
    return accounts.create_user(
        None,
        username=role.value,
        password=DEMO_PASSWORD,
        roles=[role.value],
        organisation=organisation,
        first_name=first,
        last_name=last,
        job_title=job,
        email=f"{role.value}@example.org",
    )


@transaction.atomic
def build() -> Demo:
    """Build the demo partnership. Refuses (DemoError) when the reference geography is missing."""
    icb = _reference(ICB_CODE, "NHS Greater Manchester ICB")
    sub = _reference(SUB_ICB_CODE, "Trafford sub-ICB location")
    council = _reference(COUNCIL_CODE, "Trafford Council")
    practices = list(sub.children.filter(kind=Kind.GP_PRACTICE, active=True).order_by("name"))
    councils = _councils_in(icb, council)

    # The administrator adds the synthetic partners; the commissioner sets up the partnership.
    admin_org = council
    admin = _user(Role.ADMINISTRATOR, admin_org)
    trust = _organisation(admin, TRUST)
    providers = {key: _organisation(admin, spec) for key, spec in PROVIDERS.items()}
    homes = {"council": council, "icb": icb, "sub": sub, "trust": trust, "practice": practices[0] if practices else council}
    users = {role.value: _user(role, homes[USERS[role][3]]) for role in Role}
    commissioner = users[Role.COMMISSIONER]
    board_member = users[Role.BOARD_MEMBER]

    agreement = services.create_agreement(
        commissioner,
        name=AGREEMENT_NAME,
        kind="section_75_pooled_fund",
        starts_on=dt.date(2025, 4, 1),
        ends_on=None,  # until terminated: the pools of every year since lie within it
        legal_basis="Section 75 of the National Health Service Act 2006",
        scope=(
            "Better Care Fund services for adults in Trafford: reablement and intermediate care, hospital discharge, "
            "community equipment, disabled facilities grants, carers' support and social workers in general practice."
        ),
        parties=[(council, "host"), (icb, "member"), (sub, "member")],
    )
    board = services.create_board(
        commissioner,
        agreement,
        name="Trafford Better Care Fund Partnership Board",
        terms_of_reference=(
            "Oversees the pooled budget and the Better Care Fund plan; reports to the Trafford Health and Wellbeing "
            "Board. Decisions need three voting members present."
        ),
        quorum=3,
    )
    start = dt.date(2025, 4, 1)
    seats = [
        ("Cllr Amira Holt", council, MembershipBasis.ELECTED_COUNCILLOR, True, "Chair", board_member),
        ("Cllr Peter Lindqvist", council, MembershipBasis.ELECTED_COUNCILLOR, True, "", None),
        ("Grace Okafor", council, MembershipBasis.APPOINTED_BY_COUNCIL, True, "Director of adult social services", None),
        ("Dr Tom Ellison", sub, MembershipBasis.APPOINTED_BY_NHS, True, "Vice-chair; place clinical lead", None),
        ("Ruth Adeyemi", icb, MembershipBasis.APPOINTED_BY_NHS, True, "ICB place-based lead for Trafford", None),
        ("Simon Harcourt", icb, MembershipBasis.APPOINTED_NATIONALLY, False, "NHS England regional adviser", None),
        ("Martin Quayle", providers["voluntary"], MembershipBasis.CO_OPTED, False, "Voluntary sector representative", None),
    ]
    members = [
        services.add_board_member(
            commissioner,
            board,
            person_name=name,
            organisation=org,
            basis=basis.value,
            voting=voting,
            position=position,
            starts_on=start,
            user=user,
        )
        for name, org, basis, voting, position, user in seats
    ]
    first = services.record_meeting(
        board_member,
        board,
        held_on=dt.date(2025, 5, 15),
        title="Plan sign-off",
        location="Trafford Town Hall, Stretford",
        attendees=members,
    )
    services.record_decision(
        board_member,
        first,
        summary="Approved the 2025/26 Better Care Fund plan and the pooled budget",
        detail="Contributions from Trafford Council and NHS Greater Manchester as set out in the plan.",
        votes_for=5,
        votes_against=0,
        abstentions=0,
    )
    services.record_decision(
        board_member,
        first,
        summary="Agreed that overspends and underspends are shared in proportion to contributions",
        votes_for=4,
        votes_against=0,
        abstentions=1,
    )
    second = services.record_meeting(
        board_member,
        board,
        held_on=dt.date(2025, 9, 18),
        title="Quarter 1 review",
        location="Trafford Town Hall, Stretford",
        attendees=[m for m in members if m.person_name != "Cllr Peter Lindqvist"],
    )
    services.record_decision(
        board_member,
        second,
        summary="Moved £250,000 from contingency to extra reablement capacity for the winter",
        votes_for=3,
        votes_against=1,
        abstentions=0,
    )
    services.change_status(commissioner, agreement, "active")

    # The ICB-wide duty to cooperate, with every council in the ICB's area.
    wide = services.create_agreement(
        commissioner,
        name=ICB_AGREEMENT_NAME,
        kind="duty_to_cooperate",
        starts_on=dt.date(2022, 7, 1),
        scope="Joint strategic needs assessment, the integrated care strategy and shared workforce plans.",
        legal_basis="Health and Care Act 2022: duty to cooperate",
        parties=[(icb, "host")] + [(c, "member") for c in councils],
    )
    services.change_status(commissioner, wide, "active")

    # Integrated provision with the trust and the real Trafford GP practices (a draft, still being agreed).
    services.create_agreement(
        commissioner,
        name=NEIGHBOURHOOD_AGREEMENT_NAME,
        kind="integrated_provision",
        starts_on=dt.date(2026, 4, 1),
        scope="Community nursing, community matrons and social workers working as one team with each GP practice.",
        parties=[(council, "lead_commissioner"), (trust, "member"), (providers["independent"], "member")]
        + [(p, "member") for p in practices],
    )

    try:
        from jointcare.pool.demo import build_demo_pools
    except ImportError:
        build_demo_pools = None
    if build_demo_pools is not None:
        build_demo_pools(agreement, users)
    return Demo(agreement=agreement, users=users, created=True)


def existing() -> Demo:
    agreement = Agreement.objects.get(name=AGREEMENT_NAME)
    users = {u.username: u for u in User.objects.filter(username__in=[r.value for r in Role]).select_related("organisation")}
    return Demo(agreement=agreement, users=users, created=False)


def sign_in_rows(users: dict[str, User]) -> list[tuple[str, str, str, str, str]]:
    """(role, username, password, organisation, URL) for each demo role."""
    rows = []
    for role in Role:
        user = users.get(role.value)
        if user is None:
            continue
        rows.append((role.label, user.username, DEMO_PASSWORD, user.organisation.name if user.organisation_id else "", SIGN_IN_URL))
    return rows
