"""Pooled budgets and their double-entry ledger. Postings and transactions are append-only."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from jointcare.money import MAX_AMOUNT_PENCE, MAX_BALANCE_PENCE
from jointcare.pool.domain import (
    POOL_STATE_LABELS,
    SERVICE_AREA_LABELS,
    AccountKind,
    ContributionForm,
    ContributionType,
    Method,
    PoolState,
    Schedule,
    ServiceArea,
    TransactionKind,
    Underspend,
    financial_year_label,
)


def _amount_within(field: str, name: str, *, signed: bool = False, limit: int = MAX_AMOUNT_PENCE):
    """A CHECK that an amount of money is within the platform's bounds (and not negative unless `signed`)."""
    low = -limit if signed else 0
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": low, f"{field}__lte": limit}), name=name
    )


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: correct them by reversal")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: correct them by reversal")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: correct them by reversal")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: correct them by reversal")


def new_ledger_version() -> int:
    """A fresh value for `Pool.ledger_version`: random, so a value is never used again for other facts, even
    after a rollback or when a database reuses a deleted pool's id."""
    return secrets.randbits(62)


class Pool(models.Model):
    """A pooled budget for one agreement and financial year, with its risk-share rule."""

    agreement = models.ForeignKey("partnerships.Agreement", on_delete=models.PROTECT, related_name="pools")
    financial_year = models.PositiveSmallIntegerField(help_text="Starting year: 2026 is 2026-27")
    name = models.CharField(max_length=200)
    host = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="hosted_pools"
    )
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    risk_reserve_pence = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=20,
        choices=[(s.value, POOL_STATE_LABELS[s]) for s in PoolState],
        default=PoolState.OPEN.value,
        help_text="Where the pool is in its year (domain.periods: the transition table)",
    )
    method = models.CharField(
        max_length=20, choices=[(m.value, m.value) for m in Method], default=Method.PRO_RATA.value
    )
    fixed_shares = models.JSONField(
        default=dict, blank=True, help_text="partner code -> share as 'n/d' or percent"
    )
    caps = models.JSONField(default=dict, blank=True, help_text="partner code -> 'contribution' or pence")
    excess_to = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    underspend = models.CharField(
        max_length=20, choices=[(u.value, u.value) for u in Underspend], default=Underspend.RETURN_PRO_RATA.value
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ledger_version = models.BigIntegerField(
        default=new_ledger_version,
        help_text="Changes whenever what posting relies on changes: an account added, a month closed or opened, "
        "the state (decision 0070)",
    )

    class Meta:
        ordering = ["-financial_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "financial_year"], name="pool_once_per_agreement_year"
            ),
            _amount_within("risk_reserve_pence", "pool_reserve_within_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year_label}"

    @property
    def year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def status_label(self) -> str:
        return POOL_STATE_LABELS[PoolState(self.status)]


class Contribution(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="contributions")
    partner = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    amount_pence = models.BigIntegerField()
    type = models.CharField(max_length=10, choices=[(c.value, c.value) for c in ContributionType])
    form = models.CharField(max_length=10, choices=[(c.value, c.value) for c in ContributionForm])
    schedule = models.CharField(max_length=10, choices=[(s.value, s.value) for s in Schedule])
    instalments = models.JSONField(default=dict, help_text="period number (1 = April) -> pence")
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pool", "id"]
        constraints = [_amount_within("amount_pence", "contribution_within_bounds")]


class Scheme(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="schemes")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    service_area = models.CharField(
        max_length=30, choices=[(a.value, SERVICE_AREA_LABELS[a]) for a in ServiceArea]
    )
    lead = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    budget_pence = models.BigIntegerField()

    class Meta:
        ordering = ["pool", "code"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "code"], name="scheme_code_once_per_pool"),
            _amount_within("budget_pence", "budget_within_bounds"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def service_area_label(self) -> str:
        return SERVICE_AREA_LABELS[ServiceArea(self.service_area)]


class SchemeFunder(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="funders")
    partner = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    share_basis_points = models.PositiveIntegerField(help_text="10000 = 100%")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "partner"], name="funder_once_per_scheme")]


class Period(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="periods")
    number = models.PositiveSmallIntegerField(help_text="1 = April .. 12 = March")
    starts_on = models.DateField()
    closed = models.BooleanField(default=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pool", "number"]
        constraints = [models.UniqueConstraint(fields=["pool", "number"], name="period_once_per_pool")]

    @property
    def label(self) -> str:
        return self.starts_on.strftime("%Y-%m")

    def __str__(self) -> str:
        return self.label


class Account(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in AccountKind])
    partner = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.ForeignKey(
        Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )

    class Meta:
        ordering = ["pool", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "kind"],
                condition=models.Q(partner__isnull=True, scheme__isnull=True),
                name="pool_account_once_per_pool",
            ),
            models.UniqueConstraint(
                fields=["pool", "kind", "partner"],
                condition=models.Q(partner__isnull=False),
                name="partner_account_once_per_pool",
            ),
            models.UniqueConstraint(
                fields=["pool", "kind", "scheme"],
                condition=models.Q(scheme__isnull=False),
                name="scheme_account_once_per_pool",
            ),
        ]

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # posting caches the pool's accounts by version (decision 0070)
            Pool.objects.filter(pk=self.pool_id).update(ledger_version=new_ledger_version())

    def __str__(self) -> str:
        who = self.scheme.name if self.scheme_id else self.partner.name if self.partner_id else "pool"
        return f"{self.kind}: {who}"


