"""Person forms. Type checks here; the rules (NHS number, postcode, council, practice) live in the service."""

from __future__ import annotations

from django import forms

from jointcare.date_input import DateField
from jointcare.people import domain, vocabulary
from jointcare.request_limits import TextField


def council_choices() -> list[tuple[str, str]]:
    from jointcare.places.models import Area, Level

    councils = Area.objects.filter(level=Level.COUNCIL).order_by("name").values_list("code", "name")
    return [("", "Work it out from the LSOA")] + [(code, f"{name} ({code})") for code, name in councils]


class PersonForm(forms.Form):
    nhs_number = TextField(required=False, max_length=20)
    council_person_id = TextField(required=False, max_length=40)
    given_name = TextField(max_length=100, error_messages={"required": "Enter the person's given name"})
    family_name = TextField(max_length=100, error_messages={"required": "Enter the person's family name"})
    date_of_birth = DateField(what="date of birth")
    date_of_death = DateField(what="date of death", required=False)
    sex = forms.ChoiceField(required=False, choices=vocabulary.choices(vocabulary.SEX))
    gender = forms.ChoiceField(required=False, choices=vocabulary.choices(vocabulary.GENDER))
    ethnicity = forms.ChoiceField(required=False, choices=vocabulary.choices(vocabulary.ETHNICITY))
    accommodation = forms.ChoiceField(required=False, choices=vocabulary.choices(vocabulary.ACCOMMODATION))
    postcode = TextField(required=False, max_length=10)
    lsoa_code = TextField(required=False, max_length=9)
    gp_practice = TextField(required=False, max_length=10)
    responsible_council = forms.ChoiceField(required=False)
    responsible_council_reason = TextField(required=False, max_length=300)
    long_term_conditions = forms.MultipleChoiceField(required=False, choices=list(vocabulary.CONDITIONS.items()))
    national_opt_out = forms.BooleanField(required=False)
    consent_to_share = forms.BooleanField(required=False)
    restricted = forms.BooleanField(required=False)
    join_care_team = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_council"].choices = council_choices()
        if not creating:
            del self.fields["join_care_team"]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("join_care_team", None)
        data["nhs_number"] = data["nhs_number"] or None
        data["lsoa_code"] = data["lsoa_code"] or None
        data["gp_practice"] = data["gp_practice"] or None
        return data


class SearchForm(forms.Form):
    nhs_number = TextField(required=False, max_length=20)
    name = TextField(required=False, max_length=200)
    date_of_birth = DateField(what="date of birth", required=False)
    postcode = TextField(required=False, max_length=10)


class ReasonForm(forms.Form):
    reason = TextField(max_length=500, min_length=domain.BREAK_GLASS_MIN_REASON, error_messages={
        "required": "Give your reason for opening this record",
        "min_length": f"Give your reason in at least {domain.BREAK_GLASS_MIN_REASON} characters",
    })


class VoidForm(forms.Form):
    reason = TextField(max_length=300, error_messages={"required": "Give the reason"})


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(min_value=1, max_value=2**63 - 1, error_messages={
        "required": "Enter the id of the duplicate record", "invalid": "Enter the record's id, a number"})
    reason = TextField(required=False, max_length=300)


class TeamMemberForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "Choose a role"), *domain.CARE_TEAM_ROLES.items()],
                             error_messages={"required": "Choose the role"})
    name = TextField(required=False, max_length=150)
    username = TextField(required=False, max_length=150)
    organisation = TextField(required=False, max_length=10)
    is_coordinator = forms.BooleanField(required=False)


class ImportForm(forms.Form):
    file = forms.FileField(error_messages={"required": "Choose a CSV or XLSX file"})
    dry_run = forms.BooleanField(required=False)
