from django.conf import settings
from django.db import models
from django.utils import timezone

from jointcare.partnerships import domain
from jointcare.partnerships.domain import (
    AGREEMENT_KIND_LABELS,
    MEETING_STATUS_LABELS,
    MEMBERSHIP_BASIS_LABELS,
    PARTY_ROLE_LABELS,
    STATUS_LABELS,
    STATUS_TAG_CLASSES,
    AgreementKind,
    AgreementStatus,
    MembershipBasis,
    PartyRole,
)


class Agreement(models.Model):
    """A partnership agreement binding partners for a purpose (e.g. a Section 75 pooled fund).

    `status` holds the last explicit action (draft, started, ended, terminated); what the agreement is on a
    given day also depends on its dates (`status_on`, from the domain's state machine).
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, choices=[(k.value, AGREEMENT_KIND_LABELS[k]) for k in AgreementKind])
    status = models.CharField(
        max_length=10, choices=[(s.value, STATUS_LABELS[s]) for s in AgreementStatus], default=AgreementStatus.DRAFT
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The agreed end of its term; none when open-ended")
    ended_on = models.DateField(null=True, blank=True, help_text="The day it was ended or terminated, by an action")
    end_reason = models.TextField(blank=True, help_text="Why it was terminated")
    scope = models.TextField(blank=True, help_text="The services the agreement covers")
    legal_basis = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["ended", "terminated"], ended_on__isnull=False)
                | (~models.Q(status__in=["ended", "terminated"]) & models.Q(ended_on__isnull=True)),
                name="agreement_ended_on_with_end",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="terminated") | ~models.Q(end_reason=""),
                name="agreement_terminated_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return AGREEMENT_KIND_LABELS[AgreementKind(self.kind)]

    def status_on(self, day) -> AgreementStatus:
        return domain.status_on(self.status, self.starts_on, self.ends_on, day)

    @property
    def status_today(self) -> AgreementStatus:
        return self.status_on(timezone.localdate())

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status_today]

    @property
    def status_tag_classes(self) -> str:
        return STATUS_TAG_CLASSES[self.status_today]

    @property
    def last_day(self):
        """The agreement's last day: the day an action ended it, else its agreed end date (None: open-ended)."""
        return self.ended_on or self.ends_on

    def covers_financial_year(self, year: int) -> bool:
        """Whether the agreement runs through the whole financial year starting in April of `year`."""
        return domain.covers_financial_year(self.starts_on, self.last_day, year)


class Party(models.Model):
    """An organisation that is party to an agreement, with its role."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="parties")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(max_length=20, choices=[(r.value, PARTY_ROLE_LABELS[r]) for r in PartyRole])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "organisation"], name="party_once_per_agreement")]

    @property
    def role_label(self) -> str:
        return PARTY_ROLE_LABELS[PartyRole(self.role)]


class Board(models.Model):
    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="board")
    name = models.CharField(max_length=200)
    terms_of_reference = models.TextField(blank=True)
    quorum = models.PositiveSmallIntegerField(default=3)

    def __str__(self) -> str:
        return self.name


class BoardMember(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="members")
    person_name = models.CharField(max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    basis = models.CharField(max_length=30, choices=[(b.value, MEMBERSHIP_BASIS_LABELS[b]) for b in MembershipBasis])
    voting = models.BooleanField(default=True)
    position = models.CharField(max_length=120, blank=True, help_text="e.g. Chair, Vice-chair")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person_name"]

    @property
    def basis_label(self) -> str:
        return MEMBERSHIP_BASIS_LABELS[MembershipBasis(self.basis)]


class Meeting(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField()
    title = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    attendees = models.ManyToManyField(BoardMember, blank=True, related_name="meetings_attended")

    class Meta:
        ordering = ["-held_on"]

    @property
    def status(self) -> domain.MeetingStatus:
        return domain.meeting_status(self.held_on, timezone.localdate())

    @property
    def status_label(self) -> str:
        return MEETING_STATUS_LABELS[self.status]


class Decision(models.Model):
    """An entry in the board's decision log."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    reference = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    votes_for = models.PositiveSmallIntegerField(null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(null=True, blank=True)
    abstentions = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting__held_on", "reference"]
