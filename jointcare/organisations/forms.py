"""Organisation forms. Type checks here; the rules (code formats, sectors, uniqueness) live in the service."""

from __future__ import annotations

from django import forms

from jointcare.date_input import DateField
from jointcare.errors import ServiceError
from jointcare.organisations.domain import KIND_LABELS, SECTOR_LABELS, Kind, Sector
from jointcare.request_limits import TextField

def error_list(form: forms.Form) -> list[dict]:
    """Errors for the NHS.UK error summary: each links to its field."""
    items = []
    for name, errs in form.errors.items():
        # A GOV.UK date input links to its first part in error (its bound field's `anchor`).
        href = "#" + (getattr(form[name], "anchor", name) if name != "__all__" else "main-content")
        for e in errs:
            items.append({"text": e, "href": href})
    return items


def add_service_error(form: forms.Form, exc: ServiceError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's FieldError against the form field it names (or at the top of the form)."""
    field_map = field_map or {}
    for err in exc.errors:
        name = field_map.get(err.get("field") or "", err.get("field"))
        if name not in form.fields:
            name = None
        form.add_error(name, err["message"])


def first_errors(form: forms.Form) -> dict[str, str]:
    return {name: errs[0] for name, errs in form.errors.items()}


class OrganisationForm(forms.Form):
    name = TextField(max_length=200, error_messages={"required": "Enter the organisation's name"})
    kind = forms.ChoiceField(
        choices=[("", "Choose a kind")] + [(k.value, KIND_LABELS[k]) for k in Kind],
        error_messages={"required": "Choose the kind of organisation", "invalid_choice": "Choose a kind from the list"},
    )
    sector = forms.ChoiceField(
        required=False,
        choices=[("", "Work it out from the kind")] + [(s.value, SECTOR_LABELS[s]) for s in Sector],
        error_messages={"invalid_choice": "Choose a sector from the list"},
    )
    ods_code = TextField(required=False, max_length=20)
    gss_code = TextField(required=False, max_length=20)
    parent_code = TextField(required=False, max_length=20)
    postcode = TextField(required=False, max_length=10)
    active = forms.BooleanField(required=False, initial=True)
    opened_on = DateField(what="opening date", required=False)
    closed_on = DateField(what="closing date", required=False)

    FIELD_MAP = {"parent_id": "parent_code"}
