"""Roles, the access policy and the sign-in rules. Pure: no Django import.

A role says what a user may do; the user's relationship to the thing they act on says where. The policy is
one table of (role, relationship, action) rows: a user may take an action on a target when any of their
roles and any of their relationships to that target have a row. Decision record 0040 explains each choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    CARE_COORDINATOR = "care_coordinator"
    SOCIAL_WORKER = "social_worker"
    COMMUNITY_MATRON = "community_matron"
    COMMISSIONER = "commissioner"
    FINANCE_OFFICER = "finance_officer"
    BOARD_MEMBER = "board_member"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CARE_COORDINATOR: "Care coordinator",
    Role.SOCIAL_WORKER: "Social worker",
    Role.COMMUNITY_MATRON: "Community matron",
    Role.COMMISSIONER: "Joint commissioner",
    Role.FINANCE_OFFICER: "Finance officer",
    Role.BOARD_MEMBER: "Partnership board member",
    Role.ANALYST: "Analyst",
    Role.ADMINISTRATOR: "System administrator",
}


class Relationship(StrEnum):
    """What ties a user to the target of an action. A user may hold several at once."""

    # Every signed-in user, whatever the target (or when there is none: lists, reference data, creating).
    ANY = "any"
    # The user's organisation is a party to the partnership agreement (of the board, of the pool), or hosts
    # the pool. For an organisation: it is the user's own, or a party to an agreement the user's is party to.
    PARTY = "party"
    # The user's organisation is the host party of the agreement, or the host of the pool.
    HOST = "host"
    # The user holds a current seat on the agreement's board.
    BOARD_SEAT = "board_seat"
    # The user is named on the target: the pool's manager.
    NAMED = "named"
    # A local organisation no partnership has taken up yet (not a party, no board member's organisation).
    UNCLAIMED = "unclaimed"
    # Person records: the user is on the person's care team, works for the person's GP practice, holds another
    # relationship an app registers (jointcare.people.sharing), or has a live break-glass on the record.
    CARE_RELATIONSHIP = "care_relationship"
    # Integrated care: the user is a member of the team holding the referral (or the task, the review; or one of
    # the person's referrals, for the person's assessments, tasks and reviews). See jointcare.care.access.
    TEAM_MEMBER = "team_member"


ALL_ROLES = frozenset(Role)
CARE_ROLES = frozenset({Role.CARE_COORDINATOR, Role.SOCIAL_WORKER, Role.COMMUNITY_MATRON})
PARTNERSHIP_STAFF = frozenset({Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.BOARD_MEMBER, Role.ANALYST})

C = Role.COMMISSIONER
F = Role.FINANCE_OFFICER
B = Role.BOARD_MEMBER
A = Role.ADMINISTRATOR
CARE = Relationship.CARE_RELATIONSHIP
TEAM = Relationship.TEAM_MEMBER
ANY, PARTY, HOST, SEAT, NAMED, UNCLAIMED = (
    Relationship.ANY,
    Relationship.PARTY,
    Relationship.HOST,
    Relationship.BOARD_SEAT,
    Relationship.NAMED,
    Relationship.UNCLAIMED,
)

# The policy. Each line: action, relationship, the roles allowed with that relationship.
# Administrators appear only where named: they run the system, they do not move money or decide.
POLICY_LINES: tuple[tuple[str, Relationship, frozenset[Role]], ...] = (
    # action                  relationship  roles
    ("reference.view",        ANY,          ALL_ROLES),
    ("reference.manage",      ANY,          frozenset({A})),
    ("organisations.view",    ANY,          ALL_ROLES),
    ("organisations.create",  ANY,          frozenset({C})),
    # Reference organisations (ODS/GSS records from the shipped data) give no relationship but ANY: nobody
    # edits them here; `load-reference` updates them. Local ones are kept by commissioners of their partners.
    ("organisations.edit",    PARTY,        frozenset({C})),
    ("organisations.edit",    UNCLAIMED,    frozenset({C})),
    # Agreements and decision logs are public documents of public bodies: every signed-in user may read them.
    ("partnerships.view",     ANY,          ALL_ROLES),
    ("partnerships.create",   ANY,          frozenset({C})),
    ("partnerships.edit",     PARTY,        frozenset({C})),
    # Meetings and decisions are recorded by people who sit on that board.
    ("partnerships.decide",   SEAT,         frozenset({C, B})),
    # Pools: the money of the partners, seen by their staff and the board that oversees it.
    ("pool.view",             PARTY,        PARTNERSHIP_STAFF),
    ("pool.view",             SEAT,         frozenset({C, B})),
    ("pool.view",             NAMED,        frozenset({F})),
    ("pool.create",           PARTY,        frozenset({C, F})),
    ("pool.edit",             PARTY,        frozenset({C, F})),
    ("pool.edit",             NAMED,        frozenset({F})),
    # Money needs a finance role. Any party's finance officer records spend; the host's finance officers
    # (or the named pool manager) close months, reopen them and settle the year.
    ("pool.post",             PARTY,        frozenset({F})),
    ("pool.post",             NAMED,        frozenset({F})),
    ("pool.commit",           PARTY,        frozenset({F})),
    ("pool.commit",           NAMED,        frozenset({F})),
    ("pool.close",            HOST,         frozenset({F})),
    ("pool.close",            NAMED,        frozenset({F})),
    ("pool.reopen",           HOST,         frozenset({F})),
    ("pool.reopen",           NAMED,        frozenset({F})),
    ("pool.settle",           HOST,         frozenset({F})),
    ("pool.settle",           NAMED,        frozenset({F})),
    # The audit trail: administrators see all of it; a pool's manager and the host's finance officers, who
    # close and settle it, see that pool's.
    ("audit.view",            ANY,          frozenset({A})),
    ("audit.view",            HOST,         frozenset({F})),
    ("audit.view",            NAMED,        frozenset({F})),
    # Client Level Data, populations and hospital activity: statutory returns about people in aggregate, loaded
    # and checked by analysts; commissioners see what was received. A submission's report names rows and fields,
    # never the values of identifying fields.
    ("cld.view",              ANY,          frozenset({Role.ANALYST, C})),
    ("cld.import",            ANY,          frozenset({Role.ANALYST})),
    ("users.manage",          ANY,          frozenset({A})),
    ("tokens.manage",         ANY,          frozenset({A})),
    # Person records: care staff find anyone by search (name, date of birth, NHS number) and add people; they
    # open and change a record only through a care relationship (decision 0085). Administrators keep records
    # whole (void, merge) and read a record's access history, but do not open it.
    ("person.search",         ANY,          CARE_ROLES | {A}),
    ("person.create",         ANY,          CARE_ROLES),
    ("person.view",           CARE,         CARE_ROLES),
    ("person.edit",           CARE,         CARE_ROLES),
    # Break-glass: any care staff may open a record in an emergency, with a written reason; audited, it lasts
    # four hours (jointcare.people.domain), and never opens a restricted record.
    ("person.break_glass",    ANY,          CARE_ROLES),
    # Care plans and reablement (decision 0097): care staff with a care relationship to the person see and change
    # them; a commissioner of a partner funding the plan from its pool, or of the person's council, sees the plan
    # and approves changes above the cost threshold. Imports check each row's person as packages.edit.
    ("packages.view",         CARE,         CARE_ROLES),
    ("packages.view",         PARTY,        frozenset({C})),
    ("packages.edit",         CARE,         CARE_ROLES),
    ("packages.approve",      PARTY,        frozenset({C})),
    ("packages.import",       ANY,          CARE_ROLES),
    ("person.void",           ANY,          frozenset({A})),
    ("person.merge",          ANY,          frozenset({A})),
    ("person.access_log",     ANY,          frozenset({A})),
    # Integrated care (decision 0090): a team's members see and work its referral queue; the person's care
    # relationship opens the rest. Anyone in a care role may refer; administrators set up teams and routing.
    ("care.view",             TEAM,         CARE_ROLES),
    ("care.view",             CARE,         CARE_ROLES),
    ("care.refer",            ANY,          CARE_ROLES),
    ("care.claim",            TEAM,         CARE_ROLES),
    ("care.assess",           TEAM,         CARE_ROLES),
    ("care.assess",           CARE,         CARE_ROLES),
    ("care.coordinate",       TEAM,         CARE_ROLES),
    ("care.coordinate",       CARE,         CARE_ROLES),
    ("care.manage_teams",     ANY,          frozenset({A})),
)

POLICY: frozenset[tuple[Role, Relationship, str]] = frozenset(
    (role, relationship, action) for action, relationship, roles in POLICY_LINES for role in roles
)
ACTIONS: frozenset[str] = frozenset(action for action, _, _ in POLICY_LINES)
_ROLE_ACTIONS = frozenset((role, action) for role, _, action in POLICY)
# Actions that change something (the rest only read).
WRITES: frozenset[str] = frozenset(a for a in ACTIONS if not a.endswith(".view"))


def _known(action: str) -> None:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")


def allowed(roles: Iterable[str], relationships: Iterable[str], action: str) -> bool:
    """May a user with these roles, so related to the target, take the action? Unknown actions are errors."""
    _known(action)
    relationships = set(relationships)
    return any((role, rel, action) in POLICY for role in roles for rel in relationships)


def possible(roles: Iterable[str], action: str) -> bool:
    """Could a user with these roles take the action on some target (with the right relationship)?"""
    _known(action)
    return any((role, action) in _ROLE_ACTIONS for role in roles)


def relationships_granting(roles: Iterable[str], action: str) -> frozenset[Relationship]:
    """The relationships under which these roles may take the action: what a list must filter by."""
    _known(action)
    roles = set(roles)
    return frozenset(rel for r, rel, a in POLICY if a == action and r in roles)


# --- sign-in -----------------------------------------------------------------------------------------


def account_limit(max_failures: int, address_suspect: bool) -> int:
    """Attempts a username may have in the window before it is refused unchecked.

    From an address that has run up its own limit of failures only usernames with no failure yet are checked
    (one attempt each): a colleague behind the same address who types the right password still gets in, while
    guessing from that address gets one try per account instead of `max_failures`.
    """
    return 1 if address_suspect else max_failures
