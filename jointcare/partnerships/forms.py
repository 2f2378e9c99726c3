"""Partnership forms. They check types; the services check the rules and name the field at fault."""

from __future__ import annotations

from django import forms

from jointcare.date_input import DateField
from jointcare.limits import MAX_COUNT
from jointcare.partnerships.domain import (
    AGREEMENT_KIND_LABELS,
    MEMBERSHIP_BASIS_LABELS,
    PARTY_ROLE_LABELS,
    AgreementKind,
    MembershipBasis,
    PartyRole,
)
from jointcare.request_limits import TextField

def _choices(labels: dict, enum, prompt: str):
    return [("", prompt)] + [(k.value, labels[k]) for k in enum]


class AgreementForm(forms.Form):
    name = TextField(max_length=200, error_messages={"required": "Enter the name of the agreement"})
    kind = forms.ChoiceField(
        choices=_choices(AGREEMENT_KIND_LABELS, AgreementKind, "Choose a kind"),
        error_messages={
            "required": "Choose the kind of agreement",
            "invalid_choice": "Choose a kind from the list",
        },
    )
    starts_on = DateField(what="start date")
    ends_on = DateField(what="end date", required=False)
    scope = TextField(required=False, max_length=5000, widget=forms.Textarea)
    legal_basis = TextField(required=False, max_length=200)
    host_code = TextField(required=False, max_length=20)
    host_id = TextField(required=False, max_length=20)
    FIELD_MAP = {"parties": "host_code", "host": "host_code"}


class AgreementEditForm(forms.Form):
    name = TextField(max_length=200, error_messages={"required": "Enter the name of the agreement"})
    kind = forms.ChoiceField(
        choices=_choices(AGREEMENT_KIND_LABELS, AgreementKind, "Choose a kind"),
        error_messages={
            "required": "Choose the kind of agreement",
            "invalid_choice": "Choose a kind from the list",
        },
    )
    starts_on = DateField(what="start date")
    ends_on = DateField(what="end date", required=False)
    scope = TextField(required=False, max_length=5000, widget=forms.Textarea)
    legal_basis = TextField(required=False, max_length=200)
    FIELD_MAP: dict = {}


class PartyForm(forms.Form):
    organisation_code = TextField(required=False, max_length=20)
    organisation_id = TextField(required=False, max_length=20)
    role = forms.ChoiceField(
        choices=_choices(PARTY_ROLE_LABELS, PartyRole, "Choose a role"),
        error_messages={
            "required": "Choose the party's role",
            "invalid_choice": "Choose a role from the list",
        },
    )
    FIELD_MAP = {"organisation": "organisation_code", "parties": "role"}


class BoardForm(forms.Form):
    name = TextField(max_length=200, error_messages={"required": "Enter the name of the board"})
    terms_of_reference = TextField(required=False, max_length=20000, widget=forms.Textarea)
    quorum = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=3,
        error_messages={
            "required": "Enter the quorum",
            "invalid": "Enter the quorum as a whole number",
            "min_value": "The quorum must be at least 1",
            "max_value": "The quorum must be 100 or fewer",
        },
    )
    FIELD_MAP: dict = {}


class MemberForm(forms.Form):
    person_name = TextField(max_length=150, error_messages={"required": "Enter the member's name"})
    position = TextField(required=False, max_length=120)
    organisation_code = TextField(required=False, max_length=20)
    organisation_id = TextField(required=False, max_length=20)
    basis = forms.ChoiceField(
        choices=_choices(MEMBERSHIP_BASIS_LABELS, MembershipBasis, "Choose a basis"),
        error_messages={
            "required": "Choose the basis of membership",
            "invalid_choice": "Choose a basis from the list",
        },
    )
    voting = forms.ChoiceField(
        choices=[("yes", "Voting member"), ("no", "Non-voting member")],
        error_messages={
            "required": "Say whether the member votes",
            "invalid_choice": "Say whether the member votes",
        },
    )
    starts_on = DateField(what="date they joined", required=False)
    ends_on = DateField(what="date they left", required=False)
    username = TextField(required=False, max_length=150)
    FIELD_MAP = {"organisation": "organisation_code"}

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", forms.ValidationError(
                "The date they left must be the same as or after the date they joined", params={"parts": ("day", "month", "year")}
            ))
        return data


class MeetingForm(forms.Form):
    held_on = DateField(what="date of the meeting")
    title = TextField(required=False, max_length=200)
    location = TextField(required=False, max_length=200)
    attendees = forms.MultipleChoiceField(required=False, choices=[])
    FIELD_MAP: dict = {}

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(str(m.pk), m.person_name) for m in members]


class AttendanceForm(forms.Form):
    attendees = forms.MultipleChoiceField(
        required=False, choices=[], error_messages={"invalid_choice": "Choose the attendees from the board's members"}
    )
    FIELD_MAP: dict = {}

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(str(m.pk), m.person_name) for m in members]


class EndForm(forms.Form):
    """Ending asks for nothing but the confirmation itself."""

    FIELD_MAP: dict = {}


class TerminateForm(forms.Form):
    reason = TextField(
        max_length=2000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter the reason for terminating the agreement",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )
    FIELD_MAP: dict = {}


class DecisionForm(forms.Form):
    meeting = forms.ChoiceField(
        choices=[],
        error_messages={"required": "Choose the meeting", "invalid_choice": "Choose a meeting from the list"},
    )
    reference = TextField(required=False, max_length=30)
    summary = TextField(max_length=300, error_messages={"required": "Enter the decision"})
    detail = TextField(required=False, max_length=20000, widget=forms.Textarea)
    votes_for = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_COUNT,
        error_messages={
            "invalid": "Enter votes as a whole number",
            "min_value": "Votes cannot be negative",
            "max_value": f"Votes must be {MAX_COUNT:,} or fewer",
        },
    )
    votes_against = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_COUNT,
        error_messages={
            "invalid": "Enter votes as a whole number",
            "min_value": "Votes cannot be negative",
            "max_value": f"Votes must be {MAX_COUNT:,} or fewer",
        },
    )
    abstentions = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_COUNT,
        error_messages={
            "invalid": "Enter abstentions as a whole number",
            "min_value": "Abstentions cannot be negative",
            "max_value": f"Abstentions must be {MAX_COUNT:,} or fewer",
        },
    )
    FIELD_MAP: dict = {}

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "Choose a meeting")] + [
            (str(m.pk), f"{m.held_on:%d %B %Y}: {m.title}") for m in meetings
        ]
