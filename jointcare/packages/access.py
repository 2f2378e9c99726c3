"""How a user stands to a care plan, a service, a reablement episode or a follow-up (for `accounts.access`).

Through the person: the care relationship of `jointcare.people.sharing` (care team, GP practice, a registered
relationship, a live break-glass). Through the money: for a plan or a service, PARTY when the user's organisation
is a party to (or host of) a partnership whose pool funds one of the plan's services, or is the person's
responsible council. Decision 0097.
"""

from __future__ import annotations

from django.db.models import Q

from jointcare.accounts.domain import Relationship


def _person_ties(user, person) -> set[Relationship]:
    from jointcare.people.sharing import ties as person_ties

    return {Relationship.CARE_RELATIONSHIP} if person_ties(user, person) else set()


def _funding_ties(user, plan) -> set[Relationship]:
    org = user.organisation if user.organisation_id else None
    if org is None:
        return set()
    if org.gss_code and org.gss_code == plan.person.responsible_council:
        return {Relationship.PARTY}
    funds = plan.services.filter(scheme__isnull=False).filter(
        Q(scheme__pool__host_id=org.pk) | Q(scheme__pool__agreement__parties__organisation_id=org.pk)
    )
    return {Relationship.PARTY} if funds.exists() else set()


def ties(user, target) -> set[Relationship]:
    label = target._meta.label
    if label == "packages.CarePlan":
        return _person_ties(user, target.person) | _funding_ties(user, target)
    if label == "packages.PlanService":
        return ties(user, target.plan)
    if label == "packages.ReablementEpisode":
        return _person_ties(user, target.person)
    if label == "packages.FollowUp":
        return _person_ties(user, target.episode.person)
    raise TypeError(f"no access rules for {label}")
