from django.db import models

from jointcare.organisations.domain import KIND_LABELS, SECTOR_LABELS, Kind, Sector


class Organisation(models.Model):
    """A partner or provider: NHS body, council, GP practice, trust, voluntary or independent provider."""

    name = models.CharField(max_length=200, db_index=True)
    sector = models.CharField(max_length=20, choices=[(s.value, SECTOR_LABELS[s]) for s in Sector])
    kind = models.CharField(max_length=30, choices=[(k.value, KIND_LABELS[k]) for k in Kind], db_index=True)
    ods_code = models.CharField("ODS code", max_length=10, null=True, blank=True, unique=True)
    gss_code = models.CharField("GSS code", max_length=9, null=True, blank=True, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    postcode = models.CharField(max_length=10, blank=True)
    active = models.BooleanField(default=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="Reference file the row came from, or blank")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        return self.ods_code or self.gss_code or ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[Kind(self.kind)]

    @property
    def sector_label(self) -> str:
        return SECTOR_LABELS[Sector(self.sector)]
