"""Teams and their routing rules; referrals (CLD Request) and their history; the integrated assessment (CLD
Assessment); tasks; reviews (CLD Review). Person-level rows know who created and changed them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from jointcare.care.domain import chc, coordination
from jointcare.care.domain.referrals import ReferralAction, ReferralStatus, duration_words, waits
from jointcare.care.domain.vocabulary import (
    EVENT_OUTCOME_LABELS,
    ROUTE_LABELS,
    URGENCY_LABELS,
    URGENCY_TAGS,
    AssessmentType,
    EventOutcome,
    ReviewReason,
    RouteOfAccess,
    Urgency,
)

USER = settings.AUTH_USER_MODEL


def _choices(enum, labels=None):
    return [(m.value, labels[m] if labels else m.label) for m in enum]


class Team(models.Model):
    """A team of an organisation that receives referrals and holds a caseload (e.g. Trafford Reablement Team)."""

    name = models.CharField(max_length=120, unique=True)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="care_teams")
    description = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(USER, through="TeamMembership", related_name="care_teams")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="team_memberships")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="care_team_member_once")]


class RoutingRule(models.Model):
    """Route of access (blank: any) + responsible council GSS code (blank: any) -> team. One rule per pair."""

    route = models.CharField(max_length=30, blank=True, choices=_choices(RouteOfAccess, ROUTE_LABELS))
    council = models.CharField(max_length=9, blank=True, help_text="GSS code of the responsible council")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="routing_rules")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["route", "council"]
        constraints = [models.UniqueConstraint(fields=["route", "council"], name="care_routing_rule_once")]

    @property
    def route_label(self) -> str:
        return ROUTE_LABELS[RouteOfAccess(self.route)] if self.route else "Any route"


class Referral(models.Model):
    """A request for care and support (CLD Request) held by one team, claimed by exactly one worker."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="referrals")
    route = models.CharField(max_length=30, choices=_choices(RouteOfAccess, ROUTE_LABELS))
    reason = models.TextField(blank=True)
    urgency = models.CharField(max_length=10, choices=_choices(Urgency, URGENCY_LABELS), default=Urgency.ROUTINE)
    referrer = models.CharField(max_length=200, blank=True, help_text="Who made the referral, e.g. a ward")
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=_choices(ReferralStatus), default=ReferralStatus.UNCLAIMED)
    claimed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="claimed_referrals")
    claimed_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    first_service_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, blank=True, choices=_choices(EventOutcome, EVENT_OUTCOME_LABELS))
    outcome_reason = models.TextField(blank=True, help_text="Why it was declined")
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # the team queue: a team's referrals in a status, newest first
            models.Index(fields=["team", "status", "-received_at", "-id"], name="care_ref_queue"),
            # the open queue (unclaimed, claimed and contacted together) and the caseloads, newest first
            models.Index(fields=["team", "-received_at", "-id"], name="care_ref_open",
                         condition=models.Q(status__in=["unclaimed", "claimed", "contacted"])),
            models.Index(fields=["claimed_by", "status"], name="care_ref_worker"),
            models.Index(fields=["person", "status"], name="care_ref_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="unclaimed", claimed_by__isnull=True)
                | models.Q(status__in=["claimed", "contacted", "closed"], claimed_by__isnull=False)
                | models.Q(status="declined"),
                name="care_referral_claimed_by_with_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk}"

    @property
    def status_enum(self) -> ReferralStatus:
        return ReferralStatus(self.status)

    @property
    def route_label(self) -> str:
        return ROUTE_LABELS[RouteOfAccess(self.route)]

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABELS[Urgency(self.urgency)]

    @property
    def urgency_tag(self) -> str:
        return URGENCY_TAGS[Urgency(self.urgency)]

    @property
    def outcome_label(self) -> str:
        return EVENT_OUTCOME_LABELS[EventOutcome(self.outcome)] if self.outcome else ""

    @property
    def waits(self):
        return waits(self.received_at, self.first_contact_at, self.first_service_at)

    @property
    def wait_to_contact(self) -> str:
        return duration_words(self.waits.to_first_contact)

    @property
    def wait_to_service(self) -> str:
        return duration_words(self.waits.to_first_service)


class ReferralEvent(models.Model):
    """One transition of a referral: its timeline, append-only."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=_choices(ReferralAction) + [("received", "Received")])
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    @property
    def action_label(self) -> str:
        return "Received" if self.action == "received" else ReferralAction(self.action).label


class Assessment(models.Model):
    """One integrated assessment of health and social needs (CLD Assessment): Care Act eligibility, a carer's
    assessment and the continuing healthcare Checklist, whose answers are kept as the sections were completed."""

    IN_PROGRESS, COMPLETED = "in_progress", "completed"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="assessments")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=12, choices=_choices(AssessmentType), default=AssessmentType.LONG_TERM)
    status = models.CharField(max_length=12, choices=[(IN_PROGRESS, "In progress"), (COMPLETED, "Completed")], default=IN_PROGRESS)
    assessor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments")
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # the sections, each saved as answered
    needs = models.JSONField(default=dict, blank=True)  # {"health": text, "social": text}
    eligibility = models.JSONField(default=dict, blank=True)  # {"impairment", "wellbeing", "outcomes": {...}}
    carer = models.JSONField(default=dict, blank=True)  # {"has_carer": bool, "carer_name", answers...}
    checklist = models.JSONField(default=dict, blank=True)  # {"scores": {...}, "decision": ...}
    # the results, derived by the domain when the sections are saved
    eligible = models.BooleanField(null=True, blank=True)
    carer_eligible = models.BooleanField(null=True, blank=True)
    full_chc_assessment = models.BooleanField(null=True, blank=True)
    funding_route = models.CharField(max_length=20, blank=True, choices=_choices(chc.FundingRoute))
    outcome = models.CharField(max_length=30, blank=True, choices=_choices(EventOutcome, EVENT_OUTCOME_LABELS))
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["person", "status"], name="care_assess_person")]

    def __str__(self) -> str:
        return f"Assessment {self.pk}"

    @property
    def kind_label(self) -> str:
        return AssessmentType(self.kind).label

    @property
    def outcome_label(self) -> str:
        return EVENT_OUTCOME_LABELS[EventOutcome(self.outcome)] if self.outcome else ""

    @property
    def funding_label(self) -> str:
        return chc.FundingRoute(self.funding_route).label if self.funding_route else ""


class Task(models.Model):
    """A piece of work about a person, assigned to a user or to a team (exactly one), with a due date."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="care_tasks")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="care_tasks")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assignee", "done_at"], name="care_task_assignee"),
            models.Index(fields=["team", "done_at"], name="care_task_team"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=True, team__isnull=False)
                | models.Q(assignee__isnull=False, team__isnull=True),
                name="care_task_one_assignee",
            )
        ]

    def state(self, today):
        return coordination.task_state(self.due_on, self.done_at, today)


class Review(models.Model):
    """A review of a person's care and support (CLD Review): scheduled, due, overdue, completed with an outcome."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="care_reviews")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="care_reviews")
    reason = models.CharField(max_length=10, choices=_choices(ReviewReason), default=ReviewReason.PLANNED)
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=30, blank=True, choices=_choices(EventOutcome, EVENT_OUTCOME_LABELS))
    outcomes_achieved = models.BooleanField(null=True, blank=True, help_text="CLD Review_Outcomes_Achieved")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["team", "completed_on", "due_on"], name="care_review_team"),
            models.Index(fields=["reviewer", "completed_on", "due_on"], name="care_review_reviewer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completed_on__isnull=True) | ~models.Q(outcome=""),
                name="care_review_completed_with_outcome",
            )
        ]

    def state(self, today):
        return coordination.review_state(self.due_on, self.completed_on, today)

    @property
    def reason_label(self) -> str:
        return ReviewReason(self.reason).label

    @property
    def outcome_label(self) -> str:
        return EVENT_OUTCOME_LABELS[EventOutcome(self.outcome)] if self.outcome else ""
