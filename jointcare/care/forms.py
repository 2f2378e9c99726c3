"""The care pages' forms. Each field says how the page draws it (`kind`: radios, select, textarea, date, text) so
one template macro (`care/_form.jinja`) draws every form with the NHS.UK components."""

from __future__ import annotations

from django import forms

from jointcare.care.domain import chc
from jointcare.care.domain.eligibility import Ability, AdultOutcome, CarerOutcome
from jointcare.care.domain.vocabulary import (
    DECLINE_OUTCOMES,
    EVENT_OUTCOME_LABELS,
    REQUEST_OUTCOMES,
    REVIEW_OUTCOMES,
    ReviewReason,
    RouteOfAccess,
    Urgency,
)
from jointcare.date_input import DateField
from jointcare.request_limits import TextField

YES_NO = [("yes", "Yes"), ("no", "No")]


def _radios(label, choices, *, hint="", required=True, message=None, inline=False):
    field = forms.ChoiceField(label=label, choices=choices, required=required, help_text=hint,
                              error_messages={"required": message or f"Answer: {label[0].lower()}{label[1:]}",
                                              "invalid_choice": "Choose one of the options"})
    field.kind = "radios-inline" if inline else "radios"
    return field


def _select(label, choices, *, hint="", required=True, message=None):
    field = forms.ChoiceField(label=label, choices=[("", "Choose")] + list(choices), required=required, help_text=hint,
                              error_messages={"required": message or f"Choose the {label.lower()}",
                                              "invalid_choice": "Choose one of the options"})
    field.kind = "select"
    return field


def _text(label, *, max_length, hint="", required=False, area=False, message=None):
    field = TextField(label=label, max_length=max_length, required=required, help_text=hint,
                      error_messages={"required": message or f"Enter the {label.lower()}"})
    field.kind = "textarea" if area else "text"
    return field


def _date(label, what, *, hint="", required=False):
    field = DateField(what=what, label=label, required=required, help_text=hint)
    field.kind = "date"
    return field


def _outcomes(outcomes):
    return [(o.value, EVENT_OUTCOME_LABELS[o]) for o in outcomes]


