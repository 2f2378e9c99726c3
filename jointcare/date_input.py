"""The GOV.UK date input as a form field: a date entered as day, month and year, its wrong parts named.

`DateField` reads `<name>-day`, `<name>-month` and `<name>-year`. Its messages follow the GOV.UK pattern
("Enter the start date", "Start date must include a month", "Start date must be a real date") and say which
parts to highlight. In a template, `form[name].date_input(legend, hint)` gives the parameters of the NHS.UK
`dateInput` macro, and `form[name].anchor` is the first part in error, for the error summary's link.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from jointcare.dates import PARTS, DatePartsError, parse_date_parts

class DateParts(forms.Widget):
    """Reads the three inputs of a date; the page draws them with the NHS.UK `dateInput` macro."""

    def value_from_datadict(self, data, files, name):
        return {part: str(data.get(f"{name}-{part}") or "") for part in PARTS}

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}-{part}" in data for part in PARTS)


class DateBoundField(forms.BoundField):
    @property
    def error_parts(self) -> tuple[str, ...]:
        """The parts to highlight: those the field's first error names, or all three."""
        errors = self.form.errors.as_data().get(self.name, []) if self.form.is_bound else []
        if not errors:
            return ()
        params = errors[0].params or {}
        return tuple(params.get("parts") or PARTS)

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the first part in error."""
        return f"{self.html_name}-{(self.error_parts or PARTS)[0]}"

    def date_input(self, legend: str, hint: str | None = None, size: str = "s") -> dict:
        """Parameters for the NHS.UK `dateInput` macro: the parts as typed, each part in error highlighted."""
        values = self.value()
        in_error = self.error_parts
        return {
            "id": self.html_name,
            "fieldset": {"legend": {"text": legend, "size": size}},
            "hint": {"text": hint} if hint else None,
            "errorMessage": {"text": self.errors[0]} if self.errors else None,
            "items": [
                {
                    "id": f"{self.html_name}-{part}",
                    "name": f"{self.html_name}-{part}",
                    "label": part.capitalize(),
                    "value": values[part],
                    "width": 4 if part == "year" else 2,
                    "classes": "nhsuk-input--error" if part in in_error else "",
                }
                for part in PARTS
            ],
        }


class DateField(forms.Field):
    """A date from a GOV.UK date input. `what` names it in messages ("start date")."""

    widget = DateParts

    def __init__(self, *, what: str, **kwargs):
        self.what = what
        super().__init__(**kwargs)

    def prepare_value(self, value) -> dict:
        if isinstance(value, dt.date):
            return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
        if isinstance(value, dict):
            return {part: str(value.get(part) or "") for part in PARTS}
        if isinstance(value, str) and value:
            try:
                return self.prepare_value(dt.date.fromisoformat(value))
            except ValueError:
                pass
        return {part: "" for part in PARTS}

    def to_python(self, value) -> dt.date | None:
        if isinstance(value, dt.date) or value is None:
            return value
        parts = self.prepare_value(value)
        try:
            return parse_date_parts(parts["day"], parts["month"], parts["year"], self.what)
        except DatePartsError as exc:
            raise ValidationError(exc.message, code="invalid", params={"parts": exc.parts}) from None

    def validate(self, value) -> None:
        if value is None and self.required:
            message = self.error_messages.get("required")
            if message == forms.Field.default_error_messages["required"]:
                message = f"Enter the {self.what}"
            raise ValidationError(message, code="required", params={"parts": PARTS})

    def get_bound_field(self, form, field_name):
        return DateBoundField(form, self, field_name)
