"""What every API operation shares: the error shape and the error responses it documents, and bounded types for
ids, counts, month numbers, text and amounts of money (decision 0051)."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from jointcare.limits import MAX_COUNT, MAX_ID
from jointcare.money import MAX_AMOUNT_PENCE, MoneyError, check_amount


class ErrorItem(Schema):
    field: str | None = None
    message: str
    row: int | None = None


class ErrorOut(Schema):
    """Every 4xx answer: `detail` says what is wrong; each of `errors` names its field (and row, for files)."""

    detail: str
    errors: list[ErrorItem]


# 400 unreadable request (query string, body), 401 not signed in, 403 not allowed, 404 no such thing,
# 409 conflicts with the current state, 413 body or upload over its limit, 422 a field fails validation
READ_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut, 413: ErrorOut}

# A database id: a positive signed 64-bit integer.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A count of people (votes, members): far more than any board has, within a small integer column.
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
# A month of a financial year: 1 is April, 12 is March.
MonthNumber = Annotated[int, Field(ge=1, le=12)]


def _amount(pence: int) -> int:
    try:
        return check_amount(pence)
    except MoneyError as exc:
        raise PydanticCustomError("amount", str(exc)) from None


# An amount of money in pence, either way, at most MAX_AMOUNT_PENCE (jointcare.money).
Pence = Annotated[
    int,
    AfterValidator(_amount),
    WithJsonSchema({"type": "integer", "minimum": -MAX_AMOUNT_PENCE, "maximum": MAX_AMOUNT_PENCE}),
]

