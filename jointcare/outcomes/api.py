"""Measures API: GET /api/v1/measures?period=2025-26&area=all (the same figures as `jointcare measures compute`)."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from jointcare.accounts.access import api_user, check
from jointcare.errors import FieldError, NotFound
from jointcare.outcomes import compute, domain
from jointcare.schemas import READ_ERRORS, text

router = Router(tags=["outcomes"])


class MeasureOut(Schema):
    code: str
    name: str
    area: str
    numerator: int
    denominator: int
    value: float | None
    unit: str


class PackOut(Schema):
    period: str
    measures: list[MeasureOut]


class MeasureQuery(Schema):
    period: str = text("", max_length=7, description="financial year, like 2025-26 (default: the current one)")
    area: str = text(domain.ALL, max_length=9, description="a council's GSS code, or `all` (every loaded council together)")


class BadQuery(FieldError):
    status = 422


@router.get(
    "/measures",
    response={200: PackOut, **READ_ERRORS},
    summary="Every outcome measure for a period and area",
    description="ASCOF 2A-2E, the legacy 91-day reablement measure, SALT STS001/STS002a/b and the Better Care Fund "
    "metrics the data supports, from the loaded Client Level Data. `all` is the sum of numerators over the sum of "
    "denominators of every loaded council. Values are rounded to one decimal place, half away from zero; null when "
    "there is no denominator.",
)
def measures(request, q: Query[MeasureQuery]):
    check(api_user(request), "outcomes.view")
    try:
        period = domain.parse_period(q.period or domain.current_period(dt.date.today()))
    except ValueError as exc:
        raise BadQuery(str(exc), field="period") from None
    try:
        area = domain.check_area(q.area)
    except ValueError as exc:
        raise BadQuery(str(exc), field="area") from None
    try:
        rows = compute.compute(period).rows(area)
    except compute.NoData as exc:
        raise NotFound(str(exc), field="area") from None
    return domain.as_json(period.label, rows)
