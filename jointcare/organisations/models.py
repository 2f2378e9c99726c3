from django.db import models
from django.db.models import Q

from jointcare.organisations.domain import KIND_LABELS, SECTOR_LABELS, Kind, Sector


class Organisation(models.Model):
    """A partner or provider: NHS body, council, GP practice, trust, voluntary or independent provider.

    Codes are unique among open organisations only: ODS and ONS reuse them (a Sub-ICB location kept its CCG's
    codes, an ICB its STP's ODS code), so a closed predecessor may share a code with its successor.
    """

    name = models.CharField(max_length=200, db_index=True)
    sector = models.CharField(max_length=20, choices=[(s.value, SECTOR_LABELS[s]) for s in Sector])
    kind = models.CharField(max_length=30, choices=[(k.value, KIND_LABELS[k]) for k in Kind], db_index=True)
    ods_code = models.CharField("ODS code", max_length=10, null=True, blank=True, db_index=True)
    gss_code = models.CharField("GSS code", max_length=9, null=True, blank=True, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    postcode = models.CharField(max_length=10, blank=True)
    active = models.BooleanField(default=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="Reference file the row came from, or blank")
    search_text = models.CharField(max_length=1000, blank=True, editable=False,
                                   help_text="Name, codes and former names folded for search (domain.search_text)")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ods_code"], condition=Q(active=True), name="organisation_open_ods_code"),
            models.UniqueConstraint(fields=["gss_code"], condition=Q(active=True), name="organisation_open_gss_code"),
        ]

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


class Succession(models.Model):
    """Part (or all) of a closed organisation's area passed to another: CCG -> Sub-ICB location, STP -> ICB,
    county -> unitary council. `share` is the fraction of the predecessor's area, by LSOA count."""

    predecessor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="predecessor_links")
    share = models.FloatField(help_text="Fraction of the predecessor's area (LSOAs) that went to the successor")
    source = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["predecessor", "-share"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="organisation_succession_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} -> {self.successor} ({self.share:.1%})"