class LedgerTransaction(AppendOnlyModel):
    # No per-row foreign-key constraints on pool, period and reverses (each costs one check per transaction at
    # commit): on PostgreSQL one statement-level trigger checks them for every inserted row, period and
    # reversed transaction in the same pool, and referenced pools and periods cannot be deleted (migration
    # 0007); `ledger check` reports dangling keys on any database.
    # the unique (pool, idempotency_key) index serves look-ups by pool
    pool = models.ForeignKey(
        Pool, on_delete=models.PROTECT, related_name="transactions", db_index=False, db_constraint=False
    )
    # the (period, pool, posted_at) index below serves look-ups by period, and `ledger check` reads it alone
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="transactions", db_index=False, db_constraint=False
    )
    idempotency_key = models.CharField(max_length=120)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the payload (domain.payload_digest)")
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in TransactionKind])
    value_date = models.DateField()
    source = models.CharField(max_length=80, help_text="Where it came from: import file, service, settlement")
    reason = models.CharField(max_length=300)
    reference = models.CharField(max_length=120, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", db_constraint=False
    )

    class Meta:
        ordering = ["pool", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "idempotency_key"], name="transaction_key_once_per_pool")
        ]
        indexes = [models.Index(fields=["period", "pool", "posted_at"], name="transaction_period_pool_time")]


class Posting(AppendOnlyModel):
    # No per-row foreign-key constraints on the two keys below (each costs one check per posting at commit):
    # on PostgreSQL one statement-level trigger checks every inserted posting's transaction and account exist,
    # share a pool and (with `period`) a month, and referenced accounts and transactions cannot be deleted
    # (migration 0007); the services validate accounts; `ledger check` reports orphans on any database.
    # the (transaction, period, amount) index below serves look-ups by transaction, so no separate one
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings", db_index=False, db_constraint=False
    )
    # the (account, period, amount) index below serves look-ups by account, so no separate one
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_index=False, db_constraint=False
    )
    # denormalised from the transaction (which has the constraint); `ledger check` verifies they agree
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    amount_pence = models.BigIntegerField(help_text="+ debit, - credit")

    class Meta:
        ordering = ["id"]
        # each holds every column one scan of `ledger check` reads, so that scan reads the index alone (0121)
        indexes = [
            models.Index(fields=["transaction", "period", "amount_pence"], name="posting_transaction_check"),
            models.Index(fields=["account", "period", "amount_pence"], name="posting_account_period_amount"),
        ]
        constraints = [_amount_within("amount_pence", "posting_within_bounds", signed=True)]


class MonthlyBalance(models.Model):
    """Sum of postings per account and period, kept in the same database transaction as the postings."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="monthly")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    amount_pence = models.BigIntegerField(default=0)
    postings = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="monthly_once_per_account"),
            _amount_within("amount_pence", "monthly_balance_within_bounds", signed=True, limit=MAX_BALANCE_PENCE),
        ]


class Commitment(models.Model):
    """Planned spend on a scheme in a month (e.g. from a care package). Keyed by source and reference."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="commitments")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="commitments")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="commitments")
    amount_pence = models.BigIntegerField()
    source = models.CharField(max_length=80)
    reference = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "period", "source", "reference"], name="commitment_once_per_source_month"
            ),
            _amount_within("amount_pence", "commitment_within_bounds"),
        ]
        indexes = [models.Index(fields=["pool", "scheme", "period"], name="commitment_scheme_period")]


class Settlement(models.Model):
    """A year-end risk share as settled: the explanation, the partner statements and the ledger transaction it
    posted. Reopening the pool keeps it as history (with who reopened it, when, why, and the reversal posted);
    at most one settlement of a pool is in force."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="settlements")
    number = models.PositiveSmallIntegerField(help_text="1 for the first settlement, 2 after one reopening, ...")
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.JSONField()
    statements = models.JSONField()
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(default=timezone.now)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopen_reason = models.CharField(max_length=300, blank=True)
    reversal = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pool", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "number"], name="settlement_number_once_per_pool"),
            models.UniqueConstraint(
                fields=["pool"], condition=models.Q(reopened_at__isnull=True), name="one_settlement_in_force"
            ),
        ]

    @property
    def in_force(self) -> bool:
        return self.reopened_at is None
