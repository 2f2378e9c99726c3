"""Dates as people write and read them: "1 April 2025", and a date typed as day, month and year. Pure."""

from __future__ import annotations

import calendar
import datetime as dt


def long_date(day: dt.date) -> str:
    """1 April 2025: the way pages and messages write a date."""
    return f"{day.day} {day:%B %Y}"


PARTS = ("day", "month", "year")
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}


class DatePartsError(ValueError):
    """A date that cannot be read, with the parts (day, month, year) to highlight."""

    def __init__(self, message: str, parts: tuple[str, ...]):
        super().__init__(message)
        self.message = message
        self.parts = parts


def _sentence(what: str) -> str:
    return what[:1].upper() + what[1:]


def parse_date_parts(day: str, month: str, year: str, what: str) -> dt.date | None:
    """The date from its three parts as typed, None when all are blank; DatePartsError when they are wrong.

    `what` names the date in messages, e.g. "start date". Months may be numbers or names ("4", "Apr",
    "April"); the year has 4 digits.
    """
    parts = {"day": (day or "").strip(), "month": (month or "").strip(), "year": (year or "").strip()}
    if not any(parts.values()):
        return None
    missing = tuple(p for p in PARTS if not parts[p])
    if missing:
        raise DatePartsError(f"{_sentence(what)} must include a {' and '.join(missing)}", missing)
    number = {p: int(v) if v.isascii() and v.isdigit() and len(v) <= 4 else None for p, v in parts.items()}
    if number["month"] is None:
        number["month"] = MONTHS.get(parts["month"].lower())
    wrong = tuple(
        p
        for p, ok in (
            ("day", number["day"] is not None and 1 <= number["day"] <= 31),
            ("month", number["month"] is not None and 1 <= number["month"] <= 12),
            ("year", number["year"] is not None),
        )
        if not ok
    )
    if wrong:
        raise DatePartsError(f"{_sentence(what)} must be a real date", wrong)
    if len(parts["year"]) != 4 or number["year"] < 1000:
        raise DatePartsError(f"The year of the {what} must include 4 numbers, for example {dt.date.today().year}", ("year",))
    try:
        return dt.date(number["year"], number["month"], number["day"])
    except ValueError:  # 31 June, 29 February in a common year
        raise DatePartsError(f"{_sentence(what)} must be a real date", ("day",)) from None


def financial_year_label(year: int) -> str:
    """2026 -> '2026-27': the financial year from 1 April of `year` to 31 March of the next."""
    return f"{year}-{(year + 1) % 100:02d}"
