"""Read-only queries for the pages and the API: team queues, caseloads, a person's panels. Each list page costs a
fixed number of queries whatever its length; the team queue reads one index (care_ref_queue)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jointcare.care.access import team_ids, visible_referrals
from jointcare.care.domain.coordination import DUE_SOON_DAYS
from jointcare.care.domain.referrals import OPEN
from jointcare.care.models import Assessment, Referral, Review, Task, Team

# In the order of the partial index's condition (care_ref_open), so that SQLite sees the same term and uses it.
OPEN_STATUSES = ["unclaimed", "claimed", "contacted"]
assert set(OPEN_STATUSES) == {s.value for s in OPEN}


def today():
    return timezone.localdate()


def teams() -> QuerySet[Team]:
    return Team.objects.select_related("organisation").annotate(member_count=Count("memberships")).order_by("name")


def your_teams(user) -> QuerySet[Team]:
    return teams().filter(pk__in=team_ids(user))


def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related("person", "team", "claimed_by")


def referrals_for(user, team: Team | None = None) -> QuerySet[Referral]:
    qs = _referrals().filter(visible_referrals(user))
    if team is not None:
        qs = qs.filter(team=team)
    return qs.order_by("-received_at", "-id")


def team_queue(team: Team, status: str | None = "unclaimed") -> QuerySet[Referral]:
    """A team's referrals in a status (or open ones: status "open"), newest first; by the queue index."""
    qs = _referrals().filter(team=team)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-received_at", "-id")


def queue_counts(team: Team) -> dict[str, int]:
    rows = Referral.objects.filter(team=team).values("status").annotate(n=Count("id")).order_by()
    return {r["status"]: r["n"] for r in rows}


def person_referrals(person) -> QuerySet[Referral]:
    return _referrals().filter(person=person).order_by("-received_at", "-id")


def person_assessments(person) -> QuerySet[Assessment]:
    return Assessment.objects.select_related("assessor").filter(person=person).order_by("-started_at", "-id")


def person_tasks(person) -> QuerySet[Task]:
    return Task.objects.select_related("assignee", "team").filter(person=person).order_by("done_at", "due_on", "id")


def person_reviews(person) -> QuerySet[Review]:
    return Review.objects.select_related("reviewer", "team").filter(person=person).order_by("completed_on", "due_on", "id")


def open_reviews(qs: QuerySet[Review]) -> QuerySet[Review]:
    """Reviews not yet completed and due within DUE_SOON_DAYS (or overdue), soonest first."""
    horizon = today() + timezone.timedelta(days=DUE_SOON_DAYS)
    return qs.filter(completed_on__isnull=True, due_on__lte=horizon).order_by("due_on", "id")


def worker_caseload(user) -> dict:
    return {
        "referrals": _referrals().filter(claimed_by=user, status__in=OPEN_STATUSES).order_by("-received_at", "-id"),
        "tasks": Task.objects.select_related("person", "team").filter(
            Q(assignee=user) | Q(team_id__in=team_ids(user)), done_at__isnull=True
        ).order_by("due_on", "id"),
        "reviews": open_reviews(Review.objects.select_related("person", "team").filter(reviewer=user)),
    }


def team_caseload(team: Team) -> dict:
    return {
        "referrals": team_queue(team, "open"),
        "tasks": Task.objects.select_related("person", "assignee").filter(team=team, done_at__isnull=True).order_by("due_on", "id"),
        "reviews": open_reviews(Review.objects.select_related("person", "reviewer").filter(team=team)),
    }


def practice_caseload(practice, user) -> dict:
    """The open work for people registered with the GP practice: all of it for the practice's own staff, otherwise
    only what the user's teams hold."""
    people = Q(person__gp_practice=practice)
    if user.organisation_id != practice.pk:
        teams = team_ids(user)
        people &= Q(person__referrals__team_id__in=teams) if teams else Q(pk__in=[])
    return {
        "referrals": _referrals().filter(people, status__in=OPEN_STATUSES).distinct().order_by("-received_at", "-id"),
        "reviews": open_reviews(Review.objects.select_related("person", "team").filter(people).distinct()),
    }
