"""How a user stands to integrated care's records, for the policy table (`jointcare.accounts.domain`).

- TEAM_MEMBER: the user is a member of the team that holds the referral (or the task or review, or of a team
  holding one of the person's referrals, for the person's assessments, tasks and reviews).
- CARE_RELATIONSHIP: the user may open the person's record (`jointcare.people.sharing`): on the care team, at
  the person's GP practice, a member of a team holding one of the person's referrals (registered below), or a
  live break-glass.

A restricted person's assessments, tasks and reviews are reached only through the care relationship (which,
for a restricted record, only a place on the care team gives); the team still sees and works its referral.
"""

from __future__ import annotations

from django.db.models import Q

from jointcare.accounts.domain import Relationship
from jointcare.care.domain.referrals import ReferralStatus

TEAM, CARE = Relationship.TEAM_MEMBER, Relationship.CARE_RELATIONSHIP


def team_ids(user) -> frozenset[int]:
    """The teams the user is a member of, remembered on the user for the request."""
    cached = user.__dict__.get("_care_team_ids")
    if cached is None:
        from jointcare.care.models import TeamMembership

        cached = frozenset(TeamMembership.objects.filter(user_id=user.pk).values_list("team_id", flat=True))
        user.__dict__["_care_team_ids"] = cached
    return cached


def holding(person_id: int) -> Q:
    """Referrals that put their team in a relationship with the person: all but those the team declined."""
    return Q(person_id=person_id) & ~Q(status=ReferralStatus.DECLINED)


def holds_a_referral(user, person) -> bool:
    """A member of a team holding one of the person's referrals (registered with people.sharing)."""
    from jointcare.care.models import Referral

    teams = team_ids(user)
    return bool(teams) and Referral.objects.filter(holding(person.pk), team_id__in=teams).exists()


def _person_tie(user, person) -> set[Relationship]:
    from jointcare.people.sharing import ties

    return {CARE} if ties(user, person) else set()


def ties(user, target) -> set[Relationship]:
    label = target._meta.label
    teams = team_ids(user)
    if label == "care.Team":
        return {TEAM} if target.pk in teams else set()
    if label == "care.Referral":
        return ({TEAM} if target.team_id in teams else set()) | _person_tie(user, target.person)
    if label in ("care.Assessment", "care.Task", "care.Review"):
        found = _person_tie(user, target.person)
        if target.person.restricted:
            return found
        own = getattr(target, "team_id", None)
        if (own is not None and own in teams) or holds_a_referral(user, target.person):
            found.add(TEAM)
        return found
    raise TypeError(f"no access rules for {label}")


def visible_referrals(user) -> Q:
    """Referrals the user's teams hold (lists; a person's own page adds the person's through the relationship)."""
    return Q(team_id__in=team_ids(user))
