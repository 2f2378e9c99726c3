"""Dates typed as day, month and year (the GOV.UK date input): each wrong part named, and the form field."""

import datetime as dt

import pytest
from django import forms

from jointcare.date_input import DateField
from jointcare.dates import DatePartsError, long_date, parse_date_parts


@pytest.mark.domain
@pytest.mark.parametrize(
    "day,month,year,expected",
    [
        ("1", "4", "2025", dt.date(2025, 4, 1)),
        (" 01 ", "04", "2025", dt.date(2025, 4, 1)),
        ("29", "2", "2028", dt.date(2028, 2, 29)),
        ("31", "Dec", "2026", dt.date(2026, 12, 31)),
        ("12", "june", "2025", dt.date(2025, 6, 12)),
        ("", "", "", None),
    ],
)
def test_dates_that_read(day, month, year, expected):
    assert parse_date_parts(day, month, year, "start date") == expected


@pytest.mark.domain
@pytest.mark.parametrize(
    "day,month,year,message,parts",
    [
        ("", "4", "2025", "Start date must include a day", ("day",)),
        ("1", "", "", "Start date must include a month and year", ("month", "year")),
        ("1", "13", "2025", "Start date must be a real date", ("month",)),
        ("0", "4", "2025", "Start date must be a real date", ("day",)),
        ("x", "y", "2025", "Start date must be a real date", ("day", "month")),
        ("31", "6", "2025", "Start date must be a real date", ("day",)),
        ("29", "2", "2026", "Start date must be a real date", ("day",)),
        ("1", "4", "25", "The year of the start date must include 4 numbers", ("year",)),
        ("1", "4", "0999", "The year of the start date must include 4 numbers", ("year",)),
        ("1", "4", "9" * 5000, "Start date must be a real date", ("year",)),
        ("١", "4", "2025", "Start date must be a real date", ("day",)),  # an Arabic-Indic digit is not a day
    ],
)
def test_each_wrong_part_is_named(day, month, year, message, parts):
    with pytest.raises(DatePartsError) as exc:
        parse_date_parts(day, month, year, "start date")
    assert exc.value.message.startswith(message) and exc.value.parts == parts


@pytest.mark.domain
def test_long_date():
    assert long_date(dt.date(2025, 4, 1)) == "1 April 2025"


class Form(forms.Form):
    starts_on = DateField(what="start date")
    ends_on = DateField(what="end date", required=False)


def test_the_field_reads_its_three_inputs_and_keeps_what_was_typed():
    form = Form({"starts_on-day": "1", "starts_on-month": "4", "starts_on-year": "2025"})
    assert form.is_valid() and form.cleaned_data == {"starts_on": dt.date(2025, 4, 1), "ends_on": None}
    form = Form({"starts_on-day": "31", "starts_on-month": "6", "starts_on-year": "2025", "ends_on-month": "3"})
    assert not form.is_valid()
    assert form.errors == {
        "starts_on": ["Start date must be a real date"],
        "ends_on": ["End date must include a day and year"],
    }
    assert form["starts_on"].anchor == "starts_on-day" and form["ends_on"].anchor == "ends_on-day"
    params = form["ends_on"].date_input("End date", "For example, 31 3 2026")
    assert [(i["name"], i["value"], i["classes"]) for i in params["items"]] == [
        ("ends_on-day", "", "nhsuk-input--error"),
        ("ends_on-month", "3", ""),
        ("ends_on-year", "", "nhsuk-input--error"),
    ]
    assert params["errorMessage"] == {"text": "End date must include a day and year"}


def test_a_missing_date_highlights_every_part_and_a_date_shows_as_its_parts():
    form = Form({})
    assert not form.is_valid() and form.errors["starts_on"] == ["Enter the start date"]
    assert form["starts_on"].error_parts == ("day", "month", "year")
    unbound = Form(initial={"starts_on": dt.date(2025, 4, 1)})
    assert [i["value"] for i in unbound["starts_on"].date_input("Start date")["items"]] == ["1", "4", "2025"]
    assert unbound["starts_on"].error_parts == ()
