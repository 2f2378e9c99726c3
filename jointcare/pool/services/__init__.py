"""Writes to pooled budgets and the ledger, and the reads they rest on, one module per concept. Every write is
one database transaction with one audit entry, named as a domain verb.

- `setup`: creating a pool, validated as a whole (`create_pool`, `check_pool`, `account_for`);
- `ledger`: posting, bulk posting, reversal, idempotency by key and digest, receiving contributions;
- `commitments`: planned spend (`create_commitment`, and `restate_commitments` for a whole plan, for other apps);
- `periods`: the pool's lifecycle and closing months (`close_period`, `available_actions`);
- `settlement`: previewing, settling and reopening (`preview_settlement`, `settle_pool`, `reopen_pool`);
- `queries`: the one source of the pool's figures (`monitoring`), statements, the contributions schedule.

Everything public is importable from `jointcare.pool.services` itself.
"""

from jointcare.pool.services.commitments import create_commitment, create_commitments_bulk, restate_commitments
from jointcare.pool.services.ledger import (
    BulkResult,
    Entry,
    contribution_entries,
    existing_digests,
    parse_receipt_key,
    post_transaction,
    post_transactions_bulk,
    receipt_key,
    receive_contribution,
    reverse_transaction,
)
from jointcare.pool.services.periods import available_actions, close_period, lifecycle_of, require
from jointcare.pool.services.queries import (
    Line,
    contributions_schedule,
    money_in,
    monitoring,
    partner_names,
    partner_statements,
    pooled_contributions,
    reporting_month,
    scheme_funders,
)
from jointcare.pool.services.settlement import (
    compute_risk_share,
    preview_settlement,
    reopen_pool,
    rule_for,
    settle_pool,
    settlement_history,
    settlement_in_force,
)
from jointcare.pool.services.setup import (
    ContributionSpec,
    PoolSpec,
    SchemeSpec,
    account_for,
    check_pool,
    create_pool,
    draft_of,
    partner_label,
    pool_draft,
)

__all__ = [
    "BulkResult",
    "ContributionSpec",
    "Entry",
    "Line",
    "PoolSpec",
    "SchemeSpec",
    "account_for",
    "available_actions",
    "check_pool",
    "close_period",
    "compute_risk_share",
    "contribution_entries",
    "contributions_schedule",
    "create_commitment",
    "create_commitments_bulk",
    "create_pool",
    "draft_of",
    "existing_digests",
    "lifecycle_of",
    "money_in",
    "monitoring",
    "parse_receipt_key",
    "partner_label",
    "partner_names",
    "partner_statements",
    "pool_draft",
    "pooled_contributions",
    "post_transaction",
    "post_transactions_bulk",
    "preview_settlement",
    "receipt_key",
    "receive_contribution",
    "reopen_pool",
    "restate_commitments",
    "reporting_month",
    "require",
    "reverse_transaction",
    "rule_for",
    "scheme_funders",
    "settle_pool",
    "settlement_history",
    "settlement_in_force",
]
