"""Writes of the outcomes context: targets (one transaction, one audit entry each)."""

from __future__ import annotations

from django.db import transaction

from jointcare.audit.services import record, snapshot
from jointcare.errors import FieldError
from jointcare.outcomes import domain
from jointcare.outcomes.models import Target

FIELDS = ("measure", "area", "period", "value", "tolerance")


class BadTarget(FieldError):
    status = 422


def set_target(actor, *, measure: str, area: str, period: str, value: str, tolerance: str = "0") -> Target:
    """Set (or change) the target for a measure, area and period."""
    if measure not in domain.BY_CODE:
        raise BadTarget(f"There is no measure {measure}", field="measure")
    for fieldname, check, given in (("area", domain.check_area, area), ("period", domain.parse_period, period)):
        try:
            check(given)
        except ValueError as exc:
            raise BadTarget(str(exc), field=fieldname) from None
    try:
        amount = domain.parse_target(value)
    except ValueError as exc:
        raise BadTarget(str(exc), field="value") from None
    try:
        margin = domain.parse_target(tolerance or "0")
    except ValueError as exc:
        raise BadTarget(str(exc).replace("target", "tolerance"), field="tolerance") from None
    with transaction.atomic():
        existing = Target.objects.select_for_update().filter(measure=measure, area=area, period=period).first()
        before = snapshot(existing, FIELDS) if existing else None
        target = existing or Target(measure=measure, area=area, period=period)
        target.value, target.tolerance, target.set_by = amount, margin, actor if getattr(actor, "pk", None) else None
        target.save()
        record(actor, "outcomes.target", target, before=before, after=snapshot(target, FIELDS),
               summary=f"Target for {measure} in {area}, {period}: {amount}")
    return target


def targets_for(period: str) -> dict[tuple[str, str], Target]:
    return {(t.measure, t.area): t for t in Target.objects.filter(period=period)}
