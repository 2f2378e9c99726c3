"""Commitments: planned spend on a scheme in a month (from care packages and contracts), which the forecast
uses. Not ledger postings: only money that moved is in the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import connection, transaction
from django.utils import timezone

from jointcare.audit.services import record, snapshot
from jointcare.errors import FieldError
from jointcare.grammar import plural
from jointcare.money import MoneyError, check_amount
from jointcare.pool import domain
from jointcare.pool.domain import Action, PoolState
from jointcare.pool.domain.periods import TRANSITIONS
from jointcare.pool.models import Commitment, Period, Pool, Scheme
from jointcare.pool.services import ledger_state
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
        actor, "pool.commit_bulk", pool, after={"commitments": len(objs)}, summary=plural(len(objs), "commitment")
    )
    return len(objs)


@transaction.atomic
def restate_commitments(
    actor, scheme: Scheme, source: str, reference: str, plan: Mapping[dt.date, int]
) -> dict[dt.date, int]:
    """Restate the whole plan of one source and reference on `scheme` (e.g. a care package's service after a
    change): `plan` maps a month (any day in it) to the pence committed then. Months of the year left out of
    `plan` that held a commitment from this source and reference are set to nothing (0), so the plan stored
    is the plan given. Months whose amount does not change are not written. One audit entry records the
    months before and after; nothing is written (and no entry) when nothing changes.

    The same rules as `create_commitment`: amounts are pence, not negative, within bounds; a settled pool takes
    none. A few statements whatever the number of months: the pool's row (locked, as for `create_commitment`),
    the plan stored now, one upsert of the months that change, the audit entry. Returns the plan stored,
    month start -> pence."""
    if not source or not reference:
        raise FieldError("give the source and reference of the commitment", field="reference")
    source, reference = source[:80], reference[:120]
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        # the pool's row locked as `lock` locks it (SQLite: one writer at a time already)
        cur.execute(
            "SELECT status FROM pool_pool WHERE id = %s" + (" FOR NO KEY UPDATE" if pg else ""), [scheme.pool_id]
        )
        status = cur.fetchone()[0]
    state = ledger_state.state_of(scheme.pool_id)
    year = state.financial_year
    amounts: dict[int, int] = {}
    for month, amount in plan.items():
        if not isinstance(month, dt.date):
            raise FieldError(f"give each month as a date, not {month!r}", field="plan")
        try:
            number = domain.period_number(year, month)
        except ValueError as exc:
            raise FieldError(str(exc), field="plan") from None
        _check_amount(amount, field=f"plan.{month.isoformat()[:7]}")
        if number in amounts:
            raise FieldError(f"{month:%B %Y} is given twice", field="plan")
        amounts[number] = amount
    if (PoolState(status), Action.COMMIT) not in TRANSITIONS:
        require(Pool.objects.get(pk=scheme.pool_id), Action.COMMIT)  # raises, saying why
    by_id = {pk: number for number, (pk, _, _) in state.periods.items()}
    table = Commitment._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT period_id, amount_pence FROM {table} WHERE scheme_id = %s AND source = %s AND reference = %s"
            + (" FOR UPDATE" if pg else ""),
            [scheme.pk, source, reference],
        )
        stored = {by_id[period_id]: amount for period_id, amount in cur.fetchall()}
    wanted = {n: amounts.get(n, 0) for n in set(stored) | set(amounts)}
    changes = {n: a for n, a in wanted.items() if stored.get(n) != a}
    month_of = {n: domain.period_months(year)[n - 1] for n in wanted}
    if changes:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        who = actor.pk if getattr(actor, "pk", None) else None
        rows = [
            (scheme.pool_id, scheme.pk, state.periods[n][0], a, source, reference, who, now)
            for n, a in sorted(changes.items())
        ]
        with connection.cursor() as cur:
            # one upsert on the key (scheme, month, source, reference); a stored month keeps its creator
            cur.execute(
                f"INSERT INTO {table} (pool_id, scheme_id, period_id, amount_pence, source, reference, created_by_id, "
                f"updated_at) VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(rows))} "
                "ON CONFLICT (scheme_id, period_id, source, reference) DO UPDATE "
                "SET amount_pence = excluded.amount_pence, updated_at = excluded.updated_at",
                [x for row in rows for x in row],
            )
        label = {n: month_of[n].isoformat()[:7] for n in wanted}
        record(
            actor,
            "pool.restate_commitments",
            scheme,
            before={label[n]: a for n, a in sorted(stored.items())},
            after={label[n]: a for n, a in sorted(wanted.items())},
            summary=f"Restated {source}/{reference} on {scheme.name}: "
            f"{plural(len(changes), 'month')} changed, {sum(wanted.values())}p in all",
        )
    return {month_of[n]: a for n, a in sorted(wanted.items())}
