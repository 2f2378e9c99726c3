"""On PostgreSQL: small statements queue for the check at commit only what can unbalance a transaction, so a
balanced transaction posted in one statement queues nothing (pool/sql/ledger_queue_what_can_fail.sql); and the
monthly balances' pages are kept four-fifths empty, so that updating a balance finds room for its new version on
the same page and touches none of the table's indexes (decision 0125). Undone, the functions and the table are
as before.

The two queueing triggers are changed in their last statement only, in the functions as the database holds
them, so that whatever other migrations changed in the rest of them (their paths for large statements) stays."""

import re
import textwrap
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"

# The last statement of each queueing trigger as migrations 0001 and 0003 wrote it, and what replaces it: small
# statements queue only the groups of postings that do not sum to zero, and only the transactions that have
# fewer than two postings when the statement ends.
POSTINGS_QUEUE = """    INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
        SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM (
            SELECT transaction_id, SUM(amount_pence) AS s, COUNT(*) AS n FROM new_rows GROUP BY transaction_id
        ) AS g HAVING count(*) > 0;
"""
POSTINGS_QUEUE_SMALL = """    IF n_rows <= 64 THEN
        -- only the groups that change a transaction's sum (decision 0125)
        INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
            SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM (
                SELECT transaction_id, SUM(amount_pence) AS s, COUNT(*) AS n FROM new_rows GROUP BY transaction_id
                HAVING SUM(amount_pence) <> 0
            ) AS g HAVING count(*) > 0;
    ELSE
""" + textwrap.indent(POSTINGS_QUEUE, "    ") + """    END IF;
"""
TRANSACTIONS_QUEUE = """    INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
        SELECT array_agg(id), array_fill(0::numeric, ARRAY[count(*)::int]), array_fill(0::bigint, ARRAY[count(*)::int]),
               true
          FROM new_rows HAVING count(*) > 0;
"""
TRANSACTIONS_QUEUE_SMALL = """    IF n_rows <= 64 THEN
        -- only the transactions with fewer than two postings now, through the postings' index on their
        -- transaction (decision 0125)
        INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
            SELECT array_agg(id), array_fill(0::numeric, ARRAY[count(*)::int]),
                   array_fill(0::bigint, ARRAY[count(*)::int]), true
              FROM new_rows n
             WHERE (SELECT count(*) FROM (SELECT FROM pool_posting p WHERE p.transaction_id = n.id LIMIT 2) AS two) < 2
            HAVING count(*) > 0;
    ELSE
""" + textwrap.indent(TRANSACTIONS_QUEUE, "    ") + """    END IF;
"""
QUEUES = {
    "pool_queue_posting_check": (POSTINGS_QUEUE, POSTINGS_QUEUE_SMALL),
    "pool_queue_transaction_check": (TRANSACTIONS_QUEUE, TRANSACTIONS_QUEUE_SMALL),
}

# A few hundred rows a pool and year, each updated by every posting to its account and month: with pages full,
# an update's new version goes to another page and every index of the table gets an entry for it (40 % of the
# updates stayed on their page in a run of `benchmarks.pool_ledger`). CLUSTER rewrites the rows already there
# with the room (it may run inside the migration's transaction; it locks the table for the moment it takes).
ROOMY_BALANCES = (
    "ALTER TABLE pool_monthlybalance SET (fillfactor = 20); CLUSTER pool_monthlybalance USING monthly_once_per_account"
)
PACKED_BALANCES = "ALTER TABLE pool_monthlybalance RESET (fillfactor); ALTER TABLE pool_monthlybalance SET WITHOUT CLUSTER"


def _replace_statement(schema_editor, function: str, old: str, new: str) -> None:
    """Replace `old` by `new` in `function`'s definition as the database holds it; refuse if `old` is not there
    exactly once (the function was changed in a way this migration does not know)."""
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT pg_get_functiondef(%s::regproc)", [function])
        definition = cur.fetchone()[0]
    if definition.count(old) != 1:
        raise RuntimeError(f"{function}: its queueing statement is not the one migration pool 0006 expects")
    schema_editor.execute(definition.replace(old, new), params=None)


def queue_what_can_fail(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for function, (statement, small) in QUEUES.items():
            _replace_statement(schema_editor, function, statement, small)
        schema_editor.execute((SQL / "ledger_queue_what_can_fail.sql").read_text(encoding="utf-8"), params=None)
        schema_editor.execute(ROOMY_BALANCES, params=None)


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for function, (statement, small) in QUEUES.items():
            _replace_statement(schema_editor, function, small, statement)
        small_statements = (SQL / "ledger_small_statements.sql").read_text(encoding="utf-8")
        check = re.search(
            r"CREATE OR REPLACE FUNCTION pool_check_balanced_at_commit\(\).*?\$\$ LANGUAGE plpgsql[^;]*;",
            small_statements,
            re.S,
        ).group(0)
        schema_editor.execute(check, params=None)
        schema_editor.execute(PACKED_BALANCES, params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0004_ledger_check_indexes")]

    operations = [migrations.RunPython(queue_what_can_fail, as_before)]
