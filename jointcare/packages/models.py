"""Care plans and their services (CLD Service events) with funding, the plan's versions, and reablement episodes
with their follow-ups. Rows are never deleted: a service is ended (or withdrawn with a reason), a plan versioned."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from jointcare.money import MAX_AMOUNT_PENCE
from jointcare.packages.domain import (
    FOLLOW_UP_LABELS,
    FOLLOW_UP_STATE_LABELS,
    PLAN_STATUS_LABELS,
    WHEREABOUTS_LABELS,
    DeliveryMechanism,
    EventOutcome,
    FollowUpKind,
    Funding,
    PlanStatus,
    ServiceTerms,
    ServiceType,
    Whereabouts,
    follow_up_state,
    planned_end,
)

USER = settings.AUTH_USER_MODEL


class ApprovalThreshold(models.Model):
    """A partnership's own approval threshold, for plans with a service funded from one of its pools."""

    agreement = models.OneToOneField("partnerships.Agreement", on_delete=models.PROTECT, related_name="+")
    weekly_pence = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekly_pence__gte=0, weekly_pence__lte=MAX_AMOUNT_PENCE), name="threshold_within_bounds"
            )
        ]


class CarePlan(models.Model):
    """One person's care and support plan: goals, services, status and version."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="care_plan")
    goals = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=[(s.value, PLAN_STATUS_LABELS[s]) for s in PlanStatus], default=PlanStatus.DRAFT.value
    )
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"care plan {self.pk}"

    @property
    def status_label(self) -> str:
        return PLAN_STATUS_LABELS[PlanStatus(self.status)]


class PlanService(models.Model):
    """A service in a plan (CLD Service event) from any provider, with its costs and funding split."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)
    provider = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    service_type = models.CharField(max_length=80, choices=[(t.value, t.value) for t in ServiceType])
    component = models.CharField(max_length=80)
    delivery_mechanism = models.CharField(max_length=40, choices=[(m.value, m.value) for m in DeliveryMechanism])
    units_per_week = models.DecimalField(max_digits=5, decimal_places=2)
    unit_cost_pence = models.BigIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    pooled_bp = models.PositiveIntegerField(default=0)
    nhs_bp = models.PositiveIntegerField(default=0)
    council_bp = models.PositiveIntegerField(default=0)
    client_weekly_pence = models.BigIntegerField(default=0)
    scheme = models.ForeignKey("pool.Scheme", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        "care.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="services",
        help_text="the referral this service answers (its first service is recorded on it)",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="entered in error: costs nothing")
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_cost_pence__gte=0, unit_cost_pence__lte=MAX_AMOUNT_PENCE),
                name="service_unit_cost_within_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(client_weekly_pence__gte=0, client_weekly_pence__lte=MAX_AMOUNT_PENCE),
                name="service_client_within_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="service_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        """The commitments' reference in the pool."""
        return f"service:{self.pk}"

    @property
    def funding(self) -> Funding:
        return Funding(self.pooled_bp, self.nhs_bp, self.council_bp, self.client_weekly_pence)

    @property
    def terms(self) -> ServiceTerms:
        return ServiceTerms(
            str(self.pk), self.service_type, self.units_per_week, self.unit_cost_pence, self.starts_on, self.ends_on, self.funding
        )

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def snapshot(self) -> dict:
        """What the version history keeps and compares."""
        return {
            "name": self.name,
            "provider": self.provider.name if self.provider_id else "",
            "service_type": self.service_type,
            "component": self.component,
            "delivery_mechanism": self.delivery_mechanism,
            "units_per_week": str(self.units_per_week),
            "unit_cost_pence": self.unit_cost_pence,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
            "funding": self.funding.describe(),
            "scheme": self.scheme.code if self.scheme_id else None,
            "withdrawn": bool(self.withdrawn_at),
        }


class PlanVersion(models.Model):
    """Each change of a plan: who, when, what (the whole plan as it then stood, and the differences)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    made_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300)
    snapshot = models.JSONField()
    differences = models.JSONField(default=list)
    peak_weekly_pence = models.BigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=[(s.value, PLAN_STATUS_LABELS[s]) for s in PlanStatus])
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once")]

    @property
    def status_label(self) -> str:
        return PLAN_STATUS_LABELS[PlanStatus(self.status)]


class ReablementEpisode(models.Model):
    """Short-term support to maximise independence (CLD ST-Max): free, 42 days unless extended, an outcome."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="reablement_episodes")
    service = models.OneToOneField(
        PlanService, null=True, blank=True, on_delete=models.PROTECT, related_name="episode"
    )
    provider = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    discharged_on = models.DateField(null=True, blank=True, help_text="hospital discharge, for the follow-ups")
    starts_on = models.DateField()
    extended_to = models.DateField(null=True, blank=True)
    extension_reason = models.CharField(max_length=300, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=80, blank=True, choices=[(o.value, o.value) for o in EventOutcome])
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "-starts_on", "-id"]

    def __str__(self) -> str:
        return f"reablement episode {self.pk}"

    @property
    def last_day(self):
        return planned_end(self.starts_on, self.extended_to)

    @property
    def open(self) -> bool:
        return self.ends_on is None


class FollowUp(models.Model):
    """Where the person is 91 days (ASCOF 2B) or 12 weeks (ASCOF 2D) after the hospital discharge."""

    episode = models.ForeignKey(ReablementEpisode, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(max_length=10, choices=[(k.value, FOLLOW_UP_LABELS[k]) for k in FollowUpKind])
    due_on = models.DateField()
    seen_on = models.DateField(null=True, blank=True)
    whereabouts = models.CharField(
        max_length=20, blank=True, choices=[(w.value, WHEREABOUTS_LABELS[w]) for w in Whereabouts]
    )
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["episode", "due_on"]
        constraints = [models.UniqueConstraint(fields=["episode", "kind"], name="follow_up_once_per_kind")]

    @property
    def kind_label(self) -> str:
        return FOLLOW_UP_LABELS[FollowUpKind(self.kind)]

    @property
    def whereabouts_label(self) -> str:
        return WHEREABOUTS_LABELS[Whereabouts(self.whereabouts)] if self.whereabouts else ""

    def state(self, today):
        return follow_up_state(self.due_on, today, self.seen_on is not None)

    def state_label(self, today) -> str:
        return FOLLOW_UP_STATE_LABELS[self.state(today)]
