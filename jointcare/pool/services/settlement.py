"""The year-end: previewing the risk share (in year on the forecast outturn), settling it (which posts it,
closes March and locks the pool) and reopening a settled pool, with a reason, for late invoices."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from jointcare.audit.services import record
from jointcare.errors import Conflict, FieldError
from jointcare.pool import domain
from jointcare.pool.domain import Action, PoolState, TransactionKind
from jointcare.pool.models import LedgerTransaction, Period, Pool, Scheme, Settlement
from jointcare.pool.services import ledger_state
from jointcare.pool.services.ledger import Entry, _account_ids, _periods_for, _post_entries, _validate
from jointcare.pool.services.periods import lifecycle_of, lock, require, today_or
from jointcare.pool.services.queries import monitoring, partner_names, partner_statements, pooled_contributions
from jointcare.pool.services.setup import account_for, check_pool, refuse_problems


def rule_for(pool: Pool) -> domain.RiskRule:
    """The pool's risk-share rule, partners keyed by organisation id."""
    return domain.RiskRule(
        method=domain.Method(pool.method),
        shares={int(k): Fraction(v) for k, v in pool.fixed_shares.items()},
        caps={int(k): (v if v == "contribution" else int(v)) for k, v in pool.caps.items()},
        excess_to=pool.excess_to_id,
        underspend=domain.Underspend(pool.underspend),
        risk_reserve=pool.risk_reserve_pence,
    )


def compute_risk_share(pool: Pool, figures: dict | None = None) -> domain.RiskShareResult:
    """The risk share of the outturn in `figures` (from `monitoring`; by default as at today: the forecast in
    year, the actuals after it)."""
    figures = figures if figures is not None else monitoring(pool)
    refuse_problems(check_pool(pool))
    leads = dict(Scheme.objects.filter(pool=pool).values_list("code", "lead_id"))
    schemes = [
        domain.SchemeResult(line.key, line.name, leads[line.key], line.totals["budget"], line.totals["forecast"])
        for line in figures["schemes"]
    ]
    try:
        return domain.risk_share(schemes, pooled_contributions(pool), rule_for(pool), partner_names(pool))
    except domain.RuleError as exc:
        raise FieldError(str(exc), errors=[p.as_dict() for p in exc.problems] or None, field="risk_share") from None


def preview_settlement(pool: Pool, today: dt.date | None = None) -> dict:
    """What settling would post, as at `today`, without posting anything.

    In year (`basis: "forecast"`) the outturn is the forecast that monitoring shows; after 31 March
    (`basis: "actuals"`) it is the actual spend. `provisional` is true until the pool can be settled (the year
    has ended and April to February are closed); `open_months` lists the months still open."""
    today = today_or(today)
    life = lifecycle_of(pool)
    figures = monitoring(pool, today=today)
    result = compute_risk_share(pool, figures)
    names = partner_names(pool)
    allowed = life.allowed(today)
    return {
        "pool": str(pool),
        "dry_run": True,
        "provisional": not allowed["settle"],
        "basis": figures["basis"],
        "through": figures["through"],
        "state": life.state.value,
        "open_months": [domain.month_label(pool.financial_year, n) for n in domain.months_blocking_settlement(life.closed)],
        **result.as_dict(names),
        "statements": partner_statements(pool, result, figures),
    }


