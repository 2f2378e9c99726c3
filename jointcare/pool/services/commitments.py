"""Commitments: planned spend on a scheme in a month (from care packages and contracts), which the forecast
uses. Not ledger postings: only money that moved is in the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from jointcare.audit.services import record, snapshot
from jointcare.errors import FieldError
from jointcare.money import MoneyError, check_amount
from jointcare.pool import domain
from jointcare.pool.domain import Action
from jointcare.pool.models import Commitment, Period, Pool, Scheme
from jointcare.pool.services.periods import lock, require


def _check_amount(amount_pence, field: str = "amount_pence") -> None:
    try:
        check_amount(amount_pence)
    except MoneyError as exc:
        raise FieldError(str(exc), field=field) from None
    if amount_pence < 0:
        raise FieldError("a commitment cannot be negative", field=field)


@transaction.atomic
def create_commitment(
    actor, scheme: Scheme, month: dt.date, amount_pence: int, source: str, reference: str
) -> Commitment:
    """Record planned spend on `scheme` in the month containing `month`.

    Keyed by (scheme, month, source, reference): calling again with the same key replaces the amount, so a
    caller (e.g. a care package) can restate its plan. Amounts are pence, not negative, within the bounds of
    `jointcare.money`. A settled pool takes no commitments until it is reopened.
    """
    _check_amount(amount_pence)
    if not source or not reference:
        raise FieldError("give the source and reference of the commitment", field="reference")
    pool = lock(scheme.pool)
    try:
        number = domain.period_number(pool.financial_year, month)
    except ValueError as exc:
        raise FieldError(str(exc), field="month") from None
    require(pool, Action.COMMIT)
    period = Period.objects.get(pool=pool, number=number)
    commitment, created = Commitment.objects.get_or_create(
        scheme=scheme,
        period=period,
        source=source[:80],
        reference=reference[:120],
        defaults={
            "pool": pool,
            "amount_pence": amount_pence,
            "created_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    before = None if created else snapshot(commitment)
    if not created:
        commitment.amount_pence = amount_pence
        commitment.updated_at = timezone.now()
        commitment.save(update_fields=["amount_pence", "updated_at"])
    record(
        actor,
        "pool.commit",
        commitment,
        before=before,
        after=snapshot(commitment),
        summary=f"Commitment {source}/{reference} on {scheme.name} {period.label}: {amount_pence}p",
    )
    return commitment


@transaction.atomic
def create_commitments_bulk(actor, pool: Pool, rows: Sequence[tuple[Scheme, int, int, str, str]]) -> int:
    """(scheme, period number, amount, source, reference) rows, new only; for loads and the demo."""
    pool = lock(pool)
    require(pool, Action.COMMIT)
    periods = {p.number: p for p in pool.periods.all()}
    for i, (_, number, amount, _, _) in enumerate(rows, start=1):
        _check_amount(amount, field=f"rows[{i}].amount_pence")
        if number not in periods:
            raise FieldError(f"row {i}: there is no period {number}", field=f"rows[{i}].period")
    objs = [
        Commitment(pool=pool, scheme=s, period=periods[n], amount_pence=a, source=src, reference=ref)
        for s, n, a, src, ref in rows
    ]
    Commitment.objects.bulk_create(objs, batch_size=2000)
    record(
        actor, "pool.commit_bulk", pool, after={"commitments": len(objs)}, summary=f"{len(objs)} commitments"
    )
    return len(objs)
