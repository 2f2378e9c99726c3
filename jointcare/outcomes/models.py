from django.conf import settings
from django.db import models

from jointcare.outcomes import domain


class Target(models.Model):
    """The figure a partnership aims for on one measure, in one area (a council's GSS code, or all), for one
    financial year; amber within `tolerance` of it (in the measure's unit)."""

    measure = models.CharField(max_length=16, choices=[(m.code, f"{m.code} {m.name}") for m in domain.MEASURES])
    area = models.CharField(max_length=9)
    period = models.CharField(max_length=7)
    value = models.DecimalField(max_digits=9, decimal_places=1)
    tolerance = models.DecimalField(max_digits=9, decimal_places=1, default=0)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure", "area", "period"], name="one_target_per_measure_area_period")]
        ordering = ["period", "measure", "area"]

    def __str__(self):
        return f"{self.measure} {self.area} {self.period}: {self.value}"
