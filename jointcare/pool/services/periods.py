"""The pool's year: where it stands in its lifecycle (`domain.periods`), and closing months.

Every service that changes a pool asks `require(pool, action)` first, so the transition table decides what is
allowed in each state. "Today" is `django.utils.timezone.localdate()` unless a caller passes `today`.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jointcare.audit.services import record, snapshot
from jointcare.errors import Conflict, NotFound
from jointcare.pool import domain
from jointcare.pool.domain import Action, Lifecycle, LifecycleError, PoolState
from jointcare.pool.models import Period, Pool
from jointcare.pool.services import ledger_state


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def lifecycle_of(pool: Pool) -> Lifecycle:
    """The pool's state (as stored now, not as `pool` was loaded) and its closed months."""
    status = Pool.objects.filter(pk=pool.pk).values_list("status", flat=True).get()
    closed = Period.objects.filter(pool_id=pool.pk, closed=True).values_list("number", flat=True)
    return Lifecycle(pool.financial_year, PoolState(status), frozenset(closed))


def require(pool: Pool, action: Action, *, today: dt.date | None = None, number: int | None = None, reason: str = "") -> PoolState:
    """The state after `action`, or Conflict (409) saying why the pool's state or the calendar refuses it."""
    try:
        return lifecycle_of(pool).check(action, today=today_or(today), number=number, reason=reason)
    except LifecycleError as exc:
        raise Conflict(str(exc), field=exc.field) from None


def lock(pool: Pool) -> Pool:
    """Lock the pool row for a lifecycle change (closing, settling, reopening), so those run one at a time.
    FOR NO KEY UPDATE: postings' key checks (FOR KEY SHARE) do not wait for it."""
    return Pool.objects.select_for_update(no_key=True).get(pk=pool.pk)


def available_actions(pool: Pool, today: dt.date | None = None) -> dict:
    """What can be done to the pool now, for showing only the buttons that work:
    {"state", "state_label", "close_month" (the month number that may close next, or None), "post", "commit",
    "settle", "reopen"}."""
    return lifecycle_of(pool).allowed(today_or(today))


@transaction.atomic
def close_period(actor, pool: Pool, number: int, *, today: dt.date | None = None) -> Period:
    """Close month `number` (1 = April .. 11 = February): months close in order, each once it has ended;
    closing February leaves the pool awaiting settlement. March closes by settling (`settle_pool`)."""
    pool = lock(pool)
    try:
        period = Period.objects.select_for_update().get(pool=pool, number=number)
    except Period.DoesNotExist:
        raise NotFound(f"pool {pool} has no period {number}", field="period") from None
    after = require(pool, domain.close_action(number), today=today, number=number)
    before = snapshot(period)
    Period.objects.filter(pk=period.pk).update(closed=True, closed_by=actor, closed_at=timezone.now())
    ledger_state.bump(pool.pk)
    period.refresh_from_db()
    if after != pool.status:
        Pool.objects.filter(pk=pool.pk).update(status=after)
    record(
        actor,
        "pool.close_period",
        period,
        before=before,
        after=snapshot(period),
        summary=f"Closed {period.label} of {pool}",
    )
    return period

