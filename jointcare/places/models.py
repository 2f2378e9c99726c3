"""Places: small areas (LSOAs), the bodies they belong to, and the lookups used for coterminosity."""

from django.db import models


class Level(models.TextChoices):
    """Kinds of area. The first four are today's (their vintage is in ReferenceState); the rest are history."""

    ICB = "icb", "Integrated care board (current)"
    SUB_ICB = "sub_icb", "Sub-ICB location (current)"
    COUNCIL = "council", "Upper-tier council (current)"
    DISTRICT = "district", "Lower-tier council / district (current)"
    STP = "stp", "Sustainability and transformation partnership (April 2020)"
    CCG = "ccg", "CCG (April 2020)"
    PCT = "pct", "Primary care trust (2013)"
    CCG13 = "ccg13", "CCG (2013)"
    UTLA = "utla", "Upper-tier council (2019)"
    LTLA = "ltla", "Lower-tier council / district (2019)"
    LAD = "lad", "Local authority district (2020)"


CURRENT_LEVELS = (Level.ICB, Level.SUB_ICB, Level.COUNCIL, Level.DISTRICT)


class Area(models.Model):
    """A named geography with an ONS GSS code: ICB, CCG, PCT, council or district."""

    code = models.CharField("GSS code", max_length=9)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=10, choices=Level.choices)
    ods_code = models.CharField("ODS code", max_length=5, blank=True)
    parent_code = models.CharField(max_length=9, blank=True, help_text="e.g. the ICB of a CCG, the county of a district")

    class Meta:
        ordering = ["level", "code"]
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="places_area_level_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Lsoa(models.Model):
    """A 2011 lower layer super output area and the bodies it belongs to."""

    code = models.CharField("LSOA code", max_length=9, unique=True)
    name = models.CharField(max_length=100)
    ccg20 = models.CharField("CCG (2020)", max_length=9, db_index=True)
    lad20 = models.CharField("district (2020)", max_length=9)
    lad19 = models.CharField("district (2019)", max_length=9)
    utla19 = models.CharField("upper-tier council (2019)", max_length=9, db_index=True)
    imd_rank = models.PositiveIntegerField("IMD 2019 rank", help_text="1 = most deprived of 32,844")
    population = models.PositiveIntegerField(null=True, blank=True, help_text="Optional; set by load-population")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Lsoa21(models.Model):
    """A 2021 lower layer super output area and today's bodies it belongs to (the current ONS lookup)."""

    code = models.CharField("LSOA code", max_length=9, unique=True)
    sub_icb = models.CharField("Sub-ICB location", max_length=9, db_index=True)
    district = models.CharField("district", max_length=9)
    council = models.CharField("upper-tier council", max_length=9, db_index=True)
    population = models.PositiveIntegerField(null=True, blank=True, help_text="Optional; set by load-population")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PctCcg13Share(models.Model):
    """How a 2013 PCT's postcodes fell into 2013 CCGs, and the derived share of the CCG in the PCT."""

    pct_code = models.CharField(max_length=9)
    ccg13_code = models.CharField(max_length=9)
    ccg13_ods = models.CharField(max_length=5)
    postcode_percent = models.FloatField(help_text="% of the PCT's postcodes in the CCG")
    ccg13_share = models.FloatField(help_text="Estimated fraction of the CCG lying in the PCT")

    class Meta:
        ordering = ["pct_code", "ccg13_code"]
        constraints = [models.UniqueConstraint(fields=["pct_code", "ccg13_code"], name="places_pct_ccg13")]


class LsoaPctShare(models.Model):
    """Estimated fraction of an LSOA in a 2013 PCT (see docs/decisions/0012)."""

    lsoa_code = models.CharField(max_length=9)
    pct_code = models.CharField(max_length=9)
    fraction = models.FloatField()

    class Meta:
        ordering = ["lsoa_code", "pct_code"]
        constraints = [models.UniqueConstraint(fields=["lsoa_code", "pct_code"], name="places_lsoa_pct")]


class ReferenceState(models.Model):
    """One row: bumped whenever reference data or populations change, so cached computations refresh."""

    version = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(null=True, blank=True)
    population_loaded = models.BooleanField(default=False)
    nhs_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Year of the current ICB lookup")
    council_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Year of the current councils")