def yes(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ReferForm(forms.Form):
    source = _radios("How did the referral reach us?", [(r.value, r.label) for r in RouteOfAccess],
                     hint="The route of access recorded for the statutory return", message="Choose the route of access")
    urgency = _radios("Urgency", [(u.value, u.label) for u in Urgency], inline=True, message="Choose the urgency")
    referrer = _text("Who referred (optional)", max_length=200, hint="For example, Ward 4, Wythenshawe Hospital")
    reason = _text("Reason for the referral", max_length=2000, area=True, required=True)


class CloseForm(forms.Form):
    outcome = _select("Outcome", _outcomes(REQUEST_OUTCOMES), hint="The CLD outcome of the request")


class DeclineForm(forms.Form):
    outcome = _select("Outcome", _outcomes(DECLINE_OUTCOMES), hint="The no-further-action outcome recorded for the return")
    reason = _text("Why is the referral being declined?", max_length=2000, area=True, required=True,
                   hint="At least 10 characters. This is kept with the referral.", message="Give the reason")


class ReassignForm(forms.Form):
    team = _select("Team", [], message="Choose the team")
    reason = _text("Why is it being reassigned?", max_length=2000, area=True, required=True,
                   hint="At least 10 characters. The new team sees this.", message="Give the reason")

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Choose a team")] + [(str(t.pk), t.name) for t in teams]


class NeedsForm(forms.Form):
    health = _text("Health needs", max_length=5000, area=True, hint="Conditions, treatment, nursing needs")
    social = _text("Social care needs", max_length=5000, area=True, hint="Daily living, home, family and community")


class EligibilityForm(forms.Form):
    impairment = _radios("Do the needs arise from or relate to a physical or mental impairment or illness?", YES_NO, inline=True)
    wellbeing = _radios("As a result, is there, or is there likely to be, a significant impact on their well-being?",
                        YES_NO, inline=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for outcome in AdultOutcome:
            self.fields[f"outcome_{outcome.value}"] = _radios(
                outcome.label, [(a.value, a.label) for a in Ability], message=f"Answer how they achieve: {outcome.label.lower()}"
            )

    def answers(self) -> dict:
        d = self.cleaned_data
        return {"impairment": yes(d["impairment"]), "wellbeing": yes(d["wellbeing"]),
                "outcomes": {o.value: d[f"outcome_{o.value}"] for o in AdultOutcome}}


class CarerForm(forms.Form):
    has_carer = _radios("Does the person have an unpaid carer who wants a carer's assessment?", YES_NO, inline=True)
    carer_name = _text("Carer's name", max_length=200)
    necessary_care = _radios("Do the carer's needs arise from providing necessary care for an adult?", YES_NO,
                             inline=True, required=False)
    health_at_risk = _radios("Is the carer's physical or mental health deteriorating, or at risk of it?", YES_NO,
                             inline=True, required=False)
    wellbeing = _radios("Is there, or is there likely to be, a significant impact on the carer's well-being?", YES_NO,
                        inline=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for outcome in CarerOutcome:
            self.fields[f"outcome_{outcome.value}"] = _radios(
                f"Carer: {outcome.label}", [(a.value, a.label) for a in Ability], required=False
            )

    def answers(self) -> dict:
        d = self.cleaned_data
        if d["has_carer"] != "yes":
            return {"has_carer": False}
        return {"has_carer": True, "carer_name": d["carer_name"], "necessary_care": yes(d["necessary_care"]),
                "health_at_risk": yes(d["health_at_risk"]), "wellbeing": yes(d["wellbeing"]),
                "outcomes": {o.value: d[f"outcome_{o.value}"] for o in CarerOutcome if d[f"outcome_{o.value}"]}}


class ChecklistForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for domain in chc.Domain:
            priority = " (a priority domain)" if domain in chc.PRIORITY_DOMAINS else ""
            self.fields[f"score_{domain.value}"] = _radios(
                f"{domain.label}{priority}", [(s, s) for s in chc.SCORES], inline=True,
                message=f"Score {domain.label.lower()} A, B or C",
            )
        self.fields["decision"] = _select(
            "Decision after a full assessment (optional)", [(d.value, d.label) for d in chc.ChcDecision], required=False,
            hint="Only once a multidisciplinary team has decided with the Decision Support Tool",
        )

    def answers(self) -> dict:
        d = self.cleaned_data
        return {"scores": {dm.value: d[f"score_{dm.value}"] for dm in chc.Domain}, "decision": d["decision"]}


class CompleteAssessmentForm(forms.Form):
    outcome = _select("Outcome of the assessment", _outcomes(REQUEST_OUTCOMES), hint="The CLD outcome of the assessment")


class TaskForm(forms.Form):
    title = _text("Task", max_length=200, required=True, message="Describe the task")
    assign_to = _select("Assign to", [], message="Choose who does it")
    due_on = _date("Due date (optional)", "due date", hint="For example, 12 6 2026")

    def __init__(self, *args, people=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].choices = (
            [("", "Choose")] + [(f"user:{u.pk}", u.get_full_name() or u.username) for u in people]
            + [(f"team:{t.pk}", t.name) for t in teams]
        )


class ReviewForm(forms.Form):
    due_on = _date("Due date", "due date", hint="For example, 12 9 2026", required=True)
    reason = _radios("Reason", [(r.value, r.label) for r in ReviewReason], inline=True, message="Choose the reason")
    team = _select("Team (optional)", [], required=False)
    reviewer_is_me = _radios("Will you carry out the review?", YES_NO, inline=True)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "No team")] + [(str(t.pk), t.name) for t in teams]


class CompleteReviewForm(forms.Form):
    outcome = _select("Outcome", _outcomes(REVIEW_OUTCOMES), hint="The CLD outcome of the review")
    outcomes_achieved = _radios("Were the outcomes of the plan achieved?", YES_NO, inline=True)
    notes = _text("Notes (optional)", max_length=5000, area=True)
