"""The audit trail's filters: who, what, which object, and when (from and to, as GOV.UK date inputs)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from jointcare.audit.domain import OBJECT_KEYS, action_label
from jointcare.date_input import DateField
from jointcare.request_limits import TextField


class TrailFilter(forms.Form):
    who = forms.ChoiceField(required=False)
    what = forms.ChoiceField(required=False)
    object = TextField(required=False, max_length=80)
    date_from = DateField(what="date from", required=False)
    date_to = DateField(what="date to", required=False)

    def __init__(self, data, *, actors: list[str], actions: list[str]):
        super().__init__(data)
        self.fields["who"].choices = [("", "Anyone")] + [(a, a) for a in actors]
        self.fields["what"].choices = [("", "Any action")] + sorted(
            ((a, action_label(a)) for a in actions), key=lambda pair: pair[1]
        )

    def clean_object(self) -> tuple[str, str] | None:
        """"pool:5" -> ("pool.pool", "5"); also the full type, "pool.period:12"."""
        text = (self.cleaned_data.get("object") or "").strip()
        if not text:
            return None
        kind, sep, ident = text.rpartition(":")
        if not sep or not kind or not ident:
            raise forms.ValidationError("Enter the object as kind and id, for example pool:5")
        return OBJECT_KEYS.get(kind, kind), ident

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", forms.ValidationError("Date to must be the same as or after date from",
                                                            params={"parts": ("day", "month", "year")}))
        return data

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The filter's start (inclusive) and end (exclusive) as aware datetimes in local time."""
        def at(day: dt.date | None):
            return timezone.make_aware(dt.datetime.combine(day, dt.time())) if day else None

        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        return at(start), at(end + dt.timedelta(days=1)) if end else None
