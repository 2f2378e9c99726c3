"""What every API operation shares: the error shape and the error responses it documents, the base of request
bodies, and bounded types for ids, counts, month numbers, text and amounts of money (decision 0051).

The contract: a request that breaks what the OpenAPI document states (a type, a bound, a pattern, an unknown
field) is answered 422 naming the field; one the document allows but a rule of the platform refuses is answered
400 (or 404, 409) naming the field; nothing is answered 5xx.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from jointcare.limits import MAX_COUNT, MAX_ID
from jointcare.money import MAX_AMOUNT_PENCE, MoneyError, check_amount


class ErrorItem(Schema):
    field: str | None = None
    message: str
    row: int | None = None


class ErrorOut(Schema):
    """Every 4xx answer: `detail` says what is wrong; each of `errors` names its field (and row, for files). A 409
    for a record that already exists names it in `existing_id`."""

    detail: str
    errors: list[ErrorItem]
    existing_id: int | None = None


# 400 unreadable request, or refused by a rule; 401 not signed in; 403 not allowed; 404 no such thing;
# 409 conflicts with the current state; 413 body or upload over its limit; 422 a field breaks this document
READ_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut, 413: ErrorOut}


class Input(Schema):
    """A request body. A field it does not know is refused (422), so a misspelt field is never silently ignored."""

    model_config = ConfigDict(extra="forbid")


# Text that can be stored and exported: no control characters but tab, line feed and carriage return (nor lone
# surrogates). The API's parser (jointcare.api) and jointcare.request_limits refuse any other text in every body
# and query string, naming the field; this pattern states it in the OpenAPI document.
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"


def text(default=..., *, max_length: int, min_length: int = 0, **kwargs):
    """A string field of at most `max_length` characters (at least `min_length`) of storable text."""
    return Field(
        default,
        min_length=min_length or None,
        max_length=max_length,
        json_schema_extra={"pattern": TEXT_PATTERN},
        **kwargs,
    )


# In a body, numbers, flags and dates are taken only as JSON gives them (a whole number, which JSON Schema also
# allows to be written 41.0; true or false; a date as text YYYY-MM-DD), never converted from another type (text,
# a flag), so a body that breaks the document is refused.


def _whole_number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("int_type", "Input should be a whole number")


def whole_number(minimum: int, maximum: int):
    """A whole number from `minimum` to `maximum` in a body."""
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_whole_number)]


# A database id: a positive signed 64-bit integer; PathId is the same in a path or query string.
Id = whole_number(1, MAX_ID)
PathId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A count of people (votes, members): far more than any board has, within a small integer column.
Count = whole_number(0, MAX_COUNT)
# A month of a financial year, in a path or query string: 1 is April, 12 is March.
MonthNumber = Annotated[int, Field(ge=1, le=12)]
Flag = Annotated[bool, Strict()]


def _date_text(value):
    if isinstance(value, str | dt.date):
        return value
    raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(_date_text)]


def _pence(minimum: int):
    def check(pence: int) -> int:
        try:
            check_amount(pence)
        except MoneyError as exc:
            raise PydanticCustomError("amount", str(exc)) from None
        if pence < minimum:
            raise PydanticCustomError("amount", "must not be negative")
        return pence

    return Annotated[
        int,
        BeforeValidator(_whole_number),
        AfterValidator(check),
        WithJsonSchema({"type": "integer", "minimum": minimum, "maximum": MAX_AMOUNT_PENCE}),
    ]


# An amount of money in pence, at most MAX_AMOUNT_PENCE (jointcare.money) either way, or not negative.
Pence = _pence(-MAX_AMOUNT_PENCE)
NonNegativePence = _pence(0)
