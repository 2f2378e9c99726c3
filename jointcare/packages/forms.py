"""Care plan and reablement forms. They check types; the services check the rules and name the field at fault."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from jointcare.date_input import DateField
from jointcare.money import MoneyError, parse_pounds
from jointcare.packages.domain import (
    SERVICE_COMPONENTS,
    WHEREABOUTS_LABELS,
    DeliveryMechanism,
    EventOutcome,
    ServiceType,
    Whereabouts,
)
from jointcare.request_limits import TextField


class PoundsField(TextField):
    """Pounds and pence as typed (1,234.56 or £12), to pence."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return 0
        try:
            pence = parse_pounds(value)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc)) from None
        if pence < 0:
            raise forms.ValidationError("Enter an amount that is not negative")
        return pence


class PercentField(forms.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return int((value or Decimal(0)) * 100)


def _choices(values, prompt):
    return [("", prompt)] + [(v, v) for v in values]


# Service form fields and the service's field names they answer for (errors from the services go to the field).
SERVICE_FIELD_MAP = {
    "unit_cost_pence": "unit_cost", "client_weekly_pence": "client_weekly", "pooled_percent": "pooled_percent",
    "provider": "provider", "scheme": "scheme",
}


class ServiceForm(forms.Form):
    name = TextField(max_length=200, error_messages={"required": "Enter what the service is"})
    provider = forms.ChoiceField(choices=[], error_messages={"required": "Choose the provider", "invalid_choice": "Choose a provider from the list"})
    service_type = forms.ChoiceField(choices=_choices([t.value for t in ServiceType], "Choose a service type"),
                                     error_messages={"required": "Choose the service type"})
    component = forms.ChoiceField(choices=_choices(SERVICE_COMPONENTS, "Choose a component"),
                                  error_messages={"required": "Choose the service component"})
    delivery_mechanism = forms.ChoiceField(choices=_choices([m.value for m in DeliveryMechanism], "Choose how it is delivered"),
                                           error_messages={"required": "Choose how the service is delivered"})
    units_per_week = forms.DecimalField(min_value=Decimal("0.01"), max_value=168, max_digits=5, decimal_places=2,
                                        error_messages={"required": "Enter the units a week, for example 10.5"})
    unit_cost = PoundsField(max_length=40, error_messages={"required": "Enter the cost of one unit, for example 21.50"})
    starts_on = DateField(what="start date")
    ends_on = DateField(what="end date", required=False)
    pooled_percent = PercentField()
    nhs_percent = PercentField()
    council_percent = PercentField()
    client_weekly = PoundsField(max_length=40, required=False)
    scheme = forms.ChoiceField(choices=[], required=False, error_messages={"invalid_choice": "Choose a scheme from the list"})

    def __init__(self, *args, providers=(), schemes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose a provider")] + [(str(o.pk), o.name) for o in providers]
        self.fields["scheme"].choices = [("", "No pooled share")] + [(str(s.pk), f"{s.name} ({s.pool})") for s in schemes]


class EndServiceForm(forms.Form):
    ends_on = DateField(what="end date")
    reason = TextField(max_length=300, required=False)


class GoalsForm(forms.Form):
    goals = TextField(max_length=9000, required=False, widget=forms.Textarea)


class DecisionForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=1_000_000)
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return for change")],
                                 error_messages={"required": "Choose to approve or return the plan"})
    reason = TextField(max_length=300, required=False)


class EpisodeForm(forms.Form):
    starts_on = DateField(what="start date")
    discharged_on = DateField(what="hospital discharge date", required=False)
    provider = forms.ChoiceField(choices=[], required=False)
    service = forms.ChoiceField(choices=[], required=False)

    def __init__(self, *args, providers=(), services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Not recorded")] + [(str(o.pk), o.name) for o in providers]
        self.fields["service"].choices = [("", "None")] + [(str(s.pk), s.name) for s in services]


class ExtendForm(forms.Form):
    extended_to = DateField(what="new last day")
    reason = TextField(max_length=300, error_messages={"required": "Say why the episode is extended"})


class EndEpisodeForm(forms.Form):
    ends_on = DateField(what="end date")
    outcome = forms.ChoiceField(choices=_choices([o.value for o in EventOutcome], "Choose the outcome"),
                                error_messages={"required": "Choose the outcome of the episode"})


class FollowUpForm(forms.Form):
    seen_on = DateField(what="date seen")
    whereabouts = forms.ChoiceField(choices=[(w.value, WHEREABOUTS_LABELS[w]) for w in Whereabouts],
                                    error_messages={"required": "Choose where the person is"})
