"""Outcome measures, targets and their status. Pure: no Django import.

The catalogue below is the one description of each measure (what the pages, the CLI, the API and the board pack
show); the SQL that computes it lives in `sql/`, written once and run on DuckDB or Spark (decision 0105).
Values are rounded as ASCOF publishes them: one decimal place, half away from zero, in exact decimal arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
ALL = "all"
AREA_RE = re.compile(r"^E(06|08|09|10)\d{6}$")


class Kind(StrEnum):
    PROPORTION = "proportion"  # numerator / denominator x 100, denominator counted from the same rows
    RATE = "rate"  # numerator / population x 100,000


class Polarity(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    kind: Kind
    polarity: Polarity
    definition: str
    numerator: str
    denominator: str
    notes: tuple[str, ...]
    sql: str  # the file in sql/ whose rows are the people or episodes behind the measure
    group: str = "all"  # the rows of the SQL this measure takes (for rates, also the population's age band)
    reference: str = ""
    bcf: bool = False  # one of the Better Care Fund metrics
    follow_up_label: str = ""  # said beside the name when computed from reablement follow-ups instead of hospital data
    needs_hospital: bool = False  # no value at all without hospital activity

    @property
    def unit(self) -> str:
        return "per 100,000 population" if self.kind is Kind.RATE else "%"

    @property
    def scale(self) -> int:
        return 100_000 if self.kind is Kind.RATE else 100


NO_ONGOING_SUPPORT = (
    "Short term support: Ongoing low level",
    "Short term support: Other short term",
    "NFA: Information and advice or signposting",
    "NFA: Support ended as planned",
    "NFA: Responsibility moved to another local authority",
    "NFA: Other",
    "NFA: No services offered for other reason",
    "NFA: Support ended for other reason",
    "NFA: Referral to other service within the local authority",
)
LONG_TERM_SEQUELS = (
    "Long term support: Community",
    "Long term support: Nursing care",
    "Long term support: Residential care",
    "Long term support: Prison",
    "Short term support: Residential or Nursing care",
)

SETTLED_ACCOMMODATION = (
    "Owner occupier or shared ownership scheme",
    "Tenant",
    "Tenant - private landlord",
    "Settled mainstream housing with family / friends",
    "Supported accommodation / supported lodgings / supported group home",
    "Shared Lives scheme",
    "Approved premises for offenders released from prison or under probation supervision",
    "Sheltered housing / extra care housing / other sheltered housing",
    "Mobile accommodation for Gypsy / Roma and Traveller communities",
)

DHSC = "DHSC ASC-CLD-LA-Dashboard SQL (2024-25 onwards)"
NHSE = "NHS England Central Transformation Principles (2023-24)"

MEASURES: tuple[Measure, ...] = (
    Measure(
        code="2A",
        name="Short-term support with no further request for ongoing support",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="The proportion of people who received short-term services (reablement, ST-Max) during the year, "
        "who were not previously receiving long-term support, where no further request was made for ongoing support.",
        numerator="Reablement episodes of new clients ending in the year whose sequel was low-level or other short-term "
        "support, or no further support (the NFA outcomes listed by DHSC).",
        denominator="Reablement episodes of new clients ending in the year whose sequel is known: the numerator's "
        "outcomes plus long-term support and short-term residential or nursing care. Deaths, admissions to hospital "
        "and sequels that cannot be classified are left out.",
        notes=(
            "Follows DHSC's 2024-25 SQL: ST-Max events 7 days apart or overlapping form one episode; the episode's "
            "outcome is that of its latest-ending event (ties by the outcome hierarchy); a new client had no long-term "
            "support ending in the 91 days before the episode began; under-18s and people who died before it began are "
            "left out; the sequel is found in DHSC's order (death within 7 days, admitted to hospital, a service within "
            "7 days, a usable outcome on the episode, the events after it or an assessment or review ending in its last "
            "14 days, equipment during it, else the episode's own outcome).",
            "NHS England's 2023-24 principles used a 28-day window after requests and grouped events within 3 days; "
            "DHSC's 7-day windows are used for 2024-25 onwards.",
            "DHSC breaks ties between identical rows by the warehouse's record id; here ties fall to the outcome's "
            "place in the hierarchy and then its text, as the source carries no record id.",
        ),
        sql="ascof_2a.sql",
        reference=DHSC,
    ),
    Measure(
        code="2B",
        name="Long-term admissions to residential and nursing care, aged 18 to 64",
        kind=Kind.RATE,
        polarity=Polarity.LOWER,
        definition="The number of adults aged 18 to 64 whose long-term support needs are met by admission to "
        "residential and nursing care homes, per 100,000 population.",
        numerator="People aged 18 to 64 at admission with a new long-term residential or nursing care service starting "
        "in the year.",
        denominator="The population aged 18 to 64 of the council's area (as loaded).",
        notes=(
            "Follows DHSC's 2024-25 SQL: an admission is not new when the person had a residential or nursing service "
            "that started earlier and ended less than 365 days before, or is still open; admissions whose outcome is "
            "'NFA: Self-funded client or under 12wk disregard' are left out; one admission per person, in the younger "
            "age band if they had two.",
            "DHSC's filter `Service_Component NOT LIKE '%Short%'` also drops services with no component, which its "
            "preceding line means to keep; services with no component are kept here.",
            "Date of birth and of death are the latest non-blank values the person's events carry.",
        ),
        sql="ascof_2bc.sql",
        group="18 to 64",
        reference=DHSC,
    ),
    Measure(
        code="2C",
        name="Long-term admissions to residential and nursing care, aged 65 and over",
        kind=Kind.RATE,
        polarity=Polarity.LOWER,
        definition="The number of adults aged 65 and over whose long-term support needs are met by admission to "
        "residential and nursing care homes, per 100,000 population. Also the Better Care Fund metric for "
        "long-term admissions.",
        numerator="People aged 65 and over at admission with a new long-term residential or nursing care service "
        "starting in the year.",
        denominator="The population aged 65 and over of the council's area (as loaded).",
        notes=("As 2B, for the age band 65 and above.",),
        sql="ascof_2bc.sql",
        group="65 and above",
        reference=DHSC,
        bcf=True,
    ),
    Measure(
        code="2D",
        name="Discharged into reablement and remained in the community within 12 weeks, aged 65 and over",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="The proportion of people aged 65 and over discharged from hospital into reablement who remained in "
        "the community within 12 weeks (84 days) of discharge.",
        numerator="Of the denominator, episodes with no emergency readmission, no death and no long-term residential "
        "or nursing care starting within 84 days of discharge.",
        denominator="Reablement episodes starting between 7 days after and 3 days before a hospital discharge of a "
        "person aged 65 and over in the year (the latest discharge when several), excluding people in long-term "
        "residential, nursing or prison support when admitted.",
        notes=(
            "Follows DHSC's 2D SQL, with hospital activity in place of SUS: an emergency readmission is an admission "
            "method beginning '2' (DHSC uses the SUS management type); treatment-function exclusions are not "
            "available; deaths in hospital are read from discharge destination 79.",
            "DHSC keeps ST-Max services whose component is 'Reablement'; every ST-Max service is kept here.",
            "With no hospital activity loaded, the discharge is a request whose route of access is 'Discharge from "
            "hospital', and a readmission an episode ending 'Admitted to hospital': the measure is then labelled "
            "as coming from reablement follow-ups.",
        ),
        sql="ascof_2d.sql",
        reference=DHSC,
        follow_up_label="from reablement follow-ups, no hospital data loaded",
    ),
    Measure(
        code="2E",
        name="Long-term support clients living in their home or with family",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="The proportion of people who receive long-term support who live in their home or with family.",
        numerator="Of the denominator, people whose accommodation status is settled (SALT LTS004 table 2a).",
        denominator="Adults with a long-term community, residential or nursing service active in the year.",
        notes=(
            "DHSC publishes no 2E SQL in the reference; NHS England's principles are followed: the status on the "
            "event with the latest start date, a known status over 'Unknown', and conflicting statuses count as "
            "'Unknown'. Submission dates do not break ties (the source keeps the selected submission only).",
            "From 2024-25 the measure covers all clients, not only those with a learning disability.",
        ),
        sql="ascof_2e.sql",
        reference=NHSE,
    ),
    Measure(
        code="R91",
        name="Still at home 91 days after discharge into reablement, aged 65 and over (legacy ASCOF 2B(1))",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="The proportion of older people (65 and over) still at home 91 days after discharge from hospital "
        "into reablement, for discharges between 1 October and 31 December. Also the Better Care Fund reablement "
        "metric.",
        numerator="Of the denominator, episodes where the person was alive, not in hospital and not in long-term "
        "residential or nursing care 91 days after discharge.",
        denominator="Reablement episodes linked (as in 2D) to a discharge between 1 October and 31 December of a "
        "person aged 65 and over.",
        notes=(
            "The legacy measure came from the SALT STS004 return, which was not carried into CLD; it is rebuilt here "
            "from CLD and hospital activity with 2D's linkage.",
            "Without hospital activity the discharge comes from requests (as for 2D) and 'in hospital' cannot be "
            "known.",
        ),
        sql="legacy_91.sql",
        reference="SALT STS004 guidance (to 2022-23)",
        bcf=True,
        follow_up_label="from reablement follow-ups, no hospital data loaded",
    ),
    Measure(
        code="STS001",
        name="Requests for support from new clients with reablement as the sequel",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="SALT STS001: requests for support received from new clients, with the share whose sequel was "
        "short-term support to maximise independence.",
        numerator="New-client requests whose sequel service within 28 days was ST-Max (highest in the service "
        "hierarchy among those found).",
        denominator="Requests from new clients (no long-term service open when the request began) completed in the "
        "year, requests within 4 days of each other counted once.",
        notes=(
            "NHS England's SALT principles; the full STS001 table by sequel and route of access is on the measure's "
            "page (the outcome of each request).",
            "Sequel chains broken by gaps over 3 days are not followed: every service starting within 28 days of the "
            "request ending counts.",
        ),
        sql="sts001.sql",
        reference=NHSE,
    ),
    Measure(
        code="STS002a",
        name="New clients' reablement ending with no ongoing support",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="SALT STS002a: of new clients' reablement (ST-Max) episodes ending in the year, the share whose "
        "sequel was low-level, other short-term or no further support.",
        numerator="Episodes whose sequel is in 2A's numerator.",
        denominator="Every new client's reablement episode ending in the year, whatever its sequel.",
        notes=("Episodes and sequels are found as for 2A (DHSC's method), not with SALT's 2023-24 windows.",),
        sql="sts002.sql",
        group="new",
        reference=NHSE,
    ),
    Measure(
        code="STS002b",
        name="Existing clients' reablement ending with no ongoing support",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="SALT STS002b: of existing clients' reablement (ST-Max) episodes ending in the year, the share "
        "whose sequel was low-level, other short-term or no further support.",
        numerator="Episodes whose sequel is in 2A's numerator.",
        denominator="Every existing client's (long-term support within 91 days before) reablement episode ending in "
        "the year.",
        notes=("Episodes and sequels are found as for 2A (DHSC's method).",),
        sql="sts002.sql",
        group="existing",
        reference=NHSE,
    ),
    Measure(
        code="BCF-DTR",
        name="Discharged to their usual place of residence",
        kind=Kind.PROPORTION,
        polarity=Polarity.HIGHER,
        definition="Better Care Fund: the proportion of hospital discharges (alive) in the year to the person's usual "
        "place of residence.",
        numerator="Discharges with destination 19 (usual place of residence).",
        denominator="Discharges in the year of people known to the council's CLD, excluding deaths (destination 79).",
        notes=(
            "Only discharges of people in the council's CLD are placed in its area: hospital activity carries no "
            "residence. Needs hospital activity; without it there is no value.",
        ),
        sql="bcf_dtr.sql",
        reference="Better Care Fund metrics",
        bcf=True,
        needs_hospital=True,
    ),
)
BY_CODE = {m.code: m for m in MEASURES}


# --- periods ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date

    @property
    def autumn(self) -> tuple[dt.date, dt.date]:
        """1 October to 31 December: the legacy 91-day measure's discharges."""
        return dt.date(self.start.year, 10, 1), dt.date(self.start.year, 12, 31)

    def previous(self) -> Period:
        return parse_period(f"{self.start.year - 1}-{str(self.start.year)[2:]}")


