"""What jointcare keeps about each Client Level Data submission, hospital activity file and population figure.

The events themselves are not rows here: each loaded submission's events are one Parquet file under
`settings.JOINTCARE_DATA_DIR` (decision 0100), which DuckDB reads directly; `jointcare.cld.store` names the files
and registers the views the measures read. Submissions are kept, never replaced: the measures choose among them.
"""

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    LOADED = "loaded", "Loaded"
    REJECTED = "rejected", "Rejected"


class Submission(models.Model):
    """One council's rolling 12-month CLD submission (LA_Code + reporting period), as received in one file."""

    la_code = models.CharField("LA_Code", max_length=9, db_index=True)
    reporting_period_start = models.DateField("Reporting_Period_Start_Date")
    reporting_period_end = models.DateField("Reporting_Period_End_Date")
    received_at = models.DateTimeField(db_index=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    batch = models.CharField(max_length=32, db_index=True, help_text="One file: the submissions it held share this")
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    release_1_columns = models.PositiveIntegerField(default=0, help_text="Columns given in a Release 1 spelling")
    release_1_values = models.PositiveIntegerField(default=0, help_text="Values given in a Release 1 spelling")
    error_count = models.PositiveIntegerField(default=0)
    # [{"row": int|None, "field": str, "reason": str}], the first MAX_REPORT_ROWS problems
    validation_report = models.JSONField(default=list, blank=True)
    events_file = models.CharField(max_length=255, blank=True, help_text="Parquet file, relative to the data directory")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["la_code", "-reporting_period_end", "-received_at", "-pk"]
        indexes = [models.Index(fields=["la_code", "reporting_period_end", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reporting_period_end__gte=models.F("reporting_period_start")),
                name="cld_submission_period_in_order",
            )
        ]

    def __str__(self):
        return f"{self.la_code} {self.reporting_period_start:%Y-%m-%d} to {self.reporting_period_end:%Y-%m-%d} ({self.status})"


class HospitalImport(models.Model):
    """One file of hospital activity (admissions and discharges by NHS number), loaded all or nothing."""

    received_at = models.DateTimeField(db_index=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    error_count = models.PositiveIntegerField(default=0)
    validation_report = models.JSONField(default=list, blank=True)
    events_file = models.CharField(max_length=255, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"Hospital activity {self.file_name} ({self.status})"


class Population(models.Model):
    """The resident population of an area (GSS code) in an age band, the denominator of per-100,000 measures."""

    area_code = models.CharField(max_length=9)
    age_band = models.CharField(max_length=20)
    population = models.PositiveIntegerField()
    loaded_at = models.DateTimeField()
    demo = models.BooleanField(default=False, help_text="a demo figure (not an ONS estimate), loaded by `jointcare demo`")

    class Meta:
        ordering = ["area_code", "age_band"]
        constraints = [models.UniqueConstraint(fields=["area_code", "age_band"], name="cld_population_area_band_unique")]

    def __str__(self):
        return f"{self.area_code} {self.age_band}: {self.population}"
