"""Coterminosity API: GET /api/v1/coterminosity and /api/v1/coterminosity/councils."""

from typing import Annotated, Literal

from ninja import Field, Router, Schema

from jointcare.accounts.access import api_user, check
from jointcare.places import domain, report
from jointcare.schemas import READ_ERRORS

router = Router(tags=["places"])

Level = Literal[domain.LEVELS]
Threshold = Annotated[float, Field(gt=0, le=1, description="Both shares at least this for a body to be coterminous")]


class CouncilShare(Schema):
    code: str
    name: str
    share: float
    council_share: float


class BodyOut(Schema):
    code: str
    ods_code: str
    name: str
    councils: list[CouncilShare]
    largest_share: float
    coterminous: bool


class BodyShare(Schema):
    code: str
    ods_code: str
    name: str
    share: float
    body_share: float


class CouncilOut(Schema):
    code: str
    name: str
    bodies: list[BodyShare]


@router.get(
    "/coterminosity",
    response={200: list[BodyOut], **READ_ERRORS},
    summary="How NHS bodies fit councils with social services",
    description="One object per NHS body at `level`, sorted by GSS code: `pct` (2013 PCTs), `ccg` and `stp` (April 2020) "
    "against the 2019 councils; `sub-icb` and `icb` (today's, April 2024 as shipped) against today's councils. For each: "
    "the upper-tier councils it "
    "overlaps with the share of the body in each (`share`) and of the council in the body (`council_share`), "
    "its largest share, and whether it is coterminous (both shares at least `threshold` for one council). "
    "Shares are weighted by LSOA population when loaded, otherwise by LSOA count; rounded to 4 places.",
)
def coterminosity(request, level: Level, threshold: Threshold = domain.DEFAULT_THRESHOLD):
    check(api_user(request), "reference.view")
    return report.rounded_bodies(report.coterminosity_report(level, threshold))


@router.get(
    "/coterminosity/councils",
    response={200: list[CouncilOut], **READ_ERRORS},
    summary="Per council: the NHS bodies overlapping it",
    description="One object per upper-tier council, sorted by GSS code, with the NHS bodies at `level` overlapping it: "
    "`share` is the share of the council in the body, `body_share` the share of the body in the council.",
)
def coterminosity_councils(request, level: Level, threshold: Threshold = domain.DEFAULT_THRESHOLD):
    check(api_user(request), "reference.view")
    return report.rounded_councils(report.coterminosity_report(level, threshold))