def parse_period(text: str) -> Period:
    """A financial year as "2025-26" (1 April 2025 to 31 March 2026)."""
    m = PERIOD_RE.match(text or "")
    if not m:
        raise ValueError("Enter the period as a financial year, like 2025-26")
    first = int(m.group(1))
    if f"{(first + 1) % 100:02d}" != m.group(2) or not 2000 <= first <= 2099:
        raise ValueError("Enter the period as a financial year, like 2025-26: the second year follows the first")
    return Period(text, dt.date(first, 4, 1), dt.date(first + 1, 3, 31))


def current_period(today: dt.date) -> str:
    """The financial year `today` falls in, as "2025-26"."""
    first = today.year if today.month >= 4 else today.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def check_area(text: str) -> str:
    if text == ALL or AREA_RE.match(text or ""):
        return text
    raise ValueError("Enter a council's GSS code (E06, E08, E09 or E10 and six digits) or 'all'")


# --- values ---------------------------------------------------------------------------------------------------


ONE_PLACE = Decimal("0.1")


def value(numerator: int, denominator: int, scale: int) -> Decimal | None:
    """numerator / denominator x scale, to one decimal place, half away from zero, exactly. None when no denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    code: str
    area: str
    numerator: int
    denominator: int
    value: Decimal | None


def combine(code: str, figures: Iterable[Figure], scale: int, area: str = ALL) -> Figure:
    """Councils together: the sum of numerators over the sum of denominators."""
    figures = list(figures)
    n = sum(f.numerator for f in figures)
    d = sum(f.denominator for f in figures)
    return Figure(code, area, n, d, value(n, d, scale))


# --- targets, trajectories and RAG ------------------------------------------------------------------------------


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"green": "On target", "amber": "Near target", "red": "Off target", "none": "No figure"}[self.value]


def rag(actual: Decimal | None, target: Decimal, polarity: Polarity, tolerance: Decimal) -> Rag:
    """Green when the target is met; amber when missed by no more than the tolerance (in the measure's unit); red
    beyond it. Higher-is-better measures meet the target at or above it, lower-is-better at or below."""
    if actual is None:
        return Rag.NONE
    shortfall = (target - actual) if polarity is Polarity.HIGHER else (actual - target)
    if shortfall <= 0:
        return Rag.GREEN
    return Rag.AMBER if shortfall <= tolerance else Rag.RED


@dataclass(frozen=True)
class Milestone:
    quarter: int
    value: Decimal


def trajectory(baseline: Decimal | None, target: Decimal, steps: int = 4) -> list[Milestone]:
    """Equal steps each quarter from the baseline (last year's figure) to the year's target, rounded as the
    measure is. With no baseline the target holds from the first quarter."""
    if baseline is None:
        return [Milestone(q, target) for q in range(1, steps + 1)]
    step = (target - baseline) / steps
    return [Milestone(q, (baseline + step * q).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)) for q in range(1, steps + 1)]


def parse_target(text: str) -> Decimal:
    try:
        d = Decimal(str(text).strip())
    except Exception:
        raise ValueError("Enter the target as a number, like 82.5") from None
    if not d.is_finite() or d < 0 or d > 1_000_000:
        raise ValueError("Enter the target as a number from 0 to 1,000,000")
    return d.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    """A measure for one area, as shown and exported."""

    measure: Measure
    figure: Figure
    population: int | None = None
    follow_up: bool = False
    target: Decimal | None = None
    status: Rag = Rag.NONE
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.measure.name} ({self.measure.follow_up_label})" if self.follow_up else self.measure.name


def as_json(period: str, rows: Sequence[Row]) -> dict:
    return {
        "period": period,
        "measures": [
            {
                "code": r.measure.code,
                "name": r.name,
                "area": r.figure.area,
                "numerator": r.figure.numerator,
                "denominator": r.figure.denominator,
                "value": None if r.figure.value is None else float(r.figure.value),
                "unit": r.measure.unit,
            }
            for r in rows
        ],
    }