def settle_pool(actor, pool: Pool, *, dry_run: bool = False, today: dt.date | None = None) -> dict:
    """Year-end: compute the risk share on the actual outturn, post it into March as one ledger transaction,
    close March and lock the pool; keep the explanation and partner statements as a Settlement.

    Allowed from 1 April after the year, once April to February are closed (Conflict otherwise). A dry run is
    `preview_settlement`: it works at any time before settlement, on the forecast in year."""
    if dry_run:
        if lifecycle_of(pool).state == PoolState.SETTLED:
            raise Conflict(f"pool {pool} is already settled", field="state")
        return preview_settlement(pool, today)
    with transaction.atomic():
        pool = lock(pool)
        require(pool, Action.SETTLE, today=today)
        march = _periods_for(pool, [domain.MARCH], lock=True)[domain.MARCH]
        figures = monitoring(pool, 12)
        result = compute_risk_share(pool, figures)
        names = partner_names(pool)
        statements = partner_statements(pool, result, figures)
        number = Settlement.objects.filter(pool=pool).count() + 1
        postings = [
            (account_for(pool, kind, partner=None if partner is None else _partner(pool, partner)).pk, amount)
            for kind, partner, amount in domain.settlement_postings(result)
        ]
        tx = None
        if postings:
            entry = Entry(
                key=f"settlement:{pool.pk}:{number}",
                value_date=domain.financial_year_bounds(pool.financial_year)[1],
                postings=postings,
                reason="Year-end risk share" if number == 1 else f"Year-end risk share (settlement {number})",
                kind=TransactionKind.SETTLEMENT,
            )
            _validate(pool, entry, _account_ids(pool))
            posted, _ = _post_entries(actor, pool, [(entry, march)], "settlement", action=None)
            tx = LedgerTransaction.objects.get(pk=posted[entry.key])
        now = timezone.now()
        who = actor if getattr(actor, "pk", None) else None
        Period.objects.filter(pk=march.pk).update(closed=True, closed_by=who, closed_at=now)
        Settlement.objects.create(
            pool=pool, number=number, transaction=tx, result=result.as_dict(names), statements=statements, settled_by=who
        )
        Pool.objects.filter(pk=pool.pk).update(status=PoolState.SETTLED, settled_at=now)
        ledger_state.bump(pool.pk)
        record(
            actor,
            "pool.settle",
            pool,
            after={**result.as_dict(names), "settlement": number},
            summary=f"Settled the risk share of {pool}" + (f" (settlement {number})" if number > 1 else ""),
        )
        return {
            "pool": str(pool),
            "dry_run": False,
            "provisional": False,
            "basis": "actuals",
            "through": 12,
            "state": PoolState.SETTLED.value,
            "open_months": [],
            **result.as_dict(names),
            "statements": statements,
            "settlement": number,
            "transaction_id": tx.pk if tx else None,
        }


def _partner(pool: Pool, partner_id: int):
    from jointcare.organisations.models import Organisation

    return Organisation.objects.get(pk=partner_id)


@transaction.atomic
def reopen_pool(actor, pool: Pool, reason: str, *, today: dt.date | None = None) -> Pool:
    """Reopen a settled pool for late invoices: post the reversal of the settlement transaction (keyed
    `reversal:<its id>`, with the reason), open March again, and keep the settlement as history with who
    reopened it, when and why. Settle again afterwards (`settle_pool`) to post a new settlement."""
    pool = lock(pool)
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("give the reason for reopening the pool (e.g. the late invoices)", field="reason")
    if len(reason) > 300:
        raise FieldError("the reason is longer than 300 characters", field="reason")
    require(pool, Action.REOPEN, today=today, reason=reason)
    settlement = Settlement.objects.select_for_update().get(pool=pool, reopened_at__isnull=True)
    march = _periods_for(pool, [domain.MARCH], lock=True)[domain.MARCH]
    Period.objects.filter(pk=march.pk).update(closed=False, closed_by=None, closed_at=None)
    march.closed = False
    reversal = None
    if settlement.transaction_id:
        tx = settlement.transaction
        entry = Entry(
            key=domain.reversal_key(tx.pk),
            value_date=tx.value_date,
            postings=[(p.account_id, -p.amount_pence) for p in tx.postings.all()],
            reason=f"Reopened: {reason}"[:300],
            kind=TransactionKind.REVERSAL,
            reverses_id=tx.pk,
        )
        posted, _ = _post_entries(actor, pool, [(entry, march)], "reopening", action=None)
        reversal = LedgerTransaction.objects.get(pk=posted[entry.key])
    who = actor if getattr(actor, "pk", None) else None
    Settlement.objects.filter(pk=settlement.pk).update(
        reopened_at=timezone.now(), reopened_by=who, reopen_reason=reason, reversal=reversal
    )
    Pool.objects.filter(pk=pool.pk).update(status=PoolState.REOPENED, settled_at=None)
    ledger_state.bump(pool.pk)
    record(
        actor,
        "pool.reopen",
        pool,
        before={"status": PoolState.SETTLED.value, "settlement": settlement.number},
        after={"status": PoolState.REOPENED.value, "reason": reason, "reversal": reversal.pk if reversal else None},
        summary=f"Reopened {pool} for late invoices: {reason}",
    )
    pool.refresh_from_db()
    return pool


def settlement_in_force(pool: Pool) -> Settlement | None:
    """The settlement in force (None while the pool is not settled); earlier ones are history."""
    return Settlement.objects.filter(pool=pool, reopened_at__isnull=True).first()


def settlement_history(pool: Pool) -> list[Settlement]:
    return list(Settlement.objects.filter(pool=pool).select_related("settled_by", "reopened_by").order_by("number"))
