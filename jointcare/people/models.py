"""People: the person record shared between NHS and council staff, their care team and break-glass access.

A person is never deleted: a record is voided with a reason, and a duplicate is merged into the record kept
(voided too, `merged_into` naming the one kept) so both histories stay readable.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from jointcare.people import domain


class Person(models.Model):
    """Someone receiving or asking for care."""

    nhs_number = models.CharField("NHS number", max_length=10, null=True, blank=True,
                                  help_text="Ten digits, check digit valid; blank for a person without one")
    council_person_id = models.CharField("council person ID", max_length=40, blank=True, db_index=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=20, blank=True, help_text="CLD sex code (vocabulary.SEX)")
    gender = models.CharField(max_length=40, blank=True, help_text="CLD gender identity code (vocabulary.GENDER)")
    ethnicity = models.CharField(max_length=60, blank=True, help_text="CLD ethnicity code (vocabulary.ETHNICITY)")
    postcode = models.CharField(max_length=8, blank=True, help_text="Standard form, e.g. M33 7ZZ")
    lsoa_code = models.CharField("LSOA (2021)", max_length=9, null=True, blank=True)
    gp_practice = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="registered_people")
    responsible_council = models.CharField(max_length=9, help_text="GSS code of the upper-tier council, e.g. E08000009")
    responsible_council_reason = models.CharField(max_length=300, blank=True,
                                                  help_text="Why the council differs from the one the LSOA gives")
    accommodation = models.CharField(max_length=80, blank=True, help_text="CLD accommodation status code")
    long_term_conditions = models.JSONField(default=list, blank=True, help_text="Codes from vocabulary.CONDITIONS")
    national_opt_out = models.BooleanField("national data opt-out", default=False)
    consent_to_share = models.BooleanField("consent to share between partners", default=False)
    restricted = models.BooleanField(default=False, help_text="Opens only for named members of the care team")
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from")
    # Folded names for search (domain.name_key): lower case, accents and punctuation removed.
    family_key = models.CharField(max_length=100, blank=True, editable=False)
    given_key = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["nhs_number"], condition=Q(voided_at__isnull=True),
                                    name="people_person_live_nhs_number"),
        ]
        indexes = [
            models.Index(fields=["date_of_birth", "family_key"], name="people_person_dob_family"),
            models.Index(fields=["family_key", "given_key"], name="people_person_names"),
            models.Index(fields=["nhs_number"], name="people_person_nhs_number"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def save(self, *args, **kwargs):
        self.family_key = domain.name_key(self.family_name)
        self.given_key = domain.name_key(self.given_name)
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return domain.format_nhs_number(self.nhs_number) if self.nhs_number else ""

    @property
    def live(self) -> bool:
        return self.voided_at is None


class CareTeamMember(models.Model):
    """Someone in the care team around a person: a professional (usually a user) or an unpaid carer."""

    ROLES = domain.CARE_TEAM_ROLES

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="care_team_places")
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=30, choices=list(domain.CARE_TEAM_ROLES.items()))
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="care_team_members")
    # An unpaid carer who has a record of their own: whom they care for is `person`.
    carer_record = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="cares_for")
    is_coordinator = models.BooleanField(default=False)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_coordinator", "role", "name", "id"]
        indexes = [models.Index(fields=["user", "person"], name="people_team_user_person")]

    def __str__(self) -> str:
        return f"{self.name} ({self.role_label})"

    @property
    def role_label(self) -> str:
        return domain.CARE_TEAM_ROLES.get(self.role, self.role)

    @property
    def current(self) -> bool:
        return self.ended_on is None or self.ended_on >= timezone.localdate()


class BreakGlass(models.Model):
    """Emergency access to one person's record by one user, with a written reason, for a limited time."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    reason = models.CharField(max_length=500)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "person", "expires_at"], name="people_breakglass_live")]

    def __str__(self) -> str:
        return f"{self.user} on {self.person_id} until {self.expires_at:%Y-%m-%d %H:%M}"
