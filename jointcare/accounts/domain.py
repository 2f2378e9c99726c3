"""Roles and what each may do. Pure: no Django import."""

from __future__ import annotations

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

ALL_ROLES = frozenset(Role)
CARE_ROLES = frozenset({Role.CARE_COORDINATOR, Role.SOCIAL_WORKER, Role.COMMUNITY_MATRON})

# Capability -> roles that hold it. Administrators hold every capability.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "reference.view": ALL_ROLES,
    "organisations.view": ALL_ROLES,
    "organisations.edit": frozenset({Role.COMMISSIONER}),
    "partnerships.view": ALL_ROLES,
    "partnerships.edit": frozenset({Role.COMMISSIONER}),
    "partnerships.decide": frozenset({Role.COMMISSIONER, Role.BOARD_MEMBER}),
    "pool.view": frozenset({Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.BOARD_MEMBER, Role.ANALYST}),
    "pool.edit": frozenset({Role.COMMISSIONER, Role.FINANCE_OFFICER}),
    "pool.post": frozenset({Role.FINANCE_OFFICER}),
    "pool.close": frozenset({Role.FINANCE_OFFICER}),
    "pool.commit": frozenset({Role.FINANCE_OFFICER, Role.COMMISSIONER} | CARE_ROLES),
    "audit.view": frozenset(),
    "users.manage": frozenset(),
}


def has_capability(roles: set[str] | frozenset[str], capability: str) -> bool:
    if Role.ADMINISTRATOR in roles:
        return True
    try:
        allowed = CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}") from None
    return any(role in allowed for role in roles)


def throttled(failures_in_window: int, max_failures: int) -> bool:
    """Refuse a sign-in once the failures within the window reach the limit."""
    return failures_in_window >= max_failures
